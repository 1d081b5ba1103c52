-- Rapport head office, version 3: head office's patient search through an index.

-- One row per word a patient is found by (names, record number, phone digits), compared byte by
-- byte ({{BYTEWISE}}: COLLATE "C" on PostgreSQL, BINARY on SQLite), so that a word typed in part
-- is one index range whatever the database's locale. Filled from `patient_search` when a
-- database comes to this version, which then drops it. The second index answers "has this
-- patient a word starting with …" for the other words of a query, one probe each.
CREATE TABLE patient_word (
    word       TEXT {{BYTEWISE}} NOT NULL,
    patient_id TEXT NOT NULL,
    PRIMARY KEY (word, patient_id)
);
CREATE INDEX patient_word_by_patient ON patient_word (patient_id, word);
