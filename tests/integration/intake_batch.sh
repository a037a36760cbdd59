# Intake writes the cases of a group commit in one multi-row statement and
# numbers them with one update of each day's counter (case_numbers_next).
# While a batch waits on the database, the submissions that arrive meanwhile
# are written together in the next one: a case PostgreSQL refuses there does
# not refuse the others (the batch is retried one case per transaction, the
# bad one alone answered with an error, its number given back); two
# submissions with the same idempotency key make one case (the second is
# answered the first's case, without the query code), another body under
# that key is refused; an external reference makes one case. Sent again, the
# whole batch changes nothing and is answered with the same cases.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_batch
harness_start intake

# A case PostgreSQL refuses, as a constraint could refuse a row.
psql_q "CREATE FUNCTION test_intake_refused() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN RAISE EXCEPTION 'refused for this test'; END \$\$" > /dev/null
psql_q "CREATE TRIGGER test_intake_refused BEFORE INSERT ON cases FOR EACH ROW
  WHEN (NEW.subject = '拒收') EXECUTE FUNCTION test_intake_refused()" > /dev/null

# body SUBJECT [EXTRA_JSON]: a letter entered by an administrator, received
# on day $day.
day=2017-06-01
body() {
  printf '{"channel":"letter","kind":"complaint","subject":"%s","description":"批量受理",' "$1"
  printf '"first_responder":"op001","received_at":"%sT09:00:00+08:00"%s}' "$day" "${2:-}"
}
# post OUT KEY BODY: the status of one submission (KEY "" for none).
post() {
  local key=()
  [[ -n "$2" ]] && key=(-H "Idempotency-Key: $2")
  curl -s -o "$1" -w '%{http_code}' --max-time 60 -H "$(auth_as admin)" "${key[@]}" \
    -H 'Content-Type: application/json' --data-binary "$3" "$H_INTAKE_URL/api/v1/cases"
}

# hold_counter: the days' counters held by another transaction, until
# release_counter. A first case waits for them (its batch in flight) and a
# second one behind it: queued, not sent (a second batch goes out behind the
# one in flight only behind a full queue), so that it and what follows
# gather for the next batch.
hold_counter() {
  harness_psql -v ON_ERROR_STOP=1 -c "SET application_name = 'intake_batch_hold'" -c "BEGIN" \
    -c "LOCK TABLE case_number_days IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(600)" \
    > /dev/null 2>&1 &
  harness_kill_on_exit $!
  wait_until 20 held
  post "$H_DIR/first.json" "" "$(body 先到)" > "$H_DIR/first.status" &
  first=$!
  wait_until 20 waiting_for_counter
  post "$H_DIR/second.json" "" "$(body 后到)" > "$H_DIR/second.status" &
  second=$!
  wait_until 20 waiting 2
}
held() {
  [[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'intake_batch_hold'
    AND state = 'active' AND query LIKE '%pg_sleep%'")" == 1 ]]
}
waiting_for_counter() {
  [[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
    AND wait_event_type = 'Lock' AND application_name <> 'intake_batch_hold'")" -ge 1 ]]
}
# waiting N: N submissions wait for their commit, as intake's /healthz says.
waiting() {
  [[ "$(curl -s --max-time 5 "$H_INTAKE_URL/healthz" | jq .cases_waiting)" == "$1" ]]
}
release_counter() {
  psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'intake_batch_hold'" > /dev/null
}

hold_counter

# send_all: a batch of sixteen (keys k-0 .. k-10, two with the same key and
# body, one with the same key and another body, one refused, two with one
# reference), as one statement whatever its size (pg_txn_add_batch); its
# cases retried alone.
send_all() {
  local pids=() i
  for ((i = 0; i < 11; i++)); do
    post "$H_DIR/k$i.json" "k-$i" "$(body "批量 $i")" > "$H_DIR/k$i.status" &
    pids+=($!)
  done
  post "$H_DIR/k3b.json" k-3 "$(body "批量 3")" > "$H_DIR/k3b.status" &
  pids+=($!)
  post "$H_DIR/k4x.json" k-4 "$(body "别的事")" > "$H_DIR/k4x.status" &
  pids+=($!)
  post "$H_DIR/bad.json" "" "$(body 拒收)" > "$H_DIR/bad.status" &
  pids+=($!)
  post "$H_DIR/ref1.json" "" "$(body 台账 ',"external_ref":"LEDGER-B-1"')" > "$H_DIR/ref1.status" &
  pids+=($!)
  post "$H_DIR/ref2.json" "" "$(body 台账 ',"external_ref":"LEDGER-B-1"')" > "$H_DIR/ref2.status" &
  pids+=($!)
  wait "${pids[@]}"
}
send_all &
sender=$!
# all sixteen read by intake and queued for the next batch
wait_until 20 waiting 18
release_counter
wait "$first" "$second" "$sender"

grep -qE "insert a batch of ([2-9]|[1-9][0-9]+) cases \(retrying one by one\)" "$H_DIR/intake.log" ||
  fail "the refused case did not come in a batch with others"
assert_eq 201 "$(cat "$H_DIR/first.status")" "the first case"
assert_eq 201 "$(cat "$H_DIR/second.status")" "the second case"
for ((i = 0; i < 11; i++)); do
  ((i == 4)) || assert_eq 201 "$(cat "$H_DIR/k$i.status")" "case k-$i accepted"
