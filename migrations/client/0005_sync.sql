-- Sync with head office, version 5: the device's share of replication bookkeeping.
-- Triggers note every write to a replicated column in `sync_dirty`; when the writing transaction
-- ends, rapport-store turns the notes into one change per record in `sync_outbox` (with the
-- hybrid-logical-clock version and the versions it replaced), so no write path can forget to
-- replicate. Applying pulled changes clears the notes it made instead.

-- Records (and fields) written in the open transaction; always empty between transactions.
CREATE TABLE sync_dirty (
    entity TEXT NOT NULL,
    record BLOB NOT NULL,
    field  TEXT NOT NULL, -- a column name, or '*' for a new record
    PRIMARY KEY (entity, record, field)
) WITHOUT ROWID;

-- The version of each field of each replicated record: JSON {"*": default, field: version}.
CREATE TABLE sync_version (
    entity   TEXT NOT NULL,
    record   TEXT NOT NULL,
    versions TEXT NOT NULL,
    PRIMARY KEY (entity, record)
) WITHOUT ROWID;

-- Local changes not yet acknowledged by head office, oldest first.
CREATE TABLE sync_outbox (
    seq       INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    change    TEXT NOT NULL
);

-- Where this device's records holding a unique name (login, record number) sit in head
-- office's log: a name belongs to the record that reached head office first.
CREATE TABLE sync_acked (
    entity TEXT NOT NULL,
    record TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (entity, record)
) WITHOUT ROWID;

-- Edits of this device that lost to another device's, and bookings head office refused.
CREATE TABLE sync_conflict (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    entity      TEXT NOT NULL,
    record      TEXT NOT NULL,
    field       TEXT,
    mine        TEXT,
    theirs      TEXT,
    detail      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX sync_conflict_open ON sync_conflict (resolved_at, id);


CREATE TRIGGER patient_sync_insert AFTER INSERT ON patient
BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('patient', NEW.id, '*'); END;

CREATE TRIGGER pointer_sync_insert AFTER INSERT ON pointer
BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('pointer', NEW.id, '*'); END;

CREATE TRIGGER pointer_mark_sync_insert AFTER INSERT ON pointer_mark
BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('pointer_mark', NEW.id, '*'); END;

CREATE TRIGGER appointment_sync_insert AFTER INSERT ON appointment
BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('appointment', NEW.id, '*'); END;

CREATE TRIGGER staff_sync_insert AFTER INSERT ON staff
BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('staff', NEW.id, '*'); END;

CREATE TRIGGER audit_sync_insert AFTER INSERT ON audit
BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('audit', NEW.seq, '*'); END;

CREATE TRIGGER patient_sync_update AFTER UPDATE ON patient
BEGIN
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'record_no' WHERE NEW.record_no IS NOT OLD.record_no;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'given' WHERE NEW.given IS NOT OLD.given;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'family' WHERE NEW.family IS NOT OLD.family;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'preferred' WHERE NEW.preferred IS NOT OLD.preferred;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'pronunciation' WHERE NEW.pronunciation IS NOT OLD.pronunciation;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'birth_date' WHERE NEW.birth_date IS NOT OLD.birth_date;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'sex' WHERE NEW.sex IS NOT OLD.sex;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'gender' WHERE NEW.gender IS NOT OLD.gender;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'language' WHERE NEW.language IS NOT OLD.language;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'phones' WHERE NEW.phones IS NOT OLD.phones;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'email' WHERE NEW.email IS NOT OLD.email;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'address' WHERE NEW.address IS NOT OLD.address;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'city' WHERE NEW.city IS NOT OLD.city;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'area' WHERE NEW.area IS NOT OLD.area;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'consent' WHERE NEW.consent IS NOT OLD.consent;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'referral_source' WHERE NEW.referral_source IS NOT OLD.referral_source;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'referring_doctor' WHERE NEW.referring_doctor IS NOT OLD.referring_doctor;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'usual_doctor' WHERE NEW.usual_doctor IS NOT OLD.usual_doctor;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'practical_needs' WHERE NEW.practical_needs IS NOT OLD.practical_needs;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'conditions' WHERE NEW.conditions IS NOT OLD.conditions;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'attendants' WHERE NEW.attendants IS NOT OLD.attendants;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'created_at' WHERE NEW.created_at IS NOT OLD.created_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'updated_at' WHERE NEW.updated_at IS NOT OLD.updated_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'patient', NEW.id, 'deleted_at' WHERE NEW.deleted_at IS NOT OLD.deleted_at;
END;

CREATE TRIGGER appointment_sync_update AFTER UPDATE ON appointment
BEGIN
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'patient_id' WHERE NEW.patient_id IS NOT OLD.patient_id;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'doctor' WHERE NEW.doctor IS NOT OLD.doctor;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'starts_at' WHERE NEW.starts_at IS NOT OLD.starts_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'minutes' WHERE NEW.minutes IS NOT OLD.minutes;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'reason' WHERE NEW.reason IS NOT OLD.reason;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'status' WHERE NEW.status IS NOT OLD.status;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'booked_by' WHERE NEW.booked_by IS NOT OLD.booked_by;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'booked_at' WHERE NEW.booked_at IS NOT OLD.booked_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'confirmed_at' WHERE NEW.confirmed_at IS NOT OLD.confirmed_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'arrived_at' WHERE NEW.arrived_at IS NOT OLD.arrived_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'seen_at' WHERE NEW.seen_at IS NOT OLD.seen_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'done_at' WHERE NEW.done_at IS NOT OLD.done_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'cancelled_at' WHERE NEW.cancelled_at IS NOT OLD.cancelled_at;
    INSERT OR IGNORE INTO sync_dirty SELECT 'appointment', NEW.id, 'no_show_at' WHERE NEW.no_show_at IS NOT OLD.no_show_at;
END;

CREATE TRIGGER staff_sync_update AFTER UPDATE ON staff
BEGIN
    INSERT OR IGNORE INTO sync_dirty SELECT 'staff', NEW.id, 'login' WHERE NEW.login IS NOT OLD.login;
    INSERT OR IGNORE INTO sync_dirty SELECT 'staff', NEW.id, 'display_name' WHERE NEW.display_name IS NOT OLD.display_name;
    INSERT OR IGNORE INTO sync_dirty SELECT 'staff', NEW.id, 'role' WHERE NEW.role IS NOT OLD.role;
    INSERT OR IGNORE INTO sync_dirty SELECT 'staff', NEW.id, 'password_hash' WHERE NEW.password_hash IS NOT OLD.password_hash;
    INSERT OR IGNORE INTO sync_dirty SELECT 'staff', NEW.id, 'active' WHERE NEW.active IS NOT OLD.active;
    INSERT OR IGNORE INTO sync_dirty SELECT 'staff', NEW.id, 'created_at' WHERE NEW.created_at IS NOT OLD.created_at;
END;

-- What the device held before it could sync goes up with its first push.
INSERT INTO sync_dirty SELECT 'staff', id, '*' FROM staff;
INSERT INTO sync_dirty SELECT 'patient', id, '*' FROM patient;
INSERT INTO sync_dirty SELECT 'pointer', id, '*' FROM pointer;
INSERT INTO sync_dirty SELECT 'pointer_mark', id, '*' FROM pointer_mark;
INSERT INTO sync_dirty SELECT 'appointment', id, '*' FROM appointment;
INSERT INTO sync_dirty SELECT 'audit', seq, '*' FROM audit;
