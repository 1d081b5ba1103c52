-- Version 6: a desk keeps changes for head office only once it is enrolled. Before, there is no
-- one to send them to; at enrollment its present state goes up whole, once
-- (rapport-store's sync::start_replicating), which holds everything the changes would have.

-- A desk enrolled before this version (the core keeps its token under 'sync_token') goes on
-- replicating as it did.
INSERT INTO meta (key, value) SELECT 'sync_replicating', '1' FROM meta WHERE key = 'sync_token';

-- One never enrolled drops what version 5 kept for no one.
DELETE FROM sync_outbox WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'sync_replicating');
DELETE FROM sync_version WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'sync_replicating');
