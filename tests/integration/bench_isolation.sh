# Benchmarks never write into the live system (issue 11, point 6): dubanctl
# bench makes a deployment of its own (a scratch database, intake, triage and
# dispatch on free ports), measures it and removes it, leaving the live
# deployment's database untouched; with --into-live it submits to the live
# deployment, and its cases are marked (only an administrator may) so that
# no figure counts them.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init bench_isolation
harness_start intake triage dispatch
scratch_dbs() { psql_q "SELECT count(*) FROM pg_database WHERE datname LIKE 'duban_bench_%'"; }
before_dbs=$(scratch_dbs)

# --- By default: a deployment of its own, nothing in the live one.
out=$(harness_ctl bench -n 30 -c 4 -t 120 --pgbench-seconds 1 2>&1)
assert_contains "$out" "bench: a scratch deployment of its own" "a scratch deployment"
assert_contains "$out" "cases=30 concurrency=4 accepted=30 failed=0 delivered=30" "measured there"
# Counted once each, by the console messages, which the bench waits for
# (probe cases) before it offers its cases: none is missed for having come
# before the subscription was in force at dispatch.
assert_contains "$out" "bench: dispatch's feed carries tasks to this console" "the feed proven first"
[[ "$out" =~ console:\ 30\ received\ \([0-9]+\ before\ their\ 201\),\ 0\ lost\ and\ counted\ from\ the\ database,\ 0\ duplicates,\ 0\ of\ other\ cases ]] \
  || fail "every case counted once by its console message: $out"
# In the same run (issue 13): PostgreSQL's own one-row commit rate, the ratio
# to it, WAL and CPU per case of each scratch service, PostgreSQL and Redis.
[[ "$out" =~ pgbench,\ same\ server\):\ before\ [1-9][0-9]*\ tps,\ after\ [1-9][0-9]*\ tps ]] \
  || fail "pgbench's rate in the same run: $out"
[[ "$out" =~ ratio\ end\ to\ end\ /\ best\ pgbench:\ [0-9.]+ ]] || fail "the ratio: $out"
[[ "$out" =~ WAL\ per\ case:\ [1-9][0-9]*\ bytes ]] || fail "WAL per case: $out"
[[ "$out" =~ CPU\ ms\ per\ case:\ intake\ [0-9.]+\ triage\ [0-9.]+\ dispatch\ [0-9.]+\ watch\ [0-9.]+\ \(services\ [0-9.]+\)\ postgresql\ [0-9.]+\ redis\ [0-9.]+ ]] \
  || fail "CPU per case of each service, PostgreSQL and Redis: $out"
# This test's own services share the server: their work is in PostgreSQL's
# figures, and the run says so (other tests' databases may be named too).
[[ "$out" =~ note:\ [1-9][0-9]*\ connection\(s\)\ to\ other\ databases\ of\ this\ server\ at\ the\ end\ of\ the\ run\ \(([^\)]*)\) ]] \
  || fail "the other deployment on the server is said: $out"
