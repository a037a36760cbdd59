-- Frozen days (deploy/bulletin/README.md, "Frozen days"; issue 13).
--
-- A month-check is produced once its month has ended, and read its whole
-- month from the rows: every counted event, reply, deadline and closure of
-- the month, each with a lookup (the case, the replying division). But
-- nearly every figure of a day is decided by that day's end, as a month's
-- is by the month's end (an event counts on its day, a verdict on its
-- deadline's day), so the bulletin service stores each day's figures once
-- the day has ended for good, and a month read from the rows adds the
-- stored days of its first days instead of reading their rows. What the
-- month's end decides is taken apart: a task dispatched on a stored day and
-- returned after that day but before the month's end counts as received for
-- the day and not for the month, and the month read subtracts it (found by
-- tasks_returned_idx below); the census is read at the month's end; work
-- items' figures are read for the whole month.
--
-- A month's stored days are a prefix: from its first day, one after the
-- other (bulletin_days_freeze stores a day only where the prefix ends), so
-- "the month's rows from the end of its stored days" is one range.

CREATE TABLE bulletin_days (
    day_start   timestamptz PRIMARY KEY, -- local midnight
    day_end     timestamptz NOT NULL,    -- the next local midnight
    month_start timestamptz NOT NULL,    -- local midnight of the month's first day
    frozen_at   timestamptz NOT NULL DEFAULT now(),
    -- the day's figures in the form of bulletin_months.figures (its census
    -- empty: a census is a month's)
    figures     json NOT NULL,
    -- the closures of the day for the month-check's look-back draw:
    -- [[case_number, division ("" when none replied), workitem], ...], the
    -- latest closure of a case only
    closed      json NOT NULL,
    CHECK (day_end > day_start AND day_start >= month_start)
);
CREATE INDEX bulletin_days_month_idx ON bulletin_days (month_start, day_end);

-- The tasks ever returned (a few in a hundred), by dispatch: the month
-- read's correction above. A task is returned by an update, never inserted
-- returned, so the cases' way in writes nothing here.
CREATE INDEX tasks_returned_idx ON tasks (dispatched_at) WHERE returned_at IS NOT NULL;

-- Work items' figures are read for the whole month (above). Their progress
-- reports' deadlines were found among all the month's deadlines (some
-- 170,000 a month at ten million tasks, a third of a second); the report
-- tasks of work items have their own index, which a complaint never
-- writes.
CREATE INDEX task_clocks_report_due_idx ON task_clocks (due)
    WHERE role = 'report' AND NOT missed_before;

-- days: a JSON array of {"start", "end", "month" (bigint microseconds as
-- text), "figures", "closed"}, in order. Like bulletin_months_freeze (026):
-- nothing is stored unless the epoch read is still current, under a share
-- lock on its row. A day is stored only where its month's stored days end
-- (the month's start when none is), so they stay a prefix. Returns the
-- days stored.
CREATE FUNCTION bulletin_days_freeze(read_epoch bigint, days json) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    n integer := 0;
    one integer;
    d record;
BEGIN
    PERFORM 1 FROM bulletin_month_epoch WHERE epoch = read_epoch FOR SHARE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    FOR d IN
        SELECT 'epoch'::timestamptz + (x->>'start')::bigint * interval '1 microsecond' AS s,
               'epoch'::timestamptz + (x->>'end')::bigint * interval '1 microsecond' AS e,
               'epoch'::timestamptz + (x->>'month')::bigint * interval '1 microsecond' AS m,
               x->'figures' AS figures, x->'closed' AS closed
        FROM json_array_elements(days) x ORDER BY 1
    LOOP
        IF d.s = coalesce((SELECT max(b.day_end) FROM bulletin_days b WHERE b.month_start = d.m), d.m)
        THEN
            INSERT INTO bulletin_days (day_start, day_end, month_start, figures, closed)
            VALUES (d.s, d.e, d.m, d.figures, d.closed) ON CONFLICT (day_start) DO NOTHING;
            GET DIAGNOSTICS one = ROW_COUNT;
            n := n + one;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

-- Thawing the past thaws its days too: the function of 026, which the
-- history import (and any fix of the past) calls, forgets every day that
-- ends after "since" as well, which leaves each month's stored days a
-- prefix.
CREATE OR REPLACE FUNCTION bulletin_months_thaw(since timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    UPDATE bulletin_month_epoch SET epoch = epoch + 1;
    DELETE FROM bulletin_days WHERE day_end > since;
    DELETE FROM bulletin_months WHERE month_end > since;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION bulletin_days_freeze(bigint, json) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_bulletin') THEN
        GRANT SELECT ON bulletin_days TO duban_bulletin;
        GRANT EXECUTE ON FUNCTION bulletin_days_freeze(bigint, json) TO duban_bulletin;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_admin') THEN
        GRANT SELECT ON bulletin_days TO duban_admin;
        GRANT EXECUTE ON FUNCTION bulletin_days_freeze(bigint, json) TO duban_admin;
    END IF;
END
$$;
