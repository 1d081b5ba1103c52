-- Schedules, version 19 (change format 9): a doctor's working hours (`doctor_hours`, keyed by
-- the doctor: sessions per weekday as JSON, the slot grid), leave and clinic holidays
-- (`time_off`, no doctor for the whole clinic), and the waitlist (`waitlist`: a patient wanting
-- an earlier slot with a doctor or any). All replicated records (capture triggers from the
-- declaration in rapport-model); the appointment's late column `walk_in` is added in Rust.
CREATE TABLE doctor_hours (
    id           BLOB PRIMARY KEY,
    doctor       BLOB NOT NULL REFERENCES staff (id),
    week         TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    set_by       BLOB NOT NULL REFERENCES staff (id),
    updated_at   INTEGER NOT NULL
);
CREATE INDEX doctor_hours_by_doctor ON doctor_hours (doctor, updated_at);

CREATE TABLE time_off (
    id         BLOB PRIMARY KEY,
    doctor     BLOB REFERENCES staff (id),
    first_day  TEXT NOT NULL,
    last_day   TEXT NOT NULL,
    reason     TEXT,
    set_by     BLOB NOT NULL REFERENCES staff (id),
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX time_off_by_day ON time_off (last_day);

CREATE TABLE waitlist (
    id             BLOB PRIMARY KEY,
    patient_id     BLOB NOT NULL REFERENCES patient (id),
    doctor         BLOB REFERENCES staff (id),
    minutes        INTEGER NOT NULL,
    appointment_id BLOB,
    note           TEXT,
    added_by       BLOB NOT NULL REFERENCES staff (id),
    added_at       INTEGER NOT NULL,
    closed_at      INTEGER,
    outcome        TEXT,
    closed_by      BLOB REFERENCES staff (id)
);
CREATE INDEX waitlist_open ON waitlist (closed_at, added_at);
