-- A work item reassigned to another lead division (issue 15): its progress
-- reports still to fall due are the new division's to make, so their
-- clocks are too. Until now the report tasks moved and their clock states
-- (task_clocks, which the bulletins read) stayed with the old division: a
-- report the new division then missed was charged to the old one. A report
-- already missed before the reassignment stays the old division's: it
-- missed it while it held the item.
--
-- task_clock_transfer hands the clocks of one task to p_division at p_at:
-- a state not yet begun (its window opens later) changes hands whole; a
-- state in force ends at p_at without a verdict ('moved', as when a
-- deadline moves: it neither met nor missed) and a new state of
-- p_division runs from p_at to the same deadline. Each deadline keeps one
-- verdict, for the division holding it when it fell due (DEADLINE_SQL_* in
-- common/deadline.h). Returns the states changed or added.
CREATE FUNCTION task_clock_transfer(p_task bigint, p_at timestamptz, p_division text)
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    k task_clocks%ROWTYPE;
    changed integer := 0;
BEGIN
    FOR k IN SELECT * FROM task_clocks c WHERE c.task_id = p_task AND c.until IS NULL
             AND c.division <> p_division ORDER BY c.clock FOR UPDATE LOOP
        IF k.since >= p_at THEN
            UPDATE task_clocks SET division = p_division
            WHERE task_id = k.task_id AND clock = k.clock AND seq = k.seq;
            changed := changed + 1;
        ELSE
            UPDATE task_clocks SET until = p_at, ended = 'moved'
            WHERE task_id = k.task_id AND clock = k.clock AND seq = k.seq;
            INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, due,
                                     missed_before)
            VALUES (k.task_id, k.clock, k.seq + 1, k.case_id, p_division, k.role, p_at, k.due,
                    k.missed_before OR (k.due IS NOT NULL AND k.since <= k.due AND p_at > k.due));
            changed := changed + 2;
        END IF;
    END LOOP;
    RETURN changed;
END
$$;

-- Written only through the clock functions, as their owner (016).
ALTER FUNCTION task_clock_transfer(bigint, timestamptz, text)
    SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION task_clock_transfer(bigint, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION task_clock_transfer(bigint, timestamptz, text) TO duban_dispatch;
