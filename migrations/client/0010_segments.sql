-- Segments, version 10: a clinic's saved segments of its patients (the conditions as JSON, not
-- the people; campaigns evaluate them when they run). A replicated record of the clinic's
-- managers; two desks may each save one name before they sync: the newest counts.
CREATE TABLE segment (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL,
    filter     TEXT NOT NULL,
    set_by     BLOB NOT NULL REFERENCES staff (id),
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX segment_by_name ON segment (name, updated_at);
