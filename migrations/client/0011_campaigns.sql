-- Campaigns, version 11: a clinic's campaigns (a replicated record of its managers: the
-- segment by name, the text, the channel, the holdout share, the response window, the cost per
-- message, when it goes and whether it is paused), and what head office counted of each (head
-- office's own record, keyed by the campaign's id; desks cannot write it).
CREATE TABLE campaign (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    segment     TEXT NOT NULL,
    template    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    holdout_pct INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    cost_millis INTEGER,
    send_at     INTEGER NOT NULL,
    paused      INTEGER NOT NULL,
    set_by      BLOB NOT NULL REFERENCES staff (id),
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX campaign_by_name ON campaign (name, updated_at);

CREATE TABLE campaign_result (
    id         BLOB PRIMARY KEY,
    ran_at     INTEGER,
    figures    TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
