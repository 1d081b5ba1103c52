-- Record numbers are looked up as typed, case aside (an import's second pass, `patient show
-- kx4p-1042`): without an index in that collation each lookup read the whole table.
CREATE INDEX patient_record_no_nocase ON patient (record_no COLLATE NOCASE);
