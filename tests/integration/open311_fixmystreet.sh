# Open311 as FixMyStreet speaks it: tests/lib/open311_client.py is an
# Open311 client written after FixMyStreet's (form-encoded POSTs with
# attribute[code]=, CRLF line ends, '+' for spaces, zones as %2B08%3A00,
# XML read with a real XML parser) and files a request, polls it through
# the whole workflow, posts a citizen's update twice with the same
# update_id, asks for a reopen after closure, follows a duplicate, and
# reads servicerequestupdates in a two-hour window, by pages, newest first.
export DUBAN_INTAKE_PUBLIC_LOOKUPS_PER_MINUTE=100000
export DUBAN_INTAKE_OPEN311_JURISDICTIONS=zjzj.gov.cn
source "$(dirname "$0")/../lib/harness.sh"
harness_init open311_fixmystreet
harness_start

out=$(harness_ctl open311 add-client fixmystreet --json)
[[ "$out" =~ \"api_key\":\ *\"(o311_[0-9a-f]{64})\" ]] || fail "no api_key in: $out"
harness_ctl open311 add-client other-client > "$H_DIR/other.key"

export OPEN311_ENDPOINT=$H_INTAKE_URL/open311/v2/ OPEN311_API_KEY=${BASH_REMATCH[1]}
export OPEN311_OTHER_KEY=$(cat "$H_DIR/other.key") OPEN311_JURISDICTION=zjzj.gov.cn
export DUBANCTL="$DUBAN_BIN_DIR/dubanctl --config $H_CONF"
since=$(TZ=Asia/Shanghai date -d '-1 minute' +%Y-%m-%dT%H:%M:%S+08:00)
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/lib/open311_client.py" || fail "the FixMyStreet-like client failed"

# The follow-up reached the lead division's console and the first
# responder through dispatch's relay (a console destination is delivered
# once sent).
sent() {
  [[ "$(psql_q "SELECT count(*) FROM outbox WHERE producer = 'intake' AND destination = 'console' AND delivered_at IS NULL")" == 0 ]]
}
wait_until 20 sent
assert_eq 2 "$(psql_q "SELECT count(*) FROM outbox WHERE producer = 'intake' AND topic = 'div.metrology|' AND msg_type = 24")" \
  "a notice of each follow-up (the update, the reopen request) to the lead division"
# The inspection office reads the reopen request among its notices.
notices=$(curl -s -H "$(auth_as insp001)" -G --data-urlencode inspection=1 --data-urlencode "since=$since" \
  "$H_INTAKE_URL/api/v1/notices")
assert_contains "$notices" '"event":"reopen_requested"' "the reopen request among the inspection office's notices"
grep -q "open311 update replayed" "$H_DIR/intake.log" || fail "the replay is not logged"
echo "PASS open311_fixmystreet"
