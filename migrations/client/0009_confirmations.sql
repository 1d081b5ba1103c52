-- Confirmations, version 9: the schedule shows a visit confirmed by the patient's answer to a
-- message (a "C" by text, an email's confirm link), found by the visit.
CREATE INDEX message_by_appointment ON message (appointment_id);
