# Workflow steps over the HTTP API, and kill -9 of dispatch in the middle of
# a stream of steps: every step is applied whole or not at all, a retried
# step that was applied is refused, and in the end each case carries each
# step exactly once.
source "$(dirname "$0")/../lib/harness.sh"
harness_init kill9_workflow
harness_start intake triage dispatch

step() { # STAFF CASE STEP JSON: prints the HTTP status; reply in $H_DIR/s
  curl -s -o "$H_DIR/s" -w '%{http_code}' --max-time 15 -H "$(auth_as "$1")" \
    --data-binary "$4" "$H_INTAKE_URL/api/v1/cases/$2/steps/$3" || echo 000
}
cases=()
for i in $(seq 1 24); do
  cases+=("$(harness_ctl submit --operator op001 --kind complaint --subject "电子秤 $i" --description 缺斤短两 --category metrology)")
done
all_dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 24 ]]; }
wait_until 20 all_dispatched
first=${cases[0]}

# The HTTP API: authentication, the division's own tasks only, rules, bad input.
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{}' "$H_INTAKE_URL/api/v1/cases/$first/steps/sign")" "no token"
assert_eq 403 "$(step h-fiber "$first" sign '{}')" "another division"
assert_contains "$(cat "$H_DIR/s")" "acts only on its own tasks" "why"
assert_eq 200 "$(step h-metrology "$first" sign '{}')" "sign over HTTP"
assert_contains "$(cat "$H_DIR/s")" '"task_state":"signed"' "new state"
assert_eq 409 "$(step h-metrology "$first" sign '{}')" "signed twice"
assert_eq 422 "$(step h-metrology "$first" return '{"to":"fiber"}')" "return without a reason"
assert_eq 400 "$(step h-metrology "$first" dance '{}')" "unknown step"
assert_eq 400 "$(step h-metrology "$first" sign 'not json')" "malformed body"
assert_eq 404 "$(step h-metrology DB20990101000001 sign '{}')" "unknown case"
assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth_as h-metrology)" "$H_INTAKE_URL/api/v1/cases/$first/steps/sign")" "GET a step"

# A stream of replies while dispatch is killed and restarted.
: > "$H_DIR/statuses"
replier() {
  for n in "${cases[@]}"; do
    echo "$n $(step h-metrology "$n" reply '{"text":"已检定并责令整改"}')" >> "$H_DIR/statuses"
  done
}
replier &
replier_pid=$!
replied_some() { (( $(wc -l < "$H_DIR/statuses") >= 6 )); }
wait_until 20 replied_some
harness_kill9 dispatch
sleep 0.5
harness_start dispatch
wait "$replier_pid" || true

# Retry whatever did not get a 200; an applied step is refused (409), never doubled.
for n in "${cases[@]}"; do
  if [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$n'")" != replied ]]; then
    status=$(step h-metrology "$n" reply '{"text":"已检定并责令整改"}')
    [[ "$status" == 200 ]] || fail "retry of $n got $status: $(cat "$H_DIR/s")"
  fi
done
assert_eq 24 "$(psql_q "SELECT count(*) FROM cases WHERE state = 'replied'")" "every case replied"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE type = 'replied' GROUP BY case_id HAVING count(*) <> 1) d")" \
  "each reply recorded exactly once"
status=$(step h-metrology "${cases[3]}" reply '{"text":"again"}')
assert_eq 409 "$status" "a second reply is refused"

# A return committed just before a kill still reaches the new division.
ret=$(harness_ctl submit --operator op001 --kind complaint --subject 棉被 --description 纤维 --category metrology)
ret_dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$ret'")" == dispatched ]]; }
wait_until 10 ret_dispatched
assert_eq 200 "$(step h-metrology "$ret" return '{"text":"属于纤检局","to":"fiber"}')" "return"
harness_kill9 dispatch
harness_start dispatch
on_fiber() { harness_ctl console --division fiber --once --json 2>/dev/null | grep -q "$ret"; }
wait_until 10 on_fiber
echo "PASS kill9_workflow"
