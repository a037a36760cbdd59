# Requester fingerprints are keyed: what names the Redis duplicate keys and
# travels on the bus is the HMAC-SHA-256 of the phone's digits under the
# deployment's secret (secrets_dir/fingerprint.key, made by dubanctl setup,
# kept by every later setup), not the public-salt SHA-256 that a search over
# phone numbers reversed in about a second. Services refuse to start without
# the key, saying why.
export DUBAN_OUTBOX_RESEND_MS=300 # a message sent while triage was away goes again soon
source "$(dirname "$0")/../lib/harness.sh"
harness_init fingerprint_key
harness_start intake triage dispatch

key_file=$H_DIR/secrets/fingerprint.key
[[ -f "$key_file" ]] || fail "dubanctl setup made no $key_file"
assert_eq 600 "$(stat -c %a "$key_file")" "the key file is private"
assert_eq 700 "$(stat -c %a "$H_DIR/secrets")" "the secrets folder is private"
key=$(<"$key_file")
[[ "$key" =~ ^[0-9a-f]{64}$ ]] || fail "the key is not 64 hex digits: $key"
harness_ctl setup > /dev/null
assert_eq "$key" "$(<"$key_file")" "a second setup keeps the key"

# Triage away, the message waits in the outbox (once triage applies it, its
# acknowledgement deletes it): what travels on the bus can be read there.
harness_stop triage
n=$(harness_ctl submit --operator op001 --kind complaint --subject 加油机少油 \
  --description 加油站加油机计量不准 --category metrology --phone '138-0000-5555')
on_bus() { psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage' AND case_number = '$n'
  AND position(convert_to('$1', 'UTF8') IN body) > 0"; }
stored() { [[ -n "$(psql_q "SELECT 1 FROM outbox WHERE destination = 'triage' AND case_number = '$n'")" ]]; }
wait_until 5 stored # written by intake's hand-off (case_handoffs.sh)
body=$(psql_q "SELECT encode(body, 'hex') FROM outbox WHERE destination = 'triage' AND case_number = '$n'")
[[ -n "$body" ]] || fail "the message to triage waits in the outbox"
harness_start triage
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$n'")" == dispatched ]]; }
wait_until 10 dispatched
redis_key=$(redis_q --scan --pattern "${H_REDIS_PREFIX}dup:*:metrology")
fp=${redis_key#"${H_REDIS_PREFIX}dup:"}
fp=${fp%:metrology}
[[ "$fp" =~ ^[0-9a-f]{64}$ ]] || fail "no fingerprint in the redis key '$redis_key'"

# It is the keyed HMAC of the digits (computed here by PostgreSQL's pgcrypto)...
psql_q "CREATE EXTENSION IF NOT EXISTS pgcrypto" > /dev/null
assert_eq "$fp" "$(psql_q "SELECT encode(hmac('13800005555', decode('$key', 'hex'), 'sha256'), 'hex')")" \
  "the fingerprint is HMAC-SHA-256(key, digits)"
# ... and the message on the bus carries it, not the old salted hash.
old=$(printf 'duban-requester:13800005555' | sha256sum | cut -d' ' -f1)
assert_ne "$old" "$fp" "not the old salted SHA-256"
on_bus() { psql_q "SELECT count(*) WHERE position(convert_to('$1', 'UTF8') IN decode('$body', 'hex')) > 0"; }
assert_eq 1 "$(on_bus "$fp")" "CaseReceived carries the keyed fingerprint"
assert_eq 0 "$(on_bus "$old")" "and not the salted hash"

# Without the key, hashing phone numbers finds nothing; the old scheme was
# found by the same search over these 100,000 numbers.
search() { # HASH_EXPRESSION_OF_n: how many numbers around the real one hash to the fingerprint
  psql_q "SELECT count(*) FROM generate_series(13800000000, 13800099999) n WHERE $1 = '$2'"
}
assert_eq 1 "$(search "encode(sha256(convert_to('duban-requester:' || n, 'UTF8')), 'hex')" "$old")" \
  "the search does find a salted hash"
assert_eq 0 "$(search "encode(sha256(convert_to('duban-requester:' || n, 'UTF8')), 'hex')" "$fp")" \
  "the keyed fingerprint is not a salted hash of any of them"
assert_eq 0 "$(search "encode(sha256(convert_to(n::text, 'UTF8')), 'hex')" "$fp")" \
  "nor a plain hash"
assert_eq 0 "$(search "encode(hmac(convert_to(n::text, 'UTF8'), decode(repeat('00', 32), 'hex'), 'sha256'), 'hex')" "$fp")" \
  "nor an HMAC under another key"

# Each service that computes fingerprints refuses to start without the key,
# or with one that is not a key, and says what to do.
harness_stop intake
harness_stop triage
harness_stop dispatch
mv "$key_file" "$H_DIR/key.saved"
refused() { # SVC WHY
  local rc=0 out
  out=$(timeout 20 "$DUBAN_BIN_DIR/duban-$1" --config "$H_CONF" 2>&1) || rc=$?
  assert_eq 1 "$rc" "duban-$1 exit status without a usable key ($2)"
  assert_contains "$out" "msg=\"cannot start without the requester fingerprint key: run dubanctl setup, which makes it, or copy it from another host of this deployment\" file=$key_file reason=" "duban-$1 says why ($2)"
  assert_contains "$out" "file=$key_file reason=\"$2\"" "duban-$1 names the problem"
  assert_contains "$out" "run dubanctl setup" "duban-$1 says what to do"
}
for svc in intake triage dispatch; do refused "$svc" "No such file or directory"; done
printf '%s\n' "${key:0:40}" > "$key_file"
chmod 600 "$key_file"
for svc in intake triage dispatch; do refused "$svc" "not 64 hex digits"; done
set +e
out=$(harness_ctl setup 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "setup refuses to replace a damaged key"
assert_contains "$out" "is not a fingerprint key" "and says so"
assert_eq "${key:0:40}" "$(<"$key_file")" "the damaged key is left for the operator"
mv "$H_DIR/key.saved" "$key_file"
harness_start intake triage dispatch
echo "PASS fingerprint_key"
