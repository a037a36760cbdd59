# Figures as of the period's end (issue 11, points 1 and 2): a ledger is
# imported cut at the end of March 2017 (its steps before 04-01), March and
# the first quarter are produced; then the rest of its history is imported
# (later replies, a pause ending, an extension granted after the deadline, a
# reopen, a new case) and a live step is taken today on a task of March:
# March and the quarter come out byte for byte the same, and the overdue
# census at March's end leaves out the task that was waiting for material
# then, although its pause has ended since.
#
# The ledger (tests/fixtures/bulletin_as_of_end.json; 2017 calendar, +08:00):
#   A1 office-legal enquiry 03-06 09:00 (completion due 03-09 17:30), signed,
#      deadline missed; waits for material 03-29 10:00 to 04-06 09:00, then
#      replied. At March's end it waits: not overdue. (Had the census read
#      the deadline as moved by that pause, 03-16 16:30, it would be.)
#   A2 metrology complaint 03-06 09:00 (due 03-23 17:30), replied 04-10:
#      overdue at March's end by 03-24 and 03-27..31 = 6.0 working days.
#   A3 fiber complaint 03-08 09:00 (due 03-27 17:30), extension asked 03-27
#      09:00, granted only 04-05 (5d): overdue at March's end by 4.0 days;
#      the grant moves a deadline of April, not March's.
#   A4 standards complaint 03-20 09:00 (due 04-07 17:30) waits for material
#      03-28 to 04-10; never replied (the live step below replies today).
#   A5 metrology enquiry 03-01, replied 03-02 (on time), unsatisfied
#      callback 04-05: reopened in April.
#   A6 certification complaint 03-30 09:00 waits for material before it is
#      signed (response clock standing at March's end), signed 04-06.
#   B1 a case of April.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init bulletin_as_of_end
LEDGER=$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_as_of_end.json
CUT=$H_DIR/ledger-march.json

# The ledger as it stood at March's end: steps before 04-01, cases received by then.
python3 - "$LEDGER" "$CUT" <<'EOF'
import json, sys
end = "2017-04-01T00:00:00+08:00"
cases = json.load(open(sys.argv[1]))
def before(at):  # every instant of the fixture is written with +08:00
    return at < end
cut = []
for c in cases:
    if not before(c["received_at"]):
        continue
    c = dict(c, steps=[s for s in c["steps"] if before(s["at"])])
    cut.append(c)
json.dump(cut, open(sys.argv[2], "w"), ensure_ascii=False)
EOF

out=$(harness_ctl import-history "$CUT" 2>&1)
assert_contains "$out" "imported 6, extended 0, already present 0, refused 0" "March's ledger"
num() { psql_q "SELECT case_number FROM cases WHERE external_ref = '$1'"; }

run() { # KIND LABEL: produce it, print its digest
  harness_ctl bulletin "$1" "$2" --no-files > /dev/null
  psql_q "SELECT digest FROM bulletins WHERE label = '$2'"
}
march=$(run month 2017-03)
quarter=$(run quarter 2017-Q1)
rec() { psql_q "SELECT record::jsonb #>> '{$2}' FROM bulletins WHERE label = '$1'"; }
totals() { # received | response due, met | on time due, met | overdue open, days | violations
  psql_q "SELECT concat_ws('|', r#>>'{totals,received}', r#>>'{totals,response,due}', r#>>'{totals,response,met}',
            r#>>'{totals,ontime,due}', r#>>'{totals,ontime,met}', r#>>'{totals,overdue_open}',
            r#>>'{totals,overdue_days}', r#>>'{totals,violations}')
          FROM (SELECT record::jsonb r FROM bulletins WHERE label = '$1') x"
}
overdue() {
  psql_q "SELECT string_agg(concat_ws(' ', c.external_ref, o->>'working_days_over'), ',' ORDER BY i)
          FROM bulletins b, jsonb_array_elements(b.record::jsonb->'overdue') WITH ORDINALITY x(o, i)
          JOIN cases c ON c.case_number = o->>'case_number' WHERE b.label = '$1'"
}
# March (lead): received A1-A6 = 6; responses due and met A1-A5 (A6's clock
# stood) = 5/5; deadlines of March A1, A2, A3 missed, A5 met = 1/4; overdue
# at the end A2 (6.0) and A3 (4.0), not A1 (waiting); violations: the three
# missed deadlines.
assert_eq "6|5|5|4|1|2|10.0|3" "$(totals 2017-03)" "March as of its end"
assert_eq "AE-A2 6.0,AE-A3 4.0" "$(overdue 2017-03)" "the census at March's end"
march_json=$(psql_q "SELECT record FROM bulletins WHERE label = '2017-03'")

