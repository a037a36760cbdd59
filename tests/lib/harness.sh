# shellcheck shell=bash
# tests/lib/harness.sh: helpers for duban's integration and end-to-end test scripts.
#
# ctest runs each test as `bash tests/<kind>/<name>.sh` through tools/test, which
# provides a throw-away PostgreSQL cluster (with duban's roles) and Redis and
# these variables:
#   DUBAN_TEST_PGPORT DUBAN_TEST_REDISPORT DUBAN_TEST_TMP DUBAN_SOURCE_DIR
#   PGPASSFILE, DUBAN_PG_SUPERUSER_PASSFILE (the superuser's passfile)
#   DUBAN_BIN_DIR (set by CMake: the bin folder of the build under test)
# Each test gets its own database, owned by duban_owner, and settings in which
# every program connects as its own role with its passfile in $H_DIR/secrets;
# psql_q (the test's own look into the database) connects as the superuser.
#
# Typical test:
#   source "$(dirname "$0")/../lib/harness.sh"
#   harness_init my_test              # own database, ports, settings; runs dubanctl setup
#   harness_start                     # intake triage dispatch, waits for /healthz
#   out=$(harness_ctl submit ...)
#   wait_until 10 case_is_routed      # CMD is re-run every 0.1 s (use a function for
#                                     # anything that needs $(...) re-evaluated)
#   assert_eq 1 "$(psql_q "SELECT count(*) FROM ...")" "one row"
#   # services still running are stopped at exit; each must exit 0 on SIGTERM
#
# After harness_init these are exported:
#   H_NAME H_DIR H_CONF H_DB H_BASE H_PGPORT H_PSQL H_REDIS_PORT H_REDIS_PREFIX
#   H_INTAKE_URL H_TRIAGE_HEALTH_URL H_DISPATCH_HEALTH_URL
#   H_INTAKE_OUT H_TRIAGE_OUT H_DISPATCH_PUB H_DISPATCH_CONSOLE  (tcp:// endpoints)
#   H_WEB_URL (the staff web console, duban-web)
#   DUBAN_CONFIG (= H_CONF)
# and the array PSQL holds the psql command line for the test database.
#
# Fault tests that need cases coming in all the while start a background
# submitter (harness_submitter_start, tests/lib/submitter.sh).
#
# Tunables (environment): H_HEALTH_TIMEOUT (30 s), H_STOP_TIMEOUT (15 s),
# DUBAN_LOG_LEVEL (info), DUBAN_OUTBOX_RESEND_MS (10000).

_H_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../tools/lib/common.sh
source "$_H_LIB_DIR/../../tools/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=submitter.sh
source "$_H_LIB_DIR/submitter.sh"

declare -gA H_PIDS=()
declare -ga H_CLEANUP_HOOKS=()
declare -ga PSQL=()
_H_INITED=0
_H_ALL_SERVICES=()

# ---------------------------------------------------------------------------
# Assertions

# fail MSG: print "FAIL: MSG" and end the test with status 1.
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# assert_eq EXPECTED ACTUAL MSG
assert_eq() {
  if [[ "$1" != "$2" ]]; then
    fail "${3:-assert_eq}: expected '$1', got '$2'"
  fi
}

# assert_ne UNEXPECTED ACTUAL MSG
assert_ne() {
  if [[ "$1" == "$2" ]]; then
    fail "${3:-assert_ne}: did not expect '$2'"
  fi
}

# assert_contains HAYSTACK NEEDLE MSG
assert_contains() {
  if [[ "$1" != *"$2"* ]]; then
    fail "${3:-assert_contains}: '$2' not found in: $1"
  fi
}

# assert_not_contains HAYSTACK NEEDLE MSG
assert_not_contains() {
  if [[ "$1" == *"$2"* ]]; then
    fail "${3:-assert_not_contains}: '$2' unexpectedly found in: $1"
  fi
}

