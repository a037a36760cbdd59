# dubanctl as its users found it wanting: --help lists every command (the
# workflow steps too) and CMD --help runs nothing; times in the bureau's
# zone; tasks and console by deadline with the working time left, saying
# when a list is cut; submit prints the query code; alerts --json is an
# array ([] when none); notices --since shows what happened while it was not
# running; --json may follow a subcommand's arguments; an unknown operator
# is named, not "authentication required".
source "$(dirname "$0")/../lib/harness.sh"
harness_init dubanctl_cli
harness_start intake triage dispatch watch

# --- Help: every command and step; CMD --help prints and changes nothing.
help=$(harness_ctl --help)
for cmd in submit show notices import tasks queue console sign return note need-material \
  material-arrived extend decide-extension reply arbitrate inform callback close triage alerts ack \
  bulletin setup staff watchlist open311 outbox calendar import-history bench bench-watch \
  bench-bulletin; do
  assert_contains "$help" "
  $cmd " "dubanctl --help lists $cmd"
  out=$(harness_ctl "$cmd" --help) || fail "$cmd --help exited $?"
  assert_contains "$out" "usage: dubanctl $cmd" "$cmd --help prints its usage"
done
psql_q "UPDATE divisions SET name = '改过的名字' WHERE code = 'fiber'" > /dev/null
harness_ctl setup --help > /dev/null
harness_ctl staff add zz9 --name 试用 --role operator --help > /dev/null
assert_eq "改过的名字|0" "$(psql_q "SELECT (SELECT name FROM divisions WHERE code = 'fiber'), (SELECT count(*) FROM staff WHERE code = 'zz9')")" \
  "setup --help did not reload the org file, staff add --help added nobody"
assert_contains "$(DUBAN_CONFIG=/nonexistent "$DUBAN_BIN_DIR/dubanctl" bulletin month 2017-03 --help)" \
  "usage: dubanctl bulletin" "help needs no settings"
out=$(harness_ctl nosuch 2>&1) && fail "an unknown command succeeded"
assert_contains "$out" "no command nosuch" "an unknown command is named"

# --- submit: the number on standard output, the query code beside it.
harness_ctl submit --operator op001 --kind complaint --subject 电子秤 --description 缺斤短两 \
  --category metrology > "$H_DIR/submit.out" 2> "$H_DIR/submit.err"
first=$(cat "$H_DIR/submit.out")
[[ "$first" =~ ^DB[0-9]{14}$ ]] || fail "standard output is the case number alone: '$first'"
assert_contains "$(cat "$H_DIR/submit.err")" "查询码 query code: " "the query code is printed"
code=$(sed -n 's/.*query code: \([A-Za-z0-9]*\).*/\1/p' "$H_DIR/submit.err")
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/api/v1/public/cases/$first?code=$code")" \
  "the printed code opens the case's status"

# --- An unknown operator is named; nothing is sent without a token.
out=$(harness_ctl submit --operator op999 --kind complaint --subject x --description y 2>&1) &&
  fail "an unknown operator's submission succeeded"
assert_contains "$out" "no saved token for staff op999" "the unknown operator is named"
assert_not_contains "$out" "authentication required" "not an authentication riddle"

