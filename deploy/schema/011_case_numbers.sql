-- Case numbers: "DB" + the day of receipt in China time (YYYYMMDD) + that
-- day's counter, six digits wide: DB20170301000042 is the 42nd case received
-- on 1 March 2017. They replace "DB" + date + the last six digits of one
-- global sequence, which repeated after the millionth case (and intake then
-- refused cases on the unique constraint).
--
-- Why a counter per day: a number tells a person when the case came in and
-- how many came before it that day; numbers sort by day, then by arrival
-- within the day; and six digits stay enough for a day of a million cases. A
-- day with more gets a seventh digit (and so on): still unique, never cut;
-- such numbers sort right by length, then text (by text alone they fall
-- among the 6-digit ones of their day).
--
-- One home: case_number_next(at) is the only maker of case numbers (intake's
-- insert, the history import); nothing else writes case_number_days. The
-- counter is updated in the caller's transaction, so a rolled-back case gives
-- its number back (no gaps but where a re-sent import was recognised after
-- its number was drawn), and two transactions numbering cases of the same day
-- take turns on that day's row (the second waits for the first to commit).

CREATE TABLE case_number_days (
    day date PRIMARY KEY,       -- the day of receipt, China time
    last bigint NOT NULL        -- the last counter handed out for that day
);

-- Days that already have numbers go on after the highest one, whatever
-- scheme made it.
INSERT INTO case_number_days (day, last)
SELECT to_date(substr(case_number, 3, 8), 'YYYYMMDD'), max(substr(case_number, 11)::bigint)
FROM cases
WHERE case_number ~ '^DB[0-9]{14,}$'
GROUP BY 1;

-- The next case number for a case received at `at` (now() when NULL). Runs
-- with its owner's rights, so that callers need only EXECUTE on it, not
-- write access to the counters.
CREATE FUNCTION case_number_next(at timestamptz) RETURNS text
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    INSERT INTO case_number_days AS d (day, last)
    VALUES ((coalesce(at, now()) AT TIME ZONE 'Asia/Shanghai')::date, 1)
    ON CONFLICT (day) DO UPDATE SET last = d.last + 1
    RETURNING 'DB' || to_char(day, 'YYYYMMDD') || lpad(last::text, greatest(6, length(last::text)), '0')
$$;

REVOKE ALL ON FUNCTION case_number_next(timestamptz) FROM PUBLIC;

DROP SEQUENCE case_number_seq;
