# The deadline watch on the fast SLA policy (response 6 s, completion 30 s,
# warning at 50 %, escalation every 3 s, repeat every 2 s) on a
# round-the-clock calendar: a task nobody signs is warned, breached,
# escalated to level 2 and acknowledged, after which that alert stops
# repeating; a task signed in time never raises a response alert; the
# inspection office's console sees each alert once, then live; the
# division's console shows the warning as soon as it is raised, although it
# travels through dispatch's relay (re-send sweep set to 60 s here, so only
# the notification at watch's commit can bring it in time).
export DUBAN_OUTBOX_RESEND_MS=60000
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_escalation
harness_start

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
task_of() { psql_q "SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$1' ORDER BY t.id LIMIT 1"; }
alerts_of() { # TASK DEADLINE: kind:level of its alerts, in order
  psql_q "SELECT coalesce(string_agg(kind || ':' || level, ',' ORDER BY level, id), '') FROM alerts WHERE task_id = $1 AND deadline = '$2'"
}
count_q() { psql_q "SELECT count(*) FROM $1"; }

# The division's console, live, from before the first task: a warning is
# only ever live (the snapshot holds tasks, not warnings), so the console
# must be following when watch raises it, however slowly this machine
# starts a process. A probe task shows it is running; the idle task shown
# live (below) proves its subscription before the warning can be raised.
"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" console --division metrology --json > "$H_DIR/division.json" 2> "$H_DIR/division.err" &
division_pid=$!
harness_on_exit "kill $division_pid 2>/dev/null; wait $division_pid 2>/dev/null"
probe=$(submit --subject '计量器具检定' --description '检定证书过期' --category metrology)
console_shows() { grep -q "\"case_number\":\"$1\".*\"source\":\"$2" "$H_DIR/division.json"; }
wait_until 15 console_shows "$probe" ""
harness_ctl sign "$probe" --as h-metrology > /dev/null # it has served

idle=$(submit --subject '电子秤不准' --description '菜市场电子秤缺斤短两' --category metrology)
quick=$(submit --subject '加油机计量' --description '加油机少加油' --category metrology)
dispatched() { [[ -n "$(task_of "$idle")" && -n "$(task_of "$quick")" ]]; }
wait_until 10 dispatched
wait_until 5 console_shows "$idle" live
idle_task=$(task_of "$idle")
quick_task=$(task_of "$quick")
harness_ctl sign "$quick" --as h-metrology > /dev/null

# The inspection office follows the alerts from now on.
"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" alerts --follow --json --for 40 > "$H_DIR/follow.json" 2> "$H_DIR/follow.err" &
follow_pid=$!
harness_on_exit "kill $follow_pid 2>/dev/null; wait $follow_pid 2>/dev/null"

# --- Warning at half the response window, to the division's console.
warned() { [[ "$(alerts_of "$idle_task" response)" == warning:0* ]]; }
wait_until 8 warned
assert_eq "console div.metrology|" "$(psql_q "SELECT destination || ' ' || topic FROM outbox WHERE task_id = $idle_task AND msg_type = 9 AND producer = 'watch'")" \
  "warning goes to the division's console"
shown() { grep -q "\"warning\":\"deadline\".*\"case_number\":\"$idle\"" "$H_DIR/division.json"; }
wait_until 5 shown
assert_contains "$(grep '"warning"' "$H_DIR/division.json")" '"division":"metrology","deadline":"response"' \
  "the division's console shows the warning with its deadline"

# --- Breach at the deadline: level 1 to the inspection office, a violation.
breached() { [[ "$(alerts_of "$idle_task" response)" == warning:0,breach:1* ]]; }
wait_until 10 breached
assert_eq "1|criticism" "$(psql_q "SELECT violations, rung FROM alerts WHERE task_id = $idle_task AND kind = 'breach'")" \
  "the breach carries the division's count and the rung it reaches"
assert_eq "response_overdue|metrology" "$(psql_q "SELECT kind, division FROM violations WHERE task_id = $idle_task")" \
  "one violation, charged to the division holding the task"
due_ok=$(psql_q "SELECT a.due_at = t.response_due AND a.raised_at >= t.response_due AND a.raised_at < t.response_due + interval '3 s' FROM alerts a JOIN tasks t ON t.id = a.task_id WHERE a.task_id = $idle_task AND a.kind = 'breach'")
assert_eq t "$due_ok" "the breach is raised at its deadline"

