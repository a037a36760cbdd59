# Redis emptied under a running watch (the tests share one Redis, so only
# this test's keys are deleted): watch notices the missing marker, rebuilds
# its index from PostgreSQL, and every deadline still alerts on time. Then
# Redis connections are killed: watch reconnects, rebuilds, and goes on.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_redis_flush
harness_start

index_size() { redis_q ZCARD "${H_REDIS_PREFIX}watch:due"; }
rebuilds() { [[ "$(curl -s "$H_WATCH_HEALTH_URL")" =~ \"rebuilds\":\ ?([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0; }
flush_mine() { # prints how many keys it deleted
  local keys
  mapfile -t keys < <(redis_q --scan --pattern "${H_REDIS_PREFIX}*")
  if ((${#keys[@]} == 0)); then echo 0; else redis_q DEL "${keys[@]}"; fi
}

numbers=()
for i in 1 2 3 4 5; do
  numbers+=("$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject "电子秤$i" --description '缺斤短两' --category metrology)")
done
tasks() { psql_q "SELECT count(*) FROM tasks"; }
five() { [[ "$(tasks)" == 5 ]]; }
wait_until 10 five
indexed() { (( $(index_size) >= 5 )); }
wait_until 5 indexed
warned() { [[ "$(psql_q "SELECT count(*) FROM alerts WHERE kind = 'warning' AND deadline = 'response'")" == 5 ]]; }
wait_until 8 warned

# --- Empty this test's keys between the warnings and the breaches.
before=$(rebuilds)
# (watch keeps arming entries meanwhile, so the index need not stay empty:
# what matters is that the marker and the index were deleted and come back)
deleted=$(flush_mine)
(( deleted >= 2 )) || fail "expected the index and its marker among the deleted keys, deleted $deleted"
rebuilt() { (( $(rebuilds) > before )) && (( $(index_size) >= 5 )); }
wait_until 5 rebuilt
grep -q "msg=\"deadline index marker is missing (redis emptied?); rebuilding\" marker=[^ ]*$" "$H_DIR/watch.log" || fail "watch did not say why it rebuilt"
breached() { [[ "$(psql_q "SELECT count(*) FROM alerts WHERE kind = 'breach'")" == 5 ]]; }
wait_until 10 breached
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts a JOIN tasks t ON t.id = a.task_id WHERE a.kind = 'breach' AND a.raised_at > t.response_due + interval '3 s'")" \
  "every breach on time despite the flush"

# --- Redis drops watch's connection (only watch's: the Redis is shared):
#     it reconnects and rebuilds.
watch_redis_ids() { # ids of the connections duban-watch named as its own
  local name="duban-watch-$(harness_pid watch)"
  redis_q CLIENT LIST | sed -n "s/^id=\([0-9]*\) .* name=$name .*/\1/p"
}
before=$(rebuilds)
mapfile -t ids < <(watch_redis_ids)
((${#ids[@]} >= 1)) || fail "found no redis connection named duban-watch-$(harness_pid watch)"
for id in "${ids[@]}"; do
  redis_q CLIENT KILL ID "$id" > /dev/null
done
wait_until 10 rebuilt
escalated() { [[ "$(psql_q "SELECT count(*) FROM alerts WHERE kind = 'escalation' AND level = 2")" == 5 ]]; }
wait_until 10 escalated
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT 1 FROM alerts GROUP BY task_id, deadline, kind, level HAVING count(*) > 1) d")" "no alert twice"
# (one statement, one snapshot: repeats go on meanwhile)
assert_eq t "$(psql_q "SELECT (SELECT count(*) + coalesce(sum(repeats), 0) FROM alerts WHERE kind <> 'warning') = (SELECT count(*) FROM outbox WHERE producer = 'watch' AND msg_type = 11)")" \
  "one message per alert and per repeat"
echo "PASS watch_redis_flush"
