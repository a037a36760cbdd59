# Search answers every page as its definition says, however the index finds
# it (case_search_newest, migration 060, reads the bigram index a few days at
# a time): for words over cases spread across two years, each page's cases
# and order, its total (exact up to 200, else "more than"), whether a next
# page exists, and the scope (a division's handler finds only the cases its
# division holds a task of) equal those of one plain statement over every
# case: every term a substring of case_search_text, newest first by received
# time, then id. Among the cases: the newest hundreds without the common
# word (the walk 060 replaced read them all), many at one instant (order by
# id), a word in more than 2,000 cases with pages past the 201st and the
# 2,001st, terms of
# one character, of ideographs, and of Latin letters and digits written in
# full width or upper case.
source "$(dirname "$0")/../lib/harness.sh"
harness_init search_pages
harness_start intake

seed() { harness_psql -q -v ON_ERROR_STOP=1 "$@" > /dev/null || fail "seeding: $*"; }

# 12,000 closed cases, then spread over two years (two at each instant).
seed -v n=12000 -f "$DUBAN_SOURCE_DIR/tests/lib/seed_search.sql"
psql_q "UPDATE cases SET created_at = date_trunc('minute', now()) - interval '3 days'
          - (id % 6000) * interval '2 hours 55 minutes'" > /dev/null
# A division holds a task of every fifth.
psql_q "INSERT INTO tasks (case_id, division, role, state, replied_at)
        SELECT id, 'metrology', 'lead', 'replied', created_at FROM cases WHERE id % 5 = 0" > /dev/null
# The newest: 5,200 open cases of another division at one instant, none with 小区
# (a division holding more than 5,000 tasks is searched through the index).
seed -v division=standards -v category=standards -v n=5200 -f "$DUBAN_SOURCE_DIR/tests/lib/seed_queue.sql"
# Full-width and upper-case letters and digits, as typed on a phone.
psql_q "INSERT INTO cases (case_number, query_code_sha256, channel, kind, priority, subject, description,
                           first_responder, recorded_by, state, created_at)
        SELECT 'DB202001019' || lpad(i::text, 7, '0'), sha256(convert_to('w' || i, 'UTF8')), 'hotline',
               'complaint', 'normal', s, d, 'op001', 'op001', 'closed', now() - i * interval '20 days'
        FROM (VALUES (1, 'ＸＹ牌电热水器漏电', '型号ABC-１２，小区里买的'),
                     (2, 'xy牌插座发烫', '型号abc-12'),
                     (3, 'Xy牌电线', '小区门口的店，型号AbC-12')) v(i, s, d)" > /dev/null
psql_q 'ANALYZE cases' > /dev/null
psql_q 'ANALYZE tasks' > /dev/null

# case_search_text folds a text only when it holds a full-width letter or
# digit (063); it must give what 021's definition gives for every text: each
# code point from ０ to ｚ (the 62 and the signs between them) alone and among
# others, upper case, texts without any, parts missing, and every case seeded.
fold_021="lower(translate(concat_ws(' ', s, d, p, e, r),
  '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
  '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'))"
ncases=$(psql_q "SELECT count(*) FROM cases")
assert_eq "0 $((75 + 3 + ncases))" "$(psql_q "WITH t(s, d, p, e, r) AS (
    SELECT chr(cp), '人民路' || chr(cp) || '号 ABC', NULL, NULL, NULL
      FROM generate_series(x'FF10'::int, x'FF5A'::int) cp
    UNION ALL VALUES ('ＸＹ牌 Heater', NULL, 'Ａ', '', NULL), (NULL, NULL, NULL, NULL, NULL),
                     ('电梯异响', '小区3号楼', '人民路21号', '华兴公司', 'ÀÉ ΣΑΣ')
    UNION ALL SELECT subject, description, place, enterprise, product FROM cases)
  SELECT count(*) FILTER (WHERE case_search_text(s, d, p, e, r) IS DISTINCT FROM $fold_021)
         || ' ' || count(*) FROM t")" \
  "case_search_text is 021's fold for every text (and every seeded case was compared)"

