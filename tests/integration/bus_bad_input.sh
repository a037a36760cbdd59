# Broken protobuf and unexpected messages on the pipeline sockets: triage and
# dispatch log and drop them (counted in /healthz), store nothing, do not
# crash, and keep working for real cases afterwards. Broken console hellos
# get a refusal that says why. The broken peer holds the listed key of the
# service it plays (a faulty service, not a stranger: see bus_curve.sh).
source "$(dirname "$0")/../lib/harness.sh"
harness_init bus_bad_input
harness_start triage dispatch
INJECT=$DUBAN_BIN_DIR/bus_inject

rejected() { # HEALTH_URL: the "rejected" counter of a stage
  [[ "$(curl -s "$1")" =~ \"rejected\":\ ?([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
before=$(psql_q "SELECT (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM case_events) || '/' || (SELECT count(*) FROM outbox)")

# triage consumes from intake's endpoint: play intake.
BUS_INJECT_KEY=$H_DIR/secrets/bus_intake.key \
  "$INJECT" push "$H_INTAKE_OUT" CASE_RECEIVED || fail "could not inject into triage"
triage_rejected() { (( $(rejected "$H_TRIAGE_HEALTH_URL") >= 7 )); } # 1, 2, 3, 4 and 7's three
wait_until 10 triage_rejected
# dispatch consumes from triage's endpoint: stop triage and play it.
harness_stop triage
BUS_INJECT_KEY=$H_DIR/secrets/bus_triage.key \
  "$INJECT" push "$H_TRIAGE_OUT" CASE_TRIAGED || fail "could not inject into dispatch"
dispatch_rejected() { (( $(rejected "$H_DISPATCH_HEALTH_URL") >= 8 )); } # 1, 2, 3, 4, 6 and 7's three
wait_until 10 dispatch_rejected
BUS_INJECT_KEY=$H_DIR/secrets/bus_ctl.key BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" console "$H_DISPATCH_CONSOLE" || fail "broken console hellos were not refused"

assert_eq "$before" "$(psql_q "SELECT (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM case_events) || '/' || (SELECT count(*) FROM outbox)")" \
  "nothing stored changed"
# Each stage logs what it dropped; the counters above may be reached before
# the last message of a burst (the ignored duplicate) has been handled.
logged() { grep -q "$1" "$H_DIR/$2.log"; }
wait_until 10 logged "dropped malformed message" triage
wait_until 10 logged "dropped message: too many frames" triage
wait_until 10 logged "msg=\"could not apply message\" msg_id=00000000-0000-4000-8000-000000000003 .*reason=\"a CASE_TRIAGED where CASE_RECEIVED is expected" triage
wait_until 10 logged "msg=\"ignored duplicate\" msg_id=00000000-0000-4000-8000-000000000005 " triage
wait_until 10 logged "no route for category weather" dispatch

# Both stages still work for a real case.
harness_start intake triage
number=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject '电子秤' --description '缺斤短两')
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$number'")" == dispatched ]]; }
wait_until 10 dispatched
echo "PASS bus_bad_input"
