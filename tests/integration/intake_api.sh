# intake's HTTP API against real PostgreSQL: a hotline case is accepted with
# the fields the hotline desk needs; every kind of bad input gets a 4xx
# problem+json naming the field, and nothing stored changes.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_api
harness_start intake

# post BODY [CURL_ARGS...]: as operator op002; prints the HTTP status; the body
# lands in $H_DIR/body.
post() {
  curl -s -o "$H_DIR/body" -D "$H_DIR/headers" -w '%{http_code}' -H "$(auth_as op002)" \
    -H 'Content-Type: application/json' --data-binary "$1" "${@:2}" "$H_INTAKE_URL/api/v1/cases"
}

good='{"channel":"hotline","kind":"complaint","subject":"电梯异响","description":"小区3号楼电梯运行时异响","requester":{"name":"张三","phone":"13800001111"},"first_responder":"op002"}'
assert_eq 201 "$(post "$good")" "hotline case accepted"
body=$(cat "$H_DIR/body")
[[ "$body" =~ \"case_number\":\ ?\"(DB[0-9]{14})\" ]] || fail "no case number in $body"
case_number=${BASH_REMATCH[1]}
[[ "$body" =~ \"query_code\":\ ?\"[2-9A-HJ-NP-Z]{8}\" ]] || fail "no query code in $body"
[[ "$body" =~ \"state\":\ ?\"received\" ]] || fail "new case state: $body"
[[ "$body" =~ \"first_responder\":\ ?\"op002\" ]] || fail "operator is first responder: $body"
assert_contains "$(cat "$H_DIR/headers")" "Location: /api/v1/cases/$case_number" "location header"
assert_eq "op002|张三|13800001111|received|op002" \
  "$(psql_q "SELECT first_responder, requester_name, requester_phone, state, recorded_by FROM cases WHERE case_number = '$case_number'")" \
  "stored row"
# (triage is not running: the socket refuses the message, and intake's
# hand-off writes it to the outbox)
in_outbox() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE case_number = '$case_number' AND destination = 'triage'")" == 1 ]]; }
wait_until 5 in_outbox
assert_eq 1 "$(psql_q "SELECT count(*) FROM case_handoffs h JOIN cases c ON c.id = h.case_id
  WHERE c.case_number = '$case_number'")" "listed as waiting for triage, committed with the case"

# The case with its timeline.
status=$(curl -s -o "$H_DIR/case" -w '%{http_code}' -H "$(auth_as op002)" "$H_INTAKE_URL/api/v1/cases/$case_number")
assert_eq 200 "$status" "GET case"
assert_contains "$(cat "$H_DIR/case")" '"type":"received"' "timeline has the receipt"
assert_contains "$(cat "$H_DIR/case")" '"subject":"电梯异响"' "UTF-8 survives the round trip"

# A letter entered by the clerk gets its first responder from the on-duty roster.
status=$(curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as clerk001)" --data-binary \
  '{"channel":"letter","kind":"enquiry","subject":"许可证怎么办理","description":"想了解生产许可证流程"}' \
  "$H_INTAKE_URL/api/v1/cases")
assert_eq 201 "$status" "letter case"
[[ "$(cat "$H_DIR/body")" =~ \"first_responder\":\ ?\"op00[123]\" ]] || fail "letter got no on-duty first responder: $(cat "$H_DIR/body")"

cases_before=$(psql_q "SELECT count(*) FROM cases")
outbox_before=$(psql_q "SELECT count(*) FROM outbox")
events_before=$(psql_q "SELECT count(*) FROM case_events")

# refused STATUS FIELD BODY: the body is refused with STATUS and a problem naming FIELD.
refused() {
  local want=$1 field=$2 got
  got=$(post "$3")
  assert_eq "$want" "$got" "status for $3"
  assert_contains "$(cat "$H_DIR/headers")" "application/problem+json" "problem content type"
  assert_contains "$(cat "$H_DIR/body")" "\"status\":$want" "problem status"
  if [[ -n "$field" ]]; then
    assert_contains "$(cat "$H_DIR/body")" "\"field\":\"$field\"" "problem names the field"
  fi
}

refused 400 "" 'this is not json'
refused 400 "" '[1,2,3]'
# A parse error says where, without quoting the body: the bytes at fault may
# be a requester's number, and the detail reaches the log.
refused 400 "" '{"channel":"web","requester":{"phone":"13912345678"} 13987654321}'
assert_contains "$(cat "$H_DIR/body")" "(line 1, column" "the parse error says where"
assert_not_contains "$(cat "$H_DIR/body")" "13987654321" "without quoting the body"
assert_not_contains "$(cat "$H_DIR/intake.log")" "13987654321" "nor does the log"
refused 400 channel '{"kind":"complaint","subject":"s","description":"d"}'
refused 400 kind '{"channel":"web","subject":"s","description":"d"}'
refused 400 subject '{"channel":"web","kind":"complaint","subject":"","description":"d"}'
refused 400 description '{"channel":"web","kind":"complaint","subject":"s","description":42}'
refused 400 requester '{"channel":"web","kind":"complaint","subject":"s","description":"d","requester":[1]}'
refused 400 requester.phone '{"channel":"web","kind":"complaint","subject":"s","description":"d","requester":{"phone":"no number"}}'
refused 400 colour '{"channel":"web","kind":"complaint","subject":"s","description":"d","colour":"red"}'
refused 422 category '{"channel":"web","kind":"complaint","subject":"s","description":"d","category":"weather"}'
refused 422 division '{"channel":"web","kind":"complaint","subject":"s","description":"d","division":"ministry"}'
refused 422 channel '{"channel":"fax","kind":"complaint","subject":"s","description":"d"}'
refused 422 first_responder '{"channel":"hotline","kind":"complaint","subject":"s","description":"d","first_responder":"nobody"}'

# Invalid UTF-8.
printf '{"channel":"web","kind":"complaint","subject":"\xff\xfe","description":"d"}' > "$H_DIR/bad-utf8"
status=$(curl -s -o "$H_DIR/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  -H "$(auth_as op002)" --data-binary "@$H_DIR/bad-utf8" "$H_INTAKE_URL/api/v1/cases")
assert_eq 400 "$status" "invalid UTF-8"
assert_contains "$(cat "$H_DIR/body")" "UTF-8" "error says UTF-8"

# A body over the limit (64 KiB): JSON error; far over it: refused by the HTTP layer.
head -c 70000 /dev/zero | tr '\0' 'a' > "$H_DIR/big"
status=$(curl -s -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as op002)" --data-binary "@$H_DIR/big" "$H_INTAKE_URL/api/v1/cases")
assert_eq 413 "$status" "oversize body"
assert_contains "$(cat "$H_DIR/body")" "larger than" "oversize explained"
head -c 400000 /dev/zero | tr '\0' 'a' > "$H_DIR/huge"
status=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$H_DIR/huge" "$H_INTAKE_URL/api/v1/cases")
assert_eq 413 "$status" "huge body"

# Wrong method, unknown case, unknown endpoint.
assert_eq 405 "$(curl -s -o /dev/null -I -w '%{http_code}' "$H_INTAKE_URL/api/v1/cases")" "HEAD on the collection"
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/api/v1/cases?q=x")" \
  "GET on the collection searches, as staff only"


# dubanctl reports a refusal with the field and exit status 1.
set +e
out=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject s --description d --category weather 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "dubanctl exit status on refusal"
assert_contains "$out" "field category" "dubanctl names the field"

# Nothing stored changed.
assert_eq "$cases_before" "$(psql_q "SELECT count(*) FROM cases")" "no case added by bad input"
assert_eq "$outbox_before" "$(psql_q "SELECT count(*) FROM outbox")" "no message added by bad input"
assert_eq "$events_before" "$(psql_q "SELECT count(*) FROM case_events")" "no event added by bad input"

# intake is still healthy after all that.
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/healthz")" "intake healthy"
echo "PASS intake_api"
