-- Frozen month figures (deploy/bulletin/README.md, "Frozen months").
--
-- Every figure of a month is a fact fixed by the events before its end, so
-- once a month has ended its counts never change: a bulletin stores each
-- ended month's folded figures here the first time it reads them from the
-- rows, and every later bulletin (the quarter, the half-year, the year, the
-- next month-check's previous month) adds stored months instead of reading
-- their rows again. The only thing that can change an ended month is new
-- knowledge of the past: the history import, which thaws (deletes) the
-- months its entries reach into before it writes them.

CREATE TABLE bulletin_months (
    month_start timestamptz PRIMARY KEY, -- local midnight of the month's first day
    month_end   timestamptz NOT NULL,    -- local midnight after its last day
    frozen_at   timestamptz NOT NULL DEFAULT now(),
    -- the month's figures as services/bulletin/bulletin_months.c writes them:
    -- {"cells": [...], "overdue": [...], "topics": [...]}
    figures     json NOT NULL,
    CHECK (month_end > month_start)
);

-- Counts thaws. A bulletin reads it with the months (one snapshot) and
-- freezes only while it is unchanged: months read before an import thawed
-- them are never stored after it.
CREATE TABLE bulletin_month_epoch (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    epoch bigint NOT NULL
);
INSERT INTO bulletin_month_epoch (epoch) VALUES (0);

-- months: a JSON array of {"start", "end" (bigint microseconds as text),
-- "figures"}; stored unless already there. read_epoch: the epoch read with
-- the rows the figures come from. Locks the epoch row (FOR SHARE) so that a
-- thaw either waits for this commit (and then deletes what it stored) or
-- has committed before (and then nothing is stored). Returns the months
-- stored.
CREATE FUNCTION bulletin_months_freeze(read_epoch bigint, months json) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM 1 FROM bulletin_month_epoch WHERE epoch = read_epoch FOR SHARE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    INSERT INTO bulletin_months (month_start, month_end, figures)
    SELECT 'epoch'::timestamptz + (m->>'start')::bigint * interval '1 microsecond',
           'epoch'::timestamptz + (m->>'end')::bigint * interval '1 microsecond',
           m->'figures'
    FROM json_array_elements(months) m
    ON CONFLICT (month_start) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Before writing history dated since "since": forget every month that ends
-- after it. The epoch is bumped first (its row lock orders this against a
-- freeze in flight); the delete then sees what such a freeze stored.
CREATE FUNCTION bulletin_months_thaw(since timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    UPDATE bulletin_month_epoch SET epoch = epoch + 1;
    DELETE FROM bulletin_months WHERE month_end > since;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION bulletin_months_freeze(bigint, json) FROM PUBLIC;
REVOKE ALL ON FUNCTION bulletin_months_thaw(timestamptz) FROM PUBLIC;
-- The bulletin service and dubanctl read and freeze months; dubanctl's
-- history import thaws them. Granted when the per-service roles exist
-- (deploy/schema/README.md).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_bulletin') THEN
        GRANT SELECT ON bulletin_months, bulletin_month_epoch TO duban_bulletin;
        GRANT EXECUTE ON FUNCTION bulletin_months_freeze(bigint, json) TO duban_bulletin;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_admin') THEN
        GRANT SELECT ON bulletin_months, bulletin_month_epoch TO duban_admin;
        GRANT EXECUTE ON FUNCTION bulletin_months_freeze(bigint, json) TO duban_admin;
        GRANT EXECUTE ON FUNCTION bulletin_months_thaw(timestamptz) TO duban_admin;
    END IF;
END
$$;
