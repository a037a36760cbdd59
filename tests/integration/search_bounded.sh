# Every text search does bounded work (migration 061): a division holding
# more than 5,000 tasks searches a word common elsewhere but rare in its own
# cases (the search 060 answered by reading every match of the word). With
# intake.search_max_rows at 300 the answer is 200 with what was found, the
# narrow-the-search signal (complete false, the notice in Chinese, how far
# back it searched), at most 601 cases read (2 x 300 + 1) as the query itself reports
# (the same search without the bound reads every match of the word, and its
# EXPLAIN (ANALYZE, BUFFERS) shows more than twice the bounded one's buffers); what
# it returns is exactly every match received since searched_since. A date
# range (from, to) narrows it to a whole answer; bad dates are refused;
# dubanctl prints the notice. A caller's history by phone is bounded the
# same way.
export DUBAN_INTAKE_SEARCH_MAX_ROWS=300
source "$(dirname "$0")/../lib/harness.sh"
harness_init search_bounded
harness_start intake

seed() { harness_psql -q -v ON_ERROR_STOP=1 "$@" > /dev/null || fail "seeding: $*"; }

# 12,000 closed cases over two years, about one in five with 小区.
seed -v n=12000 -f "$DUBAN_SOURCE_DIR/tests/lib/seed_search.sql"
psql_q "UPDATE cases SET created_at = date_trunc('minute', now()) - interval '3 days'
          - id * interval '87 minutes'" > /dev/null
# standards: 5,200 open tasks of its own (none with 小区, the newest), and a
# task of every 40th of the older cases.
seed -v division=standards -v category=standards -v n=5200 -f "$DUBAN_SOURCE_DIR/tests/lib/seed_queue.sql"
psql_q "INSERT INTO tasks (case_id, division, role, state, replied_at)
        SELECT id, 'standards', 'lead', 'replied', created_at FROM cases
         WHERE id % 40 = 0 AND source = 'benchmark'" > /dev/null
psql_q 'ANALYZE cases' > /dev/null
psql_q 'ANALYZE tasks' > /dev/null
word_cases=$(psql_q "SELECT count(*) FROM cases WHERE strpos(subject || description, '小区') > 0")
((word_cases > 2000)) || fail "小区 should be in more than 2,000 cases, is in $word_cases"

# search STAFF Q [CURL_ARGS...]: the status; the body in $H_DIR/body.
search() {
  curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -G "$H_INTAKE_URL/api/v1/cases" \
    --data-urlencode "q=$2" "${@:3}"
}
jqb() { jq -r "$@" "$H_DIR/body"; }

# --- The division's search is cut short, says so, and read at most the bound.
assert_eq 200 "$(search h-standards 小区 --data-urlencode limit=50)" "the division searches 小区"
assert_eq "false false" "$(jqb '"\(.complete) \(.total_exact)"')" "cut short: not complete, no exact total"
assert_contains "$(jqb .notice)" "结果太多，请缩小搜索范围" "the notice asks, in Chinese, to narrow the search"
examined=$(jqb .examined)
((examined > 0 && examined <= 601)) || fail "the search read $examined cases; the bound is 2 x 300 + 1"
since=$(jqb .searched_since)
[[ "$since" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{1,6})?\+08:00$ ]] || fail "searched_since is a time: '$since'"
# What it returns is every match received since then, newest first.
want=$(psql_q "SELECT count(*) || '|' || coalesce(string_agg(case_number, ' ' ORDER BY created_at DESC, id DESC), '')
                 FROM cases c WHERE created_at >= '$since'
                  AND strpos(subject || ' ' || description, '小区') > 0
                  AND EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = 'standards')")
assert_eq "${want%%|*} ${want#*|}" "$(jqb '"\(.total) \([.cases[].case_number] | join(" "))"')" \
  "the matches received since $since, all of them"
