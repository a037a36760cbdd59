# Supervised work items (督办事项) on the workflow's own machinery: the
# inspection office creates one through the API (dispatched at once to the
# lead and responsible divisions, with report tasks for its monthly progress
# reports); a second creation with the same ref makes nothing; only the
# inspection office creates every kind, a leader their own instruction, a
# division none; only the inspection office verifies; a leader's item cannot be
# returned, only asked to be reassigned (recorded); progress reports meet
# the report due; reply and close are refused; 销号 needs the lead
# division's completion report and an accepted verification; a
# verification sent back reopens the item with its deadline still running;
# the inspection office reassigns an item; every step is on the timeline.
source "$(dirname "$0")/../lib/harness.sh"
harness_init workitems
harness_start

post() { # STAFF PATH JSON: prints "STATUS BODY"
  curl -sS -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    -X POST --data "$3" "$H_INTAKE_URL$2"
  printf ' '
  cat "$H_DIR/body"
}
status_of() { echo "${1%% *}"; }
body_of() { echo "${1#* }"; }
step() { # STAFF CASE STEP JSON
  post "$1" "/api/v1/cases/$2/steps/$3" "$4"
}
q() { psql_q "$1"; }

starts=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
deadline=$(date -u -d '+100 days' +%Y-%m-%dT%H:%M:%SZ)
item() { # REF SOURCE LEADERS_JSON
  cat <<EOF
{"ref": "$1", "source": "$2", "title": "制定工作方案", "content": "各处室研究制定本部门工作方案，在省局网站上集中晾晒。",
 "leaders": $3, "lead_division": "office-legal", "divisions": ["party", "personnel"],
 "named_units": "各处室、相关事业单位", "starts": "$starts", "deadline": "$deadline",
 "report": {"rhythm": "monthly", "by_working_day": 5},
 "milestones": [{"title": "方案晾晒", "due": "$deadline"}]}
EOF
}

# --- Who may create, and what a whole item is.
out=$(post h-office-legal /api/v1/workitems "$(item WI-1 instruction '["leader001"]')")
assert_eq 403 "$(status_of "$out")" "a division does not create work items"
out=$(post leader001 /api/v1/workitems "$(item WI-1 plan '["leader001"]')")
assert_eq 403 "$(status_of "$out")" "a leader creates no plan's item: the inspection office does"
assert_contains "$out" "source instruction" "says what a leader creates"
out=$(post leader001 /api/v1/workitems "$(item WI-1 instruction '["ld-liujx"]')")
assert_eq 403 "$(status_of "$out")" "nor another leader's instruction"
assert_contains "$out" 'leaders is [\"leader001\"]' "says whom it names"
out=$(post leader001 /api/v1/workitems "$(item WI-1 instruction '["leader001", "ld-liujx"]')")
assert_eq 403 "$(status_of "$out")" "nor one led with another leader"
out=$(post insp001 /api/v1/workitems "$(item WI-1 instruction '["op001"]')")
assert_eq 422 "$(status_of "$out")" "a lead leader must have the leader role"
assert_contains "$out" "op001 is not staff with the leader role" "says which"
out=$(post insp001 /api/v1/workitems "$(item WI-1 instruction '[]')")
assert_eq 422 "$(status_of "$out")" "an instruction names its leader"
out=$(post insp001 /api/v1/workitems '{"ref": "WI-x", "source": "plan", "title": "t", "content": "c", "lead_division": "nowhere", "deadline": "2099-01-01T00:00:00Z"}')
assert_eq 422 "$(status_of "$out")" "the lead division must be configured"
out=$(post insp001 /api/v1/workitems '{"ref": "WI-x", "source": "plan", "title": "t", "content": "c", "lead_division": "party", "deadline": "next week"}')
assert_eq 400 "$(status_of "$out")" "a deadline that is not an instant is refused"
assert_eq 0 "$(q "SELECT count(*) FROM work_items")" "nothing refused was stored"

# --- Created: the case, its tasks, their clocks, the console messages.
out=$(post insp001 /api/v1/workitems "$(item WI-1 instruction '["leader001"]')")
assert_eq 200 "$(status_of "$out")" "the inspection office creates a work item"
wi=$(body_of "$out" | jq -r .case_number)
assert_contains "$(body_of "$out" | jq -r .message)" "created" "answered as made"
cid=$(q "SELECT id FROM cases WHERE case_number = '$wi'")
assert_eq "workitem|office|dispatched|insp001" "$(q "SELECT kind, channel, state, first_responder FROM cases WHERE id = $cid")" \
  "a case of kind workitem, dispatched without triage, its creator first responder"
