# A generated ledger imported as it grew (issue 11): DUBAN_LEDGER_CASES
# cases (400; the closing figures were taken with 2,000) received over the
# first quarter of 2017 with their handling histories
# (tests/tools/ledger_gen.py, seed 11), imported as the ledger stood at the
# end of January, of February, of March, then whole (steps up to months
# later). Each month is produced once its month's ledger is in, and again
# after every later import: the same digest every time; the quarter, and the
# half-year's first three months, agree with the three month-checks. Ended
# months are frozen (stored once read) and later bulletins composed of them:
# the same bytes as read from the rows, also after an import thawed some.
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

# --- Frozen months (issue 13): every month read from the rows once it has
# ended is stored, and every later bulletin adds the stored months instead
# of reading their rows. The rest of the history (steps after March) thawed
# none of the quarter's months; a quarter composed of stored months is byte
# for byte the quarter read from the rows.
frozen() { psql_q "SELECT string_agg(to_char(month_start AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), ',' ORDER BY month_start) FROM bulletin_months"; }
assert_contains "$(frozen)" "2016-10,2016-11,2016-12,2017-01,2017-02,2017-03" "the quarter's months and the months before are frozen"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files 2>&1)
assert_contains "$out" "bulletin 2017-Q1 unchanged: digest ${digest[2017-Q1]}" "the quarter composed"
assert_contains "$out" "months: 6 as frozen, 0 from the rows" "composed of frozen months only"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files --from-rows 2>&1)
assert_contains "$out" "bulletin 2017-Q1 unchanged: digest ${digest[2017-Q1]}" "the quarter read from the rows is the composed quarter"
assert_contains "$out" "months: 0 as frozen, 6 from the rows, 0 frozen now" "read from the rows only"
out=$(harness_ctl bulletin half 2017-H1 --no-files --from-rows 2>&1)
assert_contains "$out" "bulletin 2017-H1 unchanged: digest ${digest[2017-H1]}" "the half-year read from the rows is the composed one"
out=$(harness_ctl bulletin year 2017 --no-files 2>&1)
assert_contains "$out" "months: 12 as frozen, 12 from the rows" "the year reads the months not frozen yet"
year=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017'")
out=$(harness_ctl bulletin year 2017 --no-files 2>&1)
assert_contains "$out" "bulletin 2017 unchanged: digest $year" "the year composed is the year read"
assert_contains "$out" "months: 24 as frozen, 0 from the rows" "the year composed of frozen months"
# A month's figures as stored are what the month-check counted.
assert_eq "$(month_totals 2017-02)" "$(psql_q "WITH m AS (SELECT figures FROM bulletin_months WHERE month_start = '2017-02-01T00:00:00+08:00'),
     c AS (SELECT c FROM m, json_array_elements(m.figures->'cells') c WHERE c->>'role' = 'lead')
   SELECT concat_ws('|', sum(coalesce((c->>'received')::int, 0)), sum(coalesce((c->>'response_due')::int, 0)),
     sum(coalesce((c->>'response_met')::int, 0)), sum(coalesce((c->>'ontime_due')::int, 0)), sum(coalesce((c->>'ontime_met')::int, 0)),
     (SELECT count(*) FROM m, json_array_elements(m.figures->'overdue') o WHERE o->>2 = 'lead'), sum(coalesce((c->>'violations')::int, 0)))
   FROM c")" "February as stored"

# New knowledge of the past: another ledger of the same quarter imported
# later thaws the months it reaches into (and those after): the quarter
# then differs from the published one (it has more cases), read from the
# stored months that are left and the rows, the same as from the rows only.
out=$(python3 "$DUBAN_SOURCE_DIR/tests/tools/ledger_gen.py" 12 20 2017-02-06 2017-02-20 > "$H_DIR/other.json" &&
  harness_ctl import-history "$H_DIR/other.json" 2>&1)
