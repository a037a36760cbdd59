# Triage applies a batch of received cases in one multi-row statement. A
# batch with one case PostgreSQL refuses does not hold up the others: it is
# retried one message per transaction, the others are triaged once each (a
# repeat of an open case's requester merged into it, in the batch too) and
# the bad one alone is refused until parked. Sent again, the whole batch
# changes nothing.
export DUBAN_OUTBOX_RESEND_MS=300
export DUBAN_OUTBOX_MAX_ATTEMPTS=3
source "$(dirname "$0")/../lib/harness.sh"
harness_init triage_batch
harness_start intake triage dispatch

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
settled() { local s; s=$(state_of "$1"); [[ "$s" == dispatched || "$s" == merged ]]; }

# An open case whose requester will call again while triage is away.
first=$(submit --subject 加油机少油 --description 加油机计量不准 --category metrology --phone 13800006666)
wait_until 10 settled "$first"

# Cases PostgreSQL refuses to triage, as a constraint could refuse a row.
psql_q "CREATE FUNCTION test_triage_refused() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN RAISE EXCEPTION 'refused for this test'; END \$\$" > /dev/null
psql_q "CREATE TRIGGER test_triage_refused BEFORE UPDATE ON cases FOR EACH ROW
  WHEN (NEW.subject = '拒收' AND NEW.state <> 'received') EXECUTE FUNCTION test_triage_refused()" > /dev/null

harness_stop triage
good=()
categories=(metrology e-commerce special-equipment counterfeit product-quality fiber)
for i in $(seq 0 11); do
  good+=("$(submit --subject "批量分拣 $i" --description 批量测试 --category "${categories[i % 6]}")")
  if ((i == 5)); then
    bad=$(submit --subject 拒收 --description 批量测试 --category metrology)
    repeat=$(submit --subject 又是加油机 --description 上次的加油机 --category metrology --phone 138-0000-6666)
  fi
done
all_received() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'received'")" == 14 ]]; }
wait_until 10 all_received
# (their messages written to the outbox by intake's hand-off, triage away)
all_stored() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage'")" == 14 ]]; }
wait_until 10 all_stored
# A copy of intake's messages, to send them again once they are applied
# (the acknowledgement deletes a message's row).
psql_q "CREATE TABLE test_sent AS SELECT * FROM outbox WHERE destination = 'triage'" > /dev/null
harness_start triage

all_dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 13 ]]; }
wait_until 20 all_dispatched
bad_row() { psql_q "SELECT id FROM outbox WHERE destination = 'triage' AND case_number = '$bad'"; }
is_parked() { [[ "$(psql_q "SELECT parked_at IS NOT NULL FROM outbox WHERE id = $(bad_row)")" == t ]]; }
wait_until 20 is_parked
assert_contains "$(psql_q "SELECT park_reason FROM outbox WHERE id = $(bad_row)")" \
  "refused for this test" "the bad case is refused with PostgreSQL's reason"
assert_eq received "$(state_of "$bad")" "the bad case waits, received"
grep -qE "msg=\"batch failed, applying one by one\" messages=([2-9]|[1-9][0-9]+) " "$H_DIR/triage.log" ||
  fail "the bad case did not come in a batch with others"

assert_eq merged "$(state_of "$repeat")" "the repeat in the batch is merged into the open case"
assert_eq "$first" "$(psql_q "SELECT d.case_number FROM cases c JOIN cases d ON d.id = c.duplicate_of
  WHERE c.case_number = '$repeat'")" "linked to it"
assert_eq 1 "$(psql_q "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
  WHERE c.case_number = '$first' AND e.type = 'duplicate_linked'")" "the open case's timeline knows"
counts() {
  psql_q "SELECT (SELECT count(*) FROM case_events WHERE type = 'triaged') || '/' ||
    (SELECT count(*) FROM case_events WHERE type = 'duplicate') || '/' ||
    (SELECT count(*) FROM outbox WHERE destination = 'dispatch') || '/' ||
    (SELECT count(*) FROM tasks WHERE role = 'lead')"
}
assert_eq "13/1/0/13" "$(counts)" "each good case triaged once, its one message to dispatch applied (and deleted)"
for n in "${good[@]}"; do
  assert_eq triaged "$(psql_q "SELECT string_agg(e.type, ',' ORDER BY e.id) FILTER (WHERE e.type = 'triaged')
    FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$n'")" "case $n triaged once"
  assert_eq dispatched "$(state_of "$n")" "case $n dispatched"
done

# The whole batch again, as intake's relay re-sends what it thinks was lost
# (the rows back, as if their acknowledgement had not committed).
before=$(counts)
psql_q "INSERT INTO outbox SELECT * FROM test_sent s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = s.id)" > /dev/null
psql_q "UPDATE outbox SET delivered_at = NULL, sent_at = now() - interval '1 hour'
  WHERE destination = 'triage' AND parked_at IS NULL" > /dev/null
resent() {
  [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage' AND parked_at IS NULL
    AND delivered_at IS NULL")" == 0 ]]
}
wait_until 20 resent
assert_eq "$before" "$(counts)" "a batch sent again makes nothing twice"

echo "PASS triage_batch"