assert_eq "instruction|{leader001}|office-legal|{party,personnel}|t|monthly|5" \
  "$(q "SELECT source, leaders, lead_division, divisions, leader_assigned, report_rhythm, report_day FROM work_items WHERE case_id = $cid")" \
  "the work item as filed"
assert_eq "co:party,co:personnel,lead:office-legal" \
  "$(q "SELECT string_agg(role || ':' || division, ',' ORDER BY role, division) FROM tasks WHERE case_id = $cid AND role <> 'report'")" \
  "a lead task and a task per responsible division"
reports=$(q "SELECT count(*) FROM tasks WHERE case_id = $cid AND role = 'report' AND division = 'office-legal'")
((reports >= 3)) || fail "monthly reports over 100 days: at least 3 report tasks, got $reports"
assert_eq t "$(q "SELECT bool_and(completion_due = (SELECT deadline FROM work_items WHERE case_id = $cid)) FROM tasks WHERE case_id = $cid AND role <> 'report'")" \
  "the item's tasks are due at its deadline"
assert_eq t "$(q "SELECT bool_and(completion_warn < completion_due AND response_due IS NULL) FROM tasks WHERE case_id = $cid AND role = 'report'")" \
  "a report task is warned before it falls due and has nothing to sign"
assert_eq "$((reports + 3))" "$(q "SELECT count(DISTINCT task_id) FROM task_clocks WHERE case_id = $cid")" \
  "every task's clocks recorded"
assert_eq 3 "$(q "SELECT count(*) FROM outbox WHERE case_id = $cid AND msg_type = 3")" \
  "a TaskDispatched to each division's console (not one per report)" # TASK_DISPATCHED
assert_eq 1 "$(q "SELECT count(*) FROM work_item_milestones WHERE case_id = $cid")" "milestone stored"

# --- Idempotent on the ref.
out=$(post insp001 /api/v1/workitems "$(item WI-1 instruction '["leader001"]')")
assert_eq 200 "$(status_of "$out")" "the same creation again"
assert_eq "$wi" "$(body_of "$out" | jq -r .case_number)" "answers the item made the first time"
assert_eq 1 "$(q "SELECT count(*) FROM cases WHERE kind = 'workitem'")" "and makes nothing twice"

# --- A leader's item cannot be returned; asking to reassign is recorded.
out=$(step h-office-legal "$wi" return '{"text": "不归我处", "division": "party"}')
assert_eq 409 "$(status_of "$out")" "a leader's work item cannot be returned"
assert_contains "$out" "ask-reassign" "the refusal says what to do instead"
out=$(step h-office-legal "$wi" ask-reassign '{"text": "方案制定归机关党委牵头更合适", "to": "party"}')
assert_eq 200 "$(status_of "$out")" "the division asks the inspection office to reassign"
assert_eq "office-legal|party" "$(q "SELECT detail->>'division', detail->>'suggested' FROM case_events WHERE case_id = $cid AND type = 'reassign_requested'")" \
  "the request is recorded on the timeline"
assert_eq 1 "$(q "SELECT count(*) FROM outbox WHERE case_id = $cid AND topic = 'inspection|'")" "and reaches the inspection office"
assert_eq dispatched "$(q "SELECT state FROM tasks WHERE case_id = $cid AND role = 'lead'")" "the task stays with the division meanwhile"

# --- Progress reports.
out=$(step h-office-legal "$wi" sign '{}')
assert_eq 200 "$(status_of "$out")" "signed"
out=$(step h-office-legal "$wi" progress '{"text": "已起草方案", "percent": 150}')
assert_eq 422 "$(status_of "$out")" "percent beyond 100 refused"
out=$(step h-office-legal "$wi" progress '{"text": "已起草方案"}')
assert_eq 422 "$(status_of "$out")" "a progress report states the percent done"
out=$(step h-office-legal "$wi" progress '{"text": "已起草方案，征求各处室意见", "percent": 30}')
assert_eq 200 "$(status_of "$out")" "progress report filed"
first_report=$(q "SELECT id FROM tasks WHERE case_id = $cid AND role = 'report' ORDER BY completion_due LIMIT 1")
assert_eq "replied" "$(q "SELECT state FROM tasks WHERE id = $first_report")" "it meets the first report due"
assert_eq "30|$first_report" "$(q "SELECT percent, report_task FROM work_item_reports WHERE case_id = $cid AND kind = 'progress'")" \
  "the report stored with its percent and the due it met"
