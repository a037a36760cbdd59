# A database host that stops answering does not stop intake: with PostgreSQL
# paused (SIGSTOP), /healthz and refusals still answer at once (every one while
# the database stays stopped, most within 100 ms), at most intake.max_waiting_commits
# submissions wait for a commit (the others get 503
# with Retry-After at once), a reconnection to the paused server does not
# block the event loop, and everything recovers when PostgreSQL resumes.
#
# The suite's PostgreSQL is shared by every test, so this one pauses a
# cluster of its own.
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=10000
export DUBAN_INTAKE_MAX_WAITING_COMMITS=4
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_db_stall

pgdir=$H_DIR/pg
duban_reserve_ports 1 pg_port || fail "no free port for postgresql"
duban_pg_init "$pgdir" >/dev/null || fail "initdb failed"
duban_pg_start "$pgdir" "$pg_port" "$H_DIR/pgsock" "$H_DIR/postgres.log" \
  "-c fsync=off" "-c synchronous_commit=off" || fail "postgresql did not start"
postmaster=$(duban_pg_pid "$pgdir")
[[ -n "$postmaster" ]] || fail "no postmaster pid"
pg_processes() { printf '%s\n' "$postmaster"; ps -o pid= --ppid "$postmaster" || true; }
resume_pg() { kill -CONT $(pg_processes) 2>/dev/null || true; }
harness_on_exit 'resume_pg; duban_pg_stop "$pgdir"'

# duban's roles there too, with the passwords of this test's passfiles
export DUBAN_PG_CONNINFO="host=127.0.0.1 port=$pg_port dbname=duban_stall connect_timeout=10"
duban_pg_roles "$DUBAN_BIN_DIR/dubanctl" "$H_CONF" >"$H_DIR/roles-private.log" 2>&1 ||
  fail "could not make duban's roles in the private cluster (see $H_DIR/roles-private.log)"
duban_pg_createdb "$pg_port" duban_stall || fail "could not create the database"
harness_ctl setup --demo-tokens >"$H_DIR/setup-private.log" 2>&1 || fail "setup of the private database failed"
stall_q() { duban_psql "$pg_port" duban_stall -c "$1"; }
harness_start intake

body='{"channel":"web","kind":"complaint","subject":"电梯停运","description":"小区电梯停运三天"}'
submit() { # MAX_TIME: status of one public submission
  curl -s -o "$H_DIR/r" -D "$H_DIR/h" -w '%{http_code}' --max-time "$1" \
    -H 'Content-Type: application/json' --data-binary "$body" "$H_INTAKE_URL/api/v1/public/cases" || true
}
# answered_fast N EXPECTED URL [CURL_ARGS...]: N requests from one curl
# process (so that starting curl is not measured), each answered EXPECTED
# within 1 s while the database stays stopped (a loop that waited on the
# database would answer none of them: it has nothing to wait for but the
# database), and half of them within 100 ms (the median; on a machine this
# loaded a single request may lose the CPU for longer than that).
answered_fast() {
  local n=$1 expected=$2 url=$3 urls=() i line bad=0 seen=0 fast=0
  shift 3
  for ((i = 0; i < n; i++)); do urls+=(-o /dev/null "$url"); done
  while read -r line; do
    seen=$((seen + 1))
    code=${line%% *}
    t=${line##* }
    if [[ "$code" != "$expected" ]]; then
      printf 'wrong or no answer: %s (expected %s within 1 s)\n' "$line" "$expected" >&2
      bad=1
    fi
    if awk -v t="$t" 'BEGIN { exit !(t < 0.1) }'; then fast=$((fast + 1)); fi
  done < <(curl -s -w '%{http_code} %{time_total}\n' --max-time 1 "$@" "${urls[@]}" || true)
  if ((seen != n)); then
    printf 'expected %s answers, saw %s\n' "$n" "$seen" >&2
    bad=1
  fi
  if ((fast * 2 < n)); then
    printf 'only %s of %s answers within 100 ms\n' "$fast" "$n" >&2
    bad=1
  fi
  echo "answered $seen of $n, $fast within 100 ms" >&2
  return $bad
}

assert_eq 201 "$(submit 5)" "accepted while the database answers"

# 1. PostgreSQL stalls with intake connected: four submissions wait for their
# commit, every further one is refused at once; /healthz keeps answering.
kill -STOP $(pg_processes)
waiting=()
for i in 1 2 3 4; do
  curl -s -o /dev/null -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
    --data-binary "$body" "$H_INTAKE_URL/api/v1/public/cases" >"$H_DIR/waiting.$i" 2>/dev/null &
  waiting+=($!)
done
refused() { [[ "$(submit 1)" == 503 ]]; }
wait_until 10 refused
assert_contains "$(cat "$H_DIR/h")" "Retry-After" "refusal says when to retry"
answered_fast 20 503 "$H_INTAKE_URL/api/v1/public/cases" -H 'Content-Type: application/json' \
  --data-binary "$body" || fail "refusals not answered at once while the database stalls"
answered_fast 20 200 "$H_INTAKE_URL/healthz" || fail "/healthz not answered at once while the database stalls"

resume_pg
for pid in "${waiting[@]}"; do wait "$pid" || true; done
five() { [[ "$(stall_q "SELECT count(*) FROM cases")" == 5 ]]; }
wait_until 15 five # the first case and the four that waited: none lost, none beyond the bound

# 2. The connection is lost while the postmaster is paused: reconnecting
# waits on the loop, so intake says it is degraded and refuses at once.
# intake's connections: the one that commits and those it reads on.
backends=$(stall_q "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = 'duban-intake'")
[[ "$backends" =~ ^[0-9]+( [0-9]+)*$ ]] || fail "no intake backends: '$backends'"
kill -STOP "$postmaster"
kill -TERM $backends
lost() { grep -q "postgresql connection lost" "$H_DIR/intake.log"; }
wait_until 10 lost
answered_fast 20 503 "$H_INTAKE_URL/healthz" || fail "/healthz blocked while reconnecting"
answered_fast 20 503 "$H_INTAKE_URL/api/v1/public/cases" -H 'Content-Type: application/json' \
  --data-binary "$body" || fail "refusals blocked while reconnecting"
resume_pg
accepted() { [[ "$(submit 5)" == 201 ]]; }
wait_until 20 accepted
echo "PASS intake_db_stall"
