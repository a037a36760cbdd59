# Rule 1: a client that retries with the same Idempotency-Key gets the same
# case and the same response, never a second case, also when 20 retries
# race in parallel; another body under the same key is a conflict (409).
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
assert_eq "$(cat "$H_DIR/first")" "$(cat "$H_DIR/again")" "the same response"
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
  grep -o 'DB[0-9]*' "$H_DIR/race.$i"
done | sort -u)
assert_eq 1 "$(echo "$numbers" | wc -l)" "all 20 retries got one case number"
assert_eq 3 "$(psql_q "SELECT count(*) FROM cases")" "the race made one case"
assert_eq 3 "$(psql_q "SELECT count(*) FROM outbox")" "and one message for triage"

# The public endpoint honours keys too.
pub='{"channel":"web","kind":"enquiry","subject":"许可","description":"d"}'
a=$(curl -s -H 'Idempotency-Key: pub-1' --data-binary "$pub" "$H_INTAKE_URL/api/v1/public/cases")
b=$(curl -s -H 'Idempotency-Key: pub-1' --data-binary "$pub" "$H_INTAKE_URL/api/v1/public/cases")
assert_eq "$a" "$b" "public retry answered the same"
assert_eq 4 "$(psql_q "SELECT count(*) FROM cases")" "one public case"
assert_eq 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth_as op001)" -H "Idempotency-Key: $(head -c 200 /dev/zero | tr '\0' k)" --data-binary "$body" "$H_INTAKE_URL/api/v1/cases")" "overlong key refused"
echo "PASS intake_idempotency"
