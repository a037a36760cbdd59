-- Watch is told of every task change at commit instead of polling
-- updated_at (issue 13). updated_at is a transaction's start time: tasks
-- committed by a transaction that ran longer than the poll's overlap (a bulk
-- import, a slow commit under load) were behind the watermark when they
-- became visible and were never armed. A NOTIFY is delivered when, and only
-- if, its transaction commits, however long it ran, so every statement that
-- inserts or updates tasks tells watch the ids it changed; watch reads them
-- back by id, and rebuilds after a reconnect (what is committed while no one
-- listens is told to no one). The notification queue is not WAL-logged.
--
-- One notification per statement, the ids in chunks well under the 8000-byte
-- payload limit (300 ids of at most 20 characters each).
CREATE FUNCTION tasks_tell_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    chunk text;
BEGIN
    FOR chunk IN
        SELECT string_agg(id::text, ',')
        FROM (SELECT id, (row_number() OVER () - 1) / 300 AS part FROM changed) c
        GROUP BY part
    LOOP
        PERFORM pg_notify('duban_tasks_changed', chunk);
    END LOOP;
    RETURN NULL;
END
$$;

-- A trigger with transition tables takes one event: one for each.
CREATE TRIGGER tasks_inserted_tell AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_tell_changed();
CREATE TRIGGER tasks_updated_tell AFTER UPDATE ON tasks
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_tell_changed();

-- The poll was the only reader of tasks by updated_at alone. The division
-- queue's replied, returned and all tabs list a division's tasks latest
-- first (ORDER BY updated_at DESC, id DESC), which read tasks_updated_idx
-- backwards: they get an index of their own, led by the division.
DROP INDEX tasks_updated_idx;
CREATE INDEX tasks_division_updated_idx ON tasks (division, updated_at, id);
