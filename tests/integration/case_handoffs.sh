# A case's way in is handed from stage to stage by its state (issue 13,
# deploy/schema/078): intake's and triage's messages are sent from their
# commits and stored nowhere; case_handoffs lists the cases between stages
# until dispatch takes them. What it must still do:
#  * on the way in, no message to triage or dispatch is written to the
#    outbox, and no case is left listed;
#  * a message lost after its commit (the producer killed before the send,
#    the consumer before the apply) is built again from the case, written to
#    the outbox by the producer's sweep and applied once, for both hops,
#    carrying what the first one carried (the requester's fingerprint, the
#    operator's choice of division, the desk's urgency);
#  * a message the socket refuses (the consumer away) goes to the outbox at
#    once;
#  * a message that arrives twice (sent, and written to the outbox by a
#    sweep while its consumer was held still) is applied once;
#  * rows whose case is gone or past the way in are deleted;
#  * dubanctl status counts a case waiting for the next stage once.
export DUBAN_OUTBOX_RESEND_MS=300
source "$(dirname "$0")/../lib/harness.sh"
harness_init case_handoffs
harness_start intake triage dispatch

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
listed() { psql_q "SELECT count(*) FROM case_handoffs"; }
# Every outbox row ever written, kept by a trigger (acknowledgements delete them).
psql_q "CREATE TABLE test_written AS SELECT * FROM outbox WITH NO DATA;
  CREATE FUNCTION test_written_keep() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS
    \$\$ BEGIN INSERT INTO test_written SELECT NEW.*; RETURN NULL; END \$\$;
  CREATE TRIGGER test_written_keep AFTER INSERT ON outbox FOR EACH ROW
    EXECUTE FUNCTION test_written_keep()" > /dev/null
written() { psql_q "SELECT count(*) FROM test_written WHERE destination = '$1' AND case_number = '$2'"; }

# --- The way in stores no message.
submit_dispatched 3
assert_eq 0 "$(psql_q "SELECT count(*) FROM test_written WHERE destination IN ('triage', 'dispatch')")" \
  "no message to triage or dispatch written to the outbox"
assert_eq 0 "$(listed)" "no case left between stages"
assert_contains "$(curl -s "$H_INTAKE_URL/healthz")" '"handoff_waiting":0' "intake reports the cases waiting for triage"
assert_contains "$(curl -s "$H_TRIAGE_HEALTH_URL")" '"handoff_waiting":0' "triage reports the cases waiting for dispatch"

# lose NUMBER: makes the case's message as if sent and lost. With its
# consumer away, the first message went to the outbox (the socket refused
# it, or it was lost with the connection and the sweep wrote it): it is
# taken out, the case's row says no message is stored, and the case got to
# its state an hour ago.
lose() {
  psql_q "DELETE FROM outbox WHERE case_number = '$1' AND destination IN ('triage', 'dispatch');
    UPDATE case_handoffs SET outbox_state = NULL, since = now() - interval '1 hour'
      WHERE case_id = (SELECT id FROM cases WHERE case_number = '$1');
    UPDATE cases SET updated_at = now() - interval '1 hour' WHERE case_number = '$1'" > /dev/null
}

# --- Received, its message to triage lost: built again by intake, with the
# requester's fingerprint (the case repeats an open one, and is merged).
open=$(submit --category metrology --phone 13800007777 --subject 加油机 --description 少油)
dispatched() { [[ "$(state_of "$1")" == dispatched ]]; }
wait_until 10 dispatched "$open"
harness_stop triage
repeat=$(submit --category metrology --phone 138-0000-7777 --subject 又是加油机 --description 还是少油)
refused_to_outbox() { [[ "$(written triage "$1")" == 1 ]]; }
wait_until 5 refused_to_outbox "$repeat" # triage is away
lose "$repeat"
assert_eq received "$(state_of "$repeat")" "the repeat waits, received"
# dubanctl status counts it in intake's backlog, waiting for triage (its
# message not in the outbox, until the sweep writes it there: once either way).
intake_backlog() {
  [[ "$(harness_ctl status --json 2> /dev/null | jq '.[] | select(.service == "intake") | .backlog')" == "$1" ]]
}
wait_until 15 intake_backlog 1
harness_start triage
merged() { [[ "$(state_of "$1")" == merged ]]; }
wait_until 10 merged "$repeat"
assert_eq 2 "$(written triage "$repeat")" "the lost message was written to the outbox again by intake's sweep"
assert_eq "intake" "$(psql_q "SELECT string_agg(DISTINCT producer, ',') FROM test_written WHERE case_number = '$repeat'")" \
  "as intake's"
