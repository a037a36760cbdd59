-- Search answers a common word from the bigram index, newest first, in
-- bounded work (issue 10's speed).
--
-- 021 answered a text matched by more than 2,000 cases by reading the
-- newest cases in time order and checking each one's text (about 30 us a
-- case: case_search_text's translate over the whole text). When the newest
-- cases did not hold the word the walk went on and on: 电梯 over 1,100,000
-- cases, the newest 100,000 of them without it, read 100,181 cases in 2.4 s
-- (EXPLAIN ANALYZE). Taking every match from the index and sorting them is
-- no better for such a word: its bitmap alone holds 85,000 cases, each
-- fetched and checked.
--
-- So the index knows when a case came: its keys gain the case's day (UTC)
-- as one more key, '#' and the day's number (a bigram is two letters,
-- digits or ideographs: the two never meet). A search then asks the index
-- for the matches of a few days at a time, newest days first
-- (case_search_newest): GIN intersects the word's posting list with the
-- days' lists, so a batch costs about the matches of its days, not the
-- word's whole history, and it stops once it holds the matches it needs.
-- created_at never changes after intake (the history import writes it
-- once), so the index keeps case updates heap-only (007, 042).

CREATE FUNCTION case_search_day(at timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN '#' || floor(extract(epoch FROM at AT TIME ZONE 'UTC') / 86400)::bigint;

-- A case's keys: its bigrams (021) and its day. COST as 021's.
CREATE FUNCTION case_search_index_keys(subject text, description text, place text,
                                       enterprise text, product text, created_at timestamptz)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000
    RETURN search_bigrams(case_search_text(subject, description, place, enterprise, product))
           || case_search_day(created_at);

CREATE INDEX cases_search_day_idx ON cases
    USING gin (case_search_index_keys(subject, description, place, enterprise, product, created_at));
DROP INDEX cases_search_idx;
DROP FUNCTION case_search_keys(text, text, text, text, text);

-- The newest matches of a search, at most want of them, as (id, created_at)
-- in no particular order (the caller sorts them: created_at DESC, id DESC).
-- keys: the bigrams of the whole text (at least one); terms: each
-- whitespace-separated term, every one a substring of the case's text
-- (case_search_text); division: '' for every case, else only the cases
-- the division holds a task of.
--
-- Days are read in batches of 1, 2, 4 ... days back from the newest case's
-- day (at most 512 at once), each batch only as far as the matches still
-- wanted (its newest); batches never overlap and each is older than the
-- last, so the first want matches met are the newest want. A batch costs
-- about the cases of its days (GIN merges their lists) and its matches: a
-- common word is answered from its newest few days. A rare one would make
-- every day's list be merged (70 ms for a batch of 512 days holding 41
-- matches, measured), so once 31 days are read, when the matches met so far
-- say that the older days hold at most 10,000 more (at the same rate), the
-- rest is read in one statement from the text's own short list instead.
--
-- A term of exactly two letters, digits or ideographs is its own bigram,
-- found in the index exactly as the substring, so only the other terms are
-- checked on the case's text. case_search_text costs about 30 us a case
-- (translate over the whole text), and for a term of ideographs alone it
-- changes nothing that term can match (lower case and full-width forms map
-- character by character, and no character maps to an ideograph), so such
-- a term is looked for in the texts as stored (about 1 us); only a term
-- with other characters is looked for in case_search_text.
CREATE FUNCTION case_search_newest(keys text[], terms text[], division text, want integer)
    RETURNS TABLE (id bigint, created_at timestamptz)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    -- A batch is small; starting workers for one cost more than it did
    -- (50 ms on a busy machine, measured), and many searches run at once.
    SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    indexed constant text := 'case_search_index_keys(c.subject, c.description, c.place,'
                             ' c.enterprise, c.product, c.created_at)';
    matching text :=
        ' AND NOT EXISTS (SELECT 1 FROM unnest($3::text[]) w WHERE strpos(concat_ws('' '','
        '   c.subject, c.description, c.place, c.enterprise, c.product), w) = 0)'
        ' AND NOT EXISTS (SELECT 1 FROM unnest($6::text[]) w WHERE strpos(case_search_text('
        '   c.subject, c.description, c.place, c.enterprise, c.product), w) = 0)'
        -- The matches are found first (OFFSET 0: planned apart from the
        -- order), then sorted: ordered by time with a limit, the planner
        -- would read cases_created_idx backwards and compute each case's
        -- keys (a division searching a word it holds no case of: 200 s).
        ' OFFSET 0) c ORDER BY c.created_at DESC, c.id DESC LIMIT $5';
    plain text[];
    normal text[];
    newest bigint;
    oldest bigint;
    hi bigint;
    span bigint := 1;
    found bigint := 0;
    n bigint;
    days text[];
