-- Failed logins counted per login as typed (normalised), known or not, so that an unknown login
-- is answered, locked out and written exactly as a known one (nobody learns which logins exist).
-- Local to the desk; the staff table's own counters are no longer used.
CREATE TABLE login_failure (
    login        TEXT PRIMARY KEY,
    failed       INTEGER NOT NULL,
    locked_until INTEGER
);
