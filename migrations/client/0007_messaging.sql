-- Messaging set-up, version 7: what a clinic's managers set on a desk and head office sends by
-- (templates, the clinic's messaging settings, recall rules). Replicated records: their capture
-- triggers are written from the declaration in rapport-model (rapport-store installs them).
-- Two desks of one clinic may each make a record for the same template or the same tag before
-- they sync; the newest (updated_at, then id) is the one that counts.

CREATE TABLE template (
    id              BLOB PRIMARY KEY,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    language        TEXT NOT NULL,
    body            TEXT NOT NULL,
    dlt_template_id TEXT,
    set_by          BLOB NOT NULL REFERENCES staff (id),
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER
);
CREATE INDEX template_by_use ON template (kind, channel, language, updated_at);

CREATE TABLE messaging_settings (
    id                    BLOB PRIMARY KEY,
    reminder_hours        INTEGER NOT NULL,
    second_reminder_hours INTEGER,
    hold_minutes          INTEGER NOT NULL,
    quiet_hours           TEXT NOT NULL,
    timezone              TEXT NOT NULL,
    birthday_hour         INTEGER NOT NULL,
    birthday_offer        INTEGER NOT NULL,
    weekly_cap            INTEGER NOT NULL,
    language              TEXT NOT NULL,
    set_by                BLOB NOT NULL REFERENCES staff (id),
    updated_at            INTEGER NOT NULL
);

CREATE TABLE recall_rule (
    id           BLOB PRIMARY KEY,
    tag          TEXT NOT NULL,
    every_months INTEGER NOT NULL,
    set_by       BLOB NOT NULL REFERENCES staff (id),
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);
CREATE INDEX recall_rule_by_tag ON recall_rule (tag, updated_at);
