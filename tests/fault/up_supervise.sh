# tools/up supervises: a service killed with kill -9 under a detached tools/up is
# started again (with back-off, logged in var/log/supervise.log and the service's
# own log), the cases go on, `dubanctl status` shows every service healthy with
# its backlog and version, and tools/down stops supervisors and services alike.
source "$(dirname "$0")/../lib/harness.sh"
harness_init up_supervise
VAR=$H_DIR/var
mkdir -p "$VAR"
chmod 755 "$H_DIR" "$VAR"
export DUBAN_VAR=$VAR DUBAN_HEALTH_TIMEOUT=60 DUBAN_UP_NO_BUILD=1
harness_on_exit '"$DUBAN_SOURCE_DIR/tools/down" >>"$H_DIR/down.log" 2>&1'
"$DUBAN_SOURCE_DIR/tools/up" --detach >"$H_DIR/up.log" 2>&1 || { tail -40 "$H_DIR/up.log" >&2; fail "tools/up --detach failed"; }

export DUBAN_CONFIG=$VAR/duban.conf
ctl() { "$DUBAN_SOURCE_DIR/build/bin/dubanctl" --config "$VAR/duban.conf" "$@"; }
pgport=$(sed -n 's/^PGPORT=//p' "$VAR/run/ports")
q() { PGPASSFILE=$VAR/secrets/duban.pgpass "$DUBAN_PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$pgport" -U duban -d duban -c "$1"; }
pid_of() { duban_read_pidfile "$VAR/run/$1.pid"; }
all_ok() { ctl status >"$H_DIR/status" 2>&1; }

ctl status >"$H_DIR/status" || { cat "$H_DIR/status" >&2; fail "dubanctl status: not all healthy after tools/up"; }
for svc in intake triage dispatch watch bulletin web; do
  grep -Eq "^$svc +ok +" "$H_DIR/status" || { cat "$H_DIR/status" >&2; fail "status does not show $svc ok"; }
done
grep -Eq '^triage +ok +0 +0 ' "$H_DIR/status" || { cat "$H_DIR/status" >&2; fail "no backlog and parked figures for triage"; }
version=$(ctl status --json | jq -r '.[] | select(.service == "triage") | .version')
[[ -n "$version" && "$version" != unknown && "$version" != null ]] || fail "no version built in: $version"
grep -Eq "^triage .* $version\$" "$H_DIR/status" || { cat "$H_DIR/status" >&2; fail "status does not show the version"; }
ctl status --json | jq -e 'length == 6 and all(.[]; .health == "ok" and (.version | length) > 0)' >/dev/null ||
  fail "dubanctl status --json"

submit() { ctl submit --channel hotline --kind complaint --operator op001 --subject "$1" --description 计量器具不准 --category metrology; }
dispatched() { [[ "$(q "SELECT state FROM cases WHERE case_number = '$1'")" == dispatched ]]; }
first=$(submit 电子秤不准)
wait_until 20 dispatched "$first"

# kill -9 triage: its supervisor starts it again and says so.
old=$(pid_of triage)
supervisor=$(duban_read_pidfile "$VAR/run/triage.supervisor.pid")
kill -KILL "$old"
restarted() { local p; p=$(pid_of triage); [[ -n "$p" && "$p" != "$old" ]] && duban_pid_matches "$p" duban-triage; }
wait_until 20 restarted
wait_until 30 all_ok
grep -q "level=warn svc=supervise msg=restarting service=triage pid=$old status=137 .* restart=1 backoff_s=1$" \
  "$VAR/log/supervise.log" || { cat "$VAR/log/supervise.log" >&2; fail "the restart was not logged"; }
grep -q "svc=supervise msg=restarting service=triage pid=$old " "$VAR/log/triage.log" || fail "nor in the service's log"
assert_eq "$supervisor" "$(duban_read_pidfile "$VAR/run/triage.supervisor.pid")" "the same supervisor"
second=$(submit 加油机少加)
wait_until 20 dispatched "$second"

# While dispatch keeps dying the back-off grows: 1 s, then 2 s.
for n in 1 2; do
  old=$(pid_of dispatch)
  kill -KILL "$old"
  back() { local p; p=$(pid_of dispatch); [[ -n "$p" && "$p" != "$old" ]] && duban_pid_matches "$p" duban-dispatch; }
  wait_until 20 back
done
grep -q "msg=restarting service=dispatch .* restart=2 backoff_s=2$" "$VAR/log/supervise.log" ||
  { cat "$VAR/log/supervise.log" >&2; fail "no growing back-off"; }
wait_until 30 all_ok
assert_eq 1 "$(q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$second'")" "dispatched once"

# tools/down stops supervisors first: nothing comes back.
svc_pid=$(pid_of web)
"$DUBAN_SOURCE_DIR/tools/down" >"$H_DIR/down.log" 2>&1 || fail "tools/down failed"
duban_pid_alive "$supervisor" && fail "a supervisor outlived tools/down"
duban_pid_alive "$svc_pid" && fail "a service outlived tools/down"
sleep 1.5 # longer than the first back-off: a restart would have happened by now
[[ -z "$(pid_of triage)" ]] || fail "a service was started again after tools/down"
echo "PASS up_supervise"
