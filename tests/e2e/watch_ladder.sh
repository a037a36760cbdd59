# The accountability ladder (fast policy: criticism at 1 violation, inquiry
# at 2, within a day): a return that arbitration finds groundless and a
# reopen after an unsatisfied callback are violations of the division that
# made them, recorded once; a later breach by the same division carries the
# count they reach, and the rung, to the inspection office.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_ladder
harness_start

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
violations_of() { # DIVISION: kind:handler of its violations
  psql_q "SELECT coalesce(string_agg(kind || ':' || coalesce(handler, '-'), ',' ORDER BY id), '') FROM violations WHERE division = '$1'"
}

# --- Returned twice, arbitrated back to finance: finance's return was groundless.
fees=$(submit --subject '检验收费' --description '检验收费过高' --category fees)
finance_task() { [[ "$(state_of "$fees")" == dispatched ]]; }
wait_until 10 finance_task
harness_ctl return "$fees" --as h-finance --reason '属于认证处' --to certification > /dev/null
harness_ctl return "$fees" --as h-certification --reason '属于特检' --to special-equipment > /dev/null
assert_eq arbitration "$(state_of "$fees")" "second return goes to arbitration"
harness_ctl arbitrate "$fees" --as insp001 --division finance --decision '收费属财务处' > /dev/null
groundless() { [[ "$(violations_of finance)" == "groundless_return:-" ]]; }
wait_until 5 groundless
assert_eq "" "$(violations_of certification)" "certification's return was not named groundless"

# --- Replied, then reopened after an unsatisfied callback: charged to metrology.
scale=$(submit --subject '电子秤' --description '缺斤短两' --category metrology)
scale_dispatched() { [[ "$(state_of "$scale")" == dispatched ]]; }
wait_until 10 scale_dispatched
harness_ctl sign "$scale" --as h-metrology > /dev/null
harness_ctl reply "$scale" --as h-metrology --result '已检定' > /dev/null
harness_ctl inform "$scale" --as op001 > /dev/null
harness_ctl callback "$scale" --as op001 --satisfaction 不满意 --remark '问题依旧' > /dev/null
harness_ctl sign "$scale" --as h-metrology > /dev/null # the reopened task, in time
reopened() { [[ "$(violations_of metrology)" == "reopen:h-metrology" ]]; }
wait_until 5 reopened

# --- A breach by metrology now carries its second violation: inquiry.
late=$(submit --subject '加油机' --description '加油机少加油' --category metrology)
late_task=""
have_late() { late_task=$(psql_q "SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$late'"); [[ -n "$late_task" ]]; }
wait_until 10 have_late
breached() { [[ -n "$(psql_q "SELECT id FROM alerts WHERE task_id = $late_task AND kind = 'breach'")" ]]; }
wait_until 12 breached
assert_eq "2|inquiry" "$(psql_q "SELECT violations, rung FROM alerts WHERE task_id = $late_task AND kind = 'breach'")" \
  "the breach carries the division's count and rung"
snap=$(harness_ctl alerts --json)
line=$(jq -c ".[] | select(.task_id == $late_task and .kind == \"breach\")" <<< "$snap")
assert_eq "inquiry|函询说明|2" "$(jq -r '[.rung, .rung_name, .violations] | join("|")' <<< "$line")" \
  "the console shows the rung reached"

# --- Recorded once however often the events are read again.
sleep 2.5
assert_eq 1 "$(psql_q "SELECT count(*) FROM violations WHERE kind = 'groundless_return'")" "groundless return once"
assert_eq 1 "$(psql_q "SELECT count(*) FROM violations WHERE kind = 'reopen'")" "reopen once"
harness_restart watch
sleep 1.5
assert_eq 2 "$(psql_q "SELECT count(*) FROM violations WHERE kind IN ('groundless_return', 'reopen')")" \
  "a restart reads the events again and records nothing twice"
echo "PASS watch_ladder"
