# Deadlines that move, on the fast SLA policy and a round-the-clock calendar:
# a task paused for material raises nothing while paused and is alerted at
# its moved deadline after the material arrives; a granted extension moves
# the completion warning and breach; a returned task's new division starts a
# fresh clock and is the one charged when it stays silent.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_deadlines
harness_start

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
task_of() { # CASE [DIVISION]: its (latest) task
  psql_q "SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$1' AND t.division = coalesce(nullif('${2:-}', ''), t.division) ORDER BY t.id DESC LIMIT 1"
}
alerts_of() { # TASK DEADLINE
  psql_q "SELECT coalesce(string_agg(kind || ':' || level, ',' ORDER BY level, id), '') FROM alerts WHERE task_id = $1 AND deadline = '$2'"
}
us_of() { psql_q "SELECT (extract(epoch FROM $2) * 1000000)::bigint FROM tasks WHERE id = $1"; }

paused=$(submit --subject '棉被质量' --description '絮用纤维不合格' --category fiber)
lift=$(submit --subject '电梯困人' --description '小区电梯经常停运' --category special-equipment)
bounced=$(submit --subject '收费问题' --description '检验收费过高' --category fees)
have_tasks() { [[ -n "$(task_of "$paused")" && -n "$(task_of "$lift")" && -n "$(task_of "$bounced")" ]]; }
wait_until 10 have_tasks
paused_task=$(task_of "$paused")
lift_task=$(task_of "$lift")
harness_ctl sign "$lift" --as h-special-equipment > /dev/null # urgent: warned at 2 s
harness_ctl need-material "$paused" --as h-fiber --text '请提供购物凭证' > /dev/null
harness_ctl return "$bounced" --as h-finance --reason '属于认证处' --to certification > /dev/null
harness_ctl extend "$lift" --as h-special-equipment --by 10s --reason '需要送检' > /dev/null
old_due=$(us_of "$lift_task" completion_due)
harness_ctl decide-extension "$lift" --as insp001 --grant --decision '同意延期' > /dev/null
new_due=$(us_of "$lift_task" completion_due)
assert_eq 10000000 "$((new_due - old_due))" "the extension moved the completion deadline"
new_task=$(task_of "$bounced" certification)
[[ -n "$new_task" ]] || fail "the return created a task for certification"
old_task=$(task_of "$bounced" finance)

# --- Paused past its response deadline (6 s): nothing is raised.
sleep 8
# (paused before its warning point, 3 s after dispatch, as on a quiet machine,
# it has no alert at all; paused later, only the warning raised before)
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts a JOIN tasks t ON t.id = a.task_id
  WHERE a.task_id = $paused_task AND a.deadline = 'response' AND a.raised_at >= t.paused_at")" \
  "nothing while paused for material"
# Paused before its response deadline (6 s after dispatch, as on a quiet
# machine), it has no breach at all; paused later (a loaded machine can take
# that long to run the steps before it), the breach raised before the pause
# is right, and nothing follows it.
if [[ "$(psql_q "SELECT paused_at < response_due FROM tasks WHERE id = $paused_task")" == t ]]; then
  assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts WHERE task_id = $paused_task AND kind <> 'warning'")" "no breach"
else
  assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts a JOIN tasks t ON t.id = a.task_id
    WHERE a.task_id = $paused_task AND a.raised_at >= t.paused_at")" "nothing after the pause"
fi
before=$(us_of "$paused_task" response_due)
harness_ctl material-arrived "$paused" --as h-fiber > /dev/null
after=$(us_of "$paused_task" response_due)
(( after - before >= 6000000 )) || fail "material-arrived moved the response deadline by $((after - before)) us"
moved_breach() { [[ "$(alerts_of "$paused_task" response)" == *breach:1* ]]; }
wait_until 12 moved_breach
assert_eq t "$(psql_q "SELECT a.due_at = t.response_due AND a.raised_at >= t.response_due FROM alerts a JOIN tasks t ON t.id = a.task_id WHERE a.task_id = $paused_task AND a.deadline = 'response' AND a.kind = 'breach'")" \
  "breach raised at the moved deadline, not the first one"

# --- The returned task: the new division is charged, the old one is not.
charged() { [[ "$(psql_q "SELECT string_agg(division || ':' || kind, ',') FROM violations WHERE task_id IN ($old_task, $new_task)")" == "certification:response_overdue" ]]; }
wait_until 10 charged
# (returned before its warning point, as on a quiet machine, it has no alert;
# returned later, only the warning raised before the return)
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts a JOIN tasks t ON t.id = a.task_id
  WHERE a.task_id = $old_task AND (a.raised_at >= t.returned_at OR a.kind <> 'warning')")" \
  "the division that returned in time raises nothing"
assert_eq t "$(psql_q "SELECT due_at = (SELECT response_due FROM tasks WHERE id = $new_task) FROM alerts WHERE task_id = $new_task AND kind = 'breach' AND deadline = 'response'")" \
  "the new division's own (fresh) deadline"

# --- The extended task: the warning and the breach follow the new deadline.
ext_breach() { [[ "$(alerts_of "$lift_task" completion)" == *breach:1* ]]; }
wait_until 35 ext_breach
assert_eq "warning:0,breach:1" "$(alerts_of "$lift_task" completion | cut -d, -f1,2)" "warned, then breached"
assert_eq "h-special-equipment|1|1" "$(psql_q "SELECT handler, violations, handler_violations FROM alerts WHERE task_id = $lift_task AND deadline = 'completion' AND kind = 'breach'")" \
  "the breach records the handler who signed and the handler's count as raised"
snap=$(harness_ctl alerts --json)
assert_eq "1|criticism" "$(jq -r ".[] | select(.task_id == $lift_task and .kind == \"breach\") | [.handler_violations, .handler_rung] | join(\"|\")" <<< "$snap")" \
  "the inspection office's snapshot shows the handler's count and rung"
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts WHERE task_id = $lift_task AND deadline = 'completion' AND (extract(epoch FROM due_at) * 1000000)::bigint <> $new_due")" \
  "no alert for the deadline before the extension"
assert_eq t "$(psql_q "SELECT raised_at >= due_at FROM alerts WHERE task_id = $lift_task AND deadline = 'completion' AND kind = 'breach'")" \
  "breach not before the extended deadline"
assert_eq t "$(psql_q "SELECT raised_at >= to_timestamp($old_due / 1000000.0) - interval '1 s' FROM alerts WHERE task_id = $lift_task AND deadline = 'completion' AND kind = 'warning'")" \
  "the warning moved with the deadline"
# Signed before its response warning point (2 s after dispatch: the sign is
# the first step taken, but a loaded machine can take longer to run it), no
# response alert at all; signed between the warning point and the deadline,
# the warning and nothing after it. The test checks the case that happened.
case "$(psql_q "SELECT CASE WHEN signed_at < response_warn THEN 'early' WHEN signed_at < response_due THEN 'warned' ELSE 'late' END FROM tasks WHERE id = $lift_task")" in
  early) assert_eq "" "$(alerts_of "$lift_task" response)" "signed in time: no response alert" ;;
  warned) echo "note: signed after the warning point on this machine"
          assert_eq "warning:0" "$(alerts_of "$lift_task" response)" "signed before its deadline: a warning, no breach" ;;
  *) echo "note: signed after the response deadline on this machine"
     [[ "$(alerts_of "$lift_task" response)" == warning:0,breach:1* ]] || fail "signed late without a breach" ;;
esac
echo "PASS watch_deadlines"
