# A progress report not filed by its due is warned, breached and counted
# like a missed deadline, by watch's own arming (a report task is a task):
# every service runs on a clock steered to Tue 2017-03-07 17:29:30 +08:00,
# 30 s before the first monthly report of an item started on Mon 6 Feb
# falls due (the 5th working day of March closes at 17:30, shipped 2017
# calendar). The warning point has passed, so watch warns the division at
# once; at 17:30 the breach goes to the inspection office and the division
# gets its violation. The report filed late meets the due (marked late on
# the timeline), and counts once.
export DUBAN_LOG_LEVEL=info
source "$(dirname "$0")/../lib/harness.sh"
harness_init workitem_reports
target=$(date -d '2017-03-07T17:29:30+08:00' +%s)
export DUBAN_CLOCK_OFFSET_S=$((target - $(date +%s)))
harness_start

out=$(harness_ctl workitem create --ref R-1 --source plan --title '专题学习讨论' \
  --content '各处室开展优化营商环境大讨论' --leader ld-wangpz --lead party --division office-legal \
  --starts 2017-02-06 --deadline 2017-05-31 --monthly-report 5)
wi=$(echo "$out" | tail -1)
[[ "$wi" == DB2017* ]] || fail "work item made on the steered clock's day, got $out"
cid=$(psql_q "SELECT id FROM cases WHERE case_number = '$wi'")
first=$(psql_q "SELECT id FROM tasks WHERE case_id = $cid AND role = 'report' ORDER BY completion_due LIMIT 1")
assert_eq "party|2017-03-07 17:30:00+08" \
  "$(psql_q "SELECT division, completion_due AT TIME ZONE 'Asia/Shanghai' || '+08' FROM tasks WHERE id = $first")" \
  "the first report falls due at the close of March's 5th working day, owed by the lead division"
assert_eq 3 "$(psql_q "SELECT count(*) FROM tasks WHERE case_id = $cid AND role = 'report'")" \
  "reports due by the 5th working day of March, April and May (8 May, before the deadline)"

alerts_of() { psql_q "SELECT coalesce(string_agg(kind || ':' || level, ',' ORDER BY level, id), '') FROM alerts WHERE task_id = $first AND deadline = 'completion'"; }
warned() { [[ "$(alerts_of)" == warning:0* ]]; }
wait_until 20 warned
assert_eq "console div.party|" "$(psql_q "SELECT destination || ' ' || topic FROM outbox WHERE task_id = $first AND msg_type = 9 AND producer = 'watch' ORDER BY id LIMIT 1")" \
  "the warning goes to the lead division's console"
breached() { [[ "$(alerts_of)" == warning:0,breach:1* ]]; }
wait_until 60 breached
assert_eq "completion_overdue|party" "$(psql_q "SELECT kind, division FROM violations WHERE task_id = $first")" \
  "the missed report is the division's violation, as a missed deadline is"
assert_eq t "$(psql_q "SELECT due_at = (SELECT completion_due FROM tasks WHERE id = $first) FROM alerts WHERE task_id = $first AND kind = 'breach'")" \
  "the breach is about the report's due"

# --- Filed late: meets the due, marked late.
harness_ctl progress "$wi" --text '已组织两次专题学习' --percent 40 --as h-party > /dev/null
assert_eq "replied" "$(psql_q "SELECT state FROM tasks WHERE id = $first")" "the late report meets the due"
assert_eq "true|$first" "$(psql_q "SELECT detail->>'late', detail->>'report_task' FROM case_events WHERE case_id = $cid AND type = 'progress_reported'")" \
  "the timeline says it was late"
assert_eq 1 "$(psql_q "SELECT count(*) FROM violations WHERE task_id = $first")" "one violation, not two"
echo "PASS workitem_reports"
