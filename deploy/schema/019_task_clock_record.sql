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
