# Two watch instances on one database and one Redis: they split the index's
# entries between them, and no alert is raised or published twice: one
# alerts row per (task, deadline, kind, level), one outbox message per alert
# and per repeat, one violation per missed deadline; a console subscribed to
# both instances sees each breach once. Then one instance is stopped (it
# finishes what it had claimed) and the other carries on alone at once.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_two_instances
harness_start

# --- A second instance: same settings, its own health, PUB and console ports.
duban_reserve_ports 3 b2 || fail "no free ports for the second instance"
second_health=http://127.0.0.1:$b2/healthz
second_pub=tcp://127.0.0.1:$((b2 + 1))
DUBAN_WATCH_HEALTH=127.0.0.1:$b2 DUBAN_WATCH_PUB=$second_pub DUBAN_WATCH_CONSOLE=tcp://127.0.0.1:$((b2 + 2)) \
  "$DUBAN_BIN_DIR/duban-watch" --config "$H_CONF" >> "$H_DIR/watch2.log" 2>&1 < /dev/null &
second_pid=$!
harness_kill_on_exit "$second_pid" KILL
duban_wait_http "$second_health" 30 "$second_pid" "$H_DIR/watch2.log" duban-watch#2 || fail "second watch did not start"

"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" alerts --follow --json --for 60 --pub "$H_WATCH_PUB" --pub "$second_pub" \
  > "$H_DIR/follow.json" 2> "$H_DIR/follow.err" &
follow_pid=$!
harness_kill_on_exit "$follow_pid"

n=12
for ((i = 0; i < n; i++)); do
  harness_ctl submit --channel hotline --kind complaint --operator op001 --subject "电子秤$i" \
    --description '缺斤短两' --category metrology > /dev/null
done
count() { psql_q "SELECT count(*) FROM $1"; }
escalated() { [[ "$(count "alerts WHERE kind = 'escalation' AND level = 2")" == "$n" ]]; }
wait_until 20 escalated

# --- Stop the second instance (it must exit cleanly), the first goes on.
# What the first instance had raised until then is the part of its log so far.
first_lines_before_stop=$(wc -l < "$H_DIR/watch.log")
kill -TERM "$second_pid"
st=0
wait "$second_pid" || st=$?
assert_eq 0 "$st" "second instance exits 0 on SIGTERM"
# (having finished what it had claimed: the first would otherwise wait for
# those entries' leases to lapse, WATCH_LEASE_MS, before taking them over)
grep -q "finished, shutting down" "$H_DIR/watch2.log" || fail "the second instance did not finish its claims"
top() { [[ "$(count "alerts WHERE kind = 'escalation' AND level = 3")" == "$n" ]]; }
wait_until 10 top
sleep 2
harness_stop watch # everything is still now
assert_eq 0 "$(redis_q ZCARD "${H_REDIS_PREFIX}watch:lease")" "no claim left behind by either instance"

# raised_ids LOG [LINES]: the ids of the alerts (warnings too) an instance
# logged as raised, sorted, in the first LINES lines of LOG (all by default).
raised_ids() {
  if [[ -n "${2:-}" ]]; then head -n "$2" "$1"; else cat "$1"; fi |
    sed -n 's/.* msg="raised alert" kind=\(warning\|breach\|escalation\) caught_up=[a-z]* alert=\([0-9]*\) .*/\2/p' | sort -n
}
raised1=$(raised_ids "$H_DIR/watch.log")
raised2=$(raised_ids "$H_DIR/watch2.log")
raised1_together=$(raised_ids "$H_DIR/watch.log" "$first_lines_before_stop")
echo "alerts and warnings raised: first instance $(wc -w <<< "$raised1") ($(wc -w <<< "$raised1_together") while both ran), second instance $(wc -w <<< "$raised2")"
# Both instances took part while both ran, no alert was raised by both, and
# between them they raised every alert there is.
[[ -n "$raised1_together" ]] || fail "the first instance raised nothing while the second ran"
[[ -n "$raised2" ]] || fail "the second instance raised nothing"
assert_eq "" "$(sort -n <<< "$raised1"$'\n'"$raised2" | sed '/^$/d' | uniq -d | tr '\n' ' ')" \
  "no alert raised by both instances"
assert_eq "$(psql_q "SELECT id FROM alerts ORDER BY id" | tr '\n' ' ')" \
  "$(sort -n <<< "$raised1"$'\n'"$raised2" | sed '/^$/d' | tr '\n' ' ')" \
  "every alert raised by one of the instances"
assert_eq "$((n * 4))" "$(count "alerts WHERE deadline = 'response'")" "warning, breach, L2, L3 for every task"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT 1 FROM alerts GROUP BY task_id, deadline, kind, level HAVING count(*) > 1) d")" "no alert twice"
assert_eq "$n" "$(count "violations")" "one violation per missed deadline"
# (one statement, one snapshot: repeats go on meanwhile)
assert_eq t "$(psql_q "SELECT (SELECT count(*) + sum(repeats) FROM alerts WHERE kind <> 'warning') = (SELECT count(*) FROM outbox WHERE producer = 'watch' AND msg_type = 11)")" \
  "one message per alert and per repeat"
assert_eq "$(count "alerts WHERE kind = 'warning'")" "$(count "outbox WHERE producer = 'watch' AND msg_type = 9")" \
  "one message per warning"
# seen_once ID: the follower printed alert ID, and never twice at the same
# repeat (the first print may be a repeat when PUB dropped the first send
# and the resync found it later).
seen_once() {
  local repeats
  repeats=$(jq -r "select(.event == \"alert\" and .alert_id == $1) | .repeat" "$H_DIR/follow.json")
  [[ -n "$repeats" ]] && [[ -z "$(sort <<< "$repeats" | uniq -d)" ]]
}
breaches=$(psql_q "SELECT string_agg(id::text, ' ' ORDER BY id) FROM alerts WHERE kind = 'breach'")
for id in $breaches; do
  seen_once "$id" || fail "breach $id seen once by the console"
done
echo "PASS watch_two_instances"
