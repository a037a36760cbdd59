# No data loss: cases are submitted in a steady stream while triage, then
# dispatch, then intake are killed with kill -9 and restarted. Every case
# that intake accepted (201) must end dispatched with exactly one lead task
# and exactly one event per step: nothing lost, nothing done twice.
export DUBAN_OUTBOX_RESEND_MS=1000
source "$(dirname "$0")/../lib/harness.sh"
harness_init kill9_pipeline
harness_start

harness_submitter_start 故障注入 "kill -9 测试" "$H_INTAKE_URL"
more() { harness_submitter_wait 30 $(($(harness_submitter_count) + 40)); }
for svc in triage dispatch intake; do
  more
  harness_kill9 "$svc"
  sleep 0.3
  harness_start "$svc"
done
more
harness_submitter_stop

accepted=$(sort -u "$H_ACCEPTED" | wc -l)
(( accepted >= 160 )) || fail "only $accepted cases accepted"
assert_eq "$accepted" "$(harness_submitter_count)" "no case number handed out twice"

# A case committed just before intake died may never have had its 201 sent:
# it is stored and must be dispatched too, so wait for all stored cases.
all_dispatched() {
  [[ "$(psql_q "SELECT count(*) FROM cases WHERE state <> 'dispatched'")" == 0 ]]
}
wait_until 60 all_dispatched

# Every accepted number is stored (nothing accepted was lost)...
harness_psql -v ON_ERROR_STOP=1 -q -c "CREATE TABLE accepted (case_number text PRIMARY KEY)" \
  -c "\\copy accepted FROM '$H_ACCEPTED'"
assert_eq 0 "$(psql_q "SELECT count(*) FROM accepted a LEFT JOIN cases c USING (case_number) WHERE c.id IS NULL")" \
  "accepted cases missing from the store"
stored=$(psql_q "SELECT count(*) FROM cases")
(( stored >= accepted && stored <= accepted + 3 )) || fail "stored $stored cases for $accepted accepted"
# ...and reached its division exactly once, with each step recorded once.
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id FROM tasks GROUP BY case_id HAVING count(*) <> 1) d")" \
  "cases with other than one task"
assert_eq "$(psql_q "SELECT count(*) FROM cases")" "$(psql_q "SELECT count(*) FROM tasks")" "one task per case"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id, type FROM case_events GROUP BY 1, 2 HAVING count(*) <> 1) d")" \
  "steps recorded other than once"
assert_eq 0 "$(psql_q "SELECT count(*) FROM outbox WHERE destination IN ('triage', 'dispatch') AND delivered_at IS NULL")" \
  "messages never acknowledged"
assert_eq 0 "$(psql_q "SELECT count(*) FROM case_handoffs")" "no case left listed between stages"
# Tasks reached the right division.
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id JOIN categories k ON k.code = c.category WHERE t.division <> k.lead_division")" \
  "tasks routed to the wrong division"
echo "PASS kill9_pipeline accepted=$accepted"
