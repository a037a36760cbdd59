# The life of a case between intake and closure, against the running
# services, on the fast SLA policy (windows of seconds, round-the-clock
# calendar): lead and co-handling tasks, sign, returns, arbitration, the
# response window, material pauses, extensions, reply, informing, callback,
# closure and reopening, the manual triage queue and duplicates.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init workflow
harness_start

submit() { harness_ctl submit --operator op001 --kind complaint "$@"; }
step() { harness_ctl "$@" 2>&1; } # prints the result or the refusal
refused() { # EXPECTED_TEXT STEP...: the step must fail and say EXPECTED_TEXT
  local want=$1 out rc
  shift
  set +e
  out=$(harness_ctl "$@" 2>&1)
  rc=$?
  set -e
  [[ $rc -ne 0 ]] || fail "step '$*' was not refused: $out"
  assert_contains "$out" "$want" "refusal of '$*'"
}
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
wait_state() { # CASE STATE
  local n=$1 s=$2
  is_state() { [[ "$(state_of "$n")" == "$s" ]]; }
  wait_until 10 is_state
}
tasks_of() { psql_q "SELECT string_agg(t.division || ':' || t.role || ':' || t.state, ',' ORDER BY t.id) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$1'"; }
due_of() { psql_q "SELECT (extract(epoch FROM $2) * 1000)::bigint FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$1' AND t.state IN ('dispatched', 'signed') ORDER BY t.id DESC LIMIT 1"; }

# The first responder is told of every step on their cases.
"$DUBAN_BIN_DIR/dubanctl" --config "$H_CONF" --json notices --staff op001 > "$H_DIR/notices.out" 2>&1 &
notices_pid=$!
harness_on_exit "kill $notices_pid 2>/dev/null || true"
sleep 0.3

# Waits until the database's clock is past the deadline COLUMN of the case's
# open task: what a step refused for lateness means.
wait_past() { # CASE COLUMN
  local due
  due=$(due_of "$1" "$2")
  [[ -n "$due" ]] || fail "$1 has no open task with $2"
  is_past() { [[ "$(psql_q "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint > $due + 5")" == t ]]; }
  wait_until 60 is_past
}

# Two cases that must outlive a window (the response window, 6 s; the
# completion deadline, 30 s) come in first, so that the windows pass while
# the rest runs.
late=$(submit --subject '标准咨询' --description '企业标准如何备案' --category standards)
overdue=$(submit --subject '认证咨询' --description '认证证书查询' --category certification)

# --- Lead and co-handling; sign, reply, inform, callback satisfied -> closed.
shop=$(submit --subject '网购手机有质量问题' --description '电商平台购买的手机质量差' --phone 13800002222 --category e-commerce)
wait_state "$shop" dispatched
assert_eq "enforcement:lead:dispatched,supervision:co:dispatched" "$(tasks_of "$shop")" "lead and co-handling tasks"
[[ -n "$(due_of "$shop" response_due)" ]] || fail "tasks carry deadlines"
refused "holds no task of division" sign "$shop" --as h-metrology
refused "only the handling division" sign "$shop" --as op001
step sign "$shop" --as h-enforcement | grep -q "sign done" || fail "sign"
refused "already signed" sign "$shop" --as h-enforcement
step reply "$shop" --as h-supervision --result '产品质量检验结论：不合格' | grep -q "reply done" || fail "co input"
assert_eq "dispatched" "$(state_of "$shop")" "co-handling input does not complete the case"
refused "inform refused: the case has no reply yet" inform "$shop" --as op001
step note "$shop" --as h-enforcement --text '已联系平台下架' > /dev/null
step reply "$shop" --as h-enforcement --result '已立案查处，责令平台下架并赔偿' | grep -q "case is replied" || fail "lead reply"
refused "only the first responder (op001)" inform "$shop" --as op002
refused "first record that the reply was conveyed" callback "$shop" --as op001 --satisfaction 满意
step inform "$shop" --as op001 --how 电话 > /dev/null
step callback "$shop" --as op001 --satisfaction 满意 | grep -q "case is closed" || fail "callback closes"
assert_eq "closed|satisfied" "$(psql_q "SELECT state, satisfaction FROM cases WHERE case_number = '$shop'")" "closed satisfied"
assert_eq "received,triaged,dispatched,dispatched,signed,input,note,replied,informed,callback,closed" \
  "$(psql_q "SELECT string_agg(e.type, ',' ORDER BY e.id) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$shop'")" \
  "the whole timeline, each step once"
assert_contains "$(harness_ctl show "$shop")" "callback" "show has the timeline"
for event in sign note reply inform callback; do
  told() { grep "\"case_number\":\"$shop\"" "$H_DIR/notices.out" | grep -q "\"event\":\"$event\""; }
  wait_until 5 told
done

# --- Unsatisfied reopens to the same division with a new deadline, counted.
scale=$(submit --subject '电子秤不准' --description '菜市场电子秤缺斤短两' --phone 13800003333)
wait_state "$scale" dispatched
step reply "$scale" --as h-metrology --result '已检定，责令整改' > /dev/null
step inform "$scale" --as op001 > /dev/null
out=$(step callback "$scale" --as op001 --satisfaction 不满意 --remark '问题依旧')
assert_contains "$out" "new task" "reopened with a new task"
assert_eq "dispatched|1" "$(psql_q "SELECT state, reopened FROM cases WHERE case_number = '$scale'")" "reopened and counted"
assert_eq "metrology:lead:replied,metrology:lead:dispatched" "$(tasks_of "$scale")" "to the same division"
assert_eq 1 "$(psql_q "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$scale' AND e.type = 'reopened'")" "reopen recorded"