# --- The rest of the history arrives: later steps are added to the cases
#     imported before (and B1 is new); nothing of March moves.
out=$(harness_ctl import-history "$LEDGER" 2>&1)
assert_contains "$out" "imported 1, extended 6, already present 0, refused 0" "the rest of the ledger"
assert_contains "$out" "entry 3 (AE-A3): 2 later step(s) added to $(num AE-A3)" "A3 extended"
assert_eq "1|1" "$(psql_q "SELECT count(*) FILTER (WHERE round = 1), count(*) FILTER (WHERE round = 2) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.external_ref = 'AE-A5'")" "A5 reopened: a second task"
# (the deadline A1's task rows hold now is the one its pause moved)
assert_eq "2017-03-16 16:30" "$(psql_q "SELECT to_char(t.completion_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.external_ref = 'AE-A1'")" "A1's deadline as moved by the pause"
# and its clock history: running to 03-09 17:30 (missed), standing from 03-29, running again to 03-16 16:30, met at the reply
assert_eq "1 running 03-09 17:30 paused f,2 standing - resumed t,3 running 03-16 16:30 met t" \
  "$(psql_q "SELECT string_agg(concat_ws(' ', k.seq, CASE WHEN k.due IS NULL OR k.ended = 'resumed' THEN 'standing' ELSE 'running' END,
       coalesce(to_char(k.due AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI'), '-'), k.ended, k.missed_before), ',' ORDER BY k.seq)
     FROM task_clocks k JOIN cases c ON c.id = k.case_id WHERE c.external_ref = 'AE-A1' AND k.clock = 'completion'")" "A1's clock"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1)
assert_contains "$out" "bulletin 2017-03 unchanged: digest $march" "March after the rest of the history"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files 2>&1)
assert_contains "$out" "bulletin 2017-Q1 unchanged: digest $quarter" "the quarter after the rest of the history"
# A second import of the whole ledger adds nothing; an entry whose earlier
# steps differ from those stored is refused.
out=$(harness_ctl import-history "$LEDGER" 2>&1)
assert_contains "$out" "imported 0, extended 0, already present 7, refused 0" "nothing more"
python3 - "$LEDGER" "$H_DIR/changed.json" <<'EOF'
import json, sys
cases = json.load(open(sys.argv[1]))
a2 = [c for c in cases if c["external_ref"] == "AE-A2"][0]
a2["steps"][1]["at"] = "2017-03-06T10:30:00+08:00"
a2["steps"].append({"step": "informed", "at": "2017-04-10T11:00:00+08:00"})
json.dump([a2], open(sys.argv[2], "w"), ensure_ascii=False)
EOF
out=$(harness_ctl import-history "$H_DIR/changed.json" 2>&1 || true)
assert_contains "$out" "entry 1 (AE-A2): the entry's first 3 steps are not those imported into $(num AE-A2) before; an import may only add later steps" "a changed history is refused"

# --- A live step today on a task of March: A4 replied now, through dispatch.
harness_start dispatch
out=$(harness_ctl reply "$(num AE-A4)" --as h-standards --result '已答复标准适用' 2>&1)
assert_contains "$out" "reply done" "a live reply today"
assert_eq "1" "$(psql_q "SELECT count(*) FROM task_clocks k JOIN cases c ON c.id = k.case_id WHERE c.external_ref = 'AE-A4' AND k.clock = 'completion' AND k.ended = 'met' AND k.until > now() - interval '1 minute'")" "recorded in the clock history, today"
out=$(harness_ctl bulletin month 2017-03 --no-files 2>&1)
assert_contains "$out" "bulletin 2017-03 unchanged: digest $march" "March after a live step today"
assert_eq "$march_json" "$(psql_q "SELECT record FROM bulletins WHERE label = '2017-03'")" "the same bytes"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files 2>&1)
assert_contains "$out" "bulletin 2017-Q1 unchanged: digest $quarter" "the quarter after a live step today"

# --- The quarter composed of its months: its March is March's, its totals
#     the sum of its three month-checks' (and its census March's).
jan=$(run month 2017-01)
feb=$(run month 2017-02)
assert_eq "$(totals 2017-03)" "$(psql_q "SELECT concat_ws('|', t->>'received', t->>'response_due', t->>'response_met', t->>'ontime_due', t->>'ontime_met', t->>'overdue_open', t->>'overdue_days', t->>'violations') FROM bulletins b, jsonb_array_elements(b.record::jsonb->'trend') t WHERE b.label = '2017-Q1' AND t->>'month' = '2017-03'")" "the quarter's March is March's"
sum_months=$(psql_q "SELECT concat_ws('|', sum((r#>>'{totals,received}')::int), sum((r#>>'{totals,response,due}')::int),
    sum((r#>>'{totals,response,met}')::int), sum((r#>>'{totals,ontime,due}')::int), sum((r#>>'{totals,ontime,met}')::int))
  FROM (SELECT record::jsonb r FROM bulletins WHERE kind = 'month' AND label LIKE '2017-0%') x")
assert_eq "$sum_months" "$(totals 2017-Q1 | cut -d'|' -f1-5)" "the quarter is the sum of its months"
assert_eq "$(totals 2017-03 | cut -d'|' -f6-7)" "$(totals 2017-Q1 | cut -d'|' -f6-7)" "its census is March's"
echo "PASS bulletin_as_of_end"
