-- Version 21: the pointers that superseded another, by the one they replaced. A card reads a
-- patient's current pointers (those nothing supersedes); without this index each of them was
-- a scan of every pointer in the clinic (about 1 s a card at a million patients).
CREATE INDEX pointer_superseded ON pointer (supersedes) WHERE supersedes IS NOT NULL;