((${want%%|*} > 0)) || fail "the test means a search that found some matches before it was cut"
older=$(psql_q "SELECT count(*) FROM cases c WHERE created_at < '$since' AND strpos(subject || description, '小区') > 0
                  AND EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = 'standards')")
((older > 0)) || fail "the test means older matches the cut left unread"

# The query's own account of its work, bounded against unbounded: the same
# call of case_search_newest as intake's (keys, terms, division, want).
call() {
  echo "case_search_newest(search_bigrams(case_search_text('小区', NULL, NULL, NULL, NULL)),
        ARRAY['小区'], 'standards', 2001, $1, NULL, NULL)"
}
assert_eq "$examined" "$(psql_q "SELECT examined FROM $(call 300) WHERE id IS NULL")" \
  "the API reports the function's count"
unbounded=$(psql_q "SELECT examined FROM $(call 10000000) WHERE id IS NULL")
((unbounded >= word_cases)) || fail "without the bound it reads every match of the word ($word_cases), read $unbounded"
# Both are measured as the bound decides them: the GIN index's pending list
# flushed first, as autovacuum would (every statement of the search reads
# all of it; the seeding leaves up to 511 pages there, more than the bound
# saves, and when autovacuum flushes them was up to chance), and each call
# made once in the session before it is measured, so that neither pays for
# reading the catalogs and planning.
psql_q "SELECT gin_clean_pending_list('cases_search_day_idx')" > /dev/null
buffers() {
  psql_q "SELECT count(*) FROM $(call "$1");
          EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM $(call "$1")" | tail -n +2 |
    jq '.[0].Plan | (."Shared Hit Blocks" + ."Shared Read Blocks")'
}
b_bounded=$(buffers 300)
b_unbounded=$(buffers 10000000)
# (measured: 2,308 against 6,872; the bound reads 601 of the word's matches)
((b_bounded * 2 < b_unbounded)) ||
  fail "bounded search touched $b_bounded buffers, unbounded $b_unbounded: not half"

# --- Narrowed by the days received: a whole answer over those days.
from=$(psql_q "SELECT to_char((timestamptz '$since' - interval '60 days') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')")
to=$(psql_q "SELECT to_char((timestamptz '$since' - interval '30 days') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')")
assert_eq 200 "$(search h-standards 小区 --data-urlencode limit=50 --data-urlencode from="$from" \
  --data-urlencode to="$to")" "the division searches 小区 from $from to $to"
