# Behind reverse proxies every request comes from a proxy's address: the
# public rate limit, public idempotency keys, the watch list and the sign-in
# record must still see each client. X-Forwarded-For is believed only from
# the proxies in trusted_proxies, and only as far as them: a client's own
# entries cannot choose the address it is counted as.
#   127.0.0.2  a balancer / TLS proxy (trusted by intake and by duban-web)
#   127.0.0.1  duban-web itself (trusted by intake, as tools/up writes it)
#   127.0.0.3  a client that calls intake directly (trusted by nobody)
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=3
export DUBAN_INTAKE_TRUSTED_PROXIES="127.0.0.1, 127.0.0.2/32"
export DUBAN_WEB_TRUSTED_PROXIES=127.0.0.2
source "$(dirname "$0")/../lib/harness.sh"
harness_init trusted_proxies
printf 'op001-secret-1\n' | harness_ctl staff passwd op001 --stdin > /dev/null
harness_start

BALANCER=127.0.0.2
STRANGER=127.0.0.3
n=0
# public FROM XFF: a public JSON submission from source address FROM with
# X-Forwarded-For XFF ("" for none); prints the status.
public() {
  n=$((n + 1))
  local xff=()
  [[ -n "$2" ]] && xff=(-H "X-Forwarded-For: $2")
  curl -s -o "$H_DIR/r" -w '%{http_code}' --interface "$1" "${xff[@]}" \
    -H 'Content-Type: application/json' \
    --data-binary "{\"channel\":\"web\",\"kind\":\"complaint\",\"subject\":\"代理后 $n\",\"description\":\"d\"}" \
    "$H_INTAKE_URL/api/v1/public/cases"
}
# codes FROM XFF COUNT: the statuses of COUNT submissions, space-separated.
codes() {
  local out=""
  for _ in $(seq 1 "$3"); do out+="$(public "$1" "$2") "; done
  echo "${out% }"
}

# The watch list flags cases by the client's address: it shows whom intake
# took each case to come from (the balancer is listed too, and must never be).
for ip in 198.51.100.7 198.51.100.9 $BALANCER 203.0.113.20 6.6.6.6; do
  harness_ctl watchlist add --ip $ip --reason 测试 > /dev/null
done
flagged() { psql_q "SELECT count(*) FROM cases WHERE flagged"; }

# --- Each client behind the balancer has its own allowance.
wait_until 60 minute_has_room
assert_eq "201 201 201 429" "$(codes $BALANCER 198.51.100.7 4)" "the first client is limited after 3"
assert_eq 3 "$(flagged)" "its cases are taken to come from it"
assert_eq "201" "$(codes $BALANCER 198.51.100.8 1)" "a second client behind the same balancer is not"
assert_eq "201" "$(codes $BALANCER '198.51.100.7, 198.51.100.10' 1)" \
  "a client writing another's address to the left is counted as itself"
assert_eq "429" "$(codes $BALANCER '198.51.100.10, 127.0.0.2, 198.51.100.7' 1)" \
  "and the rightmost untrusted address is the client, whatever stands left of it"
assert_eq 3 "$(flagged)" "no other case was taken for a listed address"

# --- A caller that is not a trusted proxy is counted as itself.
assert_eq "201 201 201 429" "$(codes $STRANGER 198.51.100.9 4)" "an untrusted caller's header is ignored"
assert_eq 3 "$(flagged)" "its cases are not taken for the address it named"
assert_eq "201" "$(codes $BALANCER 198.51.100.9 1)" \
  "so the address it named has its whole allowance left"
assert_eq 4 "$(flagged)" "and its case from behind the balancer is its own"
assert_contains "$(cat "$H_DIR/intake.log")" 'msg="rate limited" peer=198.51.100.0/24' \
  "the log names the client's network, not the balancer's"

# --- Public idempotency keys belong to the client, not to the balancer.
keyed() { # XFF KEY: prints the case number
  curl -s --interface $BALANCER -H "X-Forwarded-For: $1" -H "Idempotency-Key: $2" \
    -H 'Content-Type: application/json' \
    --data-binary '{"channel":"web","kind":"enquiry","subject":"许可","description":"d"}' \
    "$H_INTAKE_URL/api/v1/public/cases" | jq -r .case_number
}
k1=$(keyed 198.51.100.30 pub-1)
[[ "$k1" == DB* ]] || fail "no case number for a keyed submission: $k1"
assert_eq "$k1" "$(keyed 198.51.100.30 pub-1)" "the same client's retry is the same case"
assert_ne "$k1" "$(keyed 198.51.100.31 pub-1)" "another client's same key is its own case"

# --- Through a TLS proxy and duban-web to intake: the sign-in and the
# case record the browser's address; web tells intake only what it checked.
W=$H_WEB_URL
jar=$H_DIR/jar
assert_eq 200 "$(curl -s -o "$H_DIR/r" -w '%{http_code}' -c "$jar" --interface $BALANCER \
  -H 'X-Forwarded-For: 6.6.6.6, 203.0.113.20' -H "Origin: $W" -H 'Content-Type: application/json' \
  --data-binary '{"staff":"op001","password":"op001-secret-1"}' "$W/web/signin")" "signed in through the proxy"
csrf=$(jq -r .csrf "$H_DIR/r")
assert_eq 203.0.113.20 "$(psql_q "SELECT peer FROM staff_sessions WHERE staff = 'op001'")" \
  "the session records the browser's address"
staff_case() { # FROM XFF: files a case through duban-web; prints its number
  local xff=()
  [[ -n "$2" ]] && xff=(-H "X-Forwarded-For: $2")
  curl -s -b "$jar" --interface "$1" "${xff[@]}" -H "Origin: $W" -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' \
    --data-binary '{"channel":"hotline","kind":"complaint","subject":"来电 代理","description":"d"}' \
    "$W/api/v1/cases" | jq -r .case_number
}
is_flagged() { psql_q "SELECT flagged FROM cases WHERE case_number = '$1'"; }
c1=$(staff_case $BALANCER '6.6.6.6, 203.0.113.20')
[[ "$c1" == DB* ]] || fail "no case number through the web: $c1"
assert_eq t "$(is_flagged "$c1")" "intake sees the browser's address through the proxy and duban-web"
c2=$(staff_case $BALANCER '203.0.113.20, 203.0.113.21')
assert_eq f "$(is_flagged "$c2")" "and not what a browser wrote to the left of its own"
c3=$(staff_case 127.0.0.1 '6.6.6.6')
[[ "$c3" == DB* ]] || fail "no case number from a direct caller of the web: $c3"
assert_eq f "$(is_flagged "$c3")" "duban-web believes no header from a caller it does not trust"

# --- A list that is not addresses stops the service at start, naming it.
harness_stop intake
rc=0
DUBAN_INTAKE_TRUSTED_PROXIES="10.0.1.11, proxy.example" \
  timeout 30 "$DUBAN_BIN_DIR/duban-intake" --config "$H_CONF" > "$H_DIR/bad.out" 2>&1 || rc=$?
assert_ne 0 "$rc" "intake does not start with a bad list"
assert_ne 124 "$rc" "it stops at once rather than running"
assert_contains "$(cat "$H_DIR/bad.out")" 'trusted proxies are not addresses' "the refusal is logged"
assert_contains "$(cat "$H_DIR/bad.out")" 'proxy.example' "naming the entry"
echo "PASS trusted_proxies"
