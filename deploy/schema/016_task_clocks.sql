-- The deadline in force at every instant (issue 11): each task's response
-- and completion clocks as a history of states, so that a period's figures
-- read the deadlines as they stood at its end, whatever happened later.
--
-- A state is in force from `since` until `until` (NULL while it still is),
-- with the deadline `due` (NULL while the clock stands: waiting for
-- material). A new state begins at dispatch, when the clock stops for
-- material, when it runs again (the deadline moved by the time it stood),
-- and when an extension moves the deadline; the last one ends when the
-- deadline is met (signed or returned for the response, replied for the
-- completion) or dropped (the completion clock of a returned task). The
-- arithmetic is common/deadline.c's (dispatch, the history import and the
-- re-check compute every deadline there); these functions only record what
-- it decided, in the same statement as the step, at the step's instant.
--
-- `missed_before` says an earlier state of the clock was missed (its
-- deadline passed while it was in force), so that a clock is judged once:
-- the verdicts over states are DEADLINE_SQL_MISSED / DEADLINE_SQL_MET in
-- common/deadline.h. A step that ends a missed state records the violation
-- if watch has not (it records only what is overdue while it watches).
CREATE TABLE task_clocks (
    task_id bigint NOT NULL REFERENCES tasks (id),
    clock text NOT NULL CHECK (clock IN ('response', 'completion')),
    seq integer NOT NULL,
    case_id bigint NOT NULL,    -- of the task, kept here so that a period reads no task rows
    division text NOT NULL,
    role text NOT NULL,
    since timestamptz NOT NULL,
    until timestamptz,
    due timestamptz,
    ended text CHECK (ended IN ('met', 'returned', 'paused', 'resumed', 'moved')),
    missed_before boolean NOT NULL DEFAULT false,
    PRIMARY KEY (task_id, clock, seq),
    CHECK (until IS NULL OR until >= since)
);

-- The span of a state, for the census of overdue tasks at an instant.
CREATE FUNCTION task_clock_span(since timestamptz, until timestamptz) RETURNS tstzrange
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN tstzrange(since, until, '[)');

-- Verdicts of a period: one range scan on the deadline.
CREATE INDEX task_clocks_due_idx ON task_clocks (due) WHERE NOT missed_before;
-- The census at an instant: the completion states in force then.
CREATE INDEX task_clocks_span_idx ON task_clocks USING gist (task_clock_span(since, until))
    WHERE clock = 'completion';
-- At most one state of a clock is in force.
CREATE UNIQUE INDEX task_clocks_open_idx ON task_clocks (task_id, clock) WHERE until IS NULL;

-- Both clocks of a task dispatched at `at`. Idempotent (a re-sent dispatch
-- records nothing twice). Returns the states added.
CREATE FUNCTION task_clock_start(task bigint, case_id bigint, division text, role text,
                                 at timestamptz, response_due timestamptz,
                                 completion_due timestamptz) RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    added integer;
BEGIN
    INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, due)
    VALUES (task, 'response', 1, case_id, division, role, at, response_due),
           (task, 'completion', 1, case_id, division, role, at, completion_due)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END
$$;

-- What a step at `at` did to each clock (deadline_action_t): NULL or 'keep'
-- nothing; 'run' a new state running to the given deadline; 'stand' a
-- standing state; 'meet' the deadline met now (against the given deadline
-- when the clock stood); 'drop' ended without a verdict. Returns the states
-- changed or added.
CREATE FUNCTION task_clock_step(task bigint, at timestamptz, response text,
                                response_due timestamptz, completion text,
                                completion_due timestamptz) RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    c text;
    action text;
    new_due timestamptz;
    prev task_clocks%ROWTYPE;
    changed integer := 0;
