-- The hotline desk and the division queue at scale: full-text search over
-- cases written in Chinese, the manual triage queue, and the queue's tab
-- counts kept by PostgreSQL instead of counted at every page view.

-- Search ---------------------------------------------------------------
--
-- Debian 12 packages no Chinese text-search parser (no zhparser, pg_jieba,
-- pgroonga or pg_bigm), and pg_trgm needs three characters: a two-character
-- word (电梯, 锅炉, most Chinese words) gives it no trigram, so such a search
-- reads every case (0.6-1 s over 1,000,000 cases, measured). Cases are
-- therefore indexed by character bigrams, as CJK search engines do: every
-- two neighbouring letters, digits or ideographs of the text. A term of two
-- or more characters is found through the bigrams it contains; the match is
-- then confirmed as a substring (case_search_text), so neighbouring bigrams
-- that only happen to occur apart do not count. Nothing here needs an
-- extension.

-- What is searched, in one normal form: lower case, full-width digits and
-- Latin letters as ASCII. Staff search the texts of the case itself; the
-- requester's name and phone are not in it (the phone has its own exact
-- lookup, see common/phone.h).
CREATE FUNCTION case_search_text(subject text, description text, place text, enterprise text,
                                 product text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(translate(concat_ws(' ', subject, description, place, enterprise, product),
        '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
        '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'));

-- The bigrams of a text in case_search_text's normal form (duplicates are
-- left in: GIN removes them). Anything but ASCII letters and digits and CJK
-- ideographs separates words; a word of one character has no bigram.
-- PL/pgSQL with an expanded array: about 30 us for a case of 100
-- characters, three times faster than the set-based SQL spellings tried.
CREATE FUNCTION search_bigrams(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    c text[] := string_to_array(regexp_replace(t,
        '[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+', ' ', 'g'), NULL);
    out text[] := '{}';
    k int := 0;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(c), 0) - 1 LOOP
        IF c[i] <> ' ' AND c[i + 1] <> ' ' THEN
            k := k + 1;
            out[k] := c[i] || c[i + 1];
        END IF;
    END LOOP;
    RETURN out;
END
$$;

-- A case's search keys. COST tells the planner what it is: never evaluate
-- it row by row when the index can answer.
CREATE FUNCTION case_search_keys(subject text, description text, place text, enterprise text,
                                 product text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000
    RETURN search_bigrams(case_search_text(subject, description, place, enterprise, product));

-- None of these columns changes after intake, so state changes stay HOT.
CREATE INDEX cases_search_idx ON cases
    USING gin (case_search_keys(subject, description, place, enterprise, product));

-- Results come newest first, page by page, so they need a total order:
-- received time, then id (imports and seeds give many cases one instant).
-- The index on received time alone (002) becomes one on both; every query
-- that read it reads this one.
DROP INDEX cases_created_idx;
CREATE INDEX cases_created_idx ON cases (created_at, id);

-- The manual triage queue -------------------------------------------------
--
-- Cases triage could not categorise (state needs_triage) keep category NULL
-- until someone chooses one. No index on cases may depend on state (007), so
-- the queue reads the cases still without a category (those in flight and
-- those waiting for a person) and checks the state on the row.
CREATE INDEX cases_uncategorised_idx ON cases (created_at) WHERE category IS NULL;

-- A first responder's cases (我的工单) --------------------------------------
--
-- Their open cases newest first, page by page, from the index the roster
-- already counted them with (it gains the received time); and those waiting
-- on them: a replied case waits for the requester to be told, an informed
-- one for the callback. replied_at and closed_at are each set once, so this
-- second index changes at most twice in a case's life.
DROP INDEX cases_first_responder_open_idx;
CREATE INDEX cases_first_responder_open_idx ON cases (first_responder, created_at)
    WHERE closed_at IS NULL;
CREATE INDEX cases_first_responder_replied_idx ON cases (first_responder, replied_at)
    WHERE closed_at IS NULL AND replied_at IS NOT NULL;

-- The division queue's tab counts ----------------------------------------
--
-- Counting a division's open tasks at every page view costs a pass over all
-- of them (60 ms at 100,000). PostgreSQL keeps the counts instead, by
-- division and state: one row per writing connection (its backend pid), so
-- two transactions never wait for, or deadlock on, the same counter row,
-- whatever divisions and order they touch. A division's count is the sum of
-- its few rows, read in the same snapshot as its tasks, so it is exact. A
-- connection that ends leaves its row to the next backend with its pid.
CREATE TABLE task_queue_counts (
    division text NOT NULL,
    state text NOT NULL CHECK (state IN ('dispatched', 'signed')),
    writer integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (division, state, writer)
);

-- Written only by the trigger below (as the owner); intake reads the queue's
-- counts from it.
GRANT SELECT ON task_queue_counts TO duban_intake;

INSERT INTO task_queue_counts (division, state, writer, n)
SELECT division, state, 0, count(*) FROM tasks
WHERE state IN ('dispatched', 'signed') GROUP BY division, state;

-- Statement triggers with transition tables: a statement that writes many
-- tasks (a batch, an import) adds one row per division and state it changed.
-- The function writes what the caller may not (SECURITY DEFINER).
CREATE FUNCTION task_queue_counts_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO task_queue_counts AS q (division, state, writer, n)
        SELECT division, state, pg_backend_pid(), count(*) FROM new_tasks
        WHERE state IN ('dispatched', 'signed') GROUP BY division, state
        ON CONFLICT (division, state, writer) DO UPDATE SET n = q.n + excluded.n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO task_queue_counts AS q (division, state, writer, n)
        SELECT division, state, pg_backend_pid(), sum(d) FROM (
            SELECT division, state, 1 AS d FROM new_tasks WHERE state IN ('dispatched', 'signed')
            UNION ALL
            SELECT division, state, -1 FROM old_tasks WHERE state IN ('dispatched', 'signed')) x
        GROUP BY division, state HAVING sum(d) <> 0
        ON CONFLICT (division, state, writer) DO UPDATE SET n = q.n + excluded.n;
    ELSE
        INSERT INTO task_queue_counts AS q (division, state, writer, n)
        SELECT division, state, pg_backend_pid(), -count(*) FROM old_tasks
        WHERE state IN ('dispatched', 'signed') GROUP BY division, state
        ON CONFLICT (division, state, writer) DO UPDATE SET n = q.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION task_queue_counts_apply() FROM PUBLIC;

CREATE TRIGGER tasks_queue_counts_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION task_queue_counts_apply();
CREATE TRIGGER tasks_queue_counts_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION task_queue_counts_apply();
CREATE TRIGGER tasks_queue_counts_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION task_queue_counts_apply();

-- Overdue and warned change with the clock, so they are counted, but never
-- more than a bounded number of index entries (intake_queue.c): overdue
-- tasks lead tasks_division_queue_idx, and the tasks past their warning
-- point lead this index, in which a task's warning point is never after its
-- deadline (least()), so "past the warning point" is "warned or overdue".
-- The columns it includes let both counts be read from the index alone.
CREATE INDEX tasks_division_warn_idx ON tasks
    (division, least(CASE WHEN state = 'dispatched' THEN response_warn ELSE completion_warn END,
                     CASE WHEN state = 'dispatched' THEN response_due ELSE completion_due END))
    INCLUDE (state, response_due, completion_due, response_warn, completion_warn)
    WHERE state IN ('dispatched', 'signed');
