# The seed's 2017 plan (deploy/plans/2017-business-environment.json) loaded
# with dubanctl import-plan and replayed over its first phases on a steered
# clock (intake, dispatch and watch restarted at each instant; shipped SLA
# policy and 2017 calendar: work items signed within 8 working hours,
# escalations every 4 working hours, progress reports by the 5th working day):
#   2017-02-17  imported the day before the plan starts: 15 items, their tasks
#               starting at their phases' openings; nothing is open or alerted;
#               importing again makes nothing.
#   2017-02-20  phase 1 opens: 机关党委 and 办公室（法规处） sign their items.
#   2017-03-06  机关党委 reports progress on 专题学习讨论 (meets the report due 03-07).
#   2017-03-07  17:29:30, 30 s before the first report falls due: 办公室 has not
#               reported on 制定工作方案: warned at once, breached at 17:30,
#               its violation counted.
#   2017-03-08  15:00: the missed report has escalated to level 2;
#               机关党委's completion report is verified: 销号.
#   2017-03-09  办公室 reports late and completes after the phase closed; the
#               inspection office sends the verification back (the deadline
#               of 03-08 keeps running: the reopened task is overdue at once
#               and alerted), then accepts the second completion report.
#               The public evaluates both items (满意, 不满意; 基本满意) from
#               three addresses.
#   2017-04-10  phase 2 has closed with 查摆问题 open (overdue, alerted); phase 3
#               opened on 04-09: its items run and nothing of them is alerted.
# March's month-check counts no work item among the complaints; its work-item
# section does (items due and on time, reports missed, the verification sent
# back, the evaluations and their 满意率), and they make the two divisions'
# scores, which another weighting moves. An evaluation in April changes
# nothing of March: run again, from its frozen month or from the rows, it is
# byte for byte the same; the first quarter's section is March's. March's
# look-back draws both items closed in March; one fails on 04-10, is reopened
# to its division, completed and verified again, and April counts it.
export DUBAN_LOG_LEVEL=info
source "$(dirname "$0")/../lib/harness.sh"
harness_init workitems_plan_2017
plan_file="$DUBAN_SOURCE_DIR/deploy/plans/2017-business-environment.json"

item() { psql_q "SELECT c.case_number FROM work_items w JOIN cases c ON c.id = w.case_id WHERE w.ref = '$1'"; }
cid_of() { psql_q "SELECT case_id FROM work_items WHERE ref = '$1'"; }
report_task() { # REF N: the item's Nth report due
  psql_q "SELECT id FROM tasks WHERE case_id = $(cid_of "$1") AND role = 'report' ORDER BY completion_due OFFSET $(($2 - 1)) LIMIT 1"
}
alerts_of() { # TASK: kind:level of its completion alerts
  psql_q "SELECT coalesce(string_agg(kind || ':' || level, ',' ORDER BY level, id), '') FROM alerts WHERE task_id = $1 AND deadline = 'completion'"
}
local_time() { psql_q "SELECT to_char($1 AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')"; }

# --- 2017-02-17: the plan imported ahead of its first phase.
harness_steer_to 2017-02-17T09:00:00+08:00
out=$(harness_ctl import-plan "$plan_file")
assert_eq "plan 2017-business-environment: 15 items, 15 new, 0 refused" "$out" "every item of the plan imported"
assert_eq "动员讨论阶段 2017-02-18 2017-03-08,查摆问题阶段 2017-03-09 2017-04-08,集中整治阶段 2017-04-09 2017-08-31,建章立制阶段 2017-09-01 2017-10-15,总结巩固阶段 2017-10-16 2017-12-31" \
  "$(psql_q "SELECT string_agg(name || ' ' || starts_on || ' ' || ends_on, ',' ORDER BY seq) FROM plan_phases WHERE plan = '2017-business-environment'")" \
  "the plan's five phases with their dates"
