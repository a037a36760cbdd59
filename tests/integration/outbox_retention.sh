# The outbox does not grow for ever: a message its consumer acknowledges is
# deleted by the acknowledgement, one to consoles (which do not acknowledge)
# is sent without a row, rows kept as delivered (messages to destinations
# that do not acknowledge) go once older than outbox.keep_s, by the relays'
# sweep, while a row not yet delivered is kept however old it is (its
# consumer is down) and still reaches it afterwards.
export DUBAN_OUTBOX_KEEP_S=2
export DUBAN_OUTBOX_RESEND_MS=1000
export DUBAN_LOG_LEVEL=info
source "$(dirname "$0")/../lib/harness.sh"
harness_init outbox_retention
harness_start

submit() {
  harness_ctl submit --channel hotline --kind complaint --operator op001 \
    --subject "$1" --description '缺斤短两' --category metrology
}
tasks_are() { [[ "$(psql_q "SELECT count(*) FROM tasks")" == "$1" ]]; }
for i in 1 2 3; do submit "电子秤$i" > /dev/null; done
wait_until 10 tasks_are 3
# Their messages to triage and dispatch were deleted as they were applied,
# the consoles' were never stored.
assert_eq 0 "$(psql_q "SELECT count(*) FROM outbox")" "no row left by the three cases' messages"

# Triage goes away: what intake accepts now waits in the outbox, undelivered.
harness_stop triage
for i in 4 5; do submit "电子秤$i" > /dev/null; done
# (written by intake's hand-off once the socket refuses them, or resend_after
# later if they went with triage's connection: case_handoffs.sh)
two_waiting() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage' AND delivered_at IS NULL")" == 2 ]]; }
wait_until 10 two_waiting

# Past the retention, delivered rows go, the waiting ones stay. The waiting
# rows are kept past the retention: once both are older than it,
# a delivered row of the same destination, old enough to go, marks the next
# pruning pass; when that row is gone, the pass has looked at the waiting rows.
waiting_past_retention() {
  [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage' AND delivered_at IS NULL
    AND created_at < now() - interval '2 s'")" == 2 ]]
}
wait_until 15 waiting_past_retention
marker=$(psql_q "INSERT INTO outbox (producer, destination, msg_type, body, created_at, sent_at, delivered_at)
  VALUES ('test', 'triage', 1, '\\x00', now() - interval '1 hour', now(), now()) RETURNING id")
marker_pruned() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE id = $marker")" == 0 ]]; }
wait_until 15 marker_pruned
assert_eq 2 "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage' AND delivered_at IS NULL
  AND created_at < now() - interval '2 s'")" "rows not yet delivered are kept past the retention"
grep -q "msg=\"deleted delivered outbox rows\" rows=[0-9]* to=triage older_than_s=2$" "$H_DIR/intake.log" ||
  fail "intake did not log what it deleted"
events() {
  psql_q "SELECT (SELECT count(*) FROM case_events WHERE type = 'received'),
    (SELECT count(*) FROM case_events WHERE type = 'triaged'), (SELECT count(*) FROM case_events WHERE type = 'dispatched')" |
    tr -d ' '
}
assert_eq "5|3|3" "$(events)" "the record (the event log) is untouched"

# Triage comes back: the kept messages are delivered, nothing lost or doubled.
harness_start triage
wait_until 15 tasks_are 5
assert_eq "5|5|5" "$(events)" "every case received, triaged and dispatched once"
grep -q "msg=\"destination takes messages again\" to=triage$" "$H_DIR/intake.log" || fail "intake did not say triage is back"
# (retried every 100 ms: logged once, then once per 10 s, not at every retry)
refusals=$(grep -c "msg=\"messages not taken by the socket (no consumer connected?); retrying\" messages=[0-9]* to=triage " "$H_DIR/intake.log")
((refusals >= 1 && refusals <= 3)) || fail "refused sends logged $refusals times"
# each refused row went back to unsent by its msg_id, the outbox's key (076)
! grep -q "could not release unsent outbox rows" "$H_DIR/intake.log" ||
  fail "intake could not release the rows the socket refused"

# and in the end every row, delivered, goes
empty() { [[ "$(psql_q "SELECT count(*) FROM outbox")" == 0 ]]; }
wait_until 15 empty
echo "PASS outbox_retention"
