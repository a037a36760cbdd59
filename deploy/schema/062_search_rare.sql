-- Search: a rare text is read from its own lists, not day by day (issue 10,
-- search under concurrency).
--
-- A batch of days (060, 061) costs about the cases of its days, whatever
-- the text: GIN merges the days' lists before it meets the text's. For a
-- text in few cases -- a road and house number, an enterprise, a word no
-- case holds -- the walk went through ten batches and hundreds of days, and
-- that was most of the time of the desk's searches measured with
-- tools/bench-web over 1,000,000 cases (the 20 specific texts: 3.6 s in
-- all, one at a time; the five absent words: 0.2 s). Now, before the walk,
-- the planner is asked how many cases each bigram of the text is in (the
-- index's statistics; EXPLAIN, nothing run): when the rarest is in at most a
-- quarter of the budget, the text is read at once from its lists, as the
-- walk already did for the rest once 31 days were read (1.6 s and 0.03 s
-- for the same searches). Each bigram is asked alone: the planner takes
-- them for independent, and expected 缺斤短两 in 125 cases of the 50,000
-- that hold all three of its bigrams. That statement is bounded like every
-- other (LIMIT budget + 1); should the statistics be wrong, the budget cuts
-- it as 061 says.
--
-- The rest of the walk's rule for that statement is 060's again: the older
-- days are read at once when the rate met says they hold at most 10,000
-- candidates (061 asked for twice the matches still wanted, which sent
-- rare texts through more batches), and never more than the budget allows.

CREATE OR REPLACE FUNCTION case_search_newest(keys text[], terms text[], division text, want integer,
                                   budget integer, since timestamptz, until timestamptz)
    RETURNS TABLE (id bigint, created_at timestamptz, examined bigint)
    -- VOLATILE: EXPLAIN is refused in a function that is not.
    LANGUAGE plpgsql VOLATILE PARALLEL SAFE
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
    plan json;
    k_key text;
    rare boolean := false;
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
    -- Whether the text is rare: its rarest bigram is, as the planner
    -- expects from the index's statistics (a plan of each, never run).
    -- Each bigram alone: the planner takes them for independent, and for
    -- 缺斤短两 expected 125 of the 50,000 cases that hold all three.
    FOREACH k_key IN ARRAY keys LOOP
        EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM cases c WHERE case_search_index_keys(c.subject,'
                ' c.description, c.place, c.enterprise, c.product, c.created_at) @> ARRAY[$1]'
            INTO plan USING k_key;
        rare := rare OR (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric <= budget / 4;
        EXIT WHEN rare;
    END LOOP;
    hi := newest;
    WHILE hi >= oldest AND found < want LOOP
        room := budget - seen;
        IF room <= 0 THEN
            cut := greatest(to_timestamp((hi + 1) * 86400), since);
            EXIT;
        END IF;
        upper := least(until, to_timestamp((hi + 1) * 86400));
        -- Days read: newest .. hi + 1. A batch of days costs about the
        -- cases of its days (GIN merges their lists), whatever the text: a
        -- text the planner expects in few cases (rare) is read in one
        -- statement from the text's own lists instead, from the start; so
        -- is the rest once 31 days are read, when the cases read so far say
        -- the older days hold few more (at the same rate). That statement
        -- reads every candidate of the text (the bound is checked on each,
        -- never planned), so it is taken only when all of it fits in what
        -- is left.
        IF (hi = newest AND rare)
           OR (newest - hi >= 31 AND seen * (hi - oldest + 1) <= least(10000, budget - 2 * seen) * (newest - hi)) THEN
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
