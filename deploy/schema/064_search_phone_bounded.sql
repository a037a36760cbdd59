-- A search by phone does bounded work too, and says when the bound cut it
-- short (issue 10, search speed).
--
-- The phone search (intake_search.c) took every case of the phone's digits
-- from cases_duplicate_idx, joined each to its lead task and counted them
-- all before it cut a page: a number that called thousands of times (a
-- switchboard, a test line, a caller who rings every day) cost as many
-- heap reads, lead-task probes and rows as it had cases, on every search.
-- Now it reads at most budget + 1 of the phone's cases (in the index's
-- order); when there are no more than budget, those are every one (the
-- answer is whole, as before). When there are more, the newest of each
-- category (and of none) are read instead, budget / (categories + 1) each,
-- newest first by the index (digits, category, created_at), so at most
-- 2 * budget + 1 cases in all, as a text search (061). A category that
-- gave as many as it was asked for may hold older ones unread: the answer
-- is every case of the phone received after the newest such last-read
-- instant, and that instant (plus a microsecond) is where the search was
-- cut, as case_search_newest reports it.
--
-- Rows as case_search_newest's: the matches (id, created_at, NULL) -- the
-- phone's cases received in [since, until), of the division when division
-- is not '' (it holds a task of the case) -- in no particular order, then
-- one last row (NULL, cut, examined): cut NULL when every case of the phone
-- in the range was read, examined how many cases were read.
CREATE FUNCTION case_phone_newest(digits text, division text, budget integer,
                                  since timestamptz, until timestamptz)
    RETURNS TABLE (id bigint, created_at timestamptz, examined bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    ids bigint[];
    ats timestamptz[];
    more_ids bigint[];
    more_ats timestamptz[];
    seen bigint;
    per integer;
    n bigint;
    last timestamptz;
    cutoff timestamptz;
    cat_code text;
BEGIN
    since := coalesce(since, '-infinity');
    until := coalesce(until, 'infinity');
    SELECT coalesce(array_agg(x.id), '{}'), coalesce(array_agg(x.created_at), '{}') INTO ids, ats
      FROM (SELECT c.id, c.created_at FROM cases c
             WHERE c.requester_phone IS NOT NULL
               AND regexp_replace(c.requester_phone, '[^0-9]', '', 'g') = $1
               AND c.created_at >= since AND c.created_at < until
             LIMIT budget + 1) x;
    seen := cardinality(ids);
    IF seen > budget THEN
        per := greatest(1, budget / ((SELECT count(*) FROM categories)::integer + 1));
        ids := '{}';
        ats := '{}';
        FOR cat_code IN SELECT k.code FROM categories k UNION ALL SELECT NULL LOOP
            -- Two statements, not "category IS NOT DISTINCT FROM": that
            -- one cannot be read from the index.
            IF cat_code IS NULL THEN
                SELECT count(*), min(x.created_at), coalesce(array_agg(x.id), '{}'),
                       coalesce(array_agg(x.created_at), '{}')
                  INTO n, last, more_ids, more_ats
                  FROM (SELECT c.id, c.created_at FROM cases c
                         WHERE c.requester_phone IS NOT NULL
                           AND regexp_replace(c.requester_phone, '[^0-9]', '', 'g') = $1
                           AND c.category IS NULL
                           AND c.created_at >= since AND c.created_at < until
                         ORDER BY c.created_at DESC LIMIT per) x;
            ELSE
                SELECT count(*), min(x.created_at), coalesce(array_agg(x.id), '{}'),
                       coalesce(array_agg(x.created_at), '{}')
                  INTO n, last, more_ids, more_ats
                  FROM (SELECT c.id, c.created_at FROM cases c
                         WHERE c.requester_phone IS NOT NULL
                           AND regexp_replace(c.requester_phone, '[^0-9]', '', 'g') = $1
                           AND c.category = cat_code
                           AND c.created_at >= since AND c.created_at < until
                         ORDER BY c.created_at DESC LIMIT per) x;
            END IF;
            seen := seen + n;
            ids := ids || more_ids;
            ats := ats || more_ats;
            IF n >= per THEN
                -- Read newest first: every case after its last is read.
                cutoff := greatest(cutoff, last);
            END IF;
        END LOOP;
    END IF;
    RETURN QUERY
    SELECT u.i, u.a, NULL::bigint FROM unnest(ids, ats) u(i, a)
     WHERE (cutoff IS NULL OR u.a > cutoff)
       AND ($2 = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = u.i AND t.division = $2));
    RETURN QUERY SELECT NULL::bigint, cutoff + interval '1 microsecond', seen;
END
$$;
