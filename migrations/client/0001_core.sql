-- Rapport client schema, version 1: the master patient file, rapport pointers, appointments,
-- staff and the hash-chained audit log. Forward-only: never edit a shipped migration.
-- Ids are 16-byte UUIDv7 blobs; times are Unix milliseconds (UTC); dates are ISO text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE staff (
    id            BLOB PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('front-desk', 'clinician', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL
);

CREATE TABLE patient (
    id               BLOB PRIMARY KEY,
    record_no        TEXT NOT NULL UNIQUE,
    given            TEXT NOT NULL,
    family           TEXT NOT NULL,
    preferred        TEXT,
    pronunciation    TEXT,
    birth_date       TEXT,
    sex              TEXT,
    gender           TEXT,
    language         TEXT,
    phones           TEXT NOT NULL DEFAULT '[]',
    email            TEXT,
    address          TEXT,
    city             TEXT,
    area             TEXT,
    consent          TEXT NOT NULL DEFAULT '{}',
    referral_source  TEXT,
    referring_doctor TEXT,
    usual_doctor     BLOB REFERENCES staff (id),
    practical_needs  TEXT NOT NULL DEFAULT '[]',
    conditions       TEXT NOT NULL DEFAULT '[]',
    attendants       TEXT NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_seen_at     INTEGER,
    -- A deleted patient is a tombstone: kept (pointers, visits and audit refer to it), hidden.
    deleted_at       INTEGER
);

-- Pointers and their marks are append-only: an edit is a new row that supersedes the old one,
-- a retraction is a mark.
CREATE TABLE pointer (
    id          BLOB PRIMARY KEY,
    patient_id  BLOB NOT NULL REFERENCES patient (id),
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    event_date  TEXT,
    author      BLOB NOT NULL REFERENCES staff (id),
    author_role TEXT NOT NULL,
    clinic      TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    supersedes  BLOB REFERENCES pointer (id)
);
CREATE INDEX pointer_by_patient ON pointer (patient_id, created_at);

CREATE TABLE pointer_mark (
    id         BLOB PRIMARY KEY,
    pointer_id BLOB NOT NULL REFERENCES pointer (id),
    kind       TEXT NOT NULL CHECK (kind IN ('used', 'confirmed', 'retracted')),
    by_staff   BLOB NOT NULL REFERENCES staff (id),
    at         INTEGER NOT NULL,
    note       TEXT
);
CREATE INDEX pointer_mark_by_pointer ON pointer_mark (pointer_id);

CREATE TRIGGER pointer_is_append_only_u BEFORE UPDATE ON pointer
BEGIN SELECT RAISE(ABORT, 'pointers are append-only'); END;
CREATE TRIGGER pointer_is_append_only_d BEFORE DELETE ON pointer
BEGIN SELECT RAISE(ABORT, 'pointers are append-only'); END;
CREATE TRIGGER pointer_mark_is_append_only_u BEFORE UPDATE ON pointer_mark
BEGIN SELECT RAISE(ABORT, 'pointer marks are append-only'); END;
CREATE TRIGGER pointer_mark_is_append_only_d BEFORE DELETE ON pointer_mark
BEGIN SELECT RAISE(ABORT, 'pointer marks are append-only'); END;

CREATE TABLE appointment (
    id           BLOB PRIMARY KEY,
    patient_id   BLOB NOT NULL REFERENCES patient (id),
    doctor       BLOB NOT NULL REFERENCES staff (id),
    starts_at    INTEGER NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    reason       TEXT,
    status       TEXT NOT NULL,
    booked_by    BLOB NOT NULL REFERENCES staff (id),
    booked_at    INTEGER NOT NULL,
    confirmed_at INTEGER,
    arrived_at   INTEGER,
    seen_at      INTEGER,
    done_at      INTEGER,
    cancelled_at INTEGER,
    no_show_at   INTEGER
);
CREATE INDEX appointment_by_doctor ON appointment (doctor, starts_at);
CREATE INDEX appointment_by_time ON appointment (starts_at);
CREATE INDEX appointment_by_patient ON appointment (patient_id, starts_at);

-- Work for the front desk that must not be forgotten (e.g. call back after a no-show).
CREATE TABLE follow_up (
    id             BLOB PRIMARY KEY,
    patient_id     BLOB NOT NULL REFERENCES patient (id),
    appointment_id BLOB REFERENCES appointment (id),
    reason         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    done_at        INTEGER
);
CREATE INDEX follow_up_open ON follow_up (done_at, created_at);

-- Who viewed or changed which patient. Each row's hash covers its fields and the previous
-- row's hash; the triggers refuse any change to a written row.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    staff_id   BLOB,
    action     TEXT NOT NULL,
    patient_id BLOB,
    subject    TEXT,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE INDEX audit_by_patient ON audit (patient_id, seq);

CREATE TRIGGER audit_is_append_only_u BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_is_append_only_d BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
