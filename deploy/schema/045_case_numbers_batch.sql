-- Case numbers for a whole batch at once (issue 13). Intake writes a group
-- commit's cases in one statement; drawing their numbers one case at a time
-- updated the day's counter row once per case (a new row version, its WAL
-- and a PL/pgSQL call each). case_numbers_next(ats) numbers a batch with one
-- counter update per day in it.
--
-- Same numbers as before (011): "DB" + the day of receipt in China time +
-- that day's counter, six digits or more. The cases of one day in the batch
-- get consecutive numbers in the order of ats. The counter is still updated
-- in the caller's transaction: a batch rolled back gives its numbers back;
-- a number is lost (a gap, never a repeat) only where a drawn one is not
-- used (a re-sent import recognised by its reference).
CREATE FUNCTION case_numbers_next(ats timestamptz[]) RETURNS text[]
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    numbers text[];
BEGIN
    WITH i AS (
        SELECT ord, (coalesce(at, now()) AT TIME ZONE 'Asia/Shanghai')::date AS day
        FROM unnest(ats) WITH ORDINALITY AS i(at, ord)),
    n AS (SELECT day, count(*) AS n FROM i GROUP BY day),
    -- One row per day; days in order, so that two batches spanning the
    -- same days take their rows in the same order.
    d AS (
        INSERT INTO case_number_days AS d (day, last)
        SELECT day, n FROM n ORDER BY day
        ON CONFLICT (day) DO UPDATE SET last = d.last + excluded.last
        RETURNING d.day, d.last),
    x AS (
        SELECT i.ord, i.day,
               d.last - n.n + row_number() OVER (PARTITION BY i.day ORDER BY i.ord) AS counter
        FROM i JOIN n ON n.day = i.day JOIN d ON d.day = i.day)
    SELECT array_agg('DB' || to_char(day, 'YYYYMMDD')
                     || lpad(counter::text, greatest(6, length(counter::text)), '0') ORDER BY ord)
    INTO numbers
    FROM x;
    RETURN coalesce(numbers, '{}');
END
$$;

REVOKE ALL ON FUNCTION case_numbers_next(timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION case_numbers_next(timestamptz[]) TO duban_intake, duban_admin,
    duban_dispatch;

-- One home: the number of one case is the batch of one.
CREATE OR REPLACE FUNCTION case_number_next(at timestamptz) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    RETURN (case_numbers_next(ARRAY[at]))[1];
END
$$;
