# Redis is only an index: mid-load it is killed and replaced by an empty
# Redis on the same address; the services reconnect and rebuild what they
# keep there from PostgreSQL (watch's deadline index, triage's requester
# fingerprints), nothing accepted is lost or done twice, and a repeat of a
# requester seen before the replacement is still recognised. The services
# find Redis through Redis Sentinel (redis.sentinels, redis.master_name), and
# the Redis of redis.host is a wrong address on purpose: only the sentinel
# says where Redis is.
export DUBAN_OUTBOX_RESEND_MS=1000
export DUBAN_TRIAGE_FINGERPRINT_CHECK_S=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init redis_replaced
duban_reserve_ports 3 ports || fail "no free ports"
R=$ports S=$((ports + 1)) NOWHERE=$((ports + 2))
R_DIR=$H_DIR/redis
start_redis() { # a fresh, empty Redis on port R
  duban_redis_start "$R_DIR" "$R" "$H_DIR/redis.log"
  redis_pid=$DUBAN_REDIS_PID
  harness_kill_on_exit "$redis_pid"
}
start_redis
# one sentinel watching it as the master set "duban"
cat >"$H_DIR/sentinel.conf" <<EOF
port $S
bind 127.0.0.1
sentinel monitor duban 127.0.0.1 $R 1
sentinel down-after-milliseconds duban 60000
EOF
redis-server "$H_DIR/sentinel.conf" --sentinel >>"$H_DIR/sentinel.log" 2>&1 </dev/null &
sentinel_pid=$!
harness_kill_on_exit "$sentinel_pid"
sentinel_up() { [[ "$(redis-cli -p "$S" SENTINEL get-master-addr-by-name duban 2>/dev/null | tail -1)" == "$R" ]]; }
wait_until 20 sentinel_up
H_REDIS_PORT=$R # redis_q looks at the real one
export DUBAN_REDIS_HOST=127.0.0.1 DUBAN_REDIS_PORT=$NOWHERE
export DUBAN_REDIS_SENTINELS="127.0.0.1:$S" DUBAN_REDIS_MASTER_NAME=duban
harness_start intake triage dispatch watch
grep -q "msg=\"connected to redis\" host=127.0.0.1 port=$R " "$H_DIR/triage.log" || fail "triage did not find Redis through the sentinel"

first=$(harness_ctl submit --operator op001 --kind complaint --subject 加油机少油 \
  --description 加油站加油机计量不准 --category metrology --phone 13800006666)
built() { [[ "$(redis_q EXISTS "${H_REDIS_PREFIX}watch:built")" == 1 ]]; }
fingerprints() { [[ -n "$(redis_q --scan --pattern "${H_REDIS_PREFIX}dup:*:metrology")" ]]; }
wait_until 20 built
wait_until 20 fingerprints

harness_submitter_start 换掉Redis 索引 "$H_INTAKE_URL"
harness_submitter_wait 60 40

# --- the replacement: kill -9, and an empty Redis where it was ------------------
# (empty by construction: no persistence and a fresh folder; the services may
# write into it the moment it answers, so its run id tells it apart instead)
run_id() { redis_q INFO server | tr -d '\r' | sed -n 's/^run_id://p'; }
old_run=$(run_id)
kill -KILL "$redis_pid"
wait "$redis_pid" 2>/dev/null || true
rm -rf "$R_DIR"
start_redis
assert_ne "$old_run" "$(run_id)" "another Redis process answers"
harness_submitter_wait 60 $(($(harness_submitter_count) + 40))
harness_submitter_stop

# rebuilt from PostgreSQL
wait_until 30 built
wait_until 30 fingerprints
repeat=$(harness_ctl submit --operator op001 --kind complaint --subject 还是加油机 \
  --description 上次反映的加油机 --category metrology --phone 13800006666)
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
settled() { local s; s=$(state_of "$1"); [[ "$s" == dispatched || "$s" == merged ]]; }
wait_until 20 settled "$repeat"
assert_eq merged "$(state_of "$repeat")" "a repeat of a requester seen before the replacement"
assert_eq "$first" "$(psql_q "SELECT d.case_number FROM cases c JOIN cases d ON d.id = c.duplicate_of WHERE c.case_number = '$repeat'")" \
  "linked to the case from before the replacement"
open_tasks=$(psql_q "SELECT count(*) FROM tasks WHERE state = 'dispatched'")
((open_tasks > 0)) || fail "no open task to index"
indexed() { (($(redis_q ZCARD "${H_REDIS_PREFIX}watch:due") >= open_tasks)); }
wait_until 20 indexed # every open task's deadlines are back in the index

# nothing lost or doubled
accepted=$(sort -u "$H_ACCEPTED" | wc -l)
all_dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state NOT IN ('dispatched', 'merged')")" == 0 ]]; }
wait_until 60 all_dispatched
harness_psql -v ON_ERROR_STOP=1 -q -c "CREATE TABLE accepted (case_number text PRIMARY KEY)" \
  -c "\\copy accepted FROM '$H_ACCEPTED'"
assert_eq 0 "$(psql_q "SELECT count(*) FROM accepted a LEFT JOIN cases c USING (case_number) WHERE c.id IS NULL")" \
  "accepted cases missing"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id FROM tasks GROUP BY case_id HAVING count(*) <> 1) d")" \
  "cases with other than one task"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_id, type FROM case_events GROUP BY 1, 2 HAVING count(*) <> 1) d")" \
  "steps recorded other than once"
for svc in triage watch; do
  (($(grep -c "msg=\"connected to redis\" host=127.0.0.1 port=$R " "$H_DIR/$svc.log") >= 2)) ||
    fail "$svc did not reconnect to the new Redis through the sentinel"
done
echo "PASS redis_replaced accepted=$accepted"