assert_eq "{ld-liucs,ld-zhaoyj,ld-gerj}|supervision|3|2017-04-09 08:30|2017-08-31 17:30" \
  "$(psql_q "SELECT leaders, lead_division, phase, to_char(starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), to_char(deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM work_items WHERE ref = '2017-be/3.3.1.2'")" \
  "强化“管”的手段: three lead leaders, 监督处 leads, phase 3's dates"
assert_eq "2017-05-08 17:30,2017-06-07 17:30,2017-07-07 17:30,2017-08-07 17:30" \
  "$(psql_q "SELECT string_agg(to_char(completion_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), ',' ORDER BY completion_due) FROM tasks WHERE case_id = $(cid_of 2017-be/3.3.1.2) AND role = 'report'")" \
  "its progress reports fall due by the 5th working day of May to August"
assert_eq "personnel,discipline-group" "$(psql_q "SELECT array_to_string(divisions, ',') FROM work_items WHERE ref = '2017-be/3.5.3'")" \
  "建立问责机制: 人事处 and 驻省局纪检组 responsible"
assert_eq 0 "$(psql_q "SELECT count(*) FROM work_items WHERE starts_at <= '2017-02-17 09:00+08'")" "no phase has opened yet"
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts")" "nothing alerted before the plan starts"
out=$(harness_ctl import-plan "$plan_file")
assert_eq "plan 2017-business-environment: 15 items, 0 new, 0 refused" "$out" "importing again makes nothing"
study=$(item 2017-be/3.1.1)
scheme=$(item 2017-be/3.1.2)

# --- 2017-02-20: phase 1 open; the lead divisions sign.
harness_steer_to 2017-02-20T10:00:00+08:00
harness_ctl sign "$study" --as h-party > /dev/null
harness_ctl sign "$scheme" --as h-office-legal > /dev/null
assert_eq 6 "$(psql_q "SELECT count(*) FROM work_items WHERE starts_at <= '2017-02-20 10:00+08'")" \
  "phase 1's two items and the four over the whole plan have started"

# --- 2017-03-06: 机关党委 reports progress in time.
harness_steer_to 2017-03-06T10:00:00+08:00
study_report=$(report_task 2017-be/3.1.1 1)
warned_of() { [[ "$(alerts_of "$study_report")" == warning:0 ]]; }
wait_until 20 warned_of # its warning point (03-02) has passed
harness_ctl progress "$study" --text '已组织两次专题学习讨论' --percent 60 --as h-party > /dev/null
assert_eq "replied|2017-03-06 10:00" "$(psql_q "SELECT state, to_char(replied_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM tasks WHERE id = $study_report")" \
  "the report due 03-07 met on 03-06 (the steered clock's instant)"

# --- 2017-03-07 17:29:30: 办公室's report falls due unfiled.
harness_steer_to 2017-03-07T17:29:30+08:00
scheme_report=$(report_task 2017-be/3.1.2 1)
assert_eq "office-legal|2017-03-07 17:30" "$(psql_q "SELECT division, to_char(completion_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM tasks WHERE id = $scheme_report")" \
  "办公室 owes its report by 17:30"
warned() { [[ "$(alerts_of "$scheme_report")" == warning:0* ]]; }
wait_until 20 warned
breached() { [[ "$(alerts_of "$scheme_report")" == warning:0,breach:1* ]]; }
wait_until 60 breached
assert_eq "completion_overdue|office-legal|2017-03-07 17:30" \
  "$(psql_q "SELECT kind, division, to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM violations WHERE task_id = $scheme_report")" \
  "the missed report is 办公室's violation at its due"
assert_eq "warning:0" "$(alerts_of "$study_report")" \
  "the report made in time raises no alert"

# --- 2017-03-08 15:00: escalated; 专题学习讨论 completed and 销号.
harness_steer_to 2017-03-08T15:00:00+08:00
escalated() { [[ "$(alerts_of "$scheme_report")" == *escalation:2* ]]; }
wait_until 20 escalated
assert_eq "escalation" "$(psql_q "SELECT kind FROM alerts WHERE task_id = $scheme_report AND level = 2")" \
  "four working hours on, the missed report escalated to level 2"
harness_ctl complete "$study" --text '各处室、相关事业单位均已开展专题学习讨论' --as h-party > /dev/null
out=$(harness_ctl verify "$study" --accept --text '核验通过' --as insp001)
assert_contains "$out" "case is closed" "the inspection office's verification closes it"
assert_eq "closed|accepted|2017-03-08 15:00" \
  "$(psql_q "SELECT c.state, w.verification, to_char(c.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.case_number = '$study'")" \
  "专题学习讨论 销号 on 03-08"
assert_eq "met" "$(psql_q "SELECT ended FROM task_clocks k JOIN tasks t ON t.id = k.task_id WHERE t.case_id = $(cid_of 2017-be/3.1.1) AND t.role = 'lead' AND k.clock = 'completion' ORDER BY k.seq DESC LIMIT 1")" \
  "completed within the phase"

# --- 2017-03-09: 办公室 late; sent back; the deadline keeps running.
harness_steer_to 2017-03-09T10:00:00+08:00
harness_ctl progress "$scheme" --text '方案已起草' --percent 90 --as h-office-legal > /dev/null
assert_eq "true" "$(psql_q "SELECT detail->>'late' FROM case_events WHERE case_id = $(cid_of 2017-be/3.1.2) AND type = 'progress_reported'")" \
  "the late report is marked late"
harness_ctl complete "$scheme" --text '工作方案已制定' --as h-office-legal > /dev/null
assert_eq 1 "$(psql_q "SELECT count(*) FROM violations v JOIN tasks t ON t.id = v.task_id WHERE t.case_id = $(cid_of 2017-be/3.1.2) AND t.role = 'lead' AND v.kind = 'completion_overdue'")" \
  "completed after the phase closed: a missed deadline"
harness_ctl verify "$scheme" --send-back --reason '方案未在省局网站晾晒' --as insp001 > /dev/null
reopened=$(psql_q "SELECT id FROM tasks WHERE case_id = $(cid_of 2017-be/3.1.2) AND role = 'lead' ORDER BY id DESC LIMIT 1")
assert_eq "2|2017-03-08 17:30" "$(psql_q "SELECT round, to_char(completion_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM tasks WHERE id = $reopened")" \
  "sent back: the lead task again, due as it was"
overdue_alert() { [[ "$(alerts_of "$reopened")" == *breach:1* || "$(alerts_of "$reopened")" == *escalation* ]]; }
wait_until 20 overdue_alert
harness_ctl complete "$scheme" --text '方案已在省局网站晾晒' --as h-office-legal > /dev/null
harness_ctl verify "$scheme" --accept --as insp001 > /dev/null
assert_eq "closed|accepted" "$(psql_q "SELECT c.state, w.verification FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.case_number = '$scheme'")" \
  "制定工作方案 销号 after the second completion report"
assert_eq "verification_sent_back,reopened,verified,closed" \
  "$(psql_q "SELECT string_agg(type, ',' ORDER BY id) FROM case_events WHERE case_id = $(cid_of 2017-be/3.1.2) AND type IN ('verification_sent_back', 'reopened', 'verified', 'closed')")" \
  "the timeline tells it"

# --- 2017-03-09: the public evaluates (网上评议) from three addresses: 专题学习讨论
#     满意 and 不满意, 制定工作方案 基本满意.
evaluate() { # ADDRESS NUMBER RATING: the status
  curl -sS -o /dev/null -w '%{http_code}' --interface "$1" -H 'Content-Type: application/json' \
    --data-binary '{"rating": "'"$3"'"}' "$H_INTAKE_URL/api/v1/public/workitems/$2/evaluations"
}
assert_eq 201 "$(evaluate 127.0.0.2 "$study" satisfied)" "专题学习讨论 evaluated 满意"
assert_eq 201 "$(evaluate 127.0.0.3 "$study" dissatisfied)" "and 不满意 by another visitor"
assert_eq 201 "$(evaluate 127.0.0.2 "$scheme" basically)" "制定工作方案 基本满意"
assert_eq "2017-03-09|3" "$(psql_q "SELECT string_agg(DISTINCT to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), ','), count(*) FROM work_item_evaluations")" \
  "evaluated at the service's (steered) instant, in March"

# --- 2017-04-10: phase 2 closed with its item open; phase 3 opened.
harness_steer_to 2017-04-10T09:00:00+08:00
problems_lead=$(psql_q "SELECT id FROM tasks WHERE case_id = $(cid_of 2017-be/3.2) AND role = 'lead'")
overdue() { [[ -n "$(alerts_of "$problems_lead")" && "$(alerts_of "$problems_lead")" != warning:0 ]]; }
wait_until 20 overdue
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts a JOIN tasks t ON t.id = a.task_id JOIN work_items w ON w.case_id = t.case_id WHERE w.phase = 3")" \
  "phase 3's items run from 04-09 and raise nothing yet"
assert_eq 4 "$(psql_q "SELECT count(*) FROM work_items WHERE phase = 3 AND starts_at <= '2017-04-10 09:00+08' AND deadline > '2017-04-10 09:00+08'")" \
  "its four items are open"
# --- Work items are not the public's requests: March's month-check counts
#     none of them in its complaint figures; its own section does.
OUT=$H_DIR/bulletins
out=$(harness_ctl bulletin month 2017-03)
assert_contains "$out" "bulletin 2017-03 published" "March's month-check with its files"
assert_eq "0|0|0" \
  "$(psql_q "SELECT record::jsonb #>> '{totals,received}', record::jsonb #>> '{totals,violations}', (SELECT sum((d->>'received')::int) FROM jsonb_array_elements(record::jsonb->'divisions') d) FROM bulletins WHERE label = '2017-03'")" \
  "no work item, task or missed report in March's complaint figures"
wi() { # LABEL DIVISION: its work-item figures, as due|ontime|rate|reports due|missed|sent back|evaluations|satisfied|basically|dissatisfied|rate
  psql_q "SELECT concat_ws('|', d->>'items_due', d->>'ontime', d->>'ontime_rate', d->>'reports_due', d->>'reports_missed', d->>'sent_back', d#>>'{evaluation,evaluations}', d#>>'{evaluation,satisfied}', d#>>'{evaluation,basically}', d#>>'{evaluation,dissatisfied}', d#>>'{evaluation,rate}') FROM bulletins b, jsonb_array_elements(b.record::jsonb #> '{workitems,divisions}') d WHERE b.label = '$1' AND d->>'division' = '$2'"
}
score() { # LABEL DIVISION
  psql_q "SELECT d->>'score' FROM bulletins b, jsonb_array_elements(b.record::jsonb->'divisions') d WHERE b.label = '$1' AND d->>'division' = '$2'"
}
# The work-item section of March (deploy/bulletin/README.md, "Work items"):
#   机关党委: 专题学习讨论 due 03-08, completed and 销号 that day: 1 due, 1 on
#     time; its one report met; evaluated 满意 and 不满意: 50.0%.
#   办公室（法规处）: 制定工作方案 due 03-08, completed 03-09 (late) and sent
#     back once: 1 due, 0 on time, 1 sent back; it leads four items running over
#     the whole plan as well, and none of its five reports due 03-07 was filed
#     by then: 5 due, 5 missed; evaluated 基本满意: 100.0%.
assert_eq "1|1|100.0|1|0|0|2|1|0|1|50.0" "$(wi 2017-03 party)" "机关党委's work items in March"
assert_eq "1|0|0.0|5|5|1|1|0|1|0|100.0" "$(wi 2017-03 office-legal)" "办公室's work items in March"
assert_eq "2|1|50.0|6|5|1|3|66.7" \
  "$(psql_q "SELECT concat_ws('|', t->>'items_due', t->>'ontime', t->>'ontime_rate', t->>'reports_due', t->>'reports_missed', t->>'sent_back', t#>>'{evaluation,evaluations}', t#>>'{evaluation,rate}') FROM bulletins b, LATERAL (SELECT b.record::jsonb #> '{workitems,totals}') x(t) WHERE b.label = '2017-03'")" \
  "the bureau's work items in March"
# The weights (deploy/config/bulletin.conf: work items' on-time rate 30, the
# evaluation's 满意率 10; a missed report -1, a verification sent back -2):
# neither division had a complaint, so without its work items neither would
# be scored at all.
#   机关党委 (30 × 100 + 10 × 50) / 40 = 87.5
#   办公室   (30 × 0 + 10 × 100) / 40 - 5 × 1 - 2 = 18.0
assert_eq "87.5|18.0" "$(score 2017-03 party)|$(score 2017-03 office-legal)" "the work items make the scores"
assert_eq "1|2" "$(psql_q "SELECT string_agg(r->>'rank', '|' ORDER BY r->>'division' DESC) FROM bulletins b, jsonb_array_elements(b.record::jsonb->'ranking') r WHERE b.label = '2017-03'")" \
  "and rank 机关党委 before 办公室"
march=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-03'")
# Another weighting moves the scores: the work items' on-time rate weighed 0
# leaves 机关党委 its evaluation's 50.0 and 办公室 100 - 5 - 2 = 93.0.
sed -e 's/workitems = 30;/workitems = 0;/' "$DUBAN_SOURCE_DIR/deploy/config/bulletin.conf" > "$H_DIR/bulletin-evaluation-only.conf"
out=$(DUBAN_BULLETIN_FILE=$H_DIR/bulletin-evaluation-only.conf harness_ctl bulletin month 2017-03 --no-files --replace)
assert_contains "$out" "bulletin 2017-03 replaced" "March again, weighed otherwise"
assert_eq "50.0|93.0" "$(score 2017-03 party)|$(score 2017-03 office-legal)" "the weight moves the scores"
out=$(harness_ctl bulletin month 2017-03 --no-files --replace)
assert_contains "$out" "bulletin 2017-03 replaced: digest $march" "the shipped weights give the first record again"

# The section in every file (Chinese), after 七、协办情况.
harness_ctl bulletin render 2017-03 > /dev/null
md=$(cat "$OUT/2017-03.md")
assert_contains "$md" "## 八、督办事项" "Markdown: the work-item section"
assert_contains "$md" "本期督办事项（工作方案任务、领导批示、会议议定事项和整改事项）应完成2项，按时完成1项，按时完成率50.0%" "Markdown: its sentence"
assert_contains "$md" "| 机关党委 | 1 | 1 | 100.0% | 1 | 0 | 0 | 0 |" "Markdown: 机关党委's row"
assert_contains "$md" "| 办公室（法规处） | 1 | 0 | 1 | 0 | 100.0% |" "Markdown: 办公室's evaluations"
assert_contains "$md" "督办事项按时完成率×30＋网上评议满意率×10" "Markdown: the scoring rules name the weights"
html=$(cat "$OUT/2017-03.html")
assert_contains "$html" "八、督办事项</h2>" "HTML: the section"
assert_contains "$html" "<td>机关党委</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">1</td><td class=\"n\">50.0%</td>" "HTML: 机关党委's evaluations"
xmllint --noout "$OUT/2017-03.html" || fail "the page is not well-formed"
csv=$(cat "$OUT/2017-03.csv")
assert_contains "$csv" "处室,应完成事项,按时完成,按时完成率,应报进度,进度报告逾期,核验退回,回头看不合格" "CSV: the work-item block"
assert_contains "$csv" "合计,2,1,50.0%,6,5,1,0" "CSV: the bureau's row"

# --- Look-back (回头看): March's month-check drew one of each division's items
#     closed in March (at least one where any were: both), apart from the
#     complaints (none); each is a re-check task of the inspection office. On
#     04-10 the inspection office fails 专题学习讨论 (the study records were
#     incomplete): reopened to 机关党委 with a new lead task due 20 working
#     days on (the workitem SLA policy), no longer verified; it is completed
#     and verified again. 制定工作方案 passes.
assert_eq "office-legal:1:1:$scheme,party:1:1:$study" \
  "$(psql_q "SELECT string_agg(concat_ws(':', d->>'division', d->>'closed', d->>'drawn', d->'cases'->>0), ',' ORDER BY d->>'division') FROM bulletins b, jsonb_array_elements(b.record::jsonb #> '{workitems,sample,divisions}') d WHERE b.label = '2017-03'")" \
  "March's look-back drew both items closed in March"
assert_eq "0" "$(psql_q "SELECT jsonb_array_length(record::jsonb #> '{sample,divisions}') FROM bulletins WHERE label = '2017-03'")" \
  "no complaint was closed in March"
assert_contains "$md" "督办事项回头看：按各处室本月销号督办事项的10%抽取" "Markdown: the work items' look-back"
assert_contains "$md" "抽查事项：办公室（法规处） $scheme；机关党委 $study。" "Markdown: the items drawn"
assert_contains "$md" "督办事项回头看抽查" "Markdown: the look-back table"
recheck_of() { psql_q "SELECT r.id FROM bulletin_rechecks r JOIN cases c ON c.id = r.case_id WHERE r.period = '2017-03' AND c.case_number = '$1'"; }
assert_eq "party|pending" "$(psql_q "SELECT division, state FROM bulletin_rechecks WHERE id = $(recheck_of "$study")")" \
  "专题学习讨论 is a re-check task of 机关党委's"
out=$(harness_ctl bulletin recheck "$(recheck_of "$study")" --fail --note '回头看：学习记录不全' --as insp001)
assert_contains "$out" "reopened" "the failed look-back reopens it"
assert_eq "dispatched|none|1" "$(psql_q "SELECT c.state, w.verification, c.reopened FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.case_number = '$study'")" \
  "专题学习讨论 open again, no longer verified"
assert_eq "party|2|2017-04-10|2017-05-09 09:00" \
  "$(psql_q "SELECT division, round, to_char(dispatched_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), to_char(completion_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM tasks WHERE case_id = $(cid_of 2017-be/3.1.1) AND role = 'lead' ORDER BY id DESC LIMIT 1")" \
  "a new lead task of 机关党委's, due 20 working days on"
assert_eq "rechecked:2017-04-10,reopened:2017-04-10" \
  "$(psql_q "SELECT string_agg(type || ':' || to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), ',' ORDER BY id) FROM case_events WHERE case_id = $(cid_of 2017-be/3.1.1) AND type IN ('rechecked', 'reopened')")" \
  "the timeline tells it, at the clock's instant"
out=$(harness_ctl verify "$study" --accept --as insp001 2>&1 || true)
assert_contains "$out" "refused" "no 销号 without a new completion report"
harness_ctl complete "$study" --text '学习记录已补齐' --as h-party > /dev/null
harness_ctl verify "$study" --accept --text '回头看整改到位' --as insp001 > /dev/null
assert_eq "closed|accepted" "$(psql_q "SELECT c.state, w.verification FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.case_number = '$study'")" \
  "专题学习讨论 销号 again"
out=$(harness_ctl bulletin recheck "$(recheck_of "$scheme")" --pass --note '回头看：方案已晾晒' --as insp001)
assert_contains "$out" "passed" "制定工作方案 passes its look-back"
assert_eq "closed" "$(psql_q "SELECT state FROM cases WHERE case_number = '$scheme'")" "and stays closed"

# --- After March: more activity on March's items (the look-back above, an
#     evaluation in April) changes nothing of March: run
#     again it is byte for byte the same, from its frozen month and from the
#     rows alike; April counts what happened in April.
assert_eq 201 "$(evaluate 127.0.0.4 "$study" dissatisfied)" "专题学习讨论 evaluated again in April"
out=$(harness_ctl bulletin month 2017-03 --no-files)
assert_contains "$out" "bulletin 2017-03 unchanged: digest $march" "March unchanged by April"
out=$(harness_ctl bulletin month 2017-03 --no-files --from-rows)
assert_contains "$out" "bulletin 2017-03 unchanged: digest $march" "March read from the rows is the frozen March"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files)
assert_contains "$out" "bulletin 2017-Q1 published" "the first quarter"
assert_eq "$(psql_q "SELECT record::jsonb #> '{workitems,totals}' FROM bulletins WHERE label = '2017-03'")" \
  "$(psql_q "SELECT record::jsonb #> '{workitems,totals}' FROM bulletins WHERE label = '2017-Q1'")" \
  "the quarter's work items are its months' (nothing fell due in February)"
assert_eq "87.5" "$(score 2017-Q1 party)" "机关党委's quarter"
out=$(harness_ctl bulletin quarter 2017-Q1 --no-files --from-rows)
assert_contains "$out" "unchanged" "the quarter from the rows is the composed quarter"
# --- April, once it has ended: the failed look-back counts there, for
#     机关党委, as a reopen (-3), and April's evaluation (不满意).
harness_steer_to 2017-05-02T09:00:00+08:00
out=$(harness_ctl bulletin month 2017-04 --no-files)
assert_contains "$out" "bulletin 2017-04 published" "April's month-check"
assert_eq "1|1|0|0|1|0.0" \
  "$(psql_q "SELECT concat_ws('|', d->>'lookback_failed', d#>>'{evaluation,evaluations}', d#>>'{evaluation,satisfied}', d#>>'{evaluation,basically}', d#>>'{evaluation,dissatisfied}', d#>>'{evaluation,rate}') FROM bulletins b, jsonb_array_elements(b.record::jsonb #> '{workitems,divisions}') d WHERE b.label = '2017-04' AND d->>'division' = 'party'")" \
  "机关党委 in April: the failed look-back and the evaluation"
assert_eq "0" "$(psql_q "SELECT record::jsonb #>> '{workitems,totals,lookback_failed}' FROM bulletins WHERE label = '2017-03'")" \
  "March counts no look-back"
echo "PASS workitems_plan_2017"