assert_eq 30 "$(q "SELECT percent FROM work_items WHERE case_id = $cid")" "the item's percent done"
assert_eq met "$(q "SELECT ended FROM task_clocks WHERE task_id = $first_report AND clock = 'completion'")" "the report's clock met"
out=$(step h-office-legal "$wi" progress '{"text": "继续修改", "percent": 50}')
assert_eq 200 "$(status_of "$out")" "another report before the next window opens"
assert_eq "" "$(q "SELECT report_task FROM work_item_reports WHERE case_id = $cid AND percent = 50")" \
  "meets no report not yet due"
out=$(step h-party "$wi" progress '{"text": "党委部分已完成", "percent": 80}')
assert_eq 200 "$(status_of "$out")" "a responsible division reports progress too"
assert_eq 50 "$(q "SELECT percent FROM work_items WHERE case_id = $cid")" "the item's percent is the lead division's"
rt=$(q "SELECT id FROM tasks WHERE case_id = $cid AND role = 'report' AND state = 'dispatched' LIMIT 1")
out=$(step h-office-legal "$wi" sign "{\"task_id\": $rt}")
assert_eq 409 "$(status_of "$out")" "no step acts on a report task directly"

# --- Closing around the verification is refused.
for s in reply inform close; do
  out=$(step insp001 "$wi" "$s" '{"text": "完成"}')
  assert_eq 409 "$(status_of "$out")" "$s refused on a work item"
done
out=$(step h-office-legal "$wi" reply '{"text": "完成"}')
assert_eq 409 "$(status_of "$out")" "the division's reply is refused: a work item has a completion report"
assert_contains "$out" "complete, then verify" "the refusal says how"
out=$(step insp001 "$wi" verify '{"accept": true}')
assert_eq 409 "$(status_of "$out")" "no verification without a completion report"
out=$(step h-office-legal "$wi" verify '{"accept": true}')
assert_eq 403 "$(status_of "$out")" "a division does not verify"

# --- Completion reports and the verification sent back.
out=$(step h-party "$wi" complete '{"text": "机关党委方案已晾晒"}')
assert_eq 200 "$(status_of "$out")" "a responsible division's completion report"
assert_eq "dispatched|none" "$(q "SELECT c.state, w.verification FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.id = $cid")" \
  "does not put the item before the inspection office"
out=$(step h-office-legal "$wi" complete '{"text": "各处室方案已在省局网站晾晒"}')
assert_eq 200 "$(status_of "$out")" "the lead division's completion report"
assert_eq "replied|awaiting|100" "$(q "SELECT c.state, w.verification, w.percent FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.id = $cid")" \
  "the item awaits verification"
assert_eq 0 "$(q "SELECT count(*) FROM tasks WHERE case_id = $cid AND role = 'report' AND state = 'dispatched'")" \
  "no report is owed any more"
out=$(step insp001 "$wi" verify '{"accept": false}')
assert_eq 422 "$(status_of "$out")" "sending back needs a reason"
due=$(q "SELECT completion_due FROM tasks WHERE case_id = $cid AND role = 'lead'")
out=$(step insp001 "$wi" verify '{"accept": false, "text": "人事处方案未晾晒"}')
assert_eq 200 "$(status_of "$out")" "verification sent back"
assert_eq "dispatched|sent_back" "$(q "SELECT c.state, w.verification FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.id = $cid")" \
  "the item is reopened"
assert_eq "2|dispatched|$due" "$(q "SELECT round, state, completion_due FROM tasks WHERE case_id = $cid AND role = 'lead' ORDER BY id DESC LIMIT 1")" \
  "to the lead division again, its deadline still running"
out=$(step insp001 "$wi" close '{}')
assert_eq 409 "$(status_of "$out")" "still no 销号 by closing"
out=$(step h-office-legal "$wi" complete '{"text": "人事处方案已补充晾晒"}')
assert_eq 200 "$(status_of "$out")" "completion report again"
out=$(step insp001 "$wi" verify '{"accept": true, "text": "核验通过"}')
assert_eq 200 "$(status_of "$out")" "verification accepted"
assert_eq "closed|accepted|insp001" "$(q "SELECT c.state, w.verification, w.verified_by FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.id = $cid")" \
  "销号: closed"
