-- Head office reaches patients, version 4: the outbox. One row per occasion (a reminder of one
-- appointment at one time, one birthday of one patient in one year…): planning again, a second
-- head-office process or a double click finds the row and makes no second message. A row moves
-- queued → claimed (one process holds it for a lease) → sent (the gateway's reference) →
-- delivered / failed / undeliverable; `skipped` keeps why a message was not sent (the rules may
-- plan it again if that changes); `call` is a message for a patient who takes calls only.
CREATE TABLE message (
    id              TEXT PRIMARY KEY,
    occasion        TEXT NOT NULL UNIQUE,
    clinic_id       TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    channel         TEXT,
    recipient       TEXT,
    subject         TEXT,
    body            TEXT,
    dlt_template_id TEXT,
    status          TEXT NOT NULL,
    reason          TEXT,
    send_after      BIGINT NOT NULL,
    -- The moment past which it is of no use (a reminder's appointment).
    send_before     BIGINT,
    attempts        BIGINT NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT,
    gateway_ref     TEXT,
    last_error      TEXT,
    reply           TEXT,
    -- The message's own secret: its confirm link and its delivery reports name it.
    token           TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX message_due ON message (status, send_after);
CREATE INDEX message_by_patient ON message (patient_id, created_at);

-- Bookings by start, for the reminders due in the next hours.
CREATE INDEX booking_by_start ON booking (starts_at);
