-- Messages and calls, version 8. `message`: what head office sent each patient (or held back,
-- and why), its status and the patient's reply — head office's records, which desks receive
-- and never write. `call_task`: a call the desk owes a patient (a missed visit, a follow-up a
-- visit asked for) or the outcome of one read from elsewhere (a message that did not reach the
-- patient, a reply, a recall due); its id is the same on every desk of the clinic, so an
-- outcome recorded at one desk closes the call on all. Both are replicated records (capture
-- triggers from the declaration in rapport-model).

CREATE TABLE message (
    id             BLOB PRIMARY KEY,
    patient_id     BLOB NOT NULL REFERENCES patient (id),
    appointment_id BLOB,
    kind           TEXT NOT NULL,
    channel        TEXT,
    status         TEXT NOT NULL,
    reason         TEXT,
    reply          TEXT,
    reply_meaning  TEXT,
    send_after     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX message_by_patient ON message (patient_id, send_after);
-- The messages that leave a call (rapport_model::calls::call_for_message).
CREATE INDEX message_by_status ON message (status, updated_at);
CREATE INDEX message_by_reply ON message (reply_meaning, updated_at);

CREATE TABLE call_task (
    id             BLOB PRIMARY KEY,
    patient_id     BLOB NOT NULL REFERENCES patient (id),
    reason         TEXT NOT NULL,
    appointment_id BLOB,
    due_on         TEXT NOT NULL,
    outcome        TEXT,
    outcome_by     BLOB REFERENCES staff (id),
    outcome_at     INTEGER,
    created_by     BLOB NOT NULL REFERENCES staff (id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX call_task_open ON call_task (outcome, due_on);

-- The desk's follow-ups (missed visits, before calls were replicated) become its calls.
INSERT INTO call_task (id, patient_id, reason, appointment_id, due_on, outcome, outcome_by, outcome_at, created_by,
                       created_at)
SELECT f.id, f.patient_id, 'no-show', f.appointment_id, date(f.created_at / 1000, 'unixepoch'),
       CASE WHEN f.done_at IS NULL THEN NULL ELSE 'reached' END, NULL, f.done_at,
       COALESCE((SELECT a.booked_by FROM appointment a WHERE a.id = f.appointment_id),
                (SELECT s.id FROM staff s ORDER BY s.created_at LIMIT 1)),
       f.created_at
FROM follow_up f
WHERE COALESCE((SELECT a.booked_by FROM appointment a WHERE a.id = f.appointment_id),
               (SELECT s.id FROM staff s ORDER BY s.created_at LIMIT 1)) IS NOT NULL;
DROP TABLE follow_up;