assert_eq "f|t" "$(q "SELECT string_agg(accepted::text, '|' ORDER BY id) FROM work_item_verifications WHERE case_id = $cid" | sed 's/false/f/; s/true/t/')" \
  "both verifications recorded"

# --- Everything on the timeline, as staff read it.
timeline=$(curl -sS -H "$(auth_as insp001)" "$H_INTAKE_URL/api/v1/cases/$wi" | jq -r '[.timeline[].type] | join(",")')
for t in workitem_created dispatched report_due reassign_requested signed progress_reported completion_reported verification_sent_back reopened verified closed; do
  assert_contains "$timeline" "$t" "timeline has $t"
done

# --- An item from a meeting, no leader: returned as a complaint would be;
#     one a leader assigned is reassigned by the inspection office.
out=$(post insp001 /api/v1/workitems '{"ref": "WI-2", "source": "meeting", "title": "大厅预约服务", "content": "完善预约服务", "lead_division": "finance", "deadline": "'"$deadline"'"}')
assert_eq 200 "$(status_of "$out")" "a meeting's item without a leader"
wi2=$(body_of "$out" | jq -r .case_number)
assert_eq 0 "$(q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$wi2' AND t.role = 'report'")" \
  "no report rhythm, no report tasks"
out=$(step h-finance "$wi2" return '{"text": "大厅归行政审批处", "division": "licensing"}')
assert_eq 200 "$(status_of "$out")" "a division may return an item no leader assigned"
out=$(post insp001 /api/v1/workitems "$(item WI-3 plan '["leader001"]')")
wi3=$(body_of "$out" | jq -r .case_number)
c3=$(q "SELECT id FROM cases WHERE case_number = '$wi3'")
out=$(step h-office-legal "$wi3" reassign '{"division": "party", "text": "改由机关党委牵头"}')
assert_eq 403 "$(status_of "$out")" "a division does not reassign"
out=$(step insp001 "$wi3" reassign '{"division": "party"}')
assert_eq 422 "$(status_of "$out")" "a reassignment records its grounds"
out=$(step insp001 "$wi3" reassign '{"division": "party", "text": "改由机关党委牵头"}')
assert_eq 200 "$(status_of "$out")" "the inspection office reassigns"
assert_eq "office-legal:returned,party:dispatched" \
  "$(q "SELECT string_agg(division || ':' || state, ',' ORDER BY id) FROM tasks WHERE case_id = $c3 AND role = 'lead'")" \
  "the old lead task ends, the new lead division has the item"
assert_eq "t|$due" "$(q "SELECT arbitrated, completion_due FROM tasks WHERE case_id = $c3 AND role = 'lead' AND division = 'party'")" \
  "by decision (not returnable), with the deadline it had"
assert_eq "party|{personnel}" "$(q "SELECT lead_division, divisions FROM work_items WHERE case_id = $c3")" "the item's lead division"
assert_eq 0 "$(q "SELECT count(*) FROM tasks WHERE case_id = $c3 AND role = 'report' AND state = 'dispatched' AND division <> 'party'")" \
  "its reports due move to the new lead division"
# --- The staff's list: everything for the inspection office, a division its own.
get() { curl -sS -H "$(auth_as "$1")" "$H_INTAKE_URL$2"; }
assert_eq "3" "$(get insp001 /api/v1/workitems | jq '.workitems | length')" "the inspection office reads every item"
assert_eq "$wi|closed|accepted|100" \
  "$(get leader001 "/api/v1/workitems?state=closed" | jq -r '.workitems[] | [.case_number, .state, .verification, .percent] | join("|")')" \
  "a leader reads the closed ones"
assert_eq "1" "$(get h-personnel "/api/v1/workitems?state=open" | jq '.workitems | length')" \
  "a division reads the items it is responsible for (WI-3; WI-2 is another's)"
assert_eq "0" "$(get h-metrology /api/v1/workitems | jq '.workitems | length')" "and nothing else"
assert_eq "403" "$(curl -sS -o /dev/null -w '%{http_code}' -H "$(auth_as op001)" "$H_INTAKE_URL/api/v1/workitems")" \
  "the desk does not read work items"
