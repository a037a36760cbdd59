# A watch asked to stop (SIGTERM) finishes the deadline entries it has
# claimed before it goes: their alerts are written, their next entries armed,
# and no claim is left in the lease set, where another instance would find it
# only after the lease lapsed (WATCH_LEASE_MS, 30 s). Made certain here by
# holding a lock that watch's reading of its claim waits for, and sending the
# signal while it waits.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_stop
harness_start

number=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject '电子秤' \
  --description '缺斤短两' --category metrology)
armed() { [[ "$(redis_q ZCARD "${H_REDIS_PREFIX}watch:due")" == 1 ]]; }
wait_until 15 armed # the task's first deadline entry is in the index

# Then a session holds the alerts table (watch reads it with each claim)
# until told to let go.
mkfifo "$H_DIR/lock.in"
harness_psql -v ON_ERROR_STOP=1 < "$H_DIR/lock.in" > "$H_DIR/lock.out" 2>&1 &
lock_pid=$!
exec 7> "$H_DIR/lock.in"
harness_on_exit "exec 7>&-"
harness_kill_on_exit "$lock_pid"
printf "BEGIN;\nLOCK TABLE alerts IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n" >&7
locked() { grep -q '^locked$' "$H_DIR/lock.out"; }
wait_until 10 locked

lease_key="${H_REDIS_PREFIX}watch:lease"
claimed() { (($(redis_q ZCARD "$lease_key") > 0)); }
wait_until 15 claimed # the warning fell due, watch claimed it and waits for the lock

watch_pid=$(harness_pid watch)
kill -TERM "$watch_pid"
finishing() { grep -q "msg=\"finishing claimed deadline entries before stopping\" entries=1$" "$H_DIR/watch.log"; }
wait_until 10 finishing # (a watch that just went would leave its claim behind)
printf "COMMIT;\n" >&7
exec 7>&-
gone() { ! duban_pid_alive "$watch_pid"; }
wait_until 10 gone
harness_stop watch # collects its exit status (0)

# the alert of the claim it held was raised between the signal and the end
assert_eq "finishing raised finished" \
  "$(sed -n 's/.* svc=watch msg="\(finishing\|raised\|finished\)[ ,].*/\1/p' "$H_DIR/watch.log" | tr '\n' ' ' | sed 's/ $//')" \
  "watch finished its claim before it stopped"
assert_eq 0 "$(redis_q ZCARD "$lease_key")" "no claim left behind"
assert_eq 1 "$(psql_q "SELECT count(*) FROM alerts a JOIN cases c ON c.id = a.case_id
  WHERE c.case_number = '$number'")" "the claimed entry's alert is recorded"
echo "PASS watch_stop"