[[ "${BASH_REMATCH[1]}" == *"$H_DB"* || ${#BASH_REMATCH[1]} -ge 119 ]] || fail "naming this test's database: ${BASH_REMATCH[1]}"
assert_eq 0 "$(psql_q "SELECT count(*) FROM pg_database WHERE datname LIKE 'duban_pgbench_%'")" \
  "pgbench's database is dropped"
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases")" "no case in the live database"
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks")" "no task in the live database"
assert_eq "$before_dbs" "$(scratch_dbs)" "the scratch database is dropped"
log_dir=$(sed -n 's/.*logs in \([^)]*\)).*/\1/p' <<< "$out")
[[ -d "$log_dir" ]] || fail "the scratch deployment's logs are kept ($log_dir)"
for svc in intake triage dispatch watch; do
  [[ -f "$log_dir/$svc.log" ]] || fail "its own duban-$svc ran (a log in $log_dir)"
done
pids=$(sed -n 's/^bench: scratch services //p' <<< "$out")
[[ "$pids" =~ intake=[0-9]+\ triage=[0-9]+\ dispatch=[0-9]+\ watch=[0-9]+ ]] || fail "the scratch services are named: $pids"
for p in $pids; do
  if kill -0 "${p#*=}" 2>/dev/null; then fail "the scratch service $p still runs"; fi
done
rm -rf "$log_dir"

# --- Open loop: a fixed rate offered, latency from each case's intended send
# time (a run of 40 cases at 20/s takes about 2 s however fast intake is).
# Beside intake's latency, PostgreSQL's own: its one-row durable commits
# offered at the same rate (a 201 waits for such a commit).
open_tmp=$H_DIR/open-loop-tmp
mkdir -p "$open_tmp"
start=$(date +%s%N)
out=$(TMPDIR=$open_tmp harness_ctl bench -n 40 -c 4 -t 120 --rate 20 --pgbench-seconds 1 2>&1)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
assert_contains "$out" "accepted=40 failed=0 delivered=40" "open loop measured"
assert_contains "$out" "open loop: 20 cases/s offered" "open loop said"
((elapsed_ms >= 1900)) || fail "40 cases at 20/s were offered over about 2 s, not at once (${elapsed_ms} ms)"
[[ "$out" =~ offered\ at\ 20/s,\ 8\ clients\ \(pgbench\ -R,\ same\ server\):\ p50\ ([0-9.]+)\ ms,\ p99\ ([0-9.]+)\ ms ]] \
  || fail "PostgreSQL's own commit latency at the offered rate: $out"
awk -v a="${BASH_REMATCH[1]}" -v b="${BASH_REMATCH[2]}" 'BEGIN { exit !(a > 0 && b >= a) }' \
  || fail "its p50 (${BASH_REMATCH[1]} ms) is above 0 and at most its p99 (${BASH_REMATCH[2]} ms)"
[[ "$out" =~ pgbench,\ same\ server\):\ before\ [1-9][0-9]*\ tps ]] \
  || fail "the unthrottled rate still measured beside it: $out"
assert_eq 0 "$(psql_q "SELECT count(*) FROM pg_database WHERE datname LIKE 'duban_pgbench_%'")" \
  "pgbench's database is dropped"
compgen -G "$open_tmp/duban-pgbench.*" > /dev/null && fail "pgbench's folder and logs are removed"
log_dir=$(sed -n 's/.*logs in \([^)]*\)).*/\1/p' <<< "$out")
rm -rf "$log_dir"

# --- More connections than intake lets in from one address (64 by default):
# the bench's clients all come from one, and its scratch intake lets them in.
out=$(harness_ctl bench -n 80 -c 80 -t 120 --pgbench-seconds 0 2>&1)
assert_contains "$out" "accepted=80 failed=0 delivered=80" "80 connections from one address"
log_dir=$(sed -n 's/.*logs in \([^)]*\)).*/\1/p' <<< "$out")
rm -rf "$log_dir"

# --- A session of a role the bench may not end, still in the scratch
# database when the run is over (a service's that the server has not closed
# yet, or anyone's who looked in), holds up the drop only until it is gone:
# the database is not left behind (it was, 60-90 MB a run).
held_out="$H_DIR/bench_held.out"
"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" bench -n 30 -c 4 -t 120 --pgbench-seconds 0 \
  > "$held_out" 2>&1 &
bench_pid=$!
harness_kill_on_exit "$bench_pid"
harness_on_exit "kill -CONT $bench_pid 2>/dev/null || true"
# The run is paused from the moment its database is made (named after
# dubanctl's pid, long before its cases: the schema is set up first) until
# the session is in, so that a short run cannot end before it.
held_db=duban_bench_$bench_pid
made() { [[ "$(psql_q "SELECT count(*) FROM pg_database WHERE datname = '$held_db'")" == 1 ]]; }
wait_until 60 made
kill -STOP "$bench_pid"
harness_psql -d "$held_db" -c "SELECT pg_sleep(600) /* held */" > /dev/null 2>&1 &
holder_pid=$!
harness_kill_on_exit "$holder_pid"
holding() { [[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$held_db' AND query LIKE '%/* held */%'")" == 1 ]]; }
wait_until 20 holding
kill -CONT "$bench_pid"
services_named() { grep -q '^bench: scratch services ' "$held_out"; }
wait_until 60 services_named
held_pids=$(sed -n 's/^bench: scratch services //p' "$held_out")
services_gone() {
  local p
  for p in $held_pids; do kill -0 "${p#*=}" 2>/dev/null && return 1; done
  return 0
}
wait_until 120 services_gone
sleep 1 # the drop is refused meanwhile
made || fail "the held database was dropped while a session was in it"
psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$held_db' AND query LIKE '%/* held */%'" > /dev/null
st=0
wait "$bench_pid" || st=$?
assert_eq 0 "$st" "the bench ends well: $(cat "$held_out")"
assert_not_contains "$(cat "$held_out")" "could not drop" "no warning"
assert_eq 0 "$(psql_q "SELECT count(*) FROM pg_database WHERE datname = '$held_db'")" \
  "the scratch database is dropped once the session is gone"
log_dir=$(sed -n 's/.*logs in \([^)]*\)).*/\1/p' "$held_out")
rm -rf "$log_dir"

# --- Into the live deployment: marked, and counted nowhere.
harness_ctl submit --operator op001 --kind complaint --category metrology --subject '电子秤不准' \
  --description '缺斤短两' > /dev/null
out=$(harness_ctl bench -n 10 -c 2 -t 120 --into-live --pgbench-seconds 0 2>&1)
assert_contains "$out" "bench: into the live deployment; its cases are marked and counted nowhere" "into live"
assert_not_contains "$out" "connections in from one address" "no warning within intake's limit"
assert_contains "$out" "accepted=10 failed=0 delivered=10" "measured"
probes=$(sed -n "s/^bench: dispatch's feed carries tasks to this console (\([0-9]*\) probe.*/\1/p" <<< "$out")
[[ "$probes" =~ ^[1-9][0-9]*$ ]] || fail "the probe cases are counted: $out"
assert_eq "api:1,benchmark:$((10 + probes))" "$(psql_q "SELECT string_agg(source || ':' || n, ',' ORDER BY source) FROM (SELECT source, count(*) n FROM cases GROUP BY 1) x")" \
  "the benchmark's cases are marked"
tasks() { [[ "$(psql_q "SELECT count(*) FROM tasks WHERE role = 'lead'")" == $((11 + probes)) ]]; }
wait_until 20 tasks
# The month of these cases, produced once it has ended (dubanctl's clock 40
# days ahead): only the real case counts.
month=$(TZ=Asia/Shanghai date +%Y-%m)
DUBAN_CLOCK_OFFSET_S=$((40 * 86400)) harness_ctl bulletin month "$month" --no-files > /dev/null
assert_eq "1|1" "$(psql_q "SELECT concat_ws('|', record::jsonb #>> '{totals,received}', record::jsonb #>> '{hot_topics,received}') FROM bulletins WHERE label = '$month'")" \
  "no figure counts the benchmark's cases"
# Only an administrator marks cases so.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth_as op001)" -H 'Content-Type: application/json' \
  -H 'X-Duban-Benchmark: 1' -d '{"channel":"hotline","kind":"complaint","subject":"s","description":"d"}' \
  "$H_INTAKE_URL/api/v1/cases")
assert_eq 403 "$code" "an operator cannot mark a case as a benchmark's"
assert_eq $((11 + probes)) "$(psql_q "SELECT count(*) FROM cases")" "nothing recorded"
# A live intake that would refuse some of the bench's connections: said
# before the run (here only dubanctl reads the lower limit).
out=$(DUBAN_INTAKE_MAX_CONNECTIONS_PER_ADDRESS=2 harness_ctl bench -n 2 -c 2 -t 120 --into-live \
  --pgbench-seconds 0 2>&1)
assert_contains "$out" "warning: intake lets 2 connections in from one address; -c 2 and the bench's probe need more" \
  "a live limit the bench would exceed"
assert_contains "$out" "accepted=2 failed=0 delivered=2" "measured all the same"

# --- A console message that never comes (here: the bench listens where no
# dispatch publishes, as if each message were dropped at the PUB socket) is
# said, and its case counted from the database, not waited for until the
# timeout nor left out.
out=$(DUBAN_DISPATCH_PUB="tcp://127.0.0.1:1" harness_ctl bench -n 5 -c 2 -t 120 --into-live \
  --pgbench-seconds 0 2>&1)
assert_contains "$out" "no secure connection to dispatch's feed" "the missing feed said"
assert_contains "$out" "accepted=5 failed=0 delivered=5" "every case counted"
assert_contains "$out" "console: 0 received (0 before their 201), 5 lost and counted from the database" \
  "counted from the database, and said so"
assert_contains "$out" "5 console message(s) never came" "the loss said as it is found"
[[ "$out" != *"timed out"* ]] || fail "not waited out: $out"
echo "PASS bench_isolation"
