-- Delivered outbox rows are deleted after a retention period (outbox.keep_s).
-- This index finds them oldest first for each relay's destination. A row
-- enters it once, when it is acknowledged (outbox updates are never HOT, so
-- that costs one index entry per message and no scan of the table).
CREATE INDEX outbox_delivered_idx ON outbox (destination, created_at) WHERE delivered_at IS NOT NULL;