BEGIN
    FOREACH c IN ARRAY ARRAY['response', 'completion'] LOOP
        action := CASE c WHEN 'response' THEN response ELSE completion END;
        new_due := CASE c WHEN 'response' THEN response_due ELSE completion_due END;
        CONTINUE WHEN action IS NULL OR action = 'keep';
        IF action NOT IN ('run', 'stand', 'meet', 'drop') THEN
            RAISE EXCEPTION 'task_clock_step: % is not a clock step', action;
        END IF;
        UPDATE task_clocks k SET until = at,
            ended = CASE action WHEN 'meet' THEN 'met' WHEN 'drop' THEN 'returned'
                WHEN 'stand' THEN 'paused' ELSE CASE WHEN k.due IS NULL THEN 'resumed'
                ELSE 'moved' END END,
            due = CASE WHEN action = 'meet' THEN coalesce(k.due, new_due) ELSE k.due END
        WHERE k.task_id = task AND k.clock = c AND k.until IS NULL
        RETURNING k.* INTO prev;
        IF NOT FOUND THEN
            SELECT * INTO prev FROM task_clocks k WHERE k.task_id = task AND k.clock = c
            ORDER BY k.seq DESC LIMIT 1;
        ELSE
            changed := changed + 1;
            -- A step ending a state whose deadline passed while it was in force
            -- (met late, or paused, extended or returned after it) is the
            -- first known of that miss when watch did not see it: the violation
            -- is recorded here as watch records it, at the deadline.
            IF prev.due IS NOT NULL AND prev.since <= prev.due AND at > prev.due
               AND NOT prev.missed_before THEN
                INSERT INTO violations (division, handler, case_id, task_id, kind, at)
                SELECT prev.division, t.handler, prev.case_id, task, c || '_overdue', prev.due
                FROM tasks t WHERE t.id = task
                ON CONFLICT (task_id, kind) DO NOTHING;
            END IF;
        END IF;
        IF action IN ('run', 'stand') AND prev.task_id IS NOT NULL THEN
            INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, due,
                                     missed_before)
            VALUES (task, c, prev.seq + 1, prev.case_id, prev.division, prev.role, at,
                    CASE WHEN action = 'run' THEN new_due END,
                    prev.missed_before OR (prev.due IS NOT NULL AND prev.since <= prev.due
                                           AND prev.until > prev.due));
            changed := changed + 1;
        END IF;
    END LOOP;
    RETURN changed;
END
$$;

-- Tasks of a database older than this file: one state per clock from the
-- row as it is (their earlier pauses and extensions are folded into the
-- deadlines it holds), and a standing one for a task waiting for material.
INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, until, due, ended)
SELECT t.id, 'response', 1, t.case_id, t.division, t.role, t.dispatched_at,
       greatest(t.dispatched_at, coalesce(t.signed_at, t.returned_at,
           CASE WHEN t.signed_at IS NULL AND t.returned_at IS NULL THEN t.paused_at END)),
       t.response_due,
       CASE WHEN t.signed_at IS NOT NULL OR t.returned_at IS NOT NULL THEN 'met'
            WHEN t.paused_at IS NOT NULL THEN 'paused' END
FROM tasks t WHERE t.response_due IS NOT NULL;
INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, until, due, ended)
SELECT t.id, 'completion', 1, t.case_id, t.division, t.role, t.dispatched_at,
       greatest(t.dispatched_at, coalesce(t.replied_at, t.returned_at, t.paused_at)),
       t.completion_due,
       CASE WHEN t.replied_at IS NOT NULL THEN 'met' WHEN t.returned_at IS NOT NULL THEN 'returned'
            WHEN t.paused_at IS NOT NULL THEN 'paused' END
FROM tasks t WHERE t.completion_due IS NOT NULL;
INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, missed_before)
SELECT k.task_id, k.clock, 2, k.case_id, k.division, k.role, k.until,
       k.since <= k.due AND k.until > k.due
FROM task_clocks k WHERE k.ended = 'paused';

-- Who may do what (deploy/schema/README.md): the clock history is written
-- only through the two functions, which run as their owner, by the roles
-- whose steps record it (dispatch; the bulletin's re-check; dubanctl's
-- history import), and read by the bulletins (the service and dubanctl).
-- The roles exist wherever dubanctl roles has made them (012_roles.sql); a
-- database whose services all connect as one user has nobody to grant to.
ALTER FUNCTION task_clock_start(bigint, bigint, text, text, timestamptz, timestamptz,
                                timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION task_clock_step(bigint, timestamptz, text, timestamptz, text, timestamptz)
    SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION task_clock_start(bigint, bigint, text, text, timestamptz, timestamptz,
                                        timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION task_clock_step(bigint, timestamptz, text, timestamptz, text, timestamptz)
    FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_dispatch') THEN
        GRANT EXECUTE ON FUNCTION task_clock_start(bigint, bigint, text, text, timestamptz,
            timestamptz, timestamptz) TO duban_dispatch, duban_bulletin, duban_admin;
        GRANT EXECUTE ON FUNCTION task_clock_step(bigint, timestamptz, text, timestamptz, text,
            timestamptz) TO duban_dispatch, duban_bulletin, duban_admin;
        GRANT SELECT ON task_clocks TO duban_bulletin, duban_admin;
    END IF;
END
$$;
