# watch dies between committing a breach and publishing it: the test hook
# DUBAN_WATCH_FAULT=exit_after_commit makes duban-watch _exit(1) right after
# the commit of its first breach (before its relay is told). After a
# restart the committed alert is published from the outbox: one alert row,
# and the inspection office's console sees it once. Then a plain kill -9 at
# a random moment while alerts are escalating loses nothing either.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_kill9
harness_start intake triage dispatch
DUBAN_WATCH_FAULT=exit_after_commit harness_start watch
watch_pid=$(harness_pid watch)

"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" alerts --follow --json --for 60 > "$H_DIR/follow.json" 2> "$H_DIR/follow.err" &
follow_pid=$!
harness_on_exit "kill $follow_pid 2>/dev/null; wait $follow_pid 2>/dev/null"

number=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject '电子秤' --description '缺斤短两' --category metrology)
task=""
have_task() { task=$(psql_q "SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$number'"); [[ -n "$task" ]]; }
wait_until 10 have_task

# --- The breach is committed, then watch is gone before sending it.
died() { ! duban_pid_alive "$watch_pid"; }
wait_until 15 died
grep -q "fault injection" "$H_DIR/watch.log" || fail "watch did not stop through the test hook"
harness_kill9 watch # reap it
breach=$(psql_q "SELECT id FROM alerts WHERE task_id = $task AND kind = 'breach'")
[[ -n "$breach" ]] || fail "the breach was committed before the exit"
assert_eq "1|" "$(psql_q "SELECT count(*), max(sent_at)::text FROM outbox WHERE task_id = $task AND msg_type = 11")" \
  "its message is in the outbox, not yet sent"

# --- Restart: the alert goes out once, nothing is raised twice.
harness_start watch
sent() { [[ -n "$(psql_q "SELECT sent_at FROM outbox WHERE task_id = $task AND msg_type = 11 ORDER BY id LIMIT 1")" ]]; }
wait_until 15 sent
seen() { (( $(jq -r "select(.event == \"alert\" and .alert_id == $breach) | .alert_id" "$H_DIR/follow.json" | wc -l) >= 1 )); }
wait_until 10 seen
escalated() { [[ -n "$(psql_q "SELECT id FROM alerts WHERE task_id = $task AND level = 2")" ]]; }
wait_until 10 escalated

# --- kill -9 in the middle of escalating and repeating, then restart.
sleep 0.7
harness_kill9 watch
harness_start watch
top() { [[ -n "$(psql_q "SELECT id FROM alerts WHERE task_id = $task AND deadline = 'response' AND level = 3")" ]]; }
wait_until 15 top
sleep 3
assert_eq "warning:0,breach:1,escalation:2,escalation:3" \
  "$(psql_q "SELECT string_agg(kind || ':' || level, ',' ORDER BY level) FROM alerts WHERE task_id = $task AND deadline = 'response'")" \
  "each alert raised once"
# seen_once ID: the follower printed alert ID, and never twice at the same
# repeat (the first print may be a repeat when PUB dropped the first send
# and the resync found it later).
seen_once() {
  local repeats
  repeats=$(jq -r "select(.event == \"alert\" and .alert_id == $1) | .repeat" "$H_DIR/follow.json")
  [[ -n "$repeats" ]] && [[ -z "$(sort <<< "$repeats" | uniq -d)" ]]
}
seen_once "$breach" || fail "the console saw the breach once"
assert_eq 0 "$(jq -r 'select(.event == "alert") | [.alert_id, .repeat] | @tsv' "$H_DIR/follow.json" | sort | uniq -d | wc -l)" \
  "the console printed nothing twice"
# (one statement, one snapshot: repeats go on meanwhile)
assert_eq t "$(psql_q "SELECT (SELECT count(*) + sum(repeats) FROM alerts WHERE task_id = $task AND kind <> 'warning') = (SELECT count(*) FROM outbox WHERE task_id = $task AND msg_type = 11)")" \
  "one message per alert and per repeat"
assert_eq 1 "$(psql_q "SELECT count(*) FROM violations WHERE task_id = $task")" "one violation"
echo "PASS watch_kill9"
