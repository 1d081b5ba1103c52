-- Rapport head office, version 2: head office trusts no desk.

-- The site each device stamps its changes with, bound at enrollment (a device enrolled before
-- this version enrolls again to get one).
ALTER TABLE device ADD COLUMN site TEXT;
CREATE INDEX device_by_site ON device (site);

-- A staff member's home clinic is the clinic of the device that first sent the account: only
-- that clinic's devices may change it, and only they receive it.
UPDATE record_state SET clinic_id = (
    SELECT c.clinic_id FROM change_log c
    WHERE c.entity = 'staff' AND c.record = record_state.record AND c.clinic_id IS NOT NULL
    ORDER BY c.seq LIMIT 1)
WHERE entity = 'staff' AND clinic_id IS NULL;

UPDATE change_log SET clinic_id = (
    SELECT s.clinic_id FROM record_state s WHERE s.entity = 'staff' AND s.record = change_log.record)
WHERE entity = 'staff';
