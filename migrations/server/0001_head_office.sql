-- Rapport head office, version 1. One file for both backends: only types and statements that
-- SQLite and PostgreSQL read alike (TEXT, BIGINT, ON CONFLICT). Ids are UUID text; times are
-- Unix milliseconds. Forward-only: never edit a shipped migration.

-- The organisation this server serves, its own site id and clock, and the log's counter: every
-- change takes its sequence number from `seq` inside the writing transaction, so numbers are
-- committed in order and a pull by cursor never skips one.
CREATE TABLE head_office (
    id             BIGINT PRIMARY KEY,
    organisation   TEXT NOT NULL,
    site           TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    hlc            BIGINT NOT NULL,
    schema_version BIGINT NOT NULL
);

CREATE TABLE clinic (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- One-time enrollment codes, stored hashed.
CREATE TABLE enroll_code (
    code_hash  TEXT PRIMARY KEY,
    clinic_id  TEXT NOT NULL REFERENCES clinic (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    used_by    TEXT
);

-- Enrolled devices; a token is stored as its SHA-256.
CREATE TABLE device (
    id           TEXT PRIMARY KEY,
    clinic_id    TEXT NOT NULL REFERENCES clinic (id),
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_seen_at BIGINT
);

-- Every change ever accepted, in log order; `outcome` is the acknowledgement, so a resent change
-- gets the same answer.
CREATE TABLE change_log (
    seq         BIGINT PRIMARY KEY,
    change_id   TEXT NOT NULL UNIQUE,
    entity      TEXT NOT NULL,
    record      TEXT NOT NULL,
    patient_id  TEXT,
    clinic_id   TEXT,
    device_id   TEXT,
    body        TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX change_log_by_record ON change_log (entity, record, seq);

-- The merged present: each record's fields and the version of each field.
CREATE TABLE record_state (
    entity     TEXT NOT NULL,
    record     TEXT NOT NULL,
    patient_id TEXT,
    clinic_id  TEXT,
    fields     TEXT NOT NULL,
    versions   TEXT NOT NULL,
    PRIMARY KEY (entity, record)
);
CREATE INDEX record_state_by_patient ON record_state (patient_id, entity);

-- Which clinics hold which patients (a patient's changes reach every clinic that holds them).
CREATE TABLE patient_clinic (
    patient_id TEXT NOT NULL,
    clinic_id  TEXT NOT NULL,
    PRIMARY KEY (patient_id, clinic_id)
);
CREATE INDEX patient_clinic_by_clinic ON patient_clinic (clinic_id, patient_id);

-- Doctors' booked time, to refuse a slot booked twice by desks that were offline.
CREATE TABLE booking (
    appointment TEXT PRIMARY KEY,
    doctor      TEXT NOT NULL,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    holds       BIGINT NOT NULL
);
CREATE INDEX booking_by_doctor ON booking (doctor, starts_at);

-- Values that must be unique in the organisation (staff logins, record numbers).
CREATE TABLE unique_value (
    entity TEXT NOT NULL,
    field  TEXT NOT NULL,
    value  TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (entity, field, value)
);
CREATE INDEX unique_value_by_record ON unique_value (entity, field, record);

-- Head office's patient search: lower-case words of names, record number and phone digits.
CREATE TABLE patient_search (
    patient_id TEXT PRIMARY KEY,
    words      TEXT NOT NULL
);

-- Every edit that lost to a concurrent one, and every refused booking.
CREATE TABLE conflict (
    id             TEXT PRIMARY KEY,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    entity         TEXT NOT NULL,
    record         TEXT NOT NULL,
    field          TEXT,
    loser_version  TEXT NOT NULL,
    winner_version TEXT,
    loser_value    TEXT,
    winner_value   TEXT,
    clinic_id      TEXT
);