# _h_us SECONDS: seconds (integer or decimal, e.g. 2.5) as microseconds.
_h_us() {
  local s=$1 int frac
  if [[ ! "$s" =~ ^([0-9]*)(\.([0-9]*))?$ ]]; then
    fail "not a number of seconds: '$s'"
  fi
  int=${BASH_REMATCH[1]:-0}
  frac=${BASH_REMATCH[3]:-}
  frac=${frac}000000
  frac=${frac:0:6}
  printf '%s\n' "$((10#$int * 1000000 + 10#$frac))"
}

# minute_has_room [OFFSET_S]: true while at least 20 s are left in the
# current wall-clock minute (of a clock OFFSET_S ahead). Rate limits count per
# minute: wait_until 60 minute_has_room before a burst whose statuses are
# asserted one by one, so that the burst falls inside one minute.
minute_has_room() {
  (( ($(date +%s) + ${1:-0}) % 60 <= 40 ))
}

# wait_until TIMEOUT_S CMD...: run CMD every 0.1 s until it succeeds; fail on timeout.
wait_until() {
  local timeout=$1 us now deadline
  shift
  (($#)) || fail "wait_until: no command given"
  us=$(_h_us "$timeout")
  now=${EPOCHREALTIME/[.,]/}
  deadline=$((now + us))
  while :; do
    if "$@"; then
      return 0
    fi
    now=${EPOCHREALTIME/[.,]/}
    if ((now >= deadline)); then
      fail "timed out after ${timeout}s waiting for: $*"
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------
# Database and tools

# psql_q SQL [PSQL_ARGS...]: run SQL on the test database, print rows unaligned
# without headers (fields separated by |). Fails on SQL errors.
psql_q() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "$1" "${@:2}"
}

# harness_psql ARGS...: psql on the test database with any arguments.
harness_psql() {
  "${PSQL[@]}" "$@"
}

# submit_dispatched N: files N metrology complaints on the hotline and waits
# until N cases are dispatched (a test that starts with an empty database).
submit_dispatched() {
  local i
  for ((i = 1; i <= $1; i++)); do
    harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
      --subject "电子秤 $i" --description '缺斤短两' > /dev/null
  done
  _h_dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == "$1" ]]; }
  wait_until 20 _h_dispatched "$1"
}

# assert_references_hold: every reference the database no longer checks
# with a foreign key (deploy/schema 069, 075, 080) names a row that exists.
assert_references_hold() {
  local table column target key
  while read -r table column target key; do
    assert_eq 0 "$(psql_q "SELECT count(*) FROM $table x WHERE x.$column IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM $target t WHERE t.$key = x.$column)")" \
      "every $table.$column names a row of $target"
  done <<'REFS'
task_clocks task_id tasks id
case_events task_id tasks id
case_events case_id cases id
tasks case_id cases id
idempotency_keys case_id cases id
case_photos case_id cases id
cases channel channels code
cases kind kinds code
cases category categories code
cases lead_hint divisions code
cases first_responder staff code
cases recorded_by staff code
tasks division divisions code
tasks handler staff code
REFS
}

# redis_q ARGS...: redis-cli on the test Redis (keys of this test start with $H_REDIS_PREFIX).
redis_q() {
  redis-cli -h 127.0.0.1 -p "$H_REDIS_PORT" "$@"
}

# harness_conninfo [DB]: the pg.conninfo of this test's settings, for database
# DB (default: the test's own), e.g. to point a tool at a second database.
harness_conninfo() {
  duban_pg_conninfo "$H_PGPORT" "${1:-$H_DB}"
}

# harness_createdb DB: a further database on the test cluster, as the test's
# own is made; dropped at exit when the test passes.
harness_createdb() {
  duban_pg_createdb "$H_PGPORT" "$1" || fail "could not create database $1"
  harness_on_exit "((rc != 0)) || duban_pg_dropdb '$H_PGPORT' '$1' > /dev/null 2>&1"
}

# harness_ctl ARGS...: dubanctl with this test's settings.
harness_ctl() {
  "$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" "$@"
}

# token_of STAFF: the saved bearer token of a staff member (for curl).
token_of() {
  cat "$H_DIR/tokens/$1.token"
}

# auth_as STAFF: an Authorization header for curl -H.
auth_as() {
  printf 'Authorization: Bearer %s' "$(token_of "$1")"
}

