# Several instances of each stage share the stream: two intakes (a client
# alternating between them, as any HTTP balancer would), two triages and two
# dispatches, all CURVE-secured. Each triage connects to both intakes'
# outputs and each dispatch to both triages' (triage.in and dispatch.in list
# every instance); PUSH deals each message to one connected consumer, the
# consumer applies it with a guarded transition and acknowledges it in the
# same transaction, and whatever a killed instance held unacknowledged is
# re-sent by any instance of its producer (the outbox, claimed with SKIP
# LOCKED) and applied once. While cases stream in, one triage, one dispatch
# and one intake are killed with kill -9 and started again: every case
# accepted ends dispatched with one task and every step recorded once, and
# both instances of each stage did part of the work.
export DUBAN_OUTBOX_RESEND_MS=1000
source "$(dirname "$0")/../lib/harness.sh"
harness_init two_of_each
duban_reserve_ports 8 b2 || fail "no free ports for the second instances"
INTAKE2_URL=http://127.0.0.1:$b2
INTAKE2_OUT=tcp://127.0.0.1:$((b2 + 1))
TRIAGE2_HEALTH=127.0.0.1:$((b2 + 2))
TRIAGE2_OUT=tcp://127.0.0.1:$((b2 + 3))
DISPATCH2_HEALTH=127.0.0.1:$((b2 + 4))
# Every instance reads the peers' lists; each binds its own addresses.
export DUBAN_TRIAGE_IN="$H_INTAKE_OUT,$INTAKE2_OUT"
export DUBAN_DISPATCH_IN="$H_TRIAGE_OUT,$TRIAGE2_OUT"
harness_start intake triage dispatch

declare -A PID2=()
start2() { # SVC: start the second instance of SVC and wait until it is healthy
  local svc=$1 url
  case "$svc" in
    intake)
      url=$INTAKE2_URL/healthz
      DUBAN_INTAKE_HTTP=127.0.0.1:$b2 DUBAN_INTAKE_OUT=$INTAKE2_OUT DUBAN_INTAKE_METRICS=127.0.0.1:$((b2 + 7)) \
        "$DUBAN_BIN_DIR/duban-intake" --config "$H_CONF" >>"$H_DIR/intake2.log" 2>&1 </dev/null &
      ;;
    triage)
      url=http://$TRIAGE2_HEALTH/healthz
      DUBAN_TRIAGE_HEALTH=$TRIAGE2_HEALTH DUBAN_TRIAGE_OUT=$TRIAGE2_OUT \
        "$DUBAN_BIN_DIR/duban-triage" --config "$H_CONF" >>"$H_DIR/triage2.log" 2>&1 </dev/null &
      ;;
    dispatch)
      url=http://$DISPATCH2_HEALTH/healthz
      DUBAN_DISPATCH_HEALTH=$DISPATCH2_HEALTH DUBAN_DISPATCH_PUB=tcp://127.0.0.1:$((b2 + 5)) \
        DUBAN_DISPATCH_CONSOLE=tcp://127.0.0.1:$((b2 + 6)) \
        "$DUBAN_BIN_DIR/duban-dispatch" --config "$H_CONF" >>"$H_DIR/dispatch2.log" 2>&1 </dev/null &
      ;;
  esac
  PID2[$svc]=$!
  harness_kill_on_exit "${PID2[$svc]}" KILL
  duban_wait_http "$url" 30 "${PID2[$svc]}" "$H_DIR/${svc}2.log" "duban-$svc#2" || fail "second $svc did not start"
}
kill2() { # SVC: kill -9 the second instance of SVC
  kill -KILL "${PID2[$1]}"
  wait "${PID2[$1]}" 2>/dev/null || true
}
for svc in intake triage dispatch; do start2 "$svc"; done

# (alternating between the two intakes, as any HTTP balancer would)
harness_submitter_start 多实例 "kill -9 测试" "$H_INTAKE_URL" "$INTAKE2_URL"
more() { harness_submitter_wait 60 $(($(harness_submitter_count) + 40)); }
more
kill2 triage # one triage dies; the other carries the stream alone
more
start2 triage
more
harness_kill9 dispatch
more
harness_start dispatch
more
kill2 intake # the balancer's requests to it fail until it is back
more
start2 intake
more
harness_submitter_stop

accepted=$(sort -u "$H_ACCEPTED" | wc -l)
((accepted >= 250)) || fail "only $accepted cases accepted"
assert_eq "$accepted" "$(harness_submitter_count)" "no case number handed out twice"
all_dispatched() {
  [[ "$(psql_q "SELECT count(*) FROM cases WHERE state <> 'dispatched'")" == 0 ]]
}
wait_until 60 all_dispatched
harness_psql -v ON_ERROR_STOP=1 -q -c "CREATE TABLE accepted (case_number text PRIMARY KEY)" \
  -c "\\copy accepted FROM '$H_ACCEPTED'"
assert_eq 0 "$(psql_q "SELECT count(*) FROM accepted a LEFT JOIN cases c USING (case_number) WHERE c.id IS NULL")" \
  "accepted cases missing from the store"
stored=$(psql_q "SELECT count(*) FROM cases")
((stored >= accepted && stored <= accepted + 3)) || fail "stored $stored cases for $accepted accepted"
assert_eq "$stored" "$(psql_q "SELECT count(*) FROM tasks")" "one task per case"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id FROM tasks GROUP BY case_id HAVING count(*) <> 1) d")" \
  "cases with other than one task"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id, type FROM case_events GROUP BY 1, 2 HAVING count(*) <> 1) d")" \
  "steps recorded other than once"
assert_eq 0 "$(psql_q "SELECT count(*) FROM outbox WHERE destination IN ('triage', 'dispatch') AND delivered_at IS NULL")" \
  "messages never acknowledged"
assert_eq 0 "$(psql_q "SELECT count(*) FROM case_handoffs")" "no case left listed between stages"

# Both instances of each stage took part.
did() { grep -c "$1" "$H_DIR/$2.log" || true; }
for pair in "case accepted:intake" "case triaged:triage" "case dispatched:dispatch"; do
  what=${pair%%:*} svc=${pair##*:}
  one=$(did "$what" "$svc") two=$(did "$what" "${svc}2")
  ((one > 0 && two > 0)) || fail "$svc instances' shares: $one and $two (both should work)"
  echo "$svc: first instance $one, second $two"
done

# The second instances stop cleanly.
for svc in intake triage dispatch; do
  kill -TERM "${PID2[$svc]}"
  st=0
  wait "${PID2[$svc]}" || st=$?
  assert_eq 0 "$st" "second $svc exits 0 on SIGTERM"
done
echo "PASS two_of_each accepted=$accepted"
