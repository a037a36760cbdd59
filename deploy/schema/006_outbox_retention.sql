-- Delivered outbox rows are deleted after a retention period (outbox.keep_s).
-- A BRIN index finds the old ones by creation time: rows are appended in time
-- order, so it stays tiny and costs next to nothing on the hot insert path.
CREATE INDEX outbox_created_brin ON outbox USING brin (created_at);
