-- Merges, version 14: two records of one patient made one. A merge is a replicated record
-- (`patient_merge`): the merged-away patient, the kept one, the kept record's fields before
-- (the merge log), who and when, and whether it was undone. The merged-away record is left as
-- it was; `patient.merged_into` (local, derived here) makes it a tombstone pointing to the kept
-- one, and what belongs to it is read as the kept patient's.
CREATE TABLE patient_merge (
    id         BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patient (id),
    keep       BLOB NOT NULL REFERENCES patient (id),
    changes    TEXT NOT NULL,
    by_staff   BLOB NOT NULL REFERENCES staff (id),
    at         INTEGER NOT NULL,
    undone_at  INTEGER,
    undone_by  BLOB REFERENCES staff (id)
);
CREATE INDEX patient_merge_by_patient ON patient_merge (patient_id);
CREATE INDEX patient_merge_by_keep ON patient_merge (keep);

ALTER TABLE patient ADD COLUMN merged_into BLOB;
CREATE INDEX patient_merged_into ON patient (merged_into) WHERE merged_into IS NOT NULL;

-- A search hit follows a tombstone to the kept patient, still from the covering index.
DROP INDEX patient_search_hit;
CREATE INDEX patient_search_hit ON patient (search_seq, id, record_no, given, family, preferred, birth_date, phones, last_seen_at, merged_into);

-- The merges in force: not undone, the kept patient held on this desk, and not overridden by a
-- later merge of the same pair the other way round (two desks merging it each way while apart).
-- A record's `merged_into` is the kept patient of its newest merge in force: every desk derives
-- the same from the same records, whatever order they arrived in.
CREATE VIEW merge_in_force AS
    SELECT m.patient_id, m.keep, m.at, m.id FROM patient_merge m
    WHERE m.undone_at IS NULL
      AND EXISTS (SELECT 1 FROM patient k WHERE k.id = m.keep)
      AND NOT EXISTS (SELECT 1 FROM patient_merge r
          WHERE r.patient_id = m.keep AND r.keep = m.patient_id AND r.undone_at IS NULL
            AND (r.at > m.at OR (r.at = m.at AND r.id > m.id)));

CREATE TRIGGER patient_merge_resolve_insert AFTER INSERT ON patient_merge BEGIN
    UPDATE patient SET merged_into = (SELECT f.keep FROM merge_in_force f WHERE f.patient_id = patient.id
                                      ORDER BY f.at DESC, f.id DESC LIMIT 1)
    WHERE id IN (NEW.patient_id, NEW.keep);
END;
CREATE TRIGGER patient_merge_resolve_update AFTER UPDATE ON patient_merge BEGIN
    UPDATE patient SET merged_into = (SELECT f.keep FROM merge_in_force f WHERE f.patient_id = patient.id
                                      ORDER BY f.at DESC, f.id DESC LIMIT 1)
    WHERE id IN (NEW.patient_id, NEW.keep, OLD.patient_id, OLD.keep);
END;
-- A kept patient who arrives after the merge (taken on later) completes it.
CREATE TRIGGER patient_merge_resolve_kept AFTER INSERT ON patient BEGIN
    UPDATE patient SET merged_into = (SELECT f.keep FROM merge_in_force f WHERE f.patient_id = patient.id
                                      ORDER BY f.at DESC, f.id DESC LIMIT 1)
    WHERE id IN (SELECT patient_id FROM patient_merge WHERE keep = NEW.id);
END;