assert_eq "$open" "$(psql_q "SELECT d.case_number FROM cases c JOIN cases d ON d.id = c.duplicate_of
  WHERE c.case_number = '$repeat'")" "merged into the open case: the rebuilt message had the fingerprint"

# --- Triaged, its message to dispatch lost: built again by triage, with the
# operator's division and the desk's urgency.
division=$(psql_q "SELECT code FROM divisions WHERE code <> (SELECT lead_division FROM categories
  WHERE code = 'metrology') AND code IN (SELECT lead_division FROM categories) ORDER BY code LIMIT 1")
harness_stop dispatch
chosen=$(submit --category metrology --division "$division" --priority urgent --subject 电梯 --description 困人)
triaged() { [[ "$(state_of "$1")" == triaged ]]; }
wait_until 10 triaged "$chosen"
to_dispatch() { [[ "$(written dispatch "$1")" == 1 ]]; }
wait_until 5 to_dispatch "$chosen"
lose "$chosen"
harness_start dispatch
wait_until 10 dispatched "$chosen"
assert_eq 2 "$(written dispatch "$chosen")" "the lost message was written to the outbox again by triage's sweep"
assert_eq "$division|urgent" "$(psql_q "SELECT t.division, c.priority FROM tasks t JOIN cases c ON c.id = t.case_id
  WHERE c.case_number = '$chosen'")" "dispatched to the operator's division, urgent"
urgent_due=$(psql_q "SELECT t.completion_due < (SELECT t2.completion_due
  FROM tasks t2 JOIN cases c2 ON c2.id = t2.case_id WHERE c2.case_number = '$open')
  FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$chosen'")
assert_eq t "$urgent_due" "on the urgent deadline (due before the normal case filed earlier)"
no_listed() { [[ "$(listed)" == 0 ]]; }
wait_until 10 no_listed

# --- Twice: triage held still while cases arrive, so that intake's sweep
# writes their messages to the outbox while the first ones wait in the
# socket; each case is triaged and dispatched once all the same.
triage_pid=$(harness_pid triage)
kill -STOP "$triage_pid"
before=$(psql_q "SELECT count(*) FROM cases")
for i in 1 2 3 4 5 6; do submit --category metrology --subject "两次 $i" --description 同一消息 > /dev/null; done
swept() { [[ "$(psql_q "SELECT count(*) FROM test_written WHERE destination = 'triage'
  AND case_id > (SELECT max(id) FROM cases) - 6")" == 6 ]]; }
wait_until 10 swept
# Intake counts them once each: in the outbox now, no longer as cases
# waiting for triage (both counted once a second).
intake_counts() {
  [[ "$(curl -s --max-time 5 "$H_INTAKE_URL/healthz" | jq -c '[.outbox_backlog, .handoff_waiting]')" == "$1" ]]
}
wait_until 10 intake_counts "[6,0]"
kill -CONT "$triage_pid"
all_dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == "$1" ]]; }
wait_until 20 all_dispatched $((before + 6 - 1)) # the merged repeat is not dispatched
wait_until 10 no_listed
drained() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination IN ('triage', 'dispatch')")" == 0 ]]; }
wait_until 10 drained
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id, type FROM case_events
  WHERE type <> 'duplicate_linked' GROUP BY 1, 2 HAVING count(*) <> 1) d")" "each step recorded once"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id FROM tasks GROUP BY 1 HAVING count(*) <> 1) d")" \
  "one task per case"
grep -q 'msg="case was not in state received (its message came twice); nothing changed"' "$H_DIR/triage.log" ||
  fail "triage saw no message twice"

# --- Rows of cases gone or past the way in are deleted.
psql_q "INSERT INTO case_handoffs (case_id) SELECT id FROM cases WHERE case_number = '$open'
  UNION ALL SELECT -1" > /dev/null
wait_until 10 no_listed
assert_references_hold
echo "PASS case_handoffs"
