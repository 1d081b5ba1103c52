-- Head office reaches patients, version 5: what happens to each message reaches the clinic's
-- desks as a replicated record (its status, the patient's reply and what head office made of
-- it). Every change to a message row raises its revision; the mirror writes the record for
-- each row whose revision it has not written yet, a batch at a time, and notes the revision it
-- wrote. A crash between the two writes the record again: the same fields, no harm.
ALTER TABLE message ADD COLUMN reply_meaning TEXT;
ALTER TABLE message ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE message ADD COLUMN mirrored BIGINT NOT NULL DEFAULT 0;
CREATE INDEX message_unmirrored ON message (id) WHERE revision <> mirrored;
