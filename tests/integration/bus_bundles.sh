# What one commit moves on goes to the next stage as one bus message of up
# to BUS_BUNDLE_MAX (32) envelopes (common/bus.h), each applied,
# acknowledged or refused on its own:
#  * 40 messages intake's relay claims at once (written to the outbox while
#    triage was away) go as two bus messages, 32 and 8, and are applied once
#    each;
#  * a bundle the socket refuses (dispatch away) puts every case of it in
#    the outbox, none lost, and triage's claim sends them on as bundles too;
#  * every case is triaged and dispatched once.
source "$(dirname "$0")/../lib/harness.sh"
harness_init bus_bundles
harness_start intake triage dispatch
harness_stop triage
harness_stop dispatch

health() { curl -s --max-time 5 "$1" | jq -r "$2"; }
count() { psql_q "$1"; }
for i in $(seq 1 40); do
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "成批 $i" --description 一批消息 > /dev/null
done
stored() { [[ "$(count "SELECT count(*) FROM outbox WHERE destination = '$1'")" == "$2" ]]; }
wait_until 10 stored triage 40 # refused by the socket one by one, triage away
# A stage drops what reaches it before its database connection is up (the
# producer re-sends it later: consumer.h), so each producer is started
# after its consumer is connected, with its counters from zero.
harness_stop intake
connected() { # since its latest start
  tac "$H_DIR/$1.log" | sed '/harness: starting/q' | grep -q 'msg="connected to postgresql"'
}
harness_start triage
wait_until 10 connected triage
harness_start intake
triaged() { [[ "$(count "SELECT count(*) FROM cases WHERE state = 'triaged'")" == 40 ]]; }
wait_until 20 triaged
wait_until 10 stored triage 0 # acknowledged, each
assert_eq 40 "$(health "$H_INTAKE_URL/healthz" .outbox_sent)" "intake sent the 40 messages once each"
assert_eq 2 "$(health "$H_INTAKE_URL/healthz" .outbox_bus_messages)" "in two bus messages (32 and 8)"
# dispatch away: triage's bundles are refused, and each of their cases goes
# to the outbox at once
wait_until 10 stored dispatch 40
assert_eq 0 "$(health "$H_TRIAGE_HEALTH_URL" .outbox_sent)" "nothing counted as sent to dispatch"

harness_stop triage
harness_start dispatch
wait_until 10 connected dispatch
harness_start triage
dispatched() { [[ "$(count "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 40 ]]; }
wait_until 20 dispatched
wait_until 10 stored dispatch 0
assert_eq 40 "$(health "$H_TRIAGE_HEALTH_URL" .outbox_sent)" "triage sent the 40 messages once each"
assert_eq 2 "$(health "$H_TRIAGE_HEALTH_URL" .outbox_bus_messages)" "in two bus messages"
assert_eq 0 "$(count "SELECT count(*) FROM (SELECT case_id, type FROM case_events GROUP BY 1, 2
  HAVING count(*) <> 1) d")" "each step recorded once"
assert_eq 40 "$(count "SELECT count(DISTINCT case_id) FROM tasks WHERE role = 'lead'")" "a task for each case"
assert_eq 40 "$(count "SELECT count(*) FROM tasks WHERE role = 'lead'")" "and one only"
assert_references_hold
echo "PASS bus_bundles"
