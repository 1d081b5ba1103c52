-- Wrong passwords counted per login as typed, known or not, version 11, so that an unknown login
-- is answered, locked out and written exactly as a known one (nobody learns which logins exist).
-- `office_user`'s own counters are no longer used.
CREATE TABLE sign_in_failure (
    login        TEXT PRIMARY KEY,
    failed       BIGINT NOT NULL,
    locked_until BIGINT
);
