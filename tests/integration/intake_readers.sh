# Staff reads do not hold up the cases: intake reads on connections of its
# own (intake.read_connections), so a page that waits for PostgreSQL (here a
# division queue held up by a lock on its counts) does not delay a case being
# recorded. On one shared connection the case would wait behind the queue.
# (The lock is on task_queue_counts because nothing a case's recording does
# touches it.)
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_readers
harness_start intake

assert_eq 3 "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                       AND application_name = 'duban-intake'")" "one connection for commits, two for reads"

# Hold the counts locked until told to stop; the division queue reads them.
mkfifo "$H_DIR/release"
exec 7<> "$H_DIR/release" # open both ways: neither end ever blocks the test
# Not inherited by psql and its head: the test is the fifo's only writer, so
# head reads its end when the test ends, however it ends.
"${PSQL[@]}" -v ON_ERROR_STOP=1 > "$H_DIR/lock.out" 2>&1 7>&- <<EOF &
BEGIN;
LOCK TABLE task_queue_counts IN ACCESS EXCLUSIVE MODE;
\\echo locked
\\! head -n 1 "$H_DIR/release" > /dev/null
COMMIT;
EOF
lock_pid=$!
harness_on_exit "kill $lock_pid 2>/dev/null || true"
locked() { grep -q locked "$H_DIR/lock.out"; }
wait_until 10 locked

curl -s -o "$H_DIR/queue" -w '%{http_code}' -H "$(auth_as h-metrology)" \
  "$H_INTAKE_URL/api/v1/divisions/metrology/queue" > "$H_DIR/queue.status" &
queue_pid=$!
waiting_on_lock() {
  [[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'duban-intake'
                AND wait_event_type = 'Lock'")" == 1 ]]
}
wait_until 10 waiting_on_lock

# While the queue waits, a case is recorded.
status=$(curl -s -o "$H_DIR/body" -w '%{http_code}' -m 10 -H "$(auth_as op001)" \
  -H 'Content-Type: application/json' --data-binary \
  '{"channel":"hotline","kind":"complaint","subject":"加油机少加油","description":"3号加油机计量不准"}' \
  "$H_INTAKE_URL/api/v1/cases")
assert_eq 201 "$status" "a case recorded while a queue read waits"
kill -0 "$queue_pid" 2> /dev/null || fail "the queue read did not wait for the lock (the test proves nothing)"

echo go >&7
wait "$queue_pid"
assert_eq 200 "$(cat "$H_DIR/queue.status")" "the queue once the lock is gone"
wait "$lock_pid"
echo "PASS intake_readers"
