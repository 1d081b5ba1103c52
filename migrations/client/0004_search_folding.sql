-- Names are now also indexed with the letters the tokenizer does not fold spelled out in
-- Latin ("Ørsted" is found as "orsted", "Łukasz" as "lukasz", "Straße" as "strasse").
-- The migration runner re-indexes every patient (search::rebuild) in this transaction.
SELECT 1;
