# Clients that hold connections open cannot exhaust intake: one address gets
# max_connections_per_address connections and no more; a request not complete
# within request_timeout_ms is cut off however slowly its bytes keep coming
# (slowloris); at max_connections accepting pauses until slots free up; out of
# descriptors (EMFILE) accepting pauses too, logged at most once a second; and
# all along, other clients are served in time.
export DUBAN_HTTP_MAX_CONNECTIONS=200
export DUBAN_HTTP_MAX_CONNECTIONS_PER_ADDRESS=20
export DUBAN_HTTP_REQUEST_TIMEOUT_MS=2000
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=1000
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_slow_clients
harness_start intake
port=${H_INTAKE_URL##*:}
pid=$(harness_pid intake)

slow() { # OUT ARGS...: the slow client in the background; its pid in $slow_pid
  local out=$1
  shift
  "$DUBAN_BIN_DIR/http_slow" --port "$port" "$@" >"$out" 2>&1 &
  slow_pid=$!
}
field() { # FILE NAME: a field of the slow client's report
  local v
  v=$(grep -o "\b$2=-\?[0-9]*" "$1") || fail "no $2 in $(cat "$1")"
  printf '%s\n' "${v#*=}"
}
log_count() { grep -c "$1" "$H_DIR/intake.log" || true; }
body='{"channel":"web","kind":"enquiry","subject":"标准咨询","description":"团体标准备案"}'
# served_in_time N: N health checks and one submission from a normal client,
# each answered within 1 s.
served_in_time() {
  local i code
  for ((i = 0; i < $1; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$H_INTAKE_URL/healthz" || true)
    [[ "$code" == 200 ]] || fail "health check $i not answered in time during the attack (got $code)"
  done
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H 'Content-Type: application/json' \
    --data-binary "$body" "$H_INTAKE_URL/api/v1/public/cases" || true)
  [[ "$code" == 201 ]] || fail "submission not answered in time during the attack (got $code)"
}

# 1. A hundred slowloris connections from one address, a header line every
# 200 ms: 20 are taken, 80 refused at once, the 20 cut off after 2 s.
slow "$H_DIR/slow1" --source 127.0.0.2 --connections 100 --mode headers --interval-ms 200 --seconds 8
attacker=$slow_pid
refused() { (($(log_count "msg=\"http refused connection: too many open from that address\" server=[^ ]* peer=127.0.0.0/24 ") >= 1)); }
wait_until 10 refused
served_in_time 20
wait "$attacker"
cat "$H_DIR/slow1"
assert_eq 100 "$(field "$H_DIR/slow1" connected)" "every slow connection was accepted by the kernel"
assert_eq 100 "$(field "$H_DIR/slow1" closed)" "intake closed every slow connection"
assert_eq 80 "$(field "$H_DIR/slow1" at_once)" "connections beyond 20 from one address closed at once"
late_min=$(field "$H_DIR/slow1" late_min_ms)
late_max=$(field "$H_DIR/slow1" late_max_ms)
((late_min >= 1500)) || fail "slow requests cut off before their deadline: ${late_min} ms"
((late_max <= 6000)) || fail "trickling bytes kept a request alive: cut off after ${late_max} ms"
(($(log_count "msg=\"http refused connection: too many open from that address\" server=[^ ]* peer=127.0.0.0/24 ") <= 3)) || fail "refusals logged more than once a second"
(($(log_count "msg=\"http closed connection: no complete request in time\" server=[^ ]* peer=127.0.0.0/24 timeout_ms=2000 ") >= 1)) || fail "cut-off requests not logged"

# 2. Slow bodies from ten addresses fill all 200 connections: accepting pauses,
# and a normal client is served as soon as the deadline frees slots.
attackers=()
for i in $(seq 3 12); do
  slow "$H_DIR/slow2.$i" --source "127.0.0.$i" --connections 20 --mode body --interval-ms 200 --seconds 8
  attackers+=("$slow_pid")
done
paused() { (($(log_count "msg=\"http connections at the limit: accepting paused\" server=[^ ]* open=[0-9]* ") >= 1)); }
wait_until 10 paused
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 6 "$H_INTAKE_URL/healthz" || true)
assert_eq 200 "$code" "a normal client is served once the slow bodies are cut off"
for p in "${attackers[@]}"; do wait "$p"; done
for i in $(seq 3 12); do
  assert_eq 20 "$(field "$H_DIR/slow2.$i" closed)" "slow bodies from 127.0.0.$i cut off"
  assert_eq 0 "$(field "$H_DIR/slow2.$i" at_once)" "127.0.0.$i stayed within its 20"
done

# 3. Out of descriptors: with intake's open file limit just above what it
# uses, idle connections exhaust it. Accepting pauses (no accept loop, no
# flood of log lines) and resumes once the idle connections are cut off.
in_use=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
prlimit --pid "$pid" --nofile=$((in_use + 10)):$((in_use + 10)) || fail "could not lower intake's file limit"
start=$(date +%s)
attackers=()
for i in 20 21 22 23; do
  slow "$H_DIR/slow3.$i" --source "127.0.0.$i" --connections 15 --mode idle --seconds 3
  attackers+=("$slow_pid")
done
emfile() { (($(log_count "msg=\"http could not accept a connection; accepting paused\" server=[^ ]* err=\"Too many open files\"") >= 1)); }
wait_until 10 emfile
for p in "${attackers[@]}"; do wait "$p"; done
healthy() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$H_INTAKE_URL/healthz")" == 200 ]]; }
wait_until 15 healthy
elapsed=$(($(date +%s) - start + 1))
lines=$(log_count "Too many open files")
echo "out of descriptors for up to ${elapsed}s: ${lines} log lines"
((lines <= elapsed + 1)) || fail "EMFILE logged $lines times in ${elapsed}s: more than once a second"
echo "PASS intake_slow_clients"
