-- Surveys, version 12: a clinic's survey settings (a replicated record of its managers: after
-- a done visit or not, the delay, which doctors), and patients' answers as head office took
-- them (its own record, keyed by the survey message's id; desks cannot write it).
CREATE TABLE survey_settings (
    id          BLOB PRIMARY KEY,
    after_visit INTEGER NOT NULL,
    delay_hours INTEGER NOT NULL,
    doctors     TEXT NOT NULL DEFAULT '[]',
    set_by      BLOB NOT NULL REFERENCES staff (id),
    updated_at  INTEGER NOT NULL
);

CREATE TABLE survey_answer (
    id             BLOB PRIMARY KEY,
    patient_id     BLOB NOT NULL REFERENCES patient (id),
    appointment_id BLOB,
    doctor         BLOB NOT NULL REFERENCES staff (id),
    rating         INTEGER,
    recommend      INTEGER,
    comment        TEXT,
    via            TEXT NOT NULL,
    answered_at    INTEGER NOT NULL
);
CREATE INDEX survey_answer_by_doctor ON survey_answer (doctor, answered_at);
