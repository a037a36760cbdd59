# The shell that starts and stops processes (tools/, tests/) never reads a
# file of /proc with $(<FILE). A process may end between the check that its
# /proc folder exists and the read, and bash (5.2) then exits a `set -e`
# shell at once, whatever `|| return` follows, and with the stderr of that
# command: under `2>/dev/null` a test ended as failed with nothing said (it
# happened to e2e.workitems_plan_2017 while it stopped a service). `read -r
# VAR <FILE` fails like any command instead. Checks the sources, then that
# duban_pid_alive survives a process that is gone under set -e and traps.
set -eu
src=${DUBAN_SOURCE_DIR:?run through ctest (tools/test)}
cd "$src"
found=$(grep -rIn -E '\$\(<[[:space:]]*"?/proc/' tools tests | grep -v '^tests/lint/shell_proc_reads\.sh:' || true)
if [[ -n "$found" ]]; then
  printf 'FAIL: a /proc file read with $(<...) (use read -r VAR <FILE):\n%s\n' "$found" >&2
  exit 1
fi
# The failure it guards against, shown on a file that is not there: the
# shell must go on.
out=$(bash -c 'set -eEuo pipefail
  trap "echo exit-trap >&2" EXIT
  f() { local st; { read -r st <"/proc/0/no-such-file"; } 2>/dev/null || return 1; }
  f || echo went-on
  source "$1/tools/lib/common.sh"
  sleep 0 & pid=$!; wait "$pid"
  duban_pid_alive "$pid" || echo gone' _ "$src" 2>&1)
if [[ "$out" != $'went-on\ngone\nexit-trap' ]]; then
  printf 'FAIL: the shell did not go on past a failed read: %q\n' "$out" >&2
  exit 1
fi
echo "PASS shell_proc_reads"