want=$(psql_q "SELECT count(*) || '|' || coalesce(string_agg(case_number, ' ' ORDER BY created_at DESC, id DESC), '')
                 FROM cases c WHERE created_at >= ('$from'::date::timestamp AT TIME ZONE 'Asia/Shanghai')
                  AND created_at < (('$to'::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
                  AND strpos(subject || ' ' || description, '小区') > 0
                  AND EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = 'standards')")
assert_eq "true true null ${want%%|*} ${want#*|} $from $to" \
  "$(jqb '"\(.complete) \(.total_exact) \(.notice) \(.total) \([.cases[].case_number] | join(" ")) \(.from) \(.to)"')" \
  "every match of those days, and no notice"
examined=$(jqb .examined)
((examined <= 601)) || fail "the narrowed search read $examined cases"

# The desk searching every case: the common word fills its page within the bound.
assert_eq 200 "$(search op001 小区 --data-urlencode limit=20)" "the desk searches 小区"
assert_eq 20 "$(jqb '.cases | length')" "a full page"
(($(jqb .examined) <= 601)) || fail "the desk's search read $(jqb .examined) cases"

# --- Bad days are refused, naming the field.
for bad in 2026-02-30 2026-1-05 20260105 1989-12-31 "2026-01-05x"; do
  assert_eq 400 "$(search h-standards 小区 --data-urlencode from="$bad")" "from=$bad refused"
  assert_eq from "$(jqb .field)" "the field named"
done
assert_eq 400 "$(search h-standards 小区 --data-urlencode from=2026-03-02 --data-urlencode to=2026-03-01)" \
  "from after to refused"

# --- dubanctl says it too.
out=$(harness_ctl search 小区 --as h-standards)
assert_contains "$out" "结果太多，请缩小搜索范围" "dubanctl prints the notice"
assert_contains "$out" "只搜索了" "and how far back it searched"
out=$(harness_ctl search 小区 --as h-standards --from "$from" --to "$to")
assert_not_contains "$out" "结果太多" "narrowed by --from/--to: whole"
# --- A phone is bounded too (064): a number with 700 cases (some without a
# category), more than the 300 a search may read, is cut short the same way,
# and what it returns is every case of the phone received since
# searched_since, newest first, for the desk and for a division alike.
psql_q "UPDATE cases SET requester_phone = '021-5555 0000', category = CASE WHEN id % 7 = 0 THEN NULL ELSE category END
         WHERE id IN (SELECT id FROM cases WHERE source = 'benchmark' ORDER BY id LIMIT 700)" > /dev/null
psql_q "UPDATE cases SET requester_phone = '(021) 5555-1111'
         WHERE id IN (SELECT id FROM cases WHERE source = 'benchmark' ORDER BY id DESC LIMIT 250)" > /dev/null
psql_q 'ANALYZE cases' > /dev/null
of_phone() { # DIGITS DIVISION CONDITION: "COUNT|NEWEST 50 NUMBERS" of the phone's cases
  psql_q "SELECT count(*) || '|' || coalesce((SELECT string_agg(case_number, ' ' ORDER BY created_at DESC, id DESC)
            FROM (SELECT * FROM cases c WHERE regexp_replace(requester_phone, '[^0-9]', '', 'g') = '$1'
                     AND ('$2' = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = '$2'))
                     AND $3 ORDER BY created_at DESC, id DESC LIMIT 50) p), '')
            FROM cases c WHERE regexp_replace(requester_phone, '[^0-9]', '', 'g') = '$1'
             AND ('$2' = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = '$2'))
             AND $3"
}
for who in op001:'' h-standards:standards; do
  staff=${who%%:*} division=${who#*:}
  division=${division//\'/}
  assert_eq 200 "$(search "$staff" '021-5555 0000' --data-urlencode limit=50)" "$staff searches a phone of 700 cases"
  assert_eq "phone false false" "$(jqb '"\(.match) \(.complete) \(.total_exact)"')" "$staff: the phone's search is cut short"
  assert_contains "$(jqb .notice)" "结果太多，请缩小搜索范围" "$staff: the notice in Chinese"
  examined=$(jqb .examined)
  ((examined > 300 && examined <= 601)) || fail "$staff: the phone's search read $examined cases; the bound is 2 x 300 + 1"
  since=$(jqb .searched_since)
  [[ "$since" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{1,6})?\+08:00$ ]] || fail "searched_since is a time: '$since'"
  want=$(of_phone 02155550000 "$division" "created_at >= '$since'")
  assert_eq "${want%%|*} ${want#*|}" "$(jqb '"\(.total) \([.cases[].case_number] | join(" "))"')" \
    "$staff: every case of the phone received since $since, newest first"
  older=$(of_phone 02155550000 "$division" "created_at < '$since'")
  ((${older%%|*} > 0)) || fail "the test means older cases of the phone the cut left unread"
done
want=$(of_phone 02155550000 '' true)
assert_eq 700 "${want%%|*}" "the phone holds 700 cases"
# Narrowed by the days received to fewer than 300 of them: whole and exact.
from=$(psql_q "SELECT to_char(min(created_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') FROM (SELECT created_at FROM cases
                WHERE regexp_replace(requester_phone, '[^0-9]', '', 'g') = '02155550000' ORDER BY created_at DESC LIMIT 150) n")
assert_eq 200 "$(search op001 '021-5555 0000' --data-urlencode limit=50 --data-urlencode from="$from")" "the phone from $from"
want=$(of_phone 02155550000 '' "created_at >= ('$from'::date::timestamp AT TIME ZONE 'Asia/Shanghai')")
((${want%%|*} < 300)) || fail "the test means fewer than 300 of the phone's cases from $from, there are ${want%%|*}"
assert_eq "true true null ${want%%|*} ${want#*|}" \
  "$(jqb '"\(.complete) \(.total_exact) \(.notice) \(.total) \([.cases[].case_number] | join(" "))"')" \
  "every case of the phone from $from, an exact total, no notice"
# A phone with fewer cases than the bound is read whole, as before.
assert_eq 200 "$(search op001 '02155551111')" "a phone of 250 cases"
assert_eq "true true 250 250" "$(jqb '"\(.complete) \(.total_exact) \(.total) \(.examined)"')" \
  "a phone of 250 cases: whole, exact, each read once"

# --- A caller's history (the desk looks it up on every call) reads the same
# bound: the 700 cases' phone answers with every case received since where
# it was cut, open ones first then newest, for the desk and a division alike;
# the 250 cases' phone whole.
caller() { # STAFF PHONE: the status; the body in $H_DIR/body
  curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -G \
    "$H_INTAKE_URL/api/v1/callers/$(jq -rn --arg p "$2" '$p | @uri')/cases" --data-urlencode limit=50
}
psql_q "UPDATE cases SET state = 'dispatched', closed_at = NULL WHERE id IN (SELECT id FROM cases
         WHERE regexp_replace(requester_phone, '[^0-9]', '', 'g') = '02155550000' AND id % 3 = 0)" > /dev/null