# harness_bus_key NAME: the bus's public key of NAME (a service, or ctl) in
# this test's allow-list; the secret one is $H_DIR/secrets/bus_NAME.key.
harness_bus_key() {
  local name key
  while read -r name key; do
    if [[ "$name" == "$1" ]]; then
      printf '%s\n' "$key"
      return 0
    fi
  done <"$H_DIR/secrets/bus_public.keys"
  fail "no bus key of $1 in $H_DIR/secrets/bus_public.keys"
}

# harness_on_exit CMD: run CMD (a string, eval'ed) at exit, before services stop.
harness_on_exit() {
  H_CLEANUP_HOOKS+=("$1")
}

# harness_kill_on_exit PID [SIGNAL]: at exit, send SIGNAL (default TERM) to the
# background process PID and reap it, if it is still this test's child not yet
# reaped. Once the test has waited for it, its number may belong to any other
# process on the machine (PIDs are reused, quickly where pid_max is 32768), so
# a plain `kill PID` at exit could kill someone else's process.
harness_kill_on_exit() {
  H_CLEANUP_HOOKS+=("_harness_kill_child ${1:?} ${2:-TERM}")
}

_harness_kill_child() {
  local pid=$1 sig=$2 stat ppid
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 0 # not $(<): see duban_pid_alive
  stat=${stat##*) }
  read -r _ ppid _ <<<"$stat"
  [[ "$ppid" == "$$" ]] || return 0
  kill -"$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# ---------------------------------------------------------------------------
# Set-up and clean-up

_harness_on_err() {
  local st=$1 line=$2 cmd=$3 i
  printf 'harness: command failed with status %s at %s:%s: %s\n' \
    "$st" "${BASH_SOURCE[1]:-?}" "$line" "$cmd" >&2
  for ((i = 2; i < ${#BASH_SOURCE[@]}; i++)); do
    printf 'harness:   called from %s:%s (%s)\n' "${BASH_SOURCE[i]}" "${BASH_LINENO[i - 1]}" "${FUNCNAME[i]}" >&2
  done
}

# harness_init NAME
harness_init() {
  set -euo pipefail
  if ((_H_INITED)); then
    fail "harness_init called twice"
  fi
  local v missing=() raw=${1:-}
  [[ -n "$raw" ]] || fail "usage: harness_init NAME"
  for v in DUBAN_TEST_PGPORT DUBAN_TEST_REDISPORT DUBAN_TEST_TMP DUBAN_SOURCE_DIR DUBAN_BIN_DIR; do
    [[ -n "${!v:-}" ]] || missing+=("$v")
  done
  if ((${#missing[@]})); then
    printf 'harness: missing environment: %s\n' "${missing[*]}" >&2
    printf 'harness: run the tests through tools/test (it builds, starts PostgreSQL and Redis, and runs ctest)\n' >&2
    exit 1
  fi
  [[ -d "$DUBAN_TEST_TMP" ]] || fail "DUBAN_TEST_TMP=$DUBAN_TEST_TMP is not a folder"
  [[ -x "$DUBAN_BIN_DIR/dubanctl" ]] || fail "$DUBAN_BIN_DIR/dubanctl not found (DUBAN_BIN_DIR)"

  local name=${raw,,}
  name=${name//[^a-z0-9_]/_}
  name=${name:0:40}
  _H_INITED=1
  set -E # the ERR trap below also reports failures inside functions
  trap '_harness_on_err $? "$LINENO" "$BASH_COMMAND"' ERR
  trap _harness_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  H_NAME=$name
  H_DIR=$DUBAN_TEST_TMP/$name.$$
  H_DB=t_${name}_$$
  H_PGPORT=$DUBAN_TEST_PGPORT
  H_REDIS_PORT=$DUBAN_TEST_REDISPORT
  H_REDIS_PREFIX="t_${name}_$$:"
  H_CONF=$H_DIR/duban.conf
  mkdir -p "$H_DIR"
  duban_reserve_ports "$DUBAN_PORTS_PER_DEPLOYMENT" H_BASE || fail "no free ports"
  mapfile -t _H_ALL_SERVICES < <(duban_services_built "$DUBAN_BIN_DIR")
  H_INTAKE_URL=http://127.0.0.1:$H_BASE
  H_TRIAGE_HEALTH_URL=$(duban_health_url triage "$H_BASE")
  H_DISPATCH_HEALTH_URL=$(duban_health_url dispatch "$H_BASE")
  H_INTAKE_OUT=tcp://127.0.0.1:$((H_BASE + 1))
  H_TRIAGE_OUT=tcp://127.0.0.1:$((H_BASE + 3))
  H_DISPATCH_PUB=tcp://127.0.0.1:$((H_BASE + 5))
  H_DISPATCH_CONSOLE=tcp://127.0.0.1:$((H_BASE + 6))
  H_WATCH_HEALTH_URL=$(duban_health_url watch "$H_BASE")
  H_WATCH_PUB=tcp://127.0.0.1:$((H_BASE + 8))
  H_WATCH_CONSOLE=tcp://127.0.0.1:$((H_BASE + 9))
  H_BULLETIN_HEALTH_URL=$(duban_health_url bulletin "$H_BASE")
  H_BULLETIN_PUB=tcp://127.0.0.1:$((H_BASE + 11))
  H_WEB_URL=http://127.0.0.1:$((H_BASE + 12))
  H_BULLETIN_CONSOLE=tcp://127.0.0.1:$((H_BASE + 13))
  local pgbin
  pgbin=$(duban_pg_bindir) || fail "PostgreSQL binaries not found"
  PSQL=("$pgbin/psql" -X -q -At -h 127.0.0.1 -p "$H_PGPORT" -U "$DUBAN_PG_SUPERUSER" -d "$H_DB")
  H_PSQL="${PSQL[*]}"
  DUBAN_CONFIG=$H_CONF
  export H_NAME H_DIR H_CONF H_DB H_BASE H_PGPORT H_PSQL H_REDIS_PORT H_REDIS_PREFIX \
    H_INTAKE_URL H_TRIAGE_HEALTH_URL H_DISPATCH_HEALTH_URL \
    H_INTAKE_OUT H_TRIAGE_OUT H_DISPATCH_PUB H_DISPATCH_CONSOLE DUBAN_CONFIG \
    H_WATCH_HEALTH_URL H_WATCH_PUB H_WATCH_CONSOLE H_BULLETIN_HEALTH_URL H_BULLETIN_PUB H_WEB_URL H_BULLETIN_CONSOLE

  _H_DB_CREATED=1
  duban_pg_createdb "$H_PGPORT" "$H_DB" || fail "could not create database $H_DB"
  duban_write_settings "$H_CONF" "$DUBAN_SOURCE_DIR" "$H_PGPORT" "$H_DB" \
    "$H_REDIS_PORT" "$H_REDIS_PREFIX" "$H_BASE"
  # the roles' passfiles, made once for the cluster by tools/test
  mkdir -p "$H_DIR/secrets"
  chmod 700 "$H_DIR/secrets"
  cp -p "$DUBAN_TEST_TMP"/secrets/duban_*.pgpass "$H_DIR/secrets/" || fail "no passfiles of duban's roles"
  # Demo tokens for every staff member of the org file, in $H_DIR/tokens, so
  # that harness_ctl --as STAFF (and the identity a command implies) works.
  if ! harness_ctl setup --demo-tokens >"$H_DIR/setup.log" 2>&1; then
    cat "$H_DIR/setup.log" >&2
    fail "dubanctl setup failed for database $H_DB"
  fi
  # The bus's CURVE keys (on by default, as in production).
  if ! harness_ctl keys >>"$H_DIR/setup.log" 2>&1; then
    cat "$H_DIR/setup.log" >&2
    fail "dubanctl keys failed"
  fi
}

# _harness_show_log FILE: a sanitizer report (from its start) if any, then the tail.
_harness_show_log() {
  local file=$1 first
  [[ -f "$file" ]] || return 0
  first=$(grep -n -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|WARNING: [A-Za-z]+Sanitizer' "$file" 2>/dev/null | cut -d: -f1) || true
  if [[ -n "$first" ]]; then
    printf -- '----- sanitizer report in %s (from line %s) -----\n' "$file" "$first" >&2
    sed -n "${first},$((first + 59))p" "$file" >&2 || true
  fi
  duban_tail_log "$file" 40
}

# _harness_stop_svc SVC: TERM the service, wait (H_STOP_TIMEOUT), collect its exit
# status. Returns 1 (with a message) unless it exited 0.
_harness_stop_svc() {
  local svc=$1 pid st=0 i timeout=${H_STOP_TIMEOUT:-15} was_running=0
  pid=${H_PIDS[$svc]:-}
  [[ -n "$pid" ]] || return 0
  unset "H_PIDS[$svc]"
  if duban_pid_alive "$pid"; then
    was_running=1
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      duban_pid_alive "$pid" || break
      sleep 0.1
    done
    if duban_pid_alive "$pid"; then
      printf 'harness: duban-%s (pid %s) still running %ss after SIGTERM; killing it\n' "$svc" "$pid" "$timeout" >&2
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
  fi
  wait "$pid" 2>/dev/null || st=$?
  if ((st != 0)); then
    if ((was_running)); then
      printf 'harness: duban-%s (pid %s) exited with status %s after SIGTERM (expected 0; see %s)\n' \
        "$svc" "$pid" "$st" "$H_DIR/$svc.log" >&2
    else
      printf 'harness: duban-%s (pid %s) had already exited with status %s (see %s)\n' \
        "$svc" "$pid" "$st" "$H_DIR/$svc.log" >&2
    fi
    return 1
  fi
  if ((!was_running)); then
    printf 'harness: note: duban-%s (pid %s) had already exited (status 0) before it was stopped\n' "$svc" "$pid" >&2
  fi
  return 0
}

# _harness_check_logs: every line the services wrote (their logs in H_DIR,
# second instances' and those of a tools/up run under it) is strict logfmt
# with ts, level, svc and msg (tests/lib/logfmt_check.py). Returns 1, saying
# which lines, when one is not.
_harness_check_logs() {
  local svc f d
  local -A seen=()
  for svc in "${_H_ALL_SERVICES[@]}"; do
    for f in "$H_DIR/$svc.log" "$H_DIR/${svc}2.log"; do
      [[ -f "$f" ]] && seen[$f]=1
    done
  done
  while IFS= read -r f; do
    seen[$f]=1
    d=$(dirname "$f")
    for svc in "${_H_ALL_SERVICES[@]}"; do
      [[ -f "$d/$svc.log" ]] && seen[$d/$svc.log]=1
    done
  done < <(find "$H_DIR" -maxdepth 4 -name supervise.log 2>/dev/null)
  ((${#seen[@]})) || return 0
  if ! python3 "$DUBAN_SOURCE_DIR/tests/lib/logfmt_check.py" "${!seen[@]}" >&2; then
    printf 'FAIL: a service log line is not strict logfmt (see above)\n' >&2
    return 1
  fi
}

_harness_exit() {
  local rc=$? svc hook bad=0 f
  trap - EXIT ERR INT TERM
  set +e
  for hook in "${H_CLEANUP_HOOKS[@]}"; do
    eval "$hook"
  done
  for svc in "${_H_ALL_SERVICES[@]}"; do
    if [[ -n "${H_PIDS[$svc]:-}" ]]; then
      _harness_stop_svc "$svc" || bad=1
    fi
  done
  if ((bad && rc == 0)); then
    printf 'FAIL: a service did not stop cleanly\n' >&2
    rc=1
  fi
  if ((rc == 0)) && ! _harness_check_logs; then
    rc=1
  fi
  if ((rc == 0)); then
    if [[ -n "${_H_DB_CREATED:-}" ]]; then
      duban_pg_dropdb "$H_PGPORT" "$H_DB" >/dev/null 2>&1 ||
        printf 'harness: warning: could not drop database %s\n' "$H_DB" >&2
    fi
    rm -rf "$H_DIR"
  else
    for svc in "${_H_ALL_SERVICES[@]}"; do
      f=$H_DIR/$svc.log
      [[ -f "$f" ]] && _harness_show_log "$f"
    done
    printf 'harness: test %s failed (status %s); kept %s and database %s\n' \
      "${H_NAME:-?}" "$rc" "${H_DIR:-?}" "${H_DB:-?}" >&2
  fi
  exit "$rc"
}

# ---------------------------------------------------------------------------
# Services

_harness_check_svc() {
  case "$1" in
    intake | triage | dispatch | watch | bulletin | web) ;;
    *) fail "unknown service '$1' (expected intake, triage, dispatch, watch, bulletin or web)" ;;
  esac
}

# harness_start [SVC...]: start services (default: every service built) and wait
# until each answers /healthz.
harness_start() {
  local svcs=("$@") svc pid started=()
  ((_H_INITED)) || fail "harness_start before harness_init"
  if ((${#svcs[@]} == 0)); then
    svcs=("${_H_ALL_SERVICES[@]}")
  fi
  for svc in "${svcs[@]}"; do
    _harness_check_svc "$svc"
    if [[ -n "${H_PIDS[$svc]:-}" ]]; then
      if duban_pid_alive "${H_PIDS[$svc]}"; then
        fail "duban-$svc is already running (pid ${H_PIDS[$svc]})"
      fi
      _harness_stop_svc "$svc" || fail "duban-$svc had died before harness_start"
    fi
    printf '=== %s harness: starting duban-%s ===\n' "$(date '+%F %T')" "$svc" >>"$H_DIR/$svc.log"
    "$DUBAN_BIN_DIR/duban-$svc" --config "$H_CONF" >>"$H_DIR/$svc.log" 2>&1 </dev/null &
    H_PIDS[$svc]=$!
    started+=("$svc")
  done
  for svc in "${started[@]}"; do
    pid=${H_PIDS[$svc]}
    duban_wait_http "$(duban_health_url "$svc" "$H_BASE")" "${H_HEALTH_TIMEOUT:-30}" "$pid" "" "duban-$svc" ||
      fail "duban-$svc did not become healthy"
  done
}

# harness_steer_to INSTANT (RFC 3339): intake, dispatch and watch run on a
# clock steered to INSTANT from now on (DUBAN_CLOCK_OFFSET_S): those running
# are stopped and all three started again, and it returns once watch has
# rebuilt its deadline index on the new clock.
harness_steer_to() {
  local svc
  for svc in intake dispatch watch; do
    [[ -n "${H_PIDS[$svc]:-}" ]] && harness_stop "$svc"
  done
  export DUBAN_CLOCK_OFFSET_S=$(($(date -d "$1" +%s) - $(date +%s)))
  harness_start intake dispatch watch
  _harness_rebuilt() { curl -fsS "$H_WATCH_HEALTH_URL" | jq -e '.rebuilds >= 1 and (.rebuilding | not)' >/dev/null; }
  wait_until 20 _harness_rebuilt
}

# harness_stop SVC: SIGTERM and wait; the service must exit with status 0.
harness_stop() {
  local svc=${1:-}
  _harness_check_svc "$svc"
  [[ -n "${H_PIDS[$svc]:-}" ]] || fail "harness_stop: duban-$svc is not running"
  _harness_stop_svc "$svc" || fail "duban-$svc did not stop cleanly"
}

# harness_kill9 SVC: SIGKILL and wait (simulates a crash).
harness_kill9() {
  local svc=${1:-} pid
  _harness_check_svc "$svc"
  pid=${H_PIDS[$svc]:-}
  [[ -n "$pid" ]] || fail "harness_kill9: duban-$svc is not running"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "H_PIDS[$svc]"
}

# harness_restart SVC: harness_stop then harness_start.
harness_restart() {
  harness_stop "${1:-}"
  harness_start "$1"
}

# harness_pid SVC: print the PID of a running service.
harness_pid() {
  local svc=${1:-}
  _harness_check_svc "$svc"
  [[ -n "${H_PIDS[$svc]:-}" ]] || fail "harness_pid: duban-$svc is not running"
  printf '%s\n' "${H_PIDS[$svc]}"
}
