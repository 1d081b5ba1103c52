-- Campaigns, version 7. A campaign's messages are outbox rows of their own (one per member and
-- campaign: the holdout group's rows say `holdout` and are never sent), named by the campaign;
-- `campaign_run` notes that a campaign's members were drawn (once: the rows are its record),
-- how many there were, and when head office last counted what came of it.
ALTER TABLE message ADD COLUMN campaign_id TEXT;
CREATE INDEX message_by_campaign ON message (campaign_id, status) WHERE campaign_id IS NOT NULL;

CREATE TABLE campaign_run (
    campaign_id TEXT PRIMARY KEY,
    clinic_id   TEXT NOT NULL,
    ran_at      BIGINT NOT NULL,
    members     BIGINT NOT NULL,
    -- Why it had none: the segment was not found.
    note        TEXT,
    counted_at  BIGINT,
    -- Counting stops once the window has closed and one more count was made.
    final       BIGINT NOT NULL DEFAULT 0
);
