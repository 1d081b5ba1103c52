-- Surveys, version 8: when a survey message was answered (once: a second answer, by the page or
-- by text, changes nothing). The answer itself is head office's own `survey_answer` record.
ALTER TABLE message ADD COLUMN answered_at BIGINT;
