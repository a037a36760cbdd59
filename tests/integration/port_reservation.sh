# Port reservations (tools/lib/ports.sh) hold across separate runs on one
# machine: runs reserving at the same moment, each with its own TMPDIR, never
# get the same port, and the ports of a run killed with kill -9 are free again
# at once. The runs here are separate bash processes sharing a private lock
# folder and a narrow range of ports (a block this test itself holds in the
# machine's lock folder, so that no other run uses it meanwhile).
source "$(dirname "$0")/../lib/harness.sh"
set -euo pipefail
: "${DUBAN_TEST_TMP:?run through tools/test}" "${DUBAN_SOURCE_DIR:?run through tools/test}"
T=$(mktemp -d "$DUBAN_TEST_TMP/port_reservation.XXXXXX")
export T
declare -a runs=()
# stop_runs: kill -9 the runs started so far (this shell's children, not yet reaped).
stop_runs() {
  local pid
  for pid in "${runs[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  runs=()
}
finish() {
  local rc=$?
  stop_runs
  if ((rc == 0)); then rm -rf "$T"; else echo "kept $T" >&2; fi
  exit "$rc"
}
trap finish EXIT

# The lock folder is the machine's, the same whatever a run's TMPDIR.
lock_dir_with_tmpdir() {
  env -u DUBAN_PORT_LOCK_DIR TMPDIR="$1" bash -c 'source "$1"; duban_port_lock_dir' _ \
    "$DUBAN_SOURCE_DIR/tools/lib/common.sh"
}
machine_dir=$(lock_dir_with_tmpdir "$T/a")
assert_eq "$machine_dir" "$(lock_dir_with_tmpdir "$T/b")" "one lock folder for runs with different TMPDIRs"
assert_not_contains "$machine_dir" "$T" "the lock folder is not under a run's TMPDIR"

# Reserving in $(...) would free the ports as the subshell ends: refused.
if out=$(duban_reserve_ports 1 p 2>&1); then
  fail "a reservation in a subshell was taken: $out"
fi
assert_contains "$out" "subshell" "a reservation in a subshell says why it is refused"

duban_reserve_ports 32 range || fail "no free ports for the test's range"
export DUBAN_PORT_LOCK_DIR=$T/locks DUBAN_PORT_RANGE=$range-$((range + 31))

# start_run NAME N: a separate run (own TMPDIR) that waits for $T/go, reserves
# N ports, writes the first to $T/NAME.port ("failed" if it got none) and holds
# them until it is killed; its PID is in $run_pid.
start_run() {
  mkdir -p "$T/tmp.$1"
  TMPDIR=$T/tmp.$1 bash -c '
    source "$DUBAN_SOURCE_DIR/tools/lib/common.sh"
    while [[ ! -e "$T/go" ]]; do sleep 0.01; done
    if duban_reserve_ports "$2" base; then echo "$base" >"$T/$1.tmp"; else echo failed >"$T/$1.tmp"; fi
    mv "$T/$1.tmp" "$T/$1.port"
    mkfifo "$T/$1.fifo"
    read -r _ <>"$T/$1.fifo" # (no one writes: blocks, holding the ports, with no child)
  ' _ "$1" "$2" &
  run_pid=$!
  runs+=("$run_pid")
}
reported() { [[ -e "$T/$1.port" ]]; }
port_of() { wait_until 20 reported "$1" && cat "$T/$1.port"; }
# held PORT: true if some run holds the lock of PORT.
held() { ! flock -n "$DUBAN_PORT_LOCK_DIR/$1" true; }

# 1. Four runs at once, four ports each, from 32: never the same port, and
# each holds what it got. (Without the locks, four random blocks of four
# among 29 places overlap in most rounds.)
for round in 1 2 3 4 5 6 7 8; do
  rm -f "$T"/go "$T"/r*.port "$T"/r*.fifo
  for r in 1 2 3 4; do start_run "r$r" 4; done
  touch "$T/go"
  ports=()
  for r in 1 2 3 4; do
    base=$(port_of "r$r")
    [[ "$base" =~ ^[0-9]+$ ]] || fail "round $round: run r$r got no ports ($base)"
    for ((p = base; p < base + 4; p++)); do
      held "$p" || fail "round $round: port $p of run r$r is not held"
      ports+=("$p")
    done
  done
  dup=$(printf '%s\n' "${ports[@]}" | sort | uniq -d)
  assert_eq "" "$dup" "round $round: ports reserved by two runs at once"
  stop_runs
done
echo "8 rounds of 4 runs at once: no port reserved twice"

# 2. A run that holds every port of a range; a second finds none; once the
# first is killed with kill -9, its ports are free and the next run gets them.
export DUBAN_PORT_RANGE=$range-$((range + 5))
rm -f "$T"/go "$T"/*.port "$T"/*.fifo
start_run holder 6
dead=$run_pid
touch "$T/go"
assert_eq "$range" "$(port_of holder)" "the first run holds the whole range"
start_run second 6
assert_eq failed "$(port_of second)" "a second run finds no free ports while the first lives"
kill -KILL "$dead"
wait "$dead" 2>/dev/null || true
for ((p = range; p < range + 6; p++)); do
  ! held "$p" || fail "port $p still held after its run was killed"
done
start_run third 6
assert_eq "$range" "$(port_of third)" "the ports of the killed run are reserved again"
stop_runs
echo "PASS port_reservation"
