# The hotline desk's API against the real services: search (a Chinese word,
# a case number, a phone however written; a division finds only its own
# cases; the requester only for those handling the case; more matches than
# the exact limit read newest first), a caller's history by phone, a first
# responder's cases with what waits on them, the manual triage queue and
# categorising from it, the org (categories with keywords), attaching a
# repeat call to an open case (timeline, the lead division's console topic),
# and the division queue's counts (kept by PostgreSQL, exact by state; overdue
# bounded with "at least").
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_desk
harness_start intake triage dispatch

# get STAFF PATH [CURL_ARGS...]: GET as STAFF; the body lands in $H_DIR/body,
# the status is printed.
get() {
  curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -G "$H_INTAKE_URL$2" "${@:3}"
}
body() { cat "$H_DIR/body"; }
# jqb [JQ_ARGS...] FILTER: FILTER over the last body.
jqb() { jq -r "$@" "$H_DIR/body"; }
search() { get "$1" /api/v1/cases --data-urlencode "q=$2" "${@:3}"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
routed() { [[ "$(state_of "$1")" == dispatched ]]; }

scale=$(harness_ctl submit --operator op001 --kind complaint --subject '电子秤缺斤短两' \
  --description '农贸市场3号摊位的电子秤明显不准，称重缺斤短两' --phone '138-0000 2222' \
  --name 王五 --place '人民路95号' --category metrology)
lift=$(harness_ctl submit --operator op002 --kind complaint --subject '电梯异响' \
  --description '小区3号楼电梯运行时异响' --phone 13900003333 --category special-equipment)
wait_until 10 routed "$scale"
wait_until 10 routed "$lift"

# --- dubanctl reads the desk's API: search, a caller's cases, my cases.
assert_contains "$(harness_ctl search 缺斤短两)" "$scale" "dubanctl search finds a case by a word of it"
assert_contains "$(harness_ctl caller 13800002222 --json)" "\"$scale\"" "dubanctl caller: the caller's cases"
assert_contains "$(harness_ctl my-cases --staff op001)" "$scale" "dubanctl my-cases: the first responder's"
assert_not_contains "$(harness_ctl my-cases --staff op001)" "$lift" "and not another operator's"

# --- The desk may judge a case urgent, whatever its category (never the reverse).
pump=$(harness_ctl submit --operator op001 --kind complaint --subject '加油机跳字' --description '加油时数字乱跳' \
  --category metrology --priority urgent)
wait_until 10 routed "$pump"
assert_eq urgent "$(psql_q "SELECT priority FROM cases WHERE case_number = '$pump'")" "the desk's urgency kept"
assert_eq 4 "$(psql_q "SELECT round(extract(epoch FROM t.response_due - t.dispatched_at)) FROM tasks t
                       JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$pump'")" \
  "an urgent task's response window (4 s on the fast policy instead of 6 s)"
status=$(curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as op001)" --data-binary \
  '{"channel":"hotline","kind":"complaint","subject":"x","description":"y","priority":"soon"}' "$H_INTAKE_URL/api/v1/cases")
assert_eq "422 priority" "$status $(jq -r .field "$H_DIR/body")" "a priority that is neither urgent nor normal"

# --- Search by a Chinese word of the description, by number, by phone.
assert_eq 200 "$(search op001 '缺斤短两')" "search by a word"
assert_eq "text 1 true $scale" "$(jqb '[.match, .total, .total_exact, .cases[0].case_number] | join(" ")')" \
  "the word finds the case"
assert_eq "metrology 王五" "$(jqb '.cases[0].division + " " + .cases[0].requester.name')" \
  "the division handling it, and the requester for its first responder"
assert_eq 200 "$(search op001 '摊位')" "a two-character word (no trigram would find it)"
assert_eq "$scale" "$(jqb '.cases[0].case_number')" "two characters are enough"
assert_eq 200 "$(search op001 '人民路 电子秤')" "two terms"
assert_eq 1 "$(jqb .total)" "both terms, place and subject"
assert_eq 200 "$(search op001 '人民路 锅炉')" "two terms, one absent"
assert_eq 0 "$(jqb .total)" "every term must match"
assert_eq 200 "$(search op001 '称重缺斤')" "a phrase that crosses words"
assert_eq 1 "$(jqb .total)" "found as a substring"
assert_eq 200 "$(search op001 '缺斤 短两市场')" "bigrams present but not adjacent"
assert_eq 0 "$(jqb .total)" "the substring check refuses what only the bigrams matched"
assert_eq 200 "$(search op001 "$scale")" "search by number"
assert_eq "number $scale" "$(jqb '.match + " " + .cases[0].case_number')" "the number finds its case"
assert_eq 200 "$(search op001 "$(tr A-Z a-z <<<"$scale")")" "a number in lower case"
assert_eq "$scale" "$(jqb '.cases[0].case_number')" "found all the same"
assert_eq 200 "$(search op001 '(138) 0000-2222')" "search by phone written another way"
assert_eq "phone $scale" "$(jqb '.match + " " + .cases[0].case_number')" "the phone's digits find the case"
assert_eq 400 "$(search op001 '秤')" "one character"
assert_eq q "$(jqb .field)" "the refusal names q"
assert_eq 400 "$(search op001 '')" "no text"

# --- Scope: a division finds only its own cases; requester data only for those handling it.
assert_eq 200 "$(search h-metrology '缺斤短两')" "the division handling it"
assert_eq "1 13800002222" "$(jqb '"\(.total) \(.cases[0].requester.phone | gsub("[^0-9]"; ""))"')" \
  "found, with the requester"
for q in '缺斤短两' "$scale" 13800002222; do
  assert_eq 200 "$(search h-fiber "$q")" "another division searches $q"
  assert_eq 0 "$(jqb .total)" "another division finds nothing of it ($q)"
done
assert_eq 200 "$(search op002 '缺斤短两')" "another operator"
assert_eq "1 null" "$(jqb '"\(.total) \(.cases[0].requester)"')" \
  "another operator finds the case but not its requester"
assert_eq 200 "$(search insp001 '缺斤短两')" "the inspection office"
assert_eq 王五 "$(jqb '.cases[0].requester.name')" "the inspection office sees the requester"

# --- A caller's history: every spelling of the number, the open cases first.
assert_eq 200 "$(get op002 '/api/v1/callers/138%200000-2222/cases')" "caller history"
assert_eq "13800002222 1 1 $scale true metrology" \
  "$(jqb '[.phone, .total, .open, .cases[0].case_number, .cases[0].open, .cases[0].division] | map(tostring) | join(" ")')" \
  "the caller's open case with the division handling it"
[[ "$(jqb '.cases[0].left_text')" == 剩余* || "$(jqb '.cases[0].left_text')" == 已超期* ]] ||
  fail "the lead task's time left: $(body)"
assert_eq 400 "$(get op001 /api/v1/callers/12-34/cases)" "too few digits"
assert_eq 200 "$(get h-fiber /api/v1/callers/13800002222/cases)" "another division looks up the caller"
assert_eq 0 "$(jqb .total)" "and sees none of the caller's cases"

# --- Attaching a repeat call to the open case: any desk member, a timeline entry,
# the lead division told on its console topic, the first responder too.
step() {
  curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    --data-binary "$3" "$H_INTAKE_URL/api/v1/cases/$2/steps/${4:-attach-call}"
}
assert_eq 200 "$(step op002 "$scale" '{"text":"再次来电：摊主仍在使用该电子秤"}')" "a repeat call attached"
assert_eq 'call_attached|op002|再次来电：摊主仍在使用该电子秤|metrology' \
  "$(psql_q "SELECT type, actor, detail->>'text', detail->>'division' FROM case_events e JOIN cases c ON c.id = e.case_id
             WHERE c.case_number = '$scale' ORDER BY e.id DESC LIMIT 1")" "on the timeline"
assert_eq "div.metrology| staff.op001|" \
  "$(psql_q "SELECT string_agg(topic, ' ' ORDER BY topic) FROM (SELECT topic FROM outbox
             WHERE case_number = '$scale' ORDER BY id DESC LIMIT 2) last")" \
  "the lead division's console and the first responder are told"
assert_eq 422 "$(step op002 "$scale" '{}')" "what the caller said is required"
assert_eq 403 "$(step h-metrology "$scale" '{"text":"x"}')" "a division does not attach calls"
assert_eq 200 "$(get op002 "/api/v1/cases/$scale")" "the case page for another operator"
jqb '.actions[]' | grep -qx attach-call || fail "the case page offers attach-call: $(body)"

# --- The first responder's cases: what waits on them, live from the states dispatch sets.
harness_ctl sign "$scale" --as h-metrology > /dev/null
harness_ctl reply "$scale" --as h-metrology --result '已责令摊主更换电子秤' > /dev/null
assert_eq 200 "$(get op001 /api/v1/responders/op001/cases)" "op001's cases"
assert_eq "1 inform" "$(jqb --arg n "$scale" '"\(.counts.inform) \(.cases[] | select(.case_number == $n) | .waiting)"')" \
  "the reply waits to be told"
assert_eq 200 "$(get op001 /api/v1/responders/op001/cases --data-urlencode show=inform)" "only what waits to be told"
assert_eq "$scale" "$(jqb '[.cases[].case_number] | join(" ")')" "the replied case, alone"
assert_eq 200 "$(get op001 /api/v1/responders/op001/cases --data-urlencode show=callback)" "only callbacks"
assert_eq 0 "$(jqb '.cases | length')" "none yet"
harness_ctl inform "$scale" --as op001 --how 电话 > /dev/null
assert_eq 200 "$(get op001 /api/v1/responders/op001/cases --data-urlencode show=callback)" "callbacks"
assert_eq "1 callback $scale" "$(jqb '"\(.counts.callback) \(.cases[0].waiting) \(.cases[0].case_number)"')" \
  "now the callback waits"
assert_eq 403 "$(get op002 /api/v1/responders/op001/cases)" "another operator's cases"
assert_eq 200 "$(get insp001 /api/v1/responders/op001/cases)" "the inspection office looks"
assert_eq 400 "$(get op001 /api/v1/responders/op001/cases --data-urlencode show=everything)" "a wrong show"
# lift is op002's and nobody signs it: overdue after its 6 s response window.
overdue_for_op002() {
  [[ "$(get op002 /api/v1/responders/op002/cases --data-urlencode show=overdue)" == 200 &&
    "$(jqb '"\(.counts.overdue) \(.cases[0].overdue) \(.cases[0].case_number)"')" == "1 true $lift" ]]
}
wait_until 15 overdue_for_op002

# --- A closed case is not attached to; the caller's history shows it closed, after the open ones.
harness_ctl callback "$scale" --as op001 --satisfaction 满意 > /dev/null
assert_eq closed "$(state_of "$scale")" "closed"
assert_eq 409 "$(step op002 "$scale" '{"text":"又来电"}')" "a closed case takes a new case instead"
again=$(harness_ctl submit --operator op002 --kind enquiry --subject '电子秤检定' --description '电子秤多久检定一次' \
  --phone 13800002222 --category metrology)
wait_until 10 routed "$again"
assert_eq 200 "$(get op002 /api/v1/callers/13800002222/cases)" "the history again"
assert_eq "2 1 $again $scale false" \
  "$(jqb '[.total, .open, .cases[0].case_number, .cases[1].case_number, .cases[1].open] | map(tostring) | join(" ")')" \
  "open first, then the closed one"

# --- The manual triage queue: a case no keyword matches waits there until someone categorises it.
odd=$(harness_ctl submit --operator op001 --kind enquiry --subject '一件说不清的事' --description '来电人反映的情况无法归类' \
  --priority urgent)
needs_triage() { [[ "$(state_of "$odd")" == needs_triage ]]; }
wait_until 10 needs_triage
assert_eq 200 "$(get clerk001 /api/v1/triage/cases)" "the queue for the desk"
assert_eq "1 $odd" "$(jqb '"\(.total) \(.cases[0].case_number)"')" "the uncategorised case"
assert_eq 403 "$(get h-metrology /api/v1/triage/cases)" "not for divisions"
assert_eq 200 "$(step clerk001 "$odd" '{"category":"metrology"}' triage)" "categorised from the queue"
wait_until 10 routed "$odd"
assert_eq "metrology urgent" "$(psql_q "SELECT t.division || ' ' || c.priority FROM tasks t JOIN cases c ON c.id = t.case_id
                                       WHERE c.case_number = '$odd'")" \
  "it reaches the division, still as urgent as the desk judged it"
assert_eq 200 "$(get clerk001 /api/v1/triage/cases)" "the queue after"
assert_eq 0 "$(jqb .total)" "empty"

# --- The org: categories with their keywords, for the desk's suggestions.
assert_eq 200 "$(get op001 /api/v1/org)" "the org"
assert_eq "metrology true" "$(jqb '.categories[] | select(.code == "metrology") | "\(.lead) \(.keywords | index("电子秤") != null)"')" \
  "categories carry lead and keywords"
assert_eq 4 "$(jqb '.kinds | length')" "kinds"

# --- More matches than the exact limit: read newest first, total "more than".
harness_psql -q -v ON_ERROR_STOP=1 -v division=standards -v category=standards -v n=2600 \
  -f "$DUBAN_SOURCE_DIR/tests/lib/seed_queue.sql" > /dev/null
harness_psql -q -c 'ANALYZE cases' > /dev/null
assert_eq 200 "$(search admin '批量工单' --data-urlencode limit=5)" "a common word"
assert_eq "false true 200 5" "$(jqb '"\(.total_exact) \(.more) \(.total) \(.cases | length)"')" \
  "more than the exact limit, with a next page"
newest=$(psql_q "SELECT case_number FROM cases WHERE subject LIKE '批量工单%' ORDER BY created_at DESC, id DESC LIMIT 5" | paste -sd' ')
assert_eq "$newest" "$(jqb '[.cases[].case_number] | join(" ")')" "the newest first"
assert_eq 200 "$(search admin '批量工单' --data-urlencode limit=5 --data-urlencode page=2)" "page 2"
second=$(psql_q "SELECT case_number FROM cases WHERE subject LIKE '批量工单%' ORDER BY created_at DESC, id DESC LIMIT 5 OFFSET 5" | paste -sd' ')
assert_eq "$second" "$(jqb '[.cases[].case_number] | join(" ")')" "the next five"
assert_eq 200 "$(search h-standards '批量工单 2599')" "a division, two terms"
assert_eq "true 1" "$(jqb '"\(.total_exact) \(.total)"')" "exact again under the limit"
assert_eq 200 "$(search h-metrology '批量工单')" "a division without these cases"
assert_eq 0 "$(jqb .total)" "finds none of them"

# --- The division queue's counts: by state exact (kept by PostgreSQL), overdue at most the limit.
harness_psql -q -v ON_ERROR_STOP=1 -v division=standards -v category=standards -v n=9000 \
  -f "$DUBAN_SOURCE_DIR/tests/lib/seed_queue.sql" > /dev/null
counts_match() {
  [[ "$(get h-standards /api/v1/divisions/standards/queue)" == 200 ]] || return 1
  local want
  want=$(psql_q "SELECT count(*) FILTER (WHERE state = 'dispatched') || ' ' || count(*) FILTER (WHERE state = 'signed')
                 FROM tasks WHERE division = 'standards' AND state IN ('dispatched', 'signed')")
  [[ "$(jqb '"\(.counts.dispatched) \(.counts.signed)"')" == "$want" ]]
}
counts_match || fail "counts by state: $(jqb .counts) against the tasks"
overdue=$(psql_q "SELECT count(*) FROM tasks WHERE division = 'standards' AND state IN ('dispatched', 'signed')
                  AND CASE WHEN state = 'dispatched' THEN response_due ELSE completion_due END <= now()")
((overdue > 1000)) || fail "the seed should leave more than 1000 overdue, got $overdue"
assert_eq "1000 true 1000" "$(jqb '"\(.counts.overdue) \(.counts.overdue_more) \(.counts.count_limit)"')" \
  "overdue counted up to the limit"
assert_eq 200 "$(get h-standards /api/v1/divisions/standards/queue --data-urlencode overdue=1)" "the overdue view"
total=$(jqb .total)
((total >= overdue)) || fail "the overdue view's total $total is exact (at least $overdue)"
# Steps from the services change the kept counts as they change the tasks.
task=$(psql_q "SELECT c.case_number FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.division = 'standards'
               AND t.state = 'dispatched' AND t.response_due > now() + interval '1 hour' ORDER BY t.id LIMIT 1")
harness_ctl sign "$task" --as h-standards > /dev/null
counts_match || fail "counts after a sign: $(jqb .counts)"
harness_ctl reply "$task" --as h-standards --result '已按标准处理' > /dev/null
counts_match || fail "counts after a reply: $(jqb .counts)"
echo "PASS intake_desk"