# --- Escalation one period later, at level 2.
escalated() { [[ "$(alerts_of "$idle_task" response)" == warning:0,breach:1,escalation:2* ]]; }
wait_until 8 escalated
l2=$(psql_q "SELECT id FROM alerts WHERE task_id = $idle_task AND deadline = 'response' AND level = 2")
l1=$(psql_q "SELECT id FROM alerts WHERE task_id = $idle_task AND deadline = 'response' AND level = 1")
repeated() { (( $(psql_q "SELECT repeats FROM alerts WHERE id = $l2") >= 1 )); }
wait_until 5 repeated

# --- Acknowledge level 2 with a decision on the rung; twice is refused.
out=$(harness_ctl ack "$l2" --decision '已约谈计量处' --rung-decision '批评教育')
assert_contains "$out" "acknowledged" "ack answered"
assert_eq "insp001|已约谈计量处" "$(psql_q "SELECT acknowledged_by, decision FROM alerts WHERE id = $l2")" "ack recorded"
assert_eq "metrology|criticism|批评教育|insp001" \
  "$(psql_q "SELECT division, recommended_rung, decision, decided_by FROM accountability_decisions WHERE alert_id = $l2")" \
  "accountability decision recorded"
rc=0
again=$(harness_ctl ack "$l2" --decision 'again' 2>&1) || rc=$?
assert_ne 0 "$rc" "a second ack is refused"
assert_contains "$again" "already acknowledged" "second ack says why"
assert_eq 1 "$(count_q "accountability_decisions WHERE alert_id = $l2")" "nothing recorded twice"

# --- Repeats of the acknowledged alert stop; the superseded level 1 stopped.
r2=$(psql_q "SELECT repeats FROM alerts WHERE id = $l2")
r1=$(psql_q "SELECT repeats FROM alerts WHERE id = $l1")
sleep 4.5
assert_eq "$r2" "$(psql_q "SELECT repeats FROM alerts WHERE id = $l2")" "no repeat after the ack"
assert_eq "$r1" "$(psql_q "SELECT repeats FROM alerts WHERE id = $l1")" "level 1 no longer repeats once level 2 is out"
assert_eq "" "$(psql_q "SELECT next_repeat_at FROM alerts WHERE id = $l2")" "no repeat scheduled"

# --- Signed in time: no response alert, ever.
assert_eq "" "$(alerts_of "$quick_task" response)" "signed in time raises no response alert"
assert_eq 0 "$(count_q "violations WHERE task_id = $quick_task")" "and no violation"

# --- Still unsigned: level 3 follows (the top level), never a duplicate row.
top() { [[ "$(alerts_of "$idle_task" response)" == *escalation:3 ]]; }
wait_until 8 top
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT task_id, deadline, kind, level FROM alerts GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d")" "no duplicate alert rows"
assert_eq 1 "$(count_q "violations WHERE task_id = $idle_task")" "one violation per missed deadline"

# --- The console: snapshot of unacknowledged alerts, oldest first.
snap=$(harness_ctl alerts --json)
assert_contains "$snap" "\"alert_id\":$l1," "level 1 still unacknowledged"
assert_not_contains "$snap" "\"alert_id\":$l2," "acknowledged alert left the snapshot"
ids=$(jq -r '.[] | select(.event == "alert") | .alert_id' <<< "$snap" | tr '\n' ' ')
sorted=$(tr ' ' '\n' <<< "$ids" | sed '/^$/d' | sort -n | tr '\n' ' ')
assert_eq "$sorted" "$ids" "snapshot is oldest first"

# --- The follower saw each alert once (repeats marked as such), and the ack.
sleep 1
# seen_once ID: the follower printed alert ID, and never twice at the same
# repeat (the first print may be a repeat when PUB dropped the first send
# and the resync found it later).
seen_once() {
  local repeats
  repeats=$(jq -r "select(.event == \"alert\" and .alert_id == $1) | .repeat" "$H_DIR/follow.json")
  [[ -n "$repeats" ]] && [[ -z "$(sort <<< "$repeats" | uniq -d)" ]]
}
seen_once "$l1" || fail "breach seen once"
seen_once "$l2" || fail "escalation seen once"
assert_eq 1 "$(jq -r "select(.event == \"acknowledged\" and .alert_id == $l2) | .alert_id" "$H_DIR/follow.json" | wc -l)" "ack seen live"
assert_eq 0 "$(jq -r '.[] | select(.event == "alert") | [.alert_id, .repeat] | @tsv' "$H_DIR/follow.json" | sort | uniq -d | wc -l)" "no line printed twice"
health=$(curl -fsS "$H_WATCH_HEALTH_URL")
assert_eq true "$(jq -r .redis <<< "$health")" "health reports redis"
[[ "$(jq -r .alerts_raised <<< "$health")" -ge 3 ]] || fail "health counts alerts: $health"
echo "PASS watch_escalation"
