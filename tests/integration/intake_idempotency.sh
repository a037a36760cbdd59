# Rule 1: a client that retries with the same Idempotency-Key gets the same
# case and the same response, never a second case, also when 20 retries
# race in parallel; another body under the same key is a conflict (409).
# The query code is shown once: the replay has the case number without the
# code (which is never stored), and says so. A key belongs to its client:
# staff by their code, the public by their address, so a key sent from
# another address gets that client its own case, never someone else's.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_idempotency
harness_start intake

body='{"channel":"hotline","kind":"complaint","subject":"加油机计量不准","description":"加油站少加油","requester":{"phone":"13900000001"}}'
post() { # KEY BODY OUTFILE: prints the status
  curl -s -o "$3" -D "$3.h" -w '%{http_code}' -H "$(auth_as op001)" -H "Idempotency-Key: $1" \
    --data-binary "$2" "$H_INTAKE_URL/api/v1/cases"
}

assert_eq 201 "$(post key-1 "$body" "$H_DIR/first")" "first"
assert_eq 201 "$(post key-1 "$body" "$H_DIR/again")" "retry"
# same_case FIRST AGAIN: the replay is the first answer without the code.
same_case() {
  local code
  code=$(jq -r .query_code "$1")
  [[ "$code" =~ ^[2-9A-HJ-NP-Z]{8}$ ]] || fail "the first answer has the query code: $(cat "$1")"
  assert_eq "$(jq -c 'del(.query_code)' "$1")" "$(jq -c 'del(.query_code, .query_code_notice)' "$2")" "the same response but the code"
  assert_eq null "$(jq .query_code "$2")" "the replay does not show the code again"
  assert_contains "$(jq -r .query_code_notice "$2")" "只在首次受理时显示一次" "and says it was shown once"
  assert_not_contains "$(cat "$2")" "$code" "the code is nowhere in the replay"
  assert_eq 0 "$(psql_q "SELECT count(*) FROM idempotency_keys WHERE response ? 'query_code' OR response::text LIKE '%$code%'")" "the code is not stored with the key"
}
same_case "$H_DIR/first" "$H_DIR/again"
assert_contains "$(cat "$H_DIR/again.h")" "Idempotent-Replayed: true" "marked as a replay"
assert_eq 1 "$(psql_q "SELECT count(*) FROM cases")" "one case"

other='{"channel":"hotline","kind":"complaint","subject":"另一件事","description":"完全不同"}'
assert_eq 409 "$(post key-1 "$other" "$H_DIR/conflict")" "another body, same key"
assert_contains "$(cat "$H_DIR/conflict")" "Idempotency-Key" "conflict explained"
assert_eq 1 "$(psql_q "SELECT count(*) FROM cases")" "still one case"

# The key belongs to the staff member: another operator's same key is theirs.
status=$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth_as op002)" -H "Idempotency-Key: key-1" \
  --data-binary "$body" "$H_INTAKE_URL/api/v1/cases")
assert_eq 201 "$status" "another operator's key"
assert_eq 2 "$(psql_q "SELECT count(*) FROM cases")" "their own case"

# 20 retries racing, in parallel.
pids=()
for i in $(seq 1 20); do
  post race "$body" "$H_DIR/race.$i" > "$H_DIR/race.$i.status" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
numbers=$(for i in $(seq 1 20); do
  [[ "$(cat "$H_DIR/race.$i.status")" == 201 ]] || fail "race $i got $(cat "$H_DIR/race.$i.status")"
  jq -r .case_number "$H_DIR/race.$i" # (not a grep: the query code may hold "DB")
done | sort -u)
assert_eq 1 "$(echo "$numbers" | wc -l)" "all 20 retries got one case number"
assert_eq 3 "$(psql_q "SELECT count(*) FROM cases")" "the race made one case"
three_messages() { [[ "$(psql_q "SELECT count(*) FROM outbox")" == 3 ]]; } # (triage away: see case_handoffs.sh)
wait_until 5 three_messages
sleep 0.5 # and no fourth
assert_eq 3 "$(psql_q "SELECT count(*) FROM outbox")" "and one message for triage"

# The public endpoint honours keys too, per client address.
pub='{"channel":"web","kind":"enquiry","subject":"许可","description":"d"}'
pub_post() { # FROM KEY BODY OUTFILE: prints the status
  curl -s -o "$4" -D "$4.h" -w '%{http_code}' --interface "$1" -H "Idempotency-Key: $2" \
    --data-binary "$3" "$H_INTAKE_URL/api/v1/public/cases"
}
assert_eq 201 "$(pub_post 127.0.0.1 pub-1 "$pub" "$H_DIR/a")" "public case"
assert_eq 201 "$(pub_post 127.0.0.1 pub-1 "$pub" "$H_DIR/b")" "public retry"
same_case "$H_DIR/a" "$H_DIR/b"
assert_contains "$(cat "$H_DIR/b.h")" "Idempotent-Replayed: true" "public replay marked"
assert_eq 4 "$(psql_q "SELECT count(*) FROM cases")" "one public case"
# Someone else who learnt the key: from another address, the same key and
# body make their own case (with its own code), another body no conflict.
assert_eq 201 "$(pub_post 127.0.0.2 pub-1 "$pub" "$H_DIR/c")" "the same key from another address"
assert_not_contains "$(cat "$H_DIR/c.h")" "Idempotent-Replayed" "not a replay of another client's answer"
assert_ne "$(jq -r .case_number "$H_DIR/a")" "$(jq -r .case_number "$H_DIR/c")" "their own case"
[[ "$(jq -r .query_code "$H_DIR/c")" =~ ^[2-9A-HJ-NP-Z]{8}$ ]] || fail "with its own code: $(cat "$H_DIR/c")"
assert_eq 201 "$(pub_post 127.0.0.3 pub-1 '{"channel":"web","kind":"enquiry","subject":"别的","description":"e"}' "$H_DIR/d")" "another body from a third address"
assert_eq 6 "$(psql_q "SELECT count(*) FROM cases")" "each client its case"
assert_eq "3|3|0" "$(psql_q "SELECT count(*), count(DISTINCT scope), count(*) FILTER (WHERE scope NOT LIKE 'public:%' OR scope LIKE '%127.0.0%') FROM idempotency_keys WHERE key = 'pub-1'")" \
  "one scope per address, the address kept only hashed"
assert_eq 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth_as op001)" -H "Idempotency-Key: $(head -c 200 /dev/zero | tr '\0' k)" --data-binary "$body" "$H_INTAKE_URL/api/v1/cases")" "overlong key refused"
# References the database does not check (075).
assert_ne 0 "$(psql_q "SELECT count(case_id) FROM idempotency_keys")" "keys with their case"
assert_references_hold
echo "PASS intake_idempotency"
