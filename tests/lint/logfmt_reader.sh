# The strict logfmt reader the harness runs over every service log
# (tests/lib/logfmt_check.py) accepts the lines common/log.c writes and
# refuses what is not logfmt: the old free-text form, a bare word, an
# unclosed or badly escaped quote, a raw control character, a missing msg.
set -eu
src=${DUBAN_SOURCE_DIR:?run through ctest (tools/test)}
check=$src/tests/lib/logfmt_check.py
dir=$(mktemp -d "${TMPDIR:-/tmp}/logfmt_reader.XXXXXX")
trap 'rm -rf "$dir"' EXIT
bad=0
head='ts=2026-12-03T20:15:00.123Z level=info svc=intake'
# expect OK|BAD LINE
expect() {
  printf '%s\n' "$2" >"$dir/log"
  local rc=0
  python3 "$check" "$dir/log" >"$dir/out" 2>&1 || rc=$?
  if [[ "$1" == OK && $rc != 0 ]] || [[ "$1" == BAD && $rc == 0 ]]; then
    printf 'FAIL: expected %s for: %s\n' "$1" "$2" >&2
    cat "$dir/out" >&2
    bad=1
  fi
}
expect OK "$head msg=\"case accepted\" case=2026-000123 staff=op01"
expect OK "$head msg=ready"
expect OK "$head msg=x v=\"a\\x1b[2J \\\"q\\\" \\\\ \\u009b\" w=投诉 e=\"\""
expect OK "=== 2026-12-03 20:15:00 harness: starting duban-intake ==="
expect BAD "$head case accepted case=2026-000123"
expect BAD "$head msg=\"refused submission\" status=400: x is not a field"
expect BAD "$head msg=\"unclosed"
expect BAD "$head msg=x v=\"bad \\q escape\""
expect BAD "$head msg=x v=a\"b"
expect BAD "$head msg=x v=$(printf 'a\033[2J')"
expect BAD "$head msg=x  v=1"
expect BAD "$head msg=x v=1 v=2"
expect BAD "$head msg=x v="
expect BAD "$head case=1"
expect BAD "ts=2026-12-03 level=info svc=intake msg=x"
expect BAD "ts=2026-12-03T20:15:00.123Z level=notice svc=intake msg=x"
expect BAD "some library's own words on stderr"
printf '%s msg=x' "$head" >"$dir/log"
if python3 "$check" "$dir/log" >/dev/null 2>&1; then
  echo "FAIL: a last line without its newline passed" >&2
  bad=1
fi
exit $bad