# --- Return re-dispatched; a second return goes to arbitration; the
#     arbitrated division cannot return it.
boiler=$(submit --subject '锅炉年检收费' --description '检验收费过高' --category fees)
wait_state "$boiler" dispatched
refused "a reason is required" return "$boiler" --as h-finance --to certification
refused "name the division believed responsible" return "$boiler" --as h-finance --reason '不属于本处'
out=$(step return "$boiler" --as h-finance --reason '属于检验机构收费，应由认证处负责' --to certification)
assert_contains "$out" "new task" "re-dispatched"
assert_eq "finance:lead:returned,certification:lead:dispatched" "$(tasks_of "$boiler")" "return re-dispatched"
assert_contains "$(psql_q "SELECT detail::text FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$boiler' AND e.type = 'returned'")" "应由认证处负责" "reason recorded"
step return "$boiler" --as h-certification --reason '属于特种设备检验' --to special-equipment > /dev/null
assert_eq "arbitration" "$(state_of "$boiler")" "second return goes to arbitration"
refused "only the inspection office arbitrates" arbitrate "$boiler" --as op001 --division finance --decision x
out=$(step arbitrate "$boiler" --as insp001 --division finance --decision '收费标准属财务处职责')
assert_contains "$out" "new task" "arbitrated to a division"
assert_eq t "$(psql_q "SELECT arbitrated FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$boiler' ORDER BY t.id DESC LIMIT 1")" "marked arbitrated"
assert_contains "$(psql_q "SELECT detail::text FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$boiler' AND e.type = 'arbitrated'")" '"groundless_returns": ["finance"]' "finance's return was groundless"
refused "by arbitration; its decision is final" return "$boiler" --as h-finance --reason '仍不属于' --to licensing

# --- Out of the bureau's remit: returned to an outside agency, confirmed by
#     the inspection office; the first responder then tells the requester.
outside=$(submit --subject '食品过期' --description '超市出售过期食品' --category general)
wait_state "$outside" dispatched
step return "$outside" --as h-office-legal --reason '食品安全不属质监职责' --outside 市场监督管理局 > /dev/null
assert_eq arbitration "$(state_of "$outside")" "an outside return goes to the inspection office"
step arbitrate "$outside" --as insp001 --outside 市场监督管理局 --decision '确属食药监部门职责，告知来电人' > /dev/null
assert_eq replied "$(state_of "$outside")" "answered as out of jurisdiction"
assert_eq 1 "$(psql_q "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$outside' AND e.type = 'out_of_jurisdiction'")" "recorded"
step inform "$outside" --as op001 --how '电话告知向市场监督管理局反映' > /dev/null
step close "$outside" --as op001 --reason '来电人不需回访' | grep -q "case is closed" || fail "closed without callback"

# --- A return after the response window (6 s here) is refused.
wait_state "$late" dispatched
wait_past "$late" response_due
refused "return refused: response window closed at" return "$late" --as h-standards --reason '不属于' --to licensing

# --- Waiting for material moves the deadline by the paused time.
paused=$(submit --subject '纺织品质量' --description '棉被絮用纤维不合格' --category fiber)
wait_state "$paused" dispatched
before=$(due_of "$paused" completion_due)
step need-material "$paused" --as h-fiber --text '请提供购物凭证' > /dev/null
refused "already waiting for material" need-material "$paused" --as h-fiber --text again
sleep 2
step material-arrived "$paused" --as h-fiber > /dev/null
after=$(due_of "$paused" completion_due)
moved=$((after - before))
(( moved >= 1900 && moved <= 4000 )) || fail "deadline moved by ${moved} ms for a 2 s pause"

# --- Extensions: asked before the deadline, decided by the inspection office.
step extend "$paused" --as h-fiber --by 20s --reason '需要送检' > /dev/null
refused "already waiting for the inspection office" extend "$paused" --as h-fiber --by 5s --reason again
refused "only the inspection office decides" decide-extension "$paused" --as h-fiber --grant --decision ok
before=$(due_of "$paused" completion_due)
step decide-extension "$paused" --as insp001 --grant --decision '同意延期' > /dev/null
after=$(due_of "$paused" completion_due)
assert_eq 20000 "$((after - before))" "granted extension moves the deadline"
wait_state "$overdue" dispatched
wait_past "$overdue" completion_due
refused "extensions are asked before it" extend "$overdue" --as h-certification --by 5s --reason late

# --- The manual triage queue, and a duplicate merged into the open case.
vague=$(submit --subject '你好' --description '想反映一个情况' --phone 13800004444)
wait_state "$vague" needs_triage
refused "only the desk and the inspection office" triage "$vague" --as h-metrology --category metrology
step triage "$vague" --as op002 --category metrology > /dev/null
wait_state "$vague" dispatched
again=$(submit --subject '还是那台电子秤' --description '上次反映的问题' --phone 13800004444 --category metrology)
wait_state "$again" merged
assert_eq "$vague" "$(psql_q "SELECT d.case_number FROM cases c JOIN cases d ON d.id = c.duplicate_of WHERE c.case_number = '$again'")" "linked to the open case"
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$again'")" "no second dispatch"

# --- Bad input to the console endpoint and the API-free errors.
refused "no case has the number" sign DB20990101000001 --as h-metrology
# --- What the database no longer checks itself (069, 075): every clock
#     state, event, task, key and photo names a task or case that exists.
assert_references_hold
# --- At most one state of each clock in force after pauses, extensions,
#     returns, replies and reopens: the clock functions keep it so (no
#     index has since 070).
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT 1 FROM task_clocks WHERE until IS NULL GROUP BY task_id, clock HAVING count(*) > 1) x")" \
  "one state in force per clock"
echo "PASS workflow"