assert_contains "$out" "refused 0" "the other ledger imported"
assert_contains "$(frozen)" "2016-10,2016-11,2016-12,2017-01" "the months from February on thawed"
assert_not_contains "$(frozen)" "2017-02" "February thawed"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files 2>&1 || true)
assert_contains "$out" "bulletin 2017-Q1 differs" "the quarter differs from the published one"
assert_contains "$out" "months: 4 as frozen, 2 from the rows" "the months before February as stored, the others from the rows"
composed=$(grep -o 'digest [0-9a-f]*' <<< "$out" | head -1)
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files --from-rows 2>&1 || true)
assert_eq "$composed" "$(grep -o 'digest [0-9a-f]*' <<< "$out" | head -1)" "composed and from the rows agree after the thaw"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files 2>&1 || true)
assert_eq "$composed" "$(grep -o 'digest [0-9a-f]*' <<< "$out" | head -1)" "and again, composed of frozen months only"
assert_contains "$out" "months: 6 as frozen" "February and March frozen again"

# --- Frozen days (issue 13): a month's days stored as they end, and the
# month-check adding them instead of reading their rows, gives the bytes of
# the month read from the rows: with some days stored and the rest read,
# with all, composed, in a quarter, and after a thaw. A complaint
# dispatched on Monday evening and returned on Tuesday morning counts as
# received for Monday's stored figures, but not for March: the month read
# takes it back.
cat > "$H_DIR/overnight.json" <<'JSON'
[{"external_ref": "DAYS-1", "channel": "hotline", "kind": "complaint", "category": "metrology",
  "subject": "电子秤计量不准", "description": "夜间派单、次日退回（台账）", "first_responder": "op001",
  "received_at": "2017-03-06T17:20:00+08:00", "place": "保定市竞秀区某市场",
  "steps": [{"step": "dispatched", "at": "2017-03-06T17:25:00+08:00", "division": "metrology"},
            {"step": "returned", "at": "2017-03-07T09:10:00+08:00", "to": "fiber", "reason": "属纤维制品，应由纤检处办理"},
            {"step": "signed", "at": "2017-03-07T10:00:00+08:00", "division": "fiber"},
            {"step": "replied", "at": "2017-03-09T10:00:00+08:00", "result": "已办结"},
            {"step": "informed", "at": "2017-03-09T15:00:00+08:00"},
            {"step": "callback", "at": "2017-03-10T10:00:00+08:00", "satisfaction": "satisfied"}]}]
JSON
out=$(harness_ctl import-history "$H_DIR/overnight.json" 2>&1)
assert_contains "$out" "refused 0" "the overnight return imported"
assert_eq 1 "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.external_ref = 'DAYS-1'
  AND t.returned_at IS NOT NULL AND (t.returned_at AT TIME ZONE 'Asia/Shanghai')::date
  > (t.dispatched_at AT TIME ZONE 'Asia/Shanghai')::date")" "a task returned the day after its dispatch, in March"