BEGIN
    IF coalesce(cardinality(keys), 0) = 0 OR want < 1 THEN
        RETURN;
    END IF;
    IF division <> '' THEN
        -- A division that holds few cases: its cases are read and every
        -- term looked for in each (a term found as a substring has its
        -- bigrams in the case), never the text's matches elsewhere.
        SELECT count(*) INTO n FROM (SELECT 1 FROM tasks t WHERE t.division = $3 LIMIT 5001) x;
        IF n <= 5000 THEN
            RETURN QUERY
            SELECT c.id, c.created_at FROM cases c
             WHERE c.id IN (SELECT t.case_id FROM tasks t WHERE t.division = $3)
               AND NOT EXISTS (SELECT 1 FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) w
                                WHERE w ~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'
                                  AND strpos(concat_ws(' ', c.subject, c.description, c.place,
                                                       c.enterprise, c.product), w) = 0)
               AND NOT EXISTS (SELECT 1 FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) w
                                WHERE w !~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'
                                  AND strpos(case_search_text(c.subject, c.description, c.place,
                                                              c.enterprise, c.product), w) = 0)
             ORDER BY c.created_at DESC, c.id DESC LIMIT want;
            RETURN;
        END IF;
        -- Otherwise checked on each match against the division's cases, hashed once
        -- (the "or" keeps the planner from making it a join it could drive
        -- from the division's tasks, computing each case's keys: over
        -- 100,000 tasks, minutes).
        matching := ' AND ($4 = '''' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id'
                    ' AND t.division = $4))' || matching;
    END IF;
    SELECT coalesce(array_agg(t) FILTER (WHERE t ~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'), '{}'),
           coalesce(array_agg(t) FILTER (WHERE t !~ '^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$'), '{}')
      INTO plain, normal
      FROM unnest(terms) u, case_search_text(u, NULL, NULL, NULL, NULL) t
     WHERE t !~ '^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}$';
    SELECT floor(extract(epoch FROM max(c.created_at) AT TIME ZONE 'UTC') / 86400),
           floor(extract(epoch FROM min(c.created_at) AT TIME ZONE 'UTC') / 86400)
      INTO newest, oldest FROM cases c;
    hi := newest;
    WHILE hi >= oldest AND found < want LOOP
        IF newest - hi >= 31 AND found * (hi - oldest + 1) <= 10000 * (newest - hi) THEN
            -- The rest, days hi and before, in one statement.
            RETURN QUERY EXECUTE 'SELECT c.id, c.created_at FROM (SELECT c.id, c.created_at'
                                 ' FROM cases c WHERE ' || indexed || ' @> $1'
                                 ' AND c.created_at < $2' || matching
                USING keys, to_timestamp((hi + 1) * 86400), plain, division, want - found, normal;
            RETURN;
        END IF;
        days := ARRAY(SELECT '#' || d FROM generate_series(greatest(hi - span + 1, oldest), hi) d);
        -- Dynamic: planned with these very keys and days, so the planner
        -- sees how few cases the days hold.
        RETURN QUERY EXECUTE 'SELECT c.id, c.created_at FROM (SELECT c.id, c.created_at'
                             ' FROM cases c WHERE ' || indexed || ' @> $1'
                             ' AND ' || indexed || ' && $2' || matching
            USING keys, days, plain, division, want - found, normal;
        GET DIAGNOSTICS n = ROW_COUNT;
        found := found + n;
        hi := hi - span;
        span := least(span * 2, 512);
    END LOOP;
END
$$;
