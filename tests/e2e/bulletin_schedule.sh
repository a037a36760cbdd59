# Scheduled bulletins, exactly once across two duban-bulletin instances.
# Both run on a clock steered to Sat 2017-04-01 09:00:30 +08:00: a make-up
# working day, so the first working day after March and the first quarter
# ended, past the schedule's 09:00. Each instance checks every 0.3 s and
# finds four periods due (March 2017, 2017-Q1, and, for the half-year and
# the year, 2016-H2 and 2016, due on Tue 2017-01-03). Together they must
# publish each once: one record, one set of files, one BulletinPublished on
# ZeroMQ, one set of re-check tasks. The second instance is started by hand
# on its own ports and stopped at the end; it must exit 0.
export DUBAN_LOG_LEVEL=info
source "$(dirname "$0")/../lib/harness.sh"
harness_init bulletin_schedule
out=$(harness_ctl import-history "$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_2017q1.json" 2>&1)
assert_contains "$out" "imported 21," "ledger imported"

target=$(date -d '2017-04-01T09:00:30+08:00' +%s)
export DUBAN_CLOCK_OFFSET_S=$((target - $(date +%s)))
export DUBAN_BULLETIN_CHECK_MS=300

# --- A subscriber on both instances' PUB sockets, before they start.
duban_reserve_ports 3 b2 || fail "no free ports for the second instance"
second_health=http://127.0.0.1:$b2/healthz
second_pub=tcp://127.0.0.1:$((b2 + 1))
harness_ctl bulletin follow --pub "$H_BULLETIN_PUB" --pub "$second_pub" --count 4 --for 60 \
  > "$H_DIR/follow.json" 2> "$H_DIR/follow.err" &
follow_pid=$!
harness_kill_on_exit "$follow_pid"
sleep 0.5

# --- The second instance by hand (own health, PUB and console ports, own
#     folder), then the harness's, at once.
DUBAN_BULLETIN_HEALTH=127.0.0.1:$b2 DUBAN_BULLETIN_PUB=$second_pub \
  DUBAN_BULLETIN_CONSOLE=tcp://127.0.0.1:$((b2 + 2)) \
  DUBAN_BULLETIN_OUT_DIR=$H_DIR/bulletins2 \
  "$DUBAN_BIN_DIR/duban-bulletin" --config "$H_CONF" >> "$H_DIR/bulletin2.log" 2>&1 < /dev/null &
second_pid=$!
harness_kill_on_exit "$second_pid" KILL
harness_start bulletin
duban_wait_http "$second_health" 30 "$second_pid" "$H_DIR/bulletin2.log" duban-bulletin#2 ||
  fail "second bulletin instance did not start"

count() { psql_q "SELECT count(*) FROM $1"; }
four() { [[ "$(count bulletins)" == 4 ]]; }
wait_until 30 four
sleep 2 # several more checks by both instances: nothing more may happen

assert_eq "half 2016-H2 schedule,month 2017-03 schedule,quarter 2017-Q1 schedule,year 2016 schedule" \
  "$(psql_q "SELECT string_agg(kind || ' ' || label || ' ' || trigger, ',' ORDER BY kind) FROM bulletins")" \
  "the four due periods, each once"
assert_eq 4 "$(count "outbox WHERE destination = 'bulletin' AND producer = 'bulletin'")" "one message each"
assert_eq 0 "$(count "outbox WHERE destination = 'bulletin' AND sent_at IS NULL")" "all relayed"
assert_eq 4 "$(count "bulletin_rechecks WHERE period = '2017-03'")" "one set of re-check tasks"
# The months the four read from the rows are frozen by the service (the
# year 2016 reads 2015 and 2016, the quarter the months to March 2017).
frozen() { [[ "$(count bulletin_months)" == 27 ]]; }
wait_until 10 frozen
assert_eq "2015-01 2017-03" "$(psql_q "SELECT to_char(min(month_start) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') || ' ' ||
  to_char(max(month_start) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') FROM bulletin_months")" "every month read, frozen"
# Before them, March's days were stored (the days that ended by 1 April),
# each once by one instance or the other.
assert_eq 31 "$(count "bulletin_days WHERE month_start = '2017-03-01T00:00:00+08:00'")" "March's days stored"
assert_eq 31 "$(count "bulletin_days")" "no other day"
published() { curl -fsS "$1" | grep -o '"published": *[0-9]*' | grep -o '[0-9]*$'; }
days_stored() { curl -fsS "$1" | grep -o '"days_stored": *[0-9]*' | grep -o '[0-9]*$'; }
assert_eq 31 "$(($(days_stored "$H_BULLETIN_HEALTH_URL") + $(days_stored "$second_health")))" \
  "each day stored by one instance"
p1=$(published "$H_BULLETIN_HEALTH_URL")
p2=$(published "$second_health")
echo "published: first instance $p1, second instance $p2"
assert_eq 4 "$((p1 + p2))" "each period published by exactly one instance"
files_in() { find "$1" -name '*.json' 2>/dev/null | wc -l; }
assert_eq 4 "$(($(files_in "$H_DIR/bulletins") + $(files_in "$H_DIR/bulletins2")))" \
  "one set of files, written by the instance that published"
assert_eq "$p1" "$(files_in "$H_DIR/bulletins")" "the first instance's files"

# --- Subscribers got each publication once, with the stored digest.
st=0
wait "$follow_pid" || st=$?
assert_eq 0 "$st" "the subscriber got four messages ($(cat "$H_DIR/follow.err"))"
for label in 2017-03 2017-Q1 2016-H2 2016; do
  digest=$(psql_q "SELECT digest FROM bulletins WHERE label = '$label'")
  assert_eq 1 "$(grep -c "\"period\":\"$label\",.*\"digest\":\"$digest\"" "$H_DIR/follow.json")" "BulletinPublished $label"
done

# --- Stop the second instance: it exits 0.
kill -TERM "$second_pid"
st=0
wait "$second_pid" || st=$?
assert_eq 0 "$st" "second instance exits 0 on SIGTERM"

# --- On demand (real clock) the scheduled record is reproduced byte for byte.
unset DUBAN_CLOCK_OFFSET_S
qdigest=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-Q1'")
out=$(harness_ctl bulletin quarter 2017-Q1 2>&1)
assert_contains "$out" "unchanged: digest $qdigest" "on demand = scheduled"
assert_contains "$out" "months: 6 as frozen, 0 from the rows" "composed of the months the service froze"
assert_eq 4 "$(count bulletins)" "no second record"
# March as the service published it, with its days as stored, is March read
# from the rows.
mdigest=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-03'")
out=$(harness_ctl bulletin month 2017-03 --no-files --from-rows 2>&1)
assert_contains "$out" "unchanged: digest $mdigest" "the scheduled month-check = March from the rows"
echo "PASS bulletin_schedule"
