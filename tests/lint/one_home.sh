# One home per shared concept: what two services need lives once in common/,
# and the C sources do not spell it out again. Reads the sources only.
#   - outbox rows are written only through OUTBOX_INSERT (common/outbox.h),
#     with a message type named from the proto (OUTBOX_MSG) or a parameter;
#   - microseconds <-> timestamptz only through common/pg_time.h;
#   - socket options only through bus_setsockopt (common/bus.c), checked;
#   - a phone number's digits only through common/phone.h (PHONE_DIGITS_SQL,
#     phone_digits), so duplicates, callers and search compare one form;
#   - no Redis pending-task sets (dispatch_index, which nothing read);
#   - requester fingerprints only from common/fingerprint.c (keyed), never
#     the public-salt hash that intake, triage and dispatch each computed.
set -eu
src=${DUBAN_SOURCE_DIR:?run through ctest (tools/test)}
cd "$src"
bad=0
# check MESSAGE FOUND: fails the test when FOUND (the offending lines) is not empty.
check() {
  if [[ -n "$2" ]]; then
    printf 'FAIL: %s:\n%s\n' "$1" "$2" >&2
    bad=1
  fi
}
mapfile -t files < <(find common services tools -name '*.[ch]' | sort)
((${#files[@]} > 50)) || { echo "FAIL: found only ${#files[@]} C sources" >&2; exit 1; }

check "outbox rows written outside OUTBOX_INSERT" \
  "$(grep -n -i 'INSERT INTO outbox' "${files[@]}" | grep -v '^common/outbox\.h:' || true)"
# The fourth argument of every OUTBOX_INSERT: OUTBOX_MSG(NAME) or "$n::int".
uses=$(sed 's/\\$//' "${files[@]}" | tr '\n' ' ' | tr -s ' ' |
  grep -o 'OUTBOX_INSERT("[^,]*", *"[^,]*", *"[^,]*", *[^,]*,' | grep -v 'OUTBOX_INSERT(producer' || true)
(($(grep -c . <<<"$uses") >= 16)) || check "expected the outbox writers" "found only: $uses"
check "message types not named from the proto" \
  "$(grep -v -E ', *(OUTBOX_MSG\([A-Z_]+\)|"\$[0-9]+::int"),$' <<<"$uses" || true)"

check "microsecond/timestamptz conversions outside common/pg_time.h" \
  "$(grep -n -E "to_timestamp\([^)]*1000000|extract\(epoch FROM [^\"]*\) \* 1000000|'epoch'::timestamptz|timestamptz 'epoch'" \
    "${files[@]}" | grep -v '^common/pg_time\.h:' || true)"

check "zmq_setsockopt called directly (use BUS_SETSOCKOPT, which checks and logs)" \
  "$(grep -n 'zmq_setsockopt(' "${files[@]}" | grep -v -E '^common/bus\.[ch]:' || true)"

check "phone digits taken outside common/phone.h (use PHONE_DIGITS_SQL or phone_digits)" \
  "$(grep -n -F "'[^0-9]', ''" "${files[@]}" | grep -v '^common/phone\.h:' || true)"

check "dispatch_index is back" "$(find services -name 'dispatch_index.*')"
check "a Redis pending-task set" "$(grep -n -E '"[^"]*pending:' "${files[@]}" || true)"

check "requester fingerprints computed outside common/fingerprint.c" \
  "$(grep -n -E 'duban-requester|crypto_auth_hmacsha256|sha256\([^)]*requester_phone' "${files[@]}" |
    grep -v '^common/fingerprint\.[ch]:' || true)"

((bad == 0)) || exit 1
echo "PASS one_home"
