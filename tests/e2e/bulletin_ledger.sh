# A generated ledger imported as it grew (issue 11): DUBAN_LEDGER_CASES
# cases (400; the closing figures were taken with 2,000) received over the
# first quarter of 2017 with their handling histories
# (tests/tools/ledger_gen.py, seed 11), imported as the ledger stood at the
# end of January, of February, of March, then whole (steps up to months
# later). Each month is produced once its month's ledger is in, and again
# after every later import: the same digest every time; the quarter, and the
# half-year's first three months, agree with the three month-checks.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init bulletin_ledger
N=${DUBAN_LEDGER_CASES:-400}
gen() { python3 "$DUBAN_SOURCE_DIR/tests/tools/ledger_gen.py" 11 "$N" 2017-01-03 2017-03-31 "$@"; }
declare -A digest=()

import() { # CUT|full: the ledger as it stood then
  local file=$H_DIR/ledger-$1.json out
  if [[ $1 == full ]]; then gen > "$file"; else gen "$1T00:00:00+08:00" > "$file"; fi
  out=$(harness_ctl import-history "$file" 2>&1) || fail "import of the ledger to $1: $out"
  assert_contains "$out" "refused 0" "the ledger to $1 imported whole"
  printf '%s\n' "$out" | tail -1
}
produce() { # KIND LABEL: the first time its digest is kept; later runs must match it
  local out
  out=$(harness_ctl bulletin "$1" "$2" --no-files 2>&1) || fail "bulletin $2: $out"
  if [[ -z "${digest[$2]:-}" ]]; then
    assert_contains "$out" "bulletin $2 published" "$2 published"
    digest[$2]=$(psql_q "SELECT digest FROM bulletins WHERE label = '$2'")
  else
    assert_contains "$out" "bulletin $2 unchanged: digest ${digest[$2]}" "$2 the same after the later history"
  fi
}

import 2017-02-01
produce month 2017-01
import 2017-03-01
produce month 2017-01
produce month 2017-02
import 2017-04-01
produce month 2017-01
produce month 2017-02
produce month 2017-03
produce quarter 2017-Q1
out=$(import full)
assert_contains "$out" "extended" "the rest of the history added to cases imported before"
for m in 2017-01 2017-02 2017-03; do produce month "$m"; done
produce quarter 2017-Q1
produce half 2017-H1

# The quarter and the half-year agree with the month-checks they summarise:
# each month of their trend is that month-check's totals, their flows the
# sum of the months', their census the last month's.
month_totals() {
  psql_q "SELECT concat_ws('|', record::jsonb #>> '{totals,received}', record::jsonb #>> '{totals,response,due}',
            record::jsonb #>> '{totals,response,met}', record::jsonb #>> '{totals,ontime,due}',
            record::jsonb #>> '{totals,ontime,met}', record::jsonb #>> '{totals,overdue_open}',
            record::jsonb #>> '{totals,violations}') FROM bulletins WHERE label = '$1'"
}
trend_month() { # LABEL MONTH
  psql_q "SELECT concat_ws('|', t->>'received', t->>'response_due', t->>'response_met', t->>'ontime_due',
            t->>'ontime_met', t->>'overdue_open', t->>'violations')
          FROM bulletins b, jsonb_array_elements(b.record::jsonb->'trend') t WHERE b.label = '$1' AND t->>'month' = '$2'"
}
for m in 2017-01 2017-02 2017-03; do
  assert_eq "$(month_totals "$m")" "$(trend_month 2017-Q1 "$m")" "the quarter's $m is the month-check's"
  assert_eq "$(month_totals "$m")" "$(trend_month 2017-H1 "$m")" "the half-year's $m is the month-check's"
done
sum=$(psql_q "SELECT concat_ws('|', sum((r #>> '{totals,received}')::int), sum((r #>> '{totals,response,met}')::int),
         sum((r #>> '{totals,ontime,due}')::int), sum((r #>> '{totals,ontime,met}')::int), sum((r #>> '{totals,violations}')::int))
       FROM (SELECT record::jsonb r FROM bulletins WHERE kind = 'month') x")
assert_eq "$sum" "$(psql_q "SELECT concat_ws('|', r #>> '{totals,received}', r #>> '{totals,response,met}', r #>> '{totals,ontime,due}',
    r #>> '{totals,ontime,met}', r #>> '{totals,violations}') FROM (SELECT record::jsonb r FROM bulletins WHERE label = '2017-Q1') x")" \
  "the quarter's flows are the sum of its months'"
(( $(psql_q "SELECT (record::jsonb #>> '{totals,received}')::int FROM bulletins WHERE label = '2017-Q1'") > N / 2 )) ||
  fail "the quarter received most of the ledger's cases"
for l in 2017-01 2017-02 2017-03 2017-Q1 2017-H1; do echo "$l ${digest[$l]}"; done
echo "PASS bulletin_ledger ($N cases)"
