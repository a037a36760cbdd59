# Services at rest use (almost) no CPU. A ZeroMQ descriptor left signalled
# (a PUB socket nobody reads, a consumer paused while its batch commits)
# makes libevent spin at 100% of a core: on a 2-core machine that halves
# the throughput of everything else. After some traffic and a console
# coming and going, every service must sleep.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init idle_cpu
harness_start

for i in 1 2 3 4 5 6; do
  harness_ctl submit --channel hotline --kind complaint --operator op001 \
    --subject "电子秤$i" --description '缺斤短两' --category metrology > /dev/null
done
dispatched() { [[ "$(psql_q "SELECT count(*) FROM tasks")" == 6 ]]; }
wait_until 15 dispatched
harness_ctl console --division metrology --once > /dev/null
harness_ctl tasks --division metrology > /dev/null
sleep 1 # let the last relay and re-check timers settle

cpu_ticks() { # PID: user + system time so far, in clock ticks
  local stat
  read -r stat <"/proc/$1/stat" # a read fails loudly under set -e; $(<) would exit silently
  stat=${stat##*) } # the command name may hold spaces; fields follow ") "
  read -r -a f <<< "$stat"
  echo $((f[11] + f[12]))
}
declare -A before
for svc in "${_H_ALL_SERVICES[@]}"; do
  before[$svc]=$(cpu_ticks "$(harness_pid "$svc")")
done
seconds=4
sleep "$seconds"
hz=$(getconf CLK_TCK)
for svc in "${_H_ALL_SERVICES[@]}"; do
  used=$(($(cpu_ticks "$(harness_pid "$svc")") - before[$svc]))
  # a spinning loop uses ~100% of the window; at rest a service wakes for a
  # few timers (even under the sanitizers, far below a quarter)
  ((used * 4 < seconds * hz)) ||
    fail "duban-$svc used $used ticks of CPU in ${seconds}s at rest (of $((seconds * hz))): it spins"
  echo "duban-$svc at rest: $used ticks in ${seconds}s"
done
echo "PASS idle_cpu"
