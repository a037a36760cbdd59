# Frozen days (issue 13) when the database refuses to store them: dubanctl
# says so and why, and stores nothing; the bulletin service logs it, stays
# up, and publishes its month-check read from the rows, the same bytes. Once
# allowed again, the days are stored.
export DUBAN_LOG_LEVEL=info
source "$(dirname "$0")/../lib/harness.sh"
harness_init bulletin_days_refused
out=$(harness_ctl import-history "$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_2017q1.json" 2>&1)
assert_contains "$out" "imported 21," "ledger imported"
stored() { psql_q "SELECT count(*) FROM bulletin_days"; }
psql_q "REVOKE EXECUTE ON FUNCTION bulletin_days_freeze(bigint, json) FROM duban_bulletin, duban_admin" > /dev/null

out=$(harness_ctl bulletin days 2017-03 2>&1) && fail "days stored without the right to: $out"
assert_contains "$out" "the days of 2017-03 were not stored" "dubanctl says the days were not stored"
assert_contains "$out" "permission denied" "and why"
assert_eq 0 "$(stored)" "nothing stored"

# The service on 1 April 2017, 09:00:30: March's days have ended, and its
# month-check is due.
export DUBAN_CLOCK_OFFSET_S=$(($(date -d '2017-04-01T09:00:30+08:00' +%s) - $(date +%s)))
export DUBAN_BULLETIN_CHECK_MS=300
harness_start bulletin
march() { [[ "$(psql_q "SELECT count(*) FROM bulletins WHERE label = '2017-03'")" == 1 ]]; }
wait_until 30 march
assert_contains "$(cat "$H_DIR/bulletin.log")" 'msg="could not store the days read" month=2017-03' \
  "the service logged the refusal"
assert_eq 0 "$(stored)" "nothing stored by the service"
curl -fsS "$H_BULLETIN_HEALTH_URL" > /dev/null || fail "the service is still up"
mdigest=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-03'")
out=$(harness_ctl bulletin month 2017-03 --no-files --from-rows 2>&1)
assert_contains "$out" "unchanged: digest $mdigest" "the month-check published = March from the rows"

psql_q "GRANT EXECUTE ON FUNCTION bulletin_days_freeze(bigint, json) TO duban_bulletin, duban_admin" > /dev/null
out=$(harness_ctl bulletin days 2017-03 2>&1)
assert_contains "$out" "days of 2017-03: 31 read from the rows, 31 stored" "allowed again, the days stored"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1)
assert_contains "$out" "unchanged: digest $mdigest" "and the month-check composed with them the same"
echo "PASS bulletin_days_refused"