for who in op001:'' h-standards:standards; do
  staff=${who%%:*} division=${who#*:}
  division=${division//\'/}
  assert_eq 200 "$(caller "$staff" '021-5555 0000')" "$staff looks up the caller of 700 cases"
  assert_eq false "$(jqb .complete)" "$staff: the caller's history is cut short"
  since=$(jqb .searched_since)
  [[ "$since" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{1,6})?\+08:00$ ]] || fail "searched_since is a time: '$since'"
  want=$(psql_q "SELECT count(*) || '|' || count(*) FILTER (WHERE state NOT IN ('closed', 'merged')) || '|' ||
                   coalesce((SELECT string_agg(case_number, ' ' ORDER BY done, created_at DESC, id DESC)
                     FROM (SELECT case_number, created_at, id, state IN ('closed', 'merged') AS done FROM cases c
                            WHERE regexp_replace(requester_phone, '[^0-9]', '', 'g') = '02155550000'
                              AND created_at >= '$since'
                              AND ('$division' = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = '$division'))
                            ORDER BY done, created_at DESC, id DESC LIMIT 50) p), '')
                   FROM cases c WHERE regexp_replace(requester_phone, '[^0-9]', '', 'g') = '02155550000'
                    AND created_at >= '$since'
                    AND ('$division' = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = '$division'))")
  IFS='|' read -r n n_open numbers <<< "$want"
  assert_eq "$n $n_open $numbers" "$(jqb '"\(.total) \(.open) \([.cases[].case_number] | join(" "))"')" \
    "$staff: every case of the caller received since $since, open ones first, then newest"
  ((n > 0 && n_open > 0 && n < 700)) || fail "the test means some open and some closed cases read, not all 700 ($n, $n_open)"
done
assert_contains "$(harness_ctl caller '021-5555 0000')" "该号码诉求过多" "dubanctl caller says the history is cut short"
assert_eq 200 "$(caller op001 '(021) 5555-1111')" "the caller of 250 cases"
assert_eq "true null 250" "$(jqb '"\(.complete) \(.searched_since) \(.total)"')" "250 cases: whole, as before"
assert_not_contains "$(harness_ctl caller 02155551111)" "该号码诉求过多" "dubanctl: no notice when whole"

echo "PASS search_bounded"