digest_of() { grep -o 'digest [0-9a-f]*' <<< "$1" | head -1; }
march_rows=$(digest_of "$(harness_ctl bulletin month 2017-03 --no-files --from-rows 2>&1 || true)")
quarter_rows=$(digest_of "$(harness_ctl bulletin quarter 2017-Q1 --no-files --from-rows 2>&1 || true)")
forget_march() { psql_q "DELETE FROM bulletin_months WHERE month_start >= '2017-03-01T00:00:00+08:00'" > /dev/null; }
days_stored() { psql_q "SELECT count(*) FROM bulletin_days WHERE month_start = '2017-03-01T00:00:00+08:00'"; }
at_11_march=$(( $(date -d '2017-03-11T01:30:00+08:00' +%s) - $(date +%s) ))
out=$(DUBAN_CLOCK_OFFSET_S=$at_11_march harness_ctl bulletin days 2017-03 2>&1)
assert_contains "$out" "days of 2017-03: 10 read from the rows, 10 stored" "on 11 March, the ten days ended"
forget_march
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1 || true)
assert_eq "$march_rows" "$(digest_of "$out")" "ten days as stored and the rest from the rows: March as from the rows"
assert_contains "$out" "10 days as stored" "the ten days added as stored"
forget_march
out=$(harness_ctl bulletin days 2017-03 2>&1)
assert_contains "$out" "days of 2017-03: 21 read from the rows, 21 stored" "the rest of March after it ended"
out=$(harness_ctl bulletin days 2017-03 2>&1)
assert_contains "$out" "days of 2017-03: 0 read from the rows, 0 stored" "no day stored twice"
assert_eq 31 "$(days_stored)" "March's days stored"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1 || true)
assert_eq "$march_rows" "$(digest_of "$out")" "every day as stored: March as from the rows"
assert_contains "$out" "months: 1 as frozen, 1 from the rows, 1 frozen now; 31 days as stored" "no row of March read but its month's"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1 || true)
assert_eq "$march_rows" "$(digest_of "$out")" "March composed, its look-back draw from its stored days"
assert_contains "$out" "months: 2 as frozen, 0 from the rows" "March frozen"
forget_march
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files 2>&1 || true)
assert_eq "$quarter_rows" "$(digest_of "$out")" "the quarter with March's days as stored: as from the rows"
assert_contains "$out" "31 days as stored" "the quarter added March's days"
# A thaw (new knowledge of 15 March on) forgets the days after it too.
psql_q "SELECT bulletin_months_thaw('2017-03-15T00:00:00+08:00')" > /dev/null
assert_eq 14 "$(days_stored)" "the days that end after the thaw's instant forgotten"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1 || true)
assert_eq "$march_rows" "$(digest_of "$out")" "fourteen days as stored after the thaw: March as from the rows"
assert_contains "$out" "14 days as stored" "the days left added"
# Stored figures name hot topics by the category's name: renaming a
# category thaws every stored month and day (dubanctl setup), and March is
# read again under the new name, the same as from the rows; setting up
# again with the same names thaws nothing.
sed 's/{ code = "metrology"; *name = "计量"; /{ code = "metrology"; name = "计量器具"; /' \
  "$DUBAN_SOURCE_DIR/deploy/config/org.conf" > "$H_DIR/org.conf"
grep -q '"计量器具"' "$H_DIR/org.conf" || fail "the category not renamed in the copy of org.conf"
out=$(DUBAN_ORG_FILE=$H_DIR/org.conf harness_ctl setup 2>&1) || fail "setup with the renamed category: $out"
assert_eq "0 0" "$(psql_q "SELECT (SELECT count(*) FROM bulletin_months) || ' ' || (SELECT count(*) FROM bulletin_days)")" \
  "the rename thawed every stored month and day"
renamed=$(digest_of "$(harness_ctl bulletin month 2017-03 --no-files --from-rows 2>&1 || true)")
[[ "$renamed" != "$march_rows" ]] || fail "the renamed category changed no figure of March"
harness_ctl bulletin days 2017-03 > /dev/null 2>&1 || fail "days of March after the rename"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1 || true)
assert_eq "$renamed" "$(digest_of "$out")" "March with its days stored again: as from the rows, under the new name"
out=$(DUBAN_ORG_FILE=$H_DIR/org.conf harness_ctl setup 2>&1) || fail "setup again: $out"
assert_eq 31 "$(days_stored)" "the same names again thaw nothing"

# Bad input: a month that is no month, or none.
out=$(harness_ctl bulletin days 2017-13 2>&1) && fail "days of month 13 accepted"
assert_contains "$out" "days needs a month such as 2017-03" "month 13 refused"
out=$(harness_ctl bulletin days 2>&1) && fail "days without a month accepted"
assert_contains "$out" "days needs a month" "no month refused"

for l in 2017-01 2017-02 2017-03 2017-Q1 2017-H1; do echo "$l ${digest[$l]}"; done
echo "PASS bulletin_ledger ($N cases)"