# --- One item, a leader's items, overdue: what the console's pages read.
one=$(get leader001 "/api/v1/workitems/$wi")
assert_eq "$wi|[\"分管副局长\"]|1|方案晾晒|false" \
  "$(jq -r '[.case_number, (.leader_names | tojson), (.milestones | length), .milestones[0].title, .overdue] | join("|")' <<< "$one")" \
  "one item with its leaders' names, milestones and whether it is overdue"
assert_contains "$(jq -r .content <<< "$one")" "集中晾晒" "and its content"
assert_eq 404 "$(curl -sS -o /dev/null -w '%{http_code}' -H "$(auth_as h-metrology)" "$H_INTAKE_URL/api/v1/workitems/$wi")" \
  "another division's item is not found for a division"
assert_eq 404 "$(curl -sS -o /dev/null -w '%{http_code}' -H "$(auth_as insp001)" "$H_INTAKE_URL/api/v1/workitems/DB0000")" \
  "an unknown item is not found"
assert_eq 2 "$(get leader001 "/api/v1/workitems?leader=leader001" | jq '.workitems | length')" "a leader's own items (WI-1, WI-3)"
assert_eq 0 "$(get leader001 "/api/v1/workitems?leader=ld-xiayj" | jq '.workitems | length')" "another leader leads none"
late_start=$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)
late_due=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
out=$(post insp001 /api/v1/workitems '{"ref": "WI-4", "source": "meeting", "title": "窗口服务规范", "content": "制定窗口服务规范", "lead_division": "metrology", "starts": "'"$late_start"'", "deadline": "'"$late_due"'"}')
late=$(body_of "$out" | jq -r .case_number)
assert_eq "true" "$(get insp001 "/api/v1/workitems/$late" | jq -r .overdue)" "an open item past its deadline is overdue"
assert_eq "$late" "$(get h-metrology /api/v1/workitems | jq -r '.workitems[] | select(.overdue) | .case_number')" \
  "and so listed for its division"
# --- dubanctl reads the same lists.
listed=$(harness_ctl workitem list --leader leader001 --state closed)
assert_contains "$listed" "$wi closed" "dubanctl workitem list --leader --state"
assert_contains "$listed" "1 work item(s)" "with its count"
shown=$(harness_ctl workitem show "$late")
assert_contains "$shown" "(overdue)" "dubanctl workitem show says it is overdue"
assert_contains "$shown" "lead division: metrology" "and who leads it"
assert_contains "$(harness_ctl workitem show "$wi" --as h-metrology 2>&1 || true)" "not found" \
  "a division's handler cannot show another's item"
assert_eq 4 "$(harness_ctl workitem list --json | jq '.workitems | length')" "--json prints the API's answer"
# --- A leader (their office acting in their name) files their own instruction,
#     which they lead; a division's handler cannot.
out=$(post ld-liujx /api/v1/workitems "$(item LD-1 instruction '["ld-liujx"]')")
assert_eq 200 "$(status_of "$out")" "a leader creates a work item of their instruction"
ld=$(body_of "$out" | jq -r .case_number)
assert_eq "workitem|dispatched|ld-liujx|instruction|{ld-liujx}|office-legal|t" \
  "$(q "SELECT c.kind, c.state, c.first_responder, w.source, w.leaders, w.lead_division, w.leader_assigned FROM cases c JOIN work_items w ON w.case_id = c.id WHERE c.case_number = '$ld'")" \
  "made as the inspection office's are, the leader its creator and lead leader, not returnable"
assert_eq "co:party,co:personnel,lead:office-legal" \
  "$(q "SELECT string_agg(t.role || ':' || t.division, ',' ORDER BY t.role, t.division) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$ld' AND t.role <> 'report'")" \
  "dispatched to its divisions"
assert_eq "$ld" "$(get ld-liujx "/api/v1/workitems?leader=ld-liujx" | jq -r '.workitems[] | select(.case_number == "'"$ld"'") | .case_number')" \
  "among the leader's own items"
