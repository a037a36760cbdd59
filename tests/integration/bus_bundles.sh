# What one commit moves on goes to the next stage as one bus message of up
# to BUS_BUNDLE_MAX (32) envelopes (common/bus.h), each applied,
# acknowledged or refused on its own:
#  * 40 messages intake's relay claims at once (written to the outbox while
#    triage was away) go as two bus messages, 32 and 8, and are applied once
#    each;
#  * a bundle the socket refuses (dispatch away) puts every case of it in
#    the outbox, none lost, and triage's claim sends them on as bundles too;
#  * a stage just started takes what reaches it before its database
#    connection is up, instead of dropping it to wait the re-send period;
#  * every case is triaged and dispatched once.
# Longer than any wait below: a message dropped and sent again would fail it.
export DUBAN_OUTBOX_RESEND_MS=30000
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
# A stage just started takes what its producer sends as soon as it
# connects (the backlog, claimed at once) only once its database
# connection is up (consumer.h): nothing is dropped, so nothing waits the
# re-send period to be sent again. Triage starts while it cannot connect
# (the test database takes no new connections but a superuser's), so the
# backlog surely reaches it before its connection is up.
sent_before=$(health "$H_INTAKE_URL/healthz" .outbox_sent)
bus_before=$(health "$H_INTAKE_URL/healthz" .outbox_bus_messages)
psql_q "ALTER DATABASE $H_DB CONNECTION LIMIT 0" > /dev/null
refused_connection() { grep -q "too many connections for database" "$H_DIR/triage.log"; }
took_backlog() { (( $(health "$H_INTAKE_URL/healthz" .outbox_sent) - sent_before == 40 )); }
# (harness_start returns once triage is healthy, connected: the limit is
# lifted meanwhile, once the backlog has been sent to triage)
(
  wait_until 10 refused_connection
  wait_until 10 took_backlog
  psql_q "ALTER DATABASE $H_DB CONNECTION LIMIT -1" > /dev/null
) &
lift=$!
harness_start triage
wait "$lift" || fail "triage was not refused a connection, or intake did not send its backlog"
triaged() { [[ "$(count "SELECT count(*) FROM cases WHERE state = 'triaged'")" == 40 ]]; }
wait_until 20 triaged
wait_until 10 stored triage 0 # acknowledged, each
assert_eq 40 "$(($(health "$H_INTAKE_URL/healthz" .outbox_sent) - sent_before))" \
  "intake sent the 40 messages once each"
assert_eq 2 "$(($(health "$H_INTAKE_URL/healthz" .outbox_bus_messages) - bus_before))" \
  "in two bus messages (32 and 8)"
# dispatch away: triage's bundles are refused, and each of their cases goes
# to the outbox at once
wait_until 10 stored dispatch 40
assert_eq 0 "$(health "$H_TRIAGE_HEALTH_URL" .outbox_sent)" "nothing counted as sent to dispatch"

harness_stop triage # to count its messages from zero
harness_start triage
harness_start dispatch
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