# A case's keys are inlined (073): case_search_text and case_search_day give
# what 063's and 060's definitions give for every input, so the index built
# with them stays valid. The old definitions live in this session's pg_temp;
# the inputs are in tables, so the new ones are compared inlined, as in the
# index. Texts: each of the five parts NULL or not in every combination, with
# empty, spaced, full-width, CJK, punctuation and other scripts, and every
# seeded case; times on either side of UTC midnight, written in other zones,
# before 1970 and far from now, each read with the session in two zones.
ntimes=$((2 * (26 + 2881 + 2000)))
assert_eq "0 0 0 $((32 * 8 + 75 + ncases)) 0 $ntimes" "$(harness_psql -v ON_ERROR_STOP=1 <<'SQL'
CREATE FUNCTION pg_temp.text_063(subject text, description text, place text,
                                 enterprise text, product text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(CASE
        WHEN concat_ws(' ', subject, description, place, enterprise, product)
             ~ '[０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ]'
        THEN translate(concat_ws(' ', subject, description, place, enterprise, product),
            '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ',
            '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
        ELSE concat_ws(' ', subject, description, place, enterprise, product) END);
CREATE FUNCTION pg_temp.day_060(at timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN '#' || floor(extract(epoch FROM at AT TIME ZONE 'UTC') / 86400)::bigint;
CREATE TEMP TABLE times AS
    SELECT at, i FROM unnest(ARRAY['2026-03-01 00:00:00+00', '2026-02-28 23:59:59.999999+00',
        '2026-03-01 00:00:00.000001+00', '2026-03-01 07:59:59.999999+08', '2026-03-01 08:00:00+08',
        '2026-02-28 19:00:00-05', '2026-02-28 18:59:59-05', '2026-03-29 01:30:00 Europe/Berlin',
        '2026-03-01 00:00:00+14', '2026-02-28 23:59:59-12', '1970-01-01 00:00:00+00',
        '1969-12-31 23:59:59.999999+00', '1900-01-01 00:00:00+00', '1899-12-31 12:00:00-11:30',
        '2000-02-29 23:59:59+00', '2000-03-01 00:00:00+00', '0044-03-15 12:00:00+00',
        '0100-06-30 23:59:59+00 BC', '9999-12-31 23:59:59+00', '2024-12-31 16:00:00+00',
        '2024-12-31 15:59:59+00', '2038-01-19 03:14:08+00', '2026-11-01 01:30:00 America/New_York',
        '2026-11-01 06:30:00+00', '2026-12-04 00:00:00 Asia/Shanghai',
        '2026-12-03 23:59:59 America/St_Johns']::timestamptz[]) WITH ORDINALITY u(at, i)
    UNION ALL SELECT '2026-02-28 12:00:00+00'::timestamptz + n * interval '30 seconds', 0
                FROM generate_series(0, 2880) n
    UNION ALL SELECT '1901-01-01 00:00:00+00'::timestamptz
                     + n * interval '36 days 13 hours 7 minutes 11.123457 seconds', 0
                FROM generate_series(0, 1999) n;
CREATE TEMP TABLE words(i, x) AS
    SELECT i - 1, x FROM unnest(ARRAY['电梯异响', 'ＸＹ牌 Heater-１２', '', ' 人民路21号  ',
                                      '！？。，、—…「」', 'ÀÉ ΣΑΣ İı', 'a', 'Ｚ９']) WITH ORDINALITY u(x, i);
CREATE TEMP TABLE texts AS
    SELECT CASE WHEN m & 1 = 0 THEN (SELECT x FROM words WHERE i = k % 8) END AS s,
           CASE WHEN m & 2 = 0 THEN (SELECT x FROM words WHERE i = (k + 1) % 8) END AS d,
           CASE WHEN m & 4 = 0 THEN (SELECT x FROM words WHERE i = (k + 3) % 8) END AS p,
           CASE WHEN m & 8 = 0 THEN (SELECT x FROM words WHERE i = (k + 5) % 8) END AS e,
           CASE WHEN m & 16 = 0 THEN (SELECT x FROM words WHERE i = (k + 6) % 8) END AS r,
           (SELECT at FROM times WHERE times.i = 1 + (m * 8 + k) % 26) AS at
      FROM generate_series(0, 31) m, generate_series(0, 7) k
    UNION ALL
    SELECT chr(cp), '人民路' || chr(cp) || '号 ABC', NULL, chr(cp + 1), NULL,
           '2026-02-28 23:59:00+00'::timestamptz + cp % 120 * interval '1 second'
      FROM generate_series(x'FF10'::int, x'FF5A'::int) cp
    UNION ALL
    SELECT subject, description, place, enterprise, product, created_at FROM cases;
SET TimeZone = 'Asia/Shanghai';
CREATE TEMP TABLE days AS SELECT case_search_day(at) AS day, pg_temp.day_060(at) AS day_060 FROM times;
SET TimeZone = 'America/St_Johns';
INSERT INTO days SELECT case_search_day(at), pg_temp.day_060(at) FROM times;
SELECT count(*) FILTER (WHERE case_search_text(s, d, p, e, r) IS DISTINCT FROM pg_temp.text_063(s, d, p, e, r))
       || ' ' || count(*) FILTER (WHERE case_search_index_keys(s, d, p, e, r, at)
                                        IS DISTINCT FROM search_bigrams(pg_temp.text_063(s, d, p, e, r))
                                                         || pg_temp.day_060(at))
       || ' ' || count(*) FILTER (WHERE s IS NULL AND d IS NULL AND p IS NULL AND e IS NULL AND r IS NULL
                                    AND case_search_text(s, d, p, e, r) IS DISTINCT FROM '')
       || ' ' || count(*)
       || ' ' || (SELECT count(*) FILTER (WHERE day IS DISTINCT FROM day_060) || ' ' || count(*) FROM days)
  FROM texts;
SQL
)" "073's search text, day and keys are 063's and 060's for every input"
# search_bigrams walks words (082), not characters (021): the same keys, in
# the same order and with the same repeats, for every text, so the index
# built with 021's stays valid. Texts: every code point of the BMP (but the
# surrogates) doubled between two letters, and the first above it; words of
# every length from 0 to 70 on either side of the walk's switch at 32, of
# ideographs, letters and digits mixed, between runs of separators (spaces,
# new lines, punctuation, capitals, other scripts), at either end or none; a
# word of 2,000 ideographs; and every seeded case's search text.
# 021's definition is read from its migration, renamed into pg_temp.
bigrams_021=$(sed -n '/^CREATE FUNCTION search_bigrams(/,/^\$\$;$/p' \
                "$DUBAN_SOURCE_DIR/deploy/schema/021_hotline_desk.sql" |
              sed 's/^CREATE FUNCTION search_bigrams(/CREATE FUNCTION pg_temp.bigrams_021(/')
[[ $bigrams_021 == *"pg_temp.bigrams_021"*'$$;' ]] || fail "021's search_bigrams not found: $bigrams_021"
assert_eq "0 $((65535 - 2048 + 2 + 71 * 4 + 1 + ncases))" "$({ echo "$bigrams_021"; cat <<'SQL'
CREATE TEMP TABLE bigram_texts AS
    SELECT 'a' || chr(cp) || chr(cp) || '9' AS t FROM generate_series(1, 65535) cp
     WHERE cp NOT BETWEEN x'D800'::int AND x'DFFF'::int
    UNION ALL VALUES ('电' || chr(x'10000'::int) || chr(x'20000'::int) || '梯'), ('')
    UNION ALL SELECT CASE WHEN n % 2 = 0 THEN '' ELSE sep END || w
                     || CASE WHEN n % 3 = 0 THEN '' ELSE sep END || w || sep
      FROM generate_series(0, 70) n,
           LATERAL (SELECT coalesce(string_agg(substr('电梯a1锅炉9z丒龥', 1 + (i * 7 + n) % 11, 1), ''
                                              ORDER BY i), '') AS w
                      FROM generate_series(1, n) i) x,
           unnest(ARRAY[' ', E'\n \t', '，！ABC。', 'ÀΣ—…']) sep
    UNION ALL SELECT string_agg(chr(x'4e00'::int + g * 7919 % 20902), '') FROM generate_series(1, 2000) g
    UNION ALL SELECT case_search_text(subject, description, place, enterprise, product) FROM cases;
SELECT count(*) FILTER (WHERE search_bigrams(t) IS DISTINCT FROM pg_temp.bigrams_021(t))
       || ' ' || count(*) FROM bigram_texts;
SQL
} | harness_psql -v ON_ERROR_STOP=1)" "082's bigrams are 021's for every text"