out=$(post h-office-legal /api/v1/workitems "$(item LD-2 instruction '["ld-liujx"]')")
assert_eq 403 "$(status_of "$out")" "a division's handler creates no work item, not even a leader's instruction"
assert_eq 0 "$(q "SELECT count(*) FROM work_items WHERE ref = 'LD-2'")" "nothing made"
# --- Report rhythms a plan names: quarterly by a working day, every n
#     working days (dubanctl --report-every), and from a plan's file.
q_due=$(date -u -d '+200 days' +%Y-%m-%dT%H:%M:%SZ)
out=$(post insp001 /api/v1/workitems '{"ref": "RH-1", "source": "meeting", "title": "季度报送", "content": "按季度报送进度", "lead_division": "finance", "deadline": "'"$q_due"'", "report": {"rhythm": "quarterly", "by_working_day": 5}}')
assert_eq 200 "$(status_of "$out")" "a quarterly item"
rh1=$(q "SELECT case_id FROM work_items WHERE ref = 'RH-1'")
assert_eq "quarterly|5" "$(q "SELECT report_rhythm || '|' || report_day FROM work_items WHERE case_id = $rh1")" "stored with its rhythm"
quarters=$(q "SELECT count(*) || '|' || bool_and(extract(month FROM completion_due AT TIME ZONE 'Asia/Shanghai') IN (1, 4, 7, 10)) || '|' || bool_and(extract(day FROM completion_due AT TIME ZONE 'Asia/Shanghai') <= 20) FROM tasks WHERE case_id = $rh1 AND role = 'report'")
[[ $quarters == 2\|true\|true || $quarters == 3\|true\|true ]] ||
  fail "200 days, quarterly by the 5th working day: 2 or 3 reports in the first 20 days of January, April, July or October, got $quarters"
out=$(post insp001 /api/v1/workitems '{"ref": "RH-x", "source": "meeting", "title": "每周", "content": "每周报送", "lead_division": "finance", "deadline": "'"$q_due"'", "report": {"rhythm": "weekly"}}')
assert_eq 422 "$(status_of "$out")" "a rhythm that is not one of the API's"
assert_contains "$out" "working_days" "names the ones there are"
out=$(post insp001 /api/v1/workitems '{"ref": "RH-x", "source": "meeting", "title": "每周", "content": "每周报送", "lead_division": "finance", "deadline": "'"$q_due"'", "report": {"rhythm": "working_days", "every_working_days": 61}}')
assert_eq 422 "$(status_of "$out")" "every 61 working days is beyond the bound"
harness_ctl workitem create --ref RH-2 --source meeting --title '每五个工作日报送' --content '专项检查进展' \
  --lead finance --deadline "$(TZ=Asia/Shanghai date -d '+30 days' +%F)" --report-every 5 > /dev/null
rh2=$(q "SELECT case_id FROM work_items WHERE ref = 'RH-2'")
assert_eq "working_days|5" "$(q "SELECT report_rhythm || '|' || report_day FROM work_items WHERE case_id = $rh2")" \
  "dubanctl --report-every"
every=$(q "SELECT count(*) FROM tasks WHERE case_id = $rh2 AND role = 'report'")
((every >= 3 && every <= 5)) || fail "every 5 working days over 30 days: 3 to 5 reports, got $every"
assert_eq t "$(q "SELECT bool_and(dispatched_at < completion_due) AND count(DISTINCT completion_due) = count(*) FROM tasks WHERE case_id = $rh2 AND role = 'report'")" \
  "each report's window opens as the last one falls due"
cat > "$H_DIR/plan.json" <<EOF
{"code": "rh-plan", "title": "节奏测试方案", "phases": [{"seq": 1, "name": "全程", "starts": "$(TZ=Asia/Shanghai date +%F)", "ends": "$(TZ=Asia/Shanghai date -d '+200 days' +%F)"}],
 "report": {"rhythm": "monthly", "by_working_day": 5},
 "items": [{"ref": "RH-3", "phase": 1, "title": "按季报送", "content": "季度报送", "lead_division": "finance", "report": {"rhythm": "quarterly", "by_working_day": 3}},
           {"ref": "RH-4", "phase": 1, "title": "按月报送", "content": "月度报送", "lead_division": "finance"}]}
EOF
assert_eq "plan rh-plan: 2 items, 2 new, 0 refused" "$(harness_ctl import-plan "$H_DIR/plan.json")" "import-plan"
assert_eq "RH-3:quarterly:3,RH-4:monthly:5" "$(q "SELECT string_agg(ref || ':' || report_rhythm || ':' || report_day, ',' ORDER BY ref) FROM work_items WHERE plan = 'rh-plan'")" \
  "an item's own rhythm, else the plan's"
# --- The roster for the console's pickers (leaders, persons responsible).
assert_eq "leader" "$(get insp001 /api/v1/org | jq -r '.staff[] | select(.code == "ld-liujx") | .role')" \
  "the org lists the staff with their roles"
echo "PASS workitems"
