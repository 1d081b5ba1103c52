-- The head-office dashboard, version 9. What the chain's figures read of each visit is kept
-- with its booking (its clinic, status, when it was booked and when the patient was seen), so
-- that a figure is one indexed aggregate, never a parse of every appointment; older bookings
-- are filled in Rust (`Migration::then`). Head-office users sign in to the dashboard with an
-- Argon2id password (locked for a while after repeated failures); a session is known by the
-- SHA-256 of its cookie, so a copy of this database opens none.
ALTER TABLE booking ADD COLUMN clinic_id TEXT;
ALTER TABLE booking ADD COLUMN status TEXT;
ALTER TABLE booking ADD COLUMN booked_at BIGINT;
ALTER TABLE booking ADD COLUMN seen_at BIGINT;
CREATE INDEX booking_by_clinic ON booking (clinic_id, starts_at);

CREATE TABLE office_user (
    login         TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL
);

CREATE TABLE office_session (
    token_hash TEXT PRIMARY KEY,
    login      TEXT NOT NULL REFERENCES office_user (login),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
