-- Poison messages are parked, not re-sent for ever. A consumer that refuses a
-- message (it cannot be read, or applying it fails) records the refusal and
-- its reason against the message's outbox row, in a transaction of its own;
-- at outbox.max_attempts refusals the row is parked: never re-sent on its
-- own, shown by the producing service's /healthz and by `dubanctl outbox
-- parked`, until `dubanctl outbox retry` sends it again (the count starts
-- over) or `dubanctl outbox drop` gives it up. A dropped row is kept, with
-- who dropped it, when and why, and is never pruned (it is not delivered).
ALTER TABLE outbox
    ADD COLUMN refusals integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error text,
    ADD COLUMN parked_at timestamptz,
    ADD COLUMN park_reason text,
    ADD COLUMN dropped_at timestamptz,
    ADD COLUMN dropped_by text,
    ADD COLUMN drop_reason text;

-- Parked rows leave the re-send index (the sweep never looks at them again)
-- and have one of their own, so that counting them costs nothing while
-- there are none.
DROP INDEX outbox_undelivered_idx;
CREATE INDEX outbox_undelivered_idx ON outbox (destination, sent_at)
    WHERE delivered_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_parked_idx ON outbox (destination, id)
    WHERE parked_at IS NOT NULL AND delivered_at IS NULL AND dropped_at IS NULL;
