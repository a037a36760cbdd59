-- Speed for the history import and the bulletins.
--
-- Recording several clock changes at once, in their order: the history
-- import records a replayed case's clock history in one call instead of one
-- statement per change (016_task_clocks.sql says what a change is).

-- Bigint microseconds (as text) to an instant; NULL stays NULL.
CREATE FUNCTION task_clock_us(us text) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 'epoch'::timestamptz + us::bigint * interval '1 microsecond';

-- changes: a JSON array of {"task", "start" (true for a dispatch, with
-- "case_id", "division", "role", "at", "response_due", "completion_due") or
-- the arguments of task_clock_step ("at", "response", "response_due",
-- "completion", "completion_due")}, instants as bigint microseconds. Applied
-- in the array's order; returns the states recorded.
CREATE FUNCTION task_clock_record(changes json) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    c json;
    n integer := 0;
BEGIN
    FOR c IN SELECT value FROM json_array_elements(changes) LOOP
        IF (c->>'start')::boolean THEN
            n := n + task_clock_start((c->>'task')::bigint, (c->>'case_id')::bigint,
                c->>'division', c->>'role', task_clock_us(c->>'at'),
                task_clock_us(c->>'response_due'), task_clock_us(c->>'completion_due'));
        ELSE
            n := n + task_clock_step((c->>'task')::bigint, task_clock_us(c->>'at'),
                c->>'response', task_clock_us(c->>'response_due'), c->>'completion',
                task_clock_us(c->>'completion_due'));
        END IF;
    END LOOP;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION task_clock_record(json) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_admin') THEN
        GRANT EXECUTE ON FUNCTION task_clock_record(json) TO duban_admin;
    END IF;
END
$$;

-- A callback, a reopen or a closure is charged to the division whose lead
-- reply it judged: the case's latest lead task replied by then, found by one
-- probe of this index (services/bulletin/bulletin_query.c, REPLYING_DIVISION)
-- instead of reading and sorting the case's tasks, for each such event of a
-- period. Replies already leave the task rows' updates unHOT (replied_at is
-- indexed, 005), so this costs one more entry per reply.
CREATE INDEX tasks_lead_replied_idx ON tasks (case_id, replied_at DESC, id DESC)
    WHERE role = 'lead' AND replied_at IS NOT NULL;