# ... and inlined into the index's expression, not run as statements.
plan=$(psql_q "EXPLAIN (VERBOSE, COSTS OFF) SELECT case_search_index_keys(subject, description, place,
                 enterprise, product, created_at) FROM cases")
[[ $plan == *search_bigrams* && $plan != *case_search_text* && $plan != *case_search_day* ]] ||
  fail "case_search_text and case_search_day should be inlined into a case's keys: $plan"

# expected Q DIVISION LIMIT OFFSET: "COUNT|NUMBERS" by the definition.
expected() {
  local cond="" t terms
  read -ra terms <<<"${1//　/ }"
  for t in "${terms[@]}"; do
    cond+=" AND strpos(case_search_text(c.subject, c.description, c.place, c.enterprise, c.product),
                       case_search_text('$t', NULL, NULL, NULL, NULL)) > 0"
  done
  local scope="('$2' = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = '$2'))"
  psql_q "SELECT (SELECT count(*) FROM cases c WHERE $scope $cond) || '|' ||
                 coalesce((SELECT string_agg(case_number, ' ' ORDER BY created_at DESC, id DESC) FROM (
                   SELECT case_number, created_at, id FROM cases c WHERE $scope $cond
                   ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4) p), '')"
}

# check STAFF DIVISION Q LIMIT PAGE: the API's page equals the definition's.
check() {
  local staff=$1 division=$2 q=$3 limit=$4 page=$5 status want count numbers total exact more
  status=$(curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$staff")" -G "$H_INTAKE_URL/api/v1/cases" \
    --data-urlencode "q=$q" --data-urlencode "limit=$limit" --data-urlencode "page=$page")
  assert_eq 200 "$status" "$staff searches '$q' page $page"
  want=$(expected "$q" "$division" "$limit" $(((page - 1) * limit)))
  count=${want%%|*}
  numbers=${want#*|}
  exact=$([[ $count -le 200 ]] && echo true || echo false)
  more=$([[ $((count - (page - 1) * limit)) -gt $limit ]] && echo true || echo false)
  if [[ -z "$numbers" && $page -gt 1 ]]; then
    total=null exact=true # past the last page: how many there are is not known from there
  elif [[ $exact == true ]]; then
    total=$count
  else
    total=200
  fi
  assert_eq "$total $exact $more $numbers" \
    "$(jq -r '"\(.total) \(.total_exact) \(.more) \([.cases[].case_number] | join(" "))"' "$H_DIR/body")" \
    "$staff: '$q', $limit a page, page $page ($count match)"
  echo "$count"
}

n=$(check op001 '' 小区 50 1) || exit 1
((n > 2000)) || fail "小区 should be in more than 2,000 cases, is in $n"
check op001 '' 小区 50 2 > /dev/null
check op001 '' 小区 50 4 > /dev/null # up to the 200th
check op001 '' 小区 50 5 > /dev/null # past it
check op001 '' 小区 50 40 > /dev/null # up to the 2,001st
check op001 '' 小区 50 41 > /dev/null # past it
check op001 '' 小区 50 $(((n + 49) / 50)) > /dev/null # the last page
check op001 '' 小区 50 $(((n + 49) / 50 + 1)) > /dev/null # past it
# A word in 51 to 200 cases: an exact total over several pages.
for w in 灭火器 安全帽 燃气灶 洗衣机 冰箱 空调 手机 充电器 头盔 轮胎 水泥 钢筋; do
  n=$(expected "$w" '' 1 0)
  n=${n%%|*}
  ((n > 50 && n <= 200)) && break
done
((n > 50 && n <= 200)) || fail "no word of the seed is in 51 to 200 cases"
check op001 '' "$w" 50 1 > /dev/null
check op001 '' "$w" 50 $(((n + 49) / 50)) > /dev/null
n=$(check op001 '' 电梯 50 1) || exit 1
((n > 200)) || fail "电梯 should be in more than 200 cases, is in $n"
check op001 '' 缺斤短两 20 1 > /dev/null
check op001 '' 缺斤短两 20 3 > /dev/null
check op001 '' '人民路 电子秤' 20 1 > /dev/null
check op001 '' '秤 小区' 20 1 > /dev/null
check op001 '' '小区　锅炉 希望尽快处理' 20 2 > /dev/null
n=$(check op001 '' '批量工单' 50 2) || exit 1
assert_eq 5200 "$n" "the 5,200 cases of one instant, by id"
assert_eq 3 "$(check op001 '' xy牌 20 1)" "full-width and upper-case letters found in lower case"
assert_eq 3 "$(check op001 '' 'ABC-12' 20 1)" "and digits"
assert_eq 2 "$(check op001 '' 'abc-12 小区' 20 1)" "with a word"
assert_eq 0 "$(check op001 '' 高铁 20 1)" "a word no case holds"
# A division: only the cases it holds a task of (one holding few read from its own).
n=$(check h-metrology metrology 小区 50 1) || exit 1
((n > 50)) || fail "the division should hold more than 50 cases of 小区, holds $n"
check h-metrology metrology 小区 50 3 > /dev/null
assert_eq 0 "$(check h-standards standards 小区 50 1)" "another division holds none of them"
check h-standards standards 批量工单 50 3 > /dev/null
check h-standards standards '批量工单 99' 20 1 > /dev/null
echo "PASS search_pages"
