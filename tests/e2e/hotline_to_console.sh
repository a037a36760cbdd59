# The walking skeleton end to end: a hotline case is stored, triaged and
# dispatched and reaches the responsible division's console: on connect
# (what it missed), live, and with the timeline to match.
source "$(dirname "$0")/../lib/harness.sh"
harness_init hotline_to_console
harness_start

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
on_console() { # DIVISION CASE_NUMBER
  harness_ctl console --division "$1" --once --json > "$H_DIR/console.out" 2>&1 &&
    grep -q "\"case_number\":\"$2\"" "$H_DIR/console.out"
}

elevator=$(submit --subject '电梯异响' --description '小区3号楼电梯运行时异响' --phone 13800001111 --name 张三)
[[ "$elevator" =~ ^DB[0-9]{14}$ ]] || fail "submit printed '$elevator'"
wait_until 10 on_console special-equipment "$elevator"
assert_contains "$(cat "$H_DIR/console.out")" '"new":true' "first sight of the task is new"
assert_contains "$(cat "$H_DIR/console.out")" '"role":"lead"' "lead task"

# The timeline is whole and in order; the keyword decided the category.
show=$(harness_ctl show "$elevator" --json)
assert_contains "$show" '"state": "dispatched"' "case state"
assert_contains "$show" '"category": "special-equipment"' "keyword category"
assert_contains "$show" '"priority": "urgent"' "safety is urgent"
assert_eq "received,triaged,dispatched" \
  "$(psql_q "SELECT string_agg(e.type, ',' ORDER BY e.id) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$elevator'")" \
  "timeline"
assert_contains "$(harness_ctl tasks --division special-equipment)" "$elevator" "tasks lists it"

# A second --once run: nothing new since the last run.
wait_until 5 on_console special-equipment "$elevator"
assert_contains "$(cat "$H_DIR/console.out")" '"new":false' "already seen"

# The operator's category wins over keywords; the operator's division over routing.
fees=$(submit --subject '电梯年检收费太高' --description '收费问题' --category fees)
hinted=$(submit --subject '加油机' --description '加油站少加' --category metrology --division enforcement)
wait_until 10 on_console finance "$fees"
wait_until 10 on_console enforcement "$hinted"

# Nothing matches: the case waits for people in the manual queue, no task.
vague=$(submit --subject '你好' --description '想反映一个情况')
vague_state() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$vague'")" == needs_triage ]]; }
wait_until 10 vague_state
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$vague'")" "no task for a guess"

# A console that was offline gets what it missed, marked new; older ones are not.
harness_ctl console --division metrology --once --json > /dev/null
missed=()
for i in 1 2 3; do
  missed+=("$(submit --subject "电子秤不准 $i" --description '菜市场电子秤缺斤短两')")
done
missed_dispatched() {
  [[ "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number IN ('${missed[0]}', '${missed[1]}', '${missed[2]}')")" == 3 ]]
}
wait_until 10 missed_dispatched
harness_ctl console --division metrology --once --json > "$H_DIR/console.out"
for n in "${missed[@]}"; do
  grep "\"case_number\":\"$n\"" "$H_DIR/console.out" | grep -q '"new":true' || fail "$n not new"
done

# A live console sees a new task as it is dispatched.
"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" console --division fiber --json > "$H_DIR/live.out" 2>&1 &
live_pid=$!
harness_kill_on_exit "$live_pid"
sleep 0.5
cotton=$(submit --subject '棉被以次充好' --description '絮用纤维不合格')
live_seen() { grep -q "\"case_number\":\"$cotton\"" "$H_DIR/live.out"; }
wait_until 10 live_seen
kill "$live_pid"
live_rc=0; wait "$live_pid" || live_rc=$?
assert_eq 0 "$live_rc" "live console exit status after SIGTERM"

# Each service's connections carry its name, in PostgreSQL and in Redis.
assert_eq "duban-dispatch,duban-intake,duban-triage" \
  "$(psql_q "SELECT string_agg(DISTINCT application_name, ',' ORDER BY application_name) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name IN ('duban-intake', 'duban-triage', 'duban-dispatch')")" \
  "PostgreSQL connections named after their service"
assert_contains "$(redis_q CLIENT LIST)" "name=duban-intake-$(harness_pid intake) " "Redis connection named after its service"

# Consoles read their tasks from PostgreSQL; Redis keeps no per-division task
# sets beside it (a copy nothing read).
assert_eq "" "$(redis_q --scan --pattern "${H_REDIS_PREFIX}pending:*")" "no pending-task sets in redis"

# An unknown division's console is refused with a reason.
set +e
out=$(harness_ctl console --division ministry --once 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "unknown division refused"
assert_contains "$out" "unknown division" "reason given"
echo "PASS hotline_to_console"