done
assert_eq 201 "$(cat "$H_DIR/k3b.status")" "the same key and body again: the same case"
assert_eq "$(jq -r .case_number "$H_DIR/k3.json")" "$(jq -r .case_number "$H_DIR/k3b.json")" \
  "one case for key k-3"
# statuses FILES...: their statuses, sorted, on one line
statuses() { local f; for f in "$@"; do cat "$f"; echo; done | sort | tr '\n' ' '; }
# which came first in the batch got the key
assert_eq "201 409 " "$(statuses "$H_DIR/k4.status" "$H_DIR/k4x.status")" \
  "two bodies under key k-4: one case, the other refused"
bad_status=$(cat "$H_DIR/bad.status")
[[ "$bad_status" =~ ^5 ]] || fail "the refused case was answered $bad_status"
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases WHERE subject = '拒收'")" "the refused case is not stored"
assert_eq "200 201 " "$(statuses "$H_DIR/ref1.status" "$H_DIR/ref2.status")" \
  "one case for the reference, the other answer names it"
assert_eq 1 "$(psql_q "SELECT count(*) FROM cases WHERE external_ref = 'LEDGER-B-1'")" "one case for LEDGER-B-1"

counts() {
  psql_q "SELECT (SELECT count(*) FROM cases) || '/' ||
    (SELECT count(*) FROM case_events WHERE type = 'received') || '/' ||
    (SELECT count(*) FROM outbox WHERE destination = 'triage') || '/' ||
    (SELECT count(*) FROM idempotency_keys WHERE case_id IS NOT NULL)"
}
# (triage is away: the messages the socket refused go to the outbox from
# intake's hand-off, case_handoffs.sh)
all_counted() { [[ "$(counts)" == "14/14/14/11" ]]; }
wait_until 5 all_counted
sleep 0.5 # nothing more comes
assert_eq "14/14/14/11" "$(counts)" "each case once, with its event and its message to triage"
# Numbers of one day, none twice; the refused case's number given back or
# skipped, never reused.
assert_eq 14 "$(psql_q "SELECT count(DISTINCT case_number) FROM cases WHERE case_number LIKE 'DB20170601%'")" \
  "fourteen numbers of the day"
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases WHERE case_number !~ '^DB20170601[0-9]{6}$'")" \
  "all in the documented form"
numbers=$(psql_q "SELECT string_agg(case_number, ' ' ORDER BY case_number) FROM cases")

# The whole batch again, as clients retry what they think was lost.
rm -f "$H_DIR"/*.status
send_all
for ((i = 0; i < 11; i++)); do
  ((i == 4)) && continue
  assert_eq 201 "$(cat "$H_DIR/k$i.status")" "k-$i again"
  assert_eq null "$(jq .query_code "$H_DIR/k$i.json")" "k-$i again: a replay, without the query code"
done
assert_eq "201 409 " "$(statuses "$H_DIR/k4.status" "$H_DIR/k4x.status")" "the two bodies under k-4 again"
assert_eq "200 200 " "$(statuses "$H_DIR/ref1.status" "$H_DIR/ref2.status")" \
  "the reference again: already imported"
assert_eq "14/14/14/11" "$(counts)" "a batch sent again makes nothing twice"
assert_eq "$numbers" "$(psql_q "SELECT string_agg(case_number, ' ' ORDER BY case_number) FROM cases")" \
  "and no number changed"

# A batch draws its numbers with one update of the day's counter, not one
# per case: the second case and ten more of 2 June in one batch, behind the
# first in flight (which makes the day's row); the second was not sent on
# its own while the first was in flight (the group commit's window adapts:
# what arrives during a commit goes out together when it ends).
psql_q "CREATE TABLE test_counter_updates (day date NOT NULL)" > /dev/null
psql_q "CREATE FUNCTION test_count_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS
  \$\$ BEGIN INSERT INTO test_counter_updates VALUES (NEW.day); RETURN NULL; END \$\$" > /dev/null
psql_q "CREATE TRIGGER test_count_update AFTER UPDATE ON case_number_days FOR EACH ROW
  EXECUTE FUNCTION test_count_update()" > /dev/null
day=2017-06-02
hold_counter
pids=()
for ((i = 0; i < 10; i++)); do
  post "$H_DIR/d$i.json" "" "$(body "六月二日 $i")" > "$H_DIR/d$i.status" &
  pids+=($!)
done
wait_until 20 waiting 12
release_counter
wait "$first" "$second" "${pids[@]}"
assert_eq "201 201 201 201 201 201 201 201 201 201 " "$(statuses "$H_DIR"/d?.status)" "ten more cases"
assert_eq "$(for ((i = 1; i <= 12; i++)); do printf 'DB20170602%06d ' "$i"; done)" \
  "$(psql_q "SELECT string_agg(case_number, ' ' ORDER BY case_number) || ' ' FROM cases
     WHERE case_number LIKE 'DB20170602%'")" "numbered 1 to 12, none skipped"
assert_eq 1 "$(psql_q "SELECT count(*) FROM test_counter_updates WHERE day = '2017-06-02'")" \
  "one update of the day's counter: the batch's"
assert_eq 2 "$(psql_q "SELECT count(DISTINCT xmin::text) FROM cases WHERE case_number LIKE 'DB20170602%'")" \
  "two transactions: the first case's, then the second's with the ten"
assert_eq 1 "$(psql_q "SELECT count(DISTINCT xmin::text) FROM cases WHERE subject IN ('后到', '六月二日 0')
  AND case_number LIKE 'DB20170602%'")" "the second case waited for the first and went with the others"

echo "PASS intake_batch"
