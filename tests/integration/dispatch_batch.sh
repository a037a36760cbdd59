# Dispatch applies a batch of triaged cases with multi-row statements: one
# statement for the lead tasks of the whole batch, one for the co-handling
# tasks. A batch with one case PostgreSQL refuses does not hold up the
# others: the batch is retried one message per transaction, the others are
# dispatched once each (lead and co-handling tasks, events, clocks, console
# messages) and the bad one alone is refused until parked. Sent again, the
# whole batch changes nothing.
export DUBAN_OUTBOX_RESEND_MS=300
export DUBAN_OUTBOX_MAX_ATTEMPTS=3
source "$(dirname "$0")/../lib/harness.sh"
harness_init dispatch_batch
harness_start intake triage

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }

# Tasks for fiber cannot be made, as a division's table could refuse a row.
psql_q "CREATE FUNCTION test_fiber_closed() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN RAISE EXCEPTION 'fiber division closed for this test'; END \$\$" > /dev/null
psql_q "CREATE TRIGGER test_fiber_closed BEFORE INSERT ON tasks FOR EACH ROW
  WHEN (NEW.division = 'fiber') EXECUTE FUNCTION test_fiber_closed()" > /dev/null

# While dispatch is away, triage's messages wait: they reach it together.
good=()
categories=(metrology e-commerce special-equipment counterfeit product-quality e-commerce)
for i in $(seq 0 17); do
  good+=("$(submit --subject "批量派单 $i" --description 批量测试 --category "${categories[i % 6]}")")
  if ((i == 8)); then
    bad=$(submit --subject 棉被以次充好 --description 絮用纤维不合格 --category fiber)
  fi
done
all_triaged() {
  [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'triaged'")" == 19 ]]
}
wait_until 20 all_triaged
# (their messages written to the outbox by triage's hand-off, dispatch away)
all_stored() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'dispatch'")" == 19 ]]; }
wait_until 10 all_stored
# A copy of triage's messages, to send them again once they are applied
# (the acknowledgement deletes a message's row).
psql_q "CREATE TABLE test_sent AS SELECT * FROM outbox WHERE destination = 'dispatch'" > /dev/null
harness_start dispatch

all_dispatched() {
  [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 18 ]]
}
wait_until 20 all_dispatched
bad_row() { psql_q "SELECT id FROM outbox WHERE destination = 'dispatch' AND case_number = '$bad'"; }
is_parked() { [[ "$(psql_q "SELECT parked_at IS NOT NULL FROM outbox WHERE id = $(bad_row)")" == t ]]; }
wait_until 20 is_parked
assert_contains "$(psql_q "SELECT park_reason FROM outbox WHERE id = $(bad_row)")" \
  "fiber division closed for this test" "the bad case is refused with PostgreSQL's reason"
assert_eq triaged "$(state_of "$bad")" "the bad case waits, triaged"
grep -qE "msg=\"batch failed, applying one by one\" messages=([2-9]|[1-9][0-9]+) " "$H_DIR/dispatch.log" ||
  fail "the bad case did not come in a batch with others"

# Each good case once: its lead task, a co-handling task for e-commerce
# (supervision), a dispatched event and two clock states per task, a console
# message per task (the lead tasks' are sent without a row, see below; the
# co-handling tasks' go through the relay).
counts() {
  psql_q "SELECT (SELECT count(*) FROM tasks) || '/' ||
    (SELECT count(*) FROM tasks WHERE role = 'lead') || '/' ||
    (SELECT count(*) FROM case_events WHERE type = 'dispatched') || '/' ||
    (SELECT count(*) FROM task_clocks) || '/' ||
    (SELECT count(*) FROM outbox WHERE destination = 'console' AND msg_type = 3)"
}
co_sent() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'console' AND sent_at IS NULL")" == 0 ]]; }
wait_until 10 co_sent
assert_eq "24/18/24/48/6" "$(counts)" "18 lead and 6 co-handling tasks, each with its event, clocks and message"
for n in "${good[@]}"; do
  assert_eq dispatched "$(state_of "$n")" "case $n dispatched"
  assert_eq 1 "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id
    WHERE c.case_number = '$n' AND t.role = 'lead'")" "case $n has one lead task"
done
assert_eq 6 "$(psql_q "SELECT count(*) FROM tasks WHERE role = 'co' AND division = 'supervision'")" \
  "e-commerce cases co-handled by supervision"
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks t JOIN task_clocks k ON k.task_id = t.id
  WHERE k.due IS DISTINCT FROM CASE k.clock WHEN 'response' THEN t.response_due ELSE t.completion_due END")" \
  "each clock runs to its task's deadline"

# The whole batch again, as a relay re-sends what it thinks was lost (the
# rows back, as if their acknowledgement had not committed): nothing changes.
before=$(counts)
psql_q "INSERT INTO outbox SELECT * FROM test_sent s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = s.id)" > /dev/null
psql_q "UPDATE outbox SET delivered_at = NULL, sent_at = now() - interval '1 hour'
  WHERE destination = 'dispatch' AND parked_at IS NULL" > /dev/null
resent() {
  [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'dispatch' AND parked_at IS NULL
    AND delivered_at IS NULL")" == 0 ]]
}
wait_until 20 resent
assert_eq "$before" "$(counts)" "a batch sent again makes nothing twice"
assert_eq 18 "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" "the cases stay dispatched"

echo "PASS dispatch_batch"
