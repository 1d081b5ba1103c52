-- Type-ahead patient search. A contentless FTS5 index (nothing readable is duplicated in it)
-- whose rowid is the patient's `search_seq`: a number that drops below all others each time the
-- clinic sees the patient, so `ORDER BY rowid LIMIT n` returns the most recently seen matches
-- first without sorting. Prefix indexes keep one- to six-character keystrokes cheap.
-- The index is filled from existing patients by the migration runner (search::rebuild).

ALTER TABLE patient ADD COLUMN search_seq INTEGER;
CREATE UNIQUE INDEX patient_by_search_seq ON patient (search_seq);

CREATE VIRTUAL TABLE patient_search USING fts5 (
    names,
    numbers,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4 5 6'
);
