-- A new case's search keys (cases_search_day_idx, 060) cost less: their
-- two SQL functions are now inlined into the index expression.
--
-- case_search_index_keys (060) was inlined, but not the two functions it
-- calls: PostgreSQL inlines an IMMUTABLE SQL function only if its body calls
-- nothing less than immutable, and case_search_text (063) calls concat_ws,
-- STABLE (it takes "any"), while case_search_day (060) appends a bigint to
-- '#' with textanycat, STABLE too. So every case insert (and every row a
-- search checks with case_search_text) ran both through the SQL-function
-- executor, a small statement each. Measured in psql over 50,000 cases of
-- seed_search.sql (PostgreSQL 15, 2 cores, load average 2.2-3.1 with a
-- fuzzer on one core), old and new definitions in turn: case_search_text
-- 330 -> 210-260 ms; the keys 1,060-1,090 -> 955-1,005 ms (5,000 cases:
-- 103-106 -> 93-96 ms); inserting 20,000 such cases (EXPLAIN ANALYZE, all
-- of cases' indexes and foreign keys) 1,870 -> 1,820 ms median of six, within
-- the noise. The rest of a case's keys is search_bigrams (PL/pgSQL, 021),
-- about 17 us a case: kept, as the SQL spellings tried (regexp_replace
-- passes, inlinable) were three times slower.
--
-- Both now use immutable operations only, and give the same text for every
-- input, so the index stays valid as it is (no reindex): concat_ws(' ', ...)
-- is spelt as each non-NULL part after a space, the first space dropped
-- ('' when all are NULL, as concat_ws; an empty part still counts), and the
-- day's number is cast to text as textanycat did. A session that loaded the
-- index before this migration may keep the old, slower expression until it
-- reconnects; its keys are the same. tests/integration/search_pages.sh
-- compares both with the old definitions.
CREATE OR REPLACE FUNCTION case_search_text(subject text, description text, place text,
                                            enterprise text, product text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(CASE
        WHEN coalesce(' ' || subject, '') || coalesce(' ' || description, '')
             || coalesce(' ' || place, '') || coalesce(' ' || enterprise, '')
             || coalesce(' ' || product, '')
             ~ '[０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ]'
        THEN translate(substr(coalesce(' ' || subject, '') || coalesce(' ' || description, '')
                              || coalesce(' ' || place, '') || coalesce(' ' || enterprise, '')
                              || coalesce(' ' || product, ''), 2),
            '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
            '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
        ELSE substr(coalesce(' ' || subject, '') || coalesce(' ' || description, '')
                    || coalesce(' ' || place, '') || coalesce(' ' || enterprise, '')
                    || coalesce(' ' || product, ''), 2) END);

CREATE OR REPLACE FUNCTION case_search_day(at timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN '#' || floor(extract(epoch FROM at AT TIME ZONE 'UTC') / 86400)::bigint::text;
