-- Every search does bounded work, and says so when the bound cut it short
-- (issue 10).
--
-- 060 read the newest matches of a text a few days at a time, and stopped
-- once it held what the page needed. When the matches were not there it
-- went on to the end: a division holding more than 5,000 tasks that
-- searched a word common elsewhere but absent from its own cases had every
-- match of the word fetched and checked against its tasks (105 s on the
-- loaded machine). Now a search reads at most `budget` candidate cases (a
-- candidate: a case the index gives for the days and bigrams asked, before
-- the terms, the dates and the division are checked), and as many again
-- when one batch of days holds more candidates than are left. Each batch of
-- days takes at most what is left of the budget plus one; a batch that
-- would need more is read instead newest first by received time (the time
-- index), as many cases as were left, each checked for every term. So what
-- is returned is always every match among the cases received since a point
-- in time -- never an arbitrary part of a day -- and the caller can say
-- exactly how far back it looked. In all, a search reads at most
-- 2 * budget + 1 cases.

-- A search may also be limited to cases received in [since, until): the
-- day keys of 060 start and stop the walk there, so a date range is the
-- way to narrow a search that was cut.
--
-- Rows: the matches (id, created_at, NULL), then one last row (NULL, cut,
-- examined): cut is NULL when the whole range was searched (or the matches
-- wanted were found), else the time back to which it was; examined is how
-- many cases were read (at most budget + 1).
--
-- The planner must read the GIN index and nothing else: with a LIMIT and a
-- common word it may think a scan of the table stops early, but each row
-- would compute the case's keys (about 30 us), so sequential scans are off
-- inside the function. The checks are in the select list, not in WHERE,
-- for two reasons: every candidate read is counted, matching or not, and
-- nothing in them (the received time, the division) can be planned as
-- another way into the table (060's note: cases_created_idx read backwards,
-- or a join driven from the division's tasks, took minutes). With those
-- two the GIN index is the only way the planner has, so the statements are
-- static and their plans kept for the session: 060 planned each batch
-- anew (EXECUTE), 2-3 ms a batch and up to ten batches a search, which was
-- most of the time of a search for a word no case holds.

DROP FUNCTION case_search_newest(text[], text[], text, integer);

CREATE FUNCTION case_search_newest(keys text[], terms text[], division text, want integer,
                                   budget integer, since timestamptz, until timestamptz)
    RETURNS TABLE (id bigint, created_at timestamptz, examined bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    -- A batch is small; starting workers for one cost more than it did
    -- (50 ms on a busy machine, measured), and many searches run at once.
    SET max_parallel_workers_per_gather = 0
    SET enable_seqscan = off
AS $$
DECLARE
    scoped constant boolean := division <> '';
    plain text[];        -- the terms to look for in the texts as stored
    normal text[];       -- and in case_search_text (060)
    every_plain text[];  -- the same with the terms the index alone proves
    every_normal text[];
    last timestamptz;
    upper timestamptz;
    room bigint;
    first_day bigint;
    newest bigint;
    oldest bigint;
    hi bigint;
    span bigint := 1; -- days in the next batch
    found bigint := 0;
    seen bigint := 0;
    n bigint;
    k bigint;
    ids bigint[];
    ats timestamptz[];
    days text[];
    cut timestamptz;
    few constant integer := least(5000, budget);
BEGIN
    since := coalesce(since, '-infinity');
    until := coalesce(until, 'infinity');
    IF coalesce(cardinality(keys), 0) = 0 OR want < 1 OR since >= until THEN
        RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, 0::bigint;
        RETURN;
    END IF;
    IF scoped THEN
        -- A division that holds few cases: its cases are read and every
        -- term looked for in each (a term found as a substring has its
        -- bigrams in the case), never the text's matches elsewhere.
        SELECT count(*) INTO n FROM (SELECT 1 FROM tasks t WHERE t.division = $3 LIMIT few + 1) x;
        IF n <= few THEN
            RETURN QUERY
            SELECT c.id, c.created_at, NULL::bigint FROM cases c
             WHERE c.id IN (SELECT t.case_id FROM tasks t WHERE t.division = $3)
               AND c.created_at >= since AND c.created_at < until
               AND NOT EXISTS (SELECT 1 FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) w
                                WHERE w ~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'
                                  AND strpos(concat_ws(' ', c.subject, c.description, c.place,
                                                       c.enterprise, c.product), w) = 0)
               AND NOT EXISTS (SELECT 1 FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) w
                                WHERE w !~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'
                                  AND strpos(case_search_text(c.subject, c.description, c.place,
                                                              c.enterprise, c.product), w) = 0)
             ORDER BY c.created_at DESC, c.id DESC LIMIT want;
            RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, n;
            RETURN;
        END IF;
    END IF;
    SELECT coalesce(array_agg(t) FILTER (WHERE t ~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'), '{}'),
           coalesce(array_agg(t) FILTER (WHERE t !~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'), '{}')
      INTO plain, normal
      FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) t
     WHERE t !~ '^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}$';
    SELECT coalesce(array_agg(t) FILTER (WHERE t ~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'), '{}'),
           coalesce(array_agg(t) FILTER (WHERE t !~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'), '{}')
      INTO every_plain, every_normal
      FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) t;
    SELECT floor(extract(epoch FROM max(c.created_at) AT TIME ZONE 'UTC') / 86400),
           floor(extract(epoch FROM min(c.created_at) AT TIME ZONE 'UTC') / 86400)
      INTO newest, oldest FROM cases c;
    IF newest IS NULL THEN
        RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, 0::bigint;
        RETURN;
    END IF;
    -- (infinity has no day: the range is clipped to what the table holds)
    IF until < 'infinity' THEN
        newest := least(newest, floor(extract(epoch FROM until AT TIME ZONE 'UTC') / 86400));
    END IF;
    IF since > '-infinity' THEN
        oldest := greatest(oldest, floor(extract(epoch FROM since AT TIME ZONE 'UTC') / 86400));
    END IF;
    hi := newest;
    WHILE hi >= oldest AND found < want LOOP
        room := budget - seen;
        IF room <= 0 THEN
            cut := greatest(to_timestamp((hi + 1) * 86400), since);
            EXIT;
        END IF;
        upper := least(until, to_timestamp((hi + 1) * 86400));
        -- Days read: newest .. hi + 1. Once 31 are read, when the cases
        -- read so far say the older days hold few more (at the same rate)
        -- -- no more than twice the matches still wanted, or 500 -- the
        -- rest is read in one statement from the text's own list, without
        -- merging every older day's (a batch of 512 days holding 41 matches
        -- took 70 ms, measured). That statement reads the newer candidates
        -- again (the bound is checked on each, never planned), so it is
        -- taken only when all of it fits in what is left.
        IF newest - hi >= 31
           AND seen * (hi - oldest + 1) <= least(greatest(2 * (want - found), 500), budget - 2 * seen) * (newest - hi) THEN
            first_day := oldest;
            days := NULL;
            -- Candidates: the cases whose keys hold the text's bigrams.
            -- Each is checked: received in the range, every term that the
            -- index alone does not prove (texts as stored first, cheap),
            -- the division (one probe of the index: OFFSET 0 keeps the
            -- planner from hashing every task of the division instead,
            -- which it did once per batch, 100,000 tasks, 30 ms), then
            -- case_search_text (about 30 us); AND stops at the first false.
            SELECT count(*),
                   coalesce(array_agg(x.id ORDER BY x.created_at DESC, x.id DESC) FILTER (WHERE x.ok), '{}'),
                   coalesce(array_agg(x.created_at ORDER BY x.created_at DESC, x.id DESC) FILTER (WHERE x.ok), '{}')
              INTO n, ids, ats
              FROM (SELECT c.id, c.created_at,
                           c.created_at >= since AND c.created_at < upper
                           AND NOT EXISTS (SELECT 1 FROM unnest(plain) w
                                            WHERE strpos(concat_ws(' ', c.subject, c.description, c.place,
                                                                   c.enterprise, c.product), w) = 0)
                           AND (NOT scoped OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id
                                                         AND t.division = $3 OFFSET 0))
                           AND NOT EXISTS (SELECT 1 FROM unnest(normal) w
                                            WHERE strpos(case_search_text(c.subject, c.description, c.place,
                                                                          c.enterprise, c.product), w) = 0) AS ok
                      FROM cases c
                     WHERE case_search_index_keys(c.subject, c.description, c.place, c.enterprise, c.product,
                                                  c.created_at) @> keys
                     LIMIT room + 1) x;
        ELSE
            first_day := greatest(hi - span + 1, oldest);
            days := ARRAY(SELECT '#' || d FROM generate_series(first_day, hi) d);
            -- The same, of these days only (GIN intersects the text's
            -- lists with the days').
            SELECT count(*),
                   coalesce(array_agg(x.id ORDER BY x.created_at DESC, x.id DESC) FILTER (WHERE x.ok), '{}'),
                   coalesce(array_agg(x.created_at ORDER BY x.created_at DESC, x.id DESC) FILTER (WHERE x.ok), '{}')
              INTO n, ids, ats
              FROM (SELECT c.id, c.created_at,
                           c.created_at >= since AND c.created_at < upper
                           AND NOT EXISTS (SELECT 1 FROM unnest(plain) w
                                            WHERE strpos(concat_ws(' ', c.subject, c.description, c.place,
                                                                   c.enterprise, c.product), w) = 0)
                           AND (NOT scoped OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id
                                                         AND t.division = $3 OFFSET 0))
                           AND NOT EXISTS (SELECT 1 FROM unnest(normal) w
                                            WHERE strpos(case_search_text(c.subject, c.description, c.place,
                                                                          c.enterprise, c.product), w) = 0) AS ok
                      FROM cases c
                     WHERE case_search_index_keys(c.subject, c.description, c.place, c.enterprise, c.product,
                                                  c.created_at) @> keys
                       AND case_search_index_keys(c.subject, c.description, c.place, c.enterprise, c.product,
                                                  c.created_at) && days
                     LIMIT room + 1) x;
        END IF;
        seen := seen + n;
        IF n > room THEN
            -- These days hold more candidates than the budget has left (a
            -- busy day, a bulk of cases at one instant, a word common
            -- elsewhere): their cases are read newest first by the time
            -- index instead, as many again, each checked for every term,
            -- and the answer is whole back to the last instant read whole.
            SELECT count(*), min(x.created_at),
                   coalesce(array_agg(x.id ORDER BY x.created_at DESC, x.id DESC) FILTER (WHERE x.ok), '{}'),
                   coalesce(array_agg(x.created_at ORDER BY x.created_at DESC, x.id DESC) FILTER (WHERE x.ok), '{}')
              INTO n, last, ids, ats
              FROM (SELECT c.id, c.created_at,
                           NOT EXISTS (SELECT 1 FROM unnest(every_plain) w
                                        WHERE strpos(concat_ws(' ', c.subject, c.description, c.place,
                                                               c.enterprise, c.product), w) = 0)
                           AND (NOT scoped OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id
                                                         AND t.division = $3 OFFSET 0))
                           AND NOT EXISTS (SELECT 1 FROM unnest(every_normal) w
                                            WHERE strpos(case_search_text(c.subject, c.description, c.place,
                                                                          c.enterprise, c.product), w) = 0) AS ok
                      FROM cases c
                     WHERE c.created_at >= greatest(since, to_timestamp(first_day * 86400))
                       AND c.created_at < upper
                     ORDER BY c.created_at DESC, c.id DESC LIMIT room) x;
            seen := seen + n;
            IF n >= room AND cardinality(ids) < want - found THEN
                -- Cut inside these days: the instant read last may hold more.
                cut := last + interval '1 microsecond';
                SELECT coalesce(array_agg(u.i ORDER BY u.a DESC, u.i DESC), '{}'),
                       coalesce(array_agg(u.a ORDER BY u.a DESC, u.i DESC), '{}')
                  INTO ids, ats FROM unnest(ids, ats) u(i, a) WHERE u.a > last;
            END IF;
        END IF;
        k := least(cardinality(ids), want - found);
        RETURN QUERY SELECT u.i, u.a, NULL::bigint FROM unnest(ids[1:k], ats[1:k]) u(i, a);
        found := found + k;
        EXIT WHEN cut IS NOT NULL OR days IS NULL; -- cut, or the fallback read every older day
        hi := first_day - 1;
        -- The next batch: twice as many days, but no more than the matches
        -- met so far say are needed (and a fifth more), nor than the
        -- candidates met so far say the budget can pay for: doubling alone
        -- read 3,317 cases for 2,001 matches of a common word (measured),
        -- and would overrun the budget where a smaller batch would not.
        span := least(span * 2, 512,
                      CASE WHEN found > 0 THEN ceil((want - found) * 1.2 * (newest - hi) / found)::bigint
                           ELSE 512 END,
                      greatest(1, floor((budget - seen) * 1.0 * (newest - hi) / greatest(seen, 1))::bigint));
    END LOOP;
    RETURN QUERY SELECT NULL::bigint, cut, seen;
END
$$;