# --- tasks: by deadline (urgent first: its response window is shorter),
# with the deadline in +08:00, the time left, and the cut said.
second=$(harness_ctl submit --operator op001 --kind complaint --subject 电子秤二 --description 缺斤短两 --category metrology)
urgent=$(harness_ctl submit --operator op001 --kind complaint --subject 电梯困人 --description 电梯困人 --category special-equipment --division metrology)
routed() { [[ "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.division = 'metrology' AND c.case_number IN ('$first', '$second', '$urgent')")" == 3 ]]; }
wait_until 15 routed
assert_eq urgent "$(psql_q "SELECT priority FROM cases WHERE case_number = '$urgent'")" "an urgent case"
tasks=$(harness_ctl tasks --division metrology)
assert_contains "$tasks" "+08:00" "the deadline in the bureau's zone"
assert_not_contains "$tasks" "Z " "no UTC times"
assert_contains "$tasks" "剩余" "the working time left"
order=$(grep -o 'DB[0-9]*' <<< "$tasks" | tr '\n' ' ')
assert_eq "$urgent $first $second " "$order" "sorted by deadline, soonest first"
cut=$(harness_ctl tasks --division metrology --limit 2)
assert_eq 2 "$(grep -c 'DB[0-9]' <<< "$cut")" "two shown"
assert_contains "$cut" "page 1 of 2: 2 of 3 tasks shown; more with --page 2" "the cut is said"
assert_contains "$(harness_ctl tasks --division metrology --limit 2 --page 2)" "$second" "the rest on page 2"
all=$(harness_ctl tasks --division metrology --state all --json)
assert_eq 3 "$(jq '.tasks | length' <<< "$all")" "--state all, and --json after the arguments"

# --- console: the same order, deadline and time left; cut said (2 shown of 3
# needs 2,000 tasks: the order and the fields are what is checked here).
console=$(harness_ctl console --division metrology --once)
assert_contains "$console" "3 open task(s), by deadline" "the console's count"
assert_eq "$urgent $first $second " "$(grep -o 'DB[0-9]*' <<< "$console" | tr '\n' ' ')" "the console by deadline"
assert_contains "$console" "+08:00" "the console's deadline in +08:00"
assert_contains "$console" "剩余" "the console's time left"
assert_contains "$(harness_ctl console --division metrology --once --json | head -1)" '"left_text":"剩余' \
  "the console's JSON has the time left"

# --- show: times in +08:00.
show=$(harness_ctl show "$first")
assert_contains "$show" "received: $(TZ=Asia/Shanghai date +%Y-%m-%d)" "received in the bureau's zone"
assert_not_contains "$show" "Z  " "no UTC instants in the timeline"

# --- alerts --json: an array, [] when there are none.
assert_eq "[]" "$(harness_ctl alerts --json)" "no alerts: []"
assert_eq "[]" "$(harness_ctl --json alerts)" "also with --json before the command"

# --- notices --since: steps taken while nobody listened, from the event log.
harness_ctl sign "$first" --as h-metrology > /dev/null
harness_ctl reply "$first" --as h-metrology --result 已复秤 --internal 内部记录 > /dev/null
assert_eq '已复秤|内部记录' "$(psql_q "SELECT detail->>'result', detail->>'internal' FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$first' AND e.type = 'replied'")" \
  "reply --internal keeps the internal part"
past=$(harness_ctl notices --staff op001 --since 10m --seconds 1)
assert_contains "$past" "$first signed" "the signing, though nobody listened"
assert_contains "$past" "$first replied" "the reply"
assert_contains "$past" "已复秤" "with what the division said"
assert_contains "$past" "+08:00" "when, in the bureau's zone"
for way_in in received triaged dispatched; do
  assert_not_contains "$past" "$first $way_in" "no $way_in: the live feed never told the way in"
done
json=$(harness_ctl notices --staff op001 --since "$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)" --seconds 1 --json)
assert_eq 1 "$(jq -s "map(select(.case_number == \"$first\" and .event == \"replied\" and .source == \"history\")) | length" <<< "$json")" \
  "the JSON lines carry the history"
out=$(harness_ctl notices --staff op002 --since 10m --seconds 1 --as op001 2>&1) && fail "read another's notices"
assert_contains "$out" "a first responder reads their own notices" "another's notices are refused"
out=$(harness_ctl notices --staff op001 --since yesterday 2>&1) && fail "a bad --since passed"
assert_contains "$out" "--since takes an instant" "a bad --since is named"

# --- --json after a subcommand's arguments, for commands that parse their own.
assert_eq "[]" "$(harness_ctl bulletin rechecks --all --json)" "bulletin rechecks --json"
assert_eq "op001" "$(harness_ctl staff list --json | jq -r '.[] | select(.code == "op001") | .code')" \
  "staff list --json"
echo "PASS dubanctl_cli"
