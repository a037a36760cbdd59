# A stage sends a lone message's transaction at once, and while one is in
# flight holds what arrives for the next batch instead of sending each
# message in a transaction of its own (common/consumer.c): a steady trickle
# then costs one commit per batch. Shown on triage: a case's transaction waits
# for a lock the test holds, the five cases that follow are held (/healthz "held"), and once
# the lock goes they are triaged in one more transaction.
export DUBAN_LOG_LEVEL=warn
# No re-send of a case while its transaction waits for the lock: the test
# counts what triage holds.
export DUBAN_OUTBOX_RESEND_MS=600000
source "$(dirname "$0")/../lib/harness.sh"
harness_init consumer_batching
harness_start intake triage

submit() {
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "$1" --description '计量器具' 2>/dev/null
}
health() { curl -s --max-time 5 "$H_TRIAGE_HEALTH_URL" | jq -r ".$1"; }
triaged() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'triaged'")" == "$1" ]]; }

first=$(submit 第一件)
wait_until 20 triaged 1
base_tx=$(health transactions)

# The next case's triage waits for a lock the test holds (triage stays up:
# a service stopped meanwhile could lose the message on its way, to be
# re-sent only by the sweep).
psql_q "CREATE FUNCTION test_consumer_hold() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END \$\$" > /dev/null
psql_q "CREATE TRIGGER test_consumer_hold BEFORE UPDATE ON cases FOR EACH ROW
  WHEN (NEW.subject = '被锁住的一件') EXECUTE FUNCTION test_consumer_hold()" > /dev/null
harness_psql -v ON_ERROR_STOP=1 -c "SET application_name = 'consumer_batching_hold'" \
  -c "SELECT pg_advisory_lock(4242)" -c "SELECT pg_sleep(600)" > /dev/null 2>&1 &
harness_kill_on_exit $!
held_lock() {
  [[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'consumer_batching_hold'
    AND state = 'active' AND query LIKE '%pg_sleep%'")" == 1 ]]
}
wait_until 20 held_lock
submit 被锁住的一件 > /dev/null
triage_waits() {
  [[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
    AND wait_event_type = 'Lock' AND wait_event = 'advisory'")" == 1 ]]
}
wait_until 20 triage_waits

# Five more while that transaction waits: held, not sent.
for i in 1 2 3 4 5; do submit "随后的 $i" > /dev/null; done
held_five() { [[ "$(health held)" == 5 ]]; }
wait_until 20 held_five
assert_eq 1 "$(psql_q "SELECT count(*) FROM cases WHERE state = 'triaged'")" "only the first triaged so far"

psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
  WHERE application_name = 'consumer_batching_hold'" > /dev/null
wait_until 20 triaged 7
assert_eq 0 "$(health held)" "nothing held once all are triaged"
assert_eq 7 "$(health applied)" "seven messages applied"
assert_eq 1 "$base_tx" "the first case alone, in one transaction"
assert_eq 3 "$(health transactions)" "then the held-up case, then the five together"
echo "PASS consumer_batching"
