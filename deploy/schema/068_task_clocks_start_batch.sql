-- The clocks of a batch of new tasks in one statement (issue 13). Dispatch
-- starts the clocks of every task of a batch: until now one call of
-- task_clock_start per task, each a statement of its own (a two-row INSERT
-- ... ON CONFLICT DO NOTHING, planned and run once per task; 0.14 ms of
-- PostgreSQL per case in pg_stat_statements). task_clocks_start takes the
-- batch as parallel arrays and writes all its states in one INSERT, and
-- task_clock_start is now the batch of one task, so the rule of a start
-- (016: both clocks run from the dispatch instant to their deadlines, seq 1)
-- has this one home.
--
-- A clock is started once, by the statement that inserts its task: every
-- caller passes the ids its own INSERT INTO tasks has just returned
-- (dispatch's batch and its new tasks of a return, an arbitration or a
-- callback; a work item's tasks; the bulletin's re-check; the history
-- import, which records the clock changes of the steps it has not stored
-- before). So nothing can be there already, and the states are inserted
-- without ON CONFLICT DO NOTHING, whose speculative insertion probed both
-- unique indexes before each row and wrote a confirmation record after it
-- (48 bytes of WAL per state, 96 per task). Were a clock ever started twice,
-- the primary key would refuse it, with an error rather than in silence. A
-- guard by NOT EXISTS was tried instead: in a generic plan made while the
-- table was small (a new database) it hashed every state of the table for
-- each batch. Each task appears once in the arrays. Returns the states added.
CREATE FUNCTION task_clocks_start(p_tasks bigint[], p_case_ids bigint[], p_divisions text[],
                                  p_roles text[], p_ats timestamptz[],
                                  p_response_dues timestamptz[],
                                  p_completion_dues timestamptz[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    added integer;
BEGIN
    INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, due)
    SELECT s.task, c.clock, 1, s.case_id, s.division, s.role, s.at, c.due
    FROM unnest(p_tasks, p_case_ids, p_divisions, p_roles, p_ats, p_response_dues,
                p_completion_dues) AS s(task, case_id, division, role, at, response_due,
                                        completion_due)
    CROSS JOIN LATERAL (VALUES ('response', s.response_due),
                               ('completion', s.completion_due)) AS c(clock, due);
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END
$$;

CREATE OR REPLACE FUNCTION task_clock_start(task bigint, case_id bigint, division text, role text,
                                            at timestamptz, response_due timestamptz,
                                            completion_due timestamptz) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    RETURN task_clocks_start(ARRAY[task], ARRAY[case_id], ARRAY[division], ARRAY[role],
                             ARRAY[at], ARRAY[response_due], ARRAY[completion_due]);

-- Written only through the clock functions, as their owner (016).
REVOKE ALL ON FUNCTION task_clocks_start(bigint[], bigint[], text[], text[], timestamptz[],
                                         timestamptz[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION task_clocks_start(bigint[], bigint[], text[], text[], timestamptz[],
                                            timestamptz[], timestamptz[])
    TO duban_dispatch, duban_bulletin, duban_admin;
