# The problem list (问题清单) becomes the rectification list (整改清单):
# problems entered by staff with their source (a visit, the mailbox, a
# complaint case), filed once per ref; only the inspection office reviews;
# a rejection keeps its reason; an accepted problem becomes, in the same
# statement, a rectification item: a work item of source problem with its
# lead division, person responsible (staff of that division) and measure,
# dispatched like any work item; a problem is reviewed once.
source "$(dirname "$0")/../lib/harness.sh"
harness_init problem_list
harness_start

post() { # STAFF PATH JSON: prints "STATUS BODY"
  curl -sS -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    -X POST --data "$3" "$H_INTAKE_URL$2"
  printf ' '
  cat "$H_DIR/body"
}
status_of() { echo "${1%% *}"; }
body_of() { echo "${1#* }"; }
q() { psql_q "$1"; }
deadline=$(date -u -d '+60 days' +%Y-%m-%dT%H:%M:%SZ)

# --- Filing: with the source recorded; by the desk, clerks or the inspection office.
visit='{"ref": "P-1", "source": "visit", "source_detail": "走访座谈：某食品企业", "title": "生产许可证延续手续繁琐", "description": "企业反映延续生产许可证需重复提交材料。", "division": "licensing"}'
out=$(post h-licensing /api/v1/problems "$visit")
assert_eq 403 "$(status_of "$out")" "a division does not file problems"
out=$(post leader001 /api/v1/problems "$visit")
assert_eq 403 "$(status_of "$out")" "a leader reads only"
out=$(post clerk001 /api/v1/problems "$visit")
assert_eq 200 "$(status_of "$out")" "a clerk enters a problem from a visit"
p1=$(body_of "$out" | jq -r .problem_id)
assert_eq "visit|走访座谈：某食品企业|licensing|clerk001|open" \
  "$(q "SELECT source, source_detail, division_hint, filed_by, state FROM problems WHERE id = $p1")" "stored with its source"
out=$(post clerk001 /api/v1/problems "$visit")
assert_eq "200 $p1" "$(status_of "$out") $(body_of "$out" | jq -r .problem_id)" "the same ref files nothing twice"
assert_eq 1 "$(q "SELECT count(*) FROM problems")" "one problem"
out=$(post insp001 /api/v1/problems '{"ref": "P-x", "source": "rumour", "title": "t", "description": "d"}')
assert_eq 422 "$(status_of "$out")" "an unknown source is refused"
out=$(post insp001 /api/v1/problems '{"ref": "P-x", "source": "case", "title": "t", "description": "d"}')
assert_eq 422 "$(status_of "$out")" "a problem from a case names the case"
out=$(post insp001 /api/v1/problems '{"ref": "P-x", "source": "case", "case_number": "DB19990101000001", "title": "t", "description": "d"}')
assert_eq 422 "$(status_of "$out")" "the case must exist"
out=$(post insp001 /api/v1/problems '{"ref": "P-2", "source": "mailbox", "title": "收费项目不公开", "description": "信箱来信：检验收费标准未公示。"}')
p2=$(body_of "$out" | jq -r .problem_id)
assert_eq 200 "$(status_of "$out")" "the inspection office enters a problem from the mailbox"

# --- Review: only the inspection office; a rejection needs its reason.
out=$(post h-licensing "/api/v1/problems/$p1/review" '{"accept": false, "text": "不属实"}')
assert_eq 403 "$(status_of "$out")" "a division does not review"
out=$(post insp001 "/api/v1/problems/$p2/review" '{"accept": false}')
assert_eq 422 "$(status_of "$out")" "a rejection needs its reason"
out=$(post insp001 "/api/v1/problems/$p2/review" '{"accept": false, "text": "收费标准已公示，经核实不属实"}')
assert_eq 200 "$(status_of "$out")" "rejected"
assert_eq "rejected|insp001|收费标准已公示，经核实不属实" "$(q "SELECT state, reviewed_by, review_reason FROM problems WHERE id = $p2")" \
  "the rejection and its reason recorded"
out=$(post insp001 "/api/v1/problems/$p2/review" '{"accept": false, "text": "again"}')
assert_eq 409 "$(status_of "$out")" "a problem is reviewed once"

# --- Accepted: the rectification item.
rect() { # PERSON MEASURE
  echo '{"accept": true, "text": "问题属实，列入整改清单", "rectification": {"lead_division": "licensing", "divisions": ["office-legal"], "responsible_staff": "'"$1"'", "measure": "'"$2"'", "deadline": "'"$deadline"'", "report": {"rhythm": "monthly", "by_working_day": 5}}}'
}
out=$(post insp001 "/api/v1/problems/$p1/review" "$(rect h-licensing '')")
assert_eq 422 "$(status_of "$out")" "a rectification item states its measure"
out=$(post insp001 "/api/v1/problems/$p1/review" "$(rect h-metrology '推行延续免核')")
assert_eq 422 "$(status_of "$out")" "the person responsible is staff of the lead division"
assert_eq open "$(q "SELECT state FROM problems WHERE id = $p1")" "nothing refused changed the problem"
out=$(post insp001 "/api/v1/problems/$p1/review" "$(rect h-licensing '推行生产许可证延续免核查，材料一次提交')")
assert_eq 200 "$(status_of "$out")" "accepted"
item=$(body_of "$out" | jq -r .case_number)
cid=$(q "SELECT id FROM cases WHERE case_number = '$item'")
assert_eq "accepted|$cid|问题属实，列入整改清单" "$(q "SELECT state, rectification_case_id, review_reason FROM problems WHERE id = $p1")" \
  "the problem points to its rectification item"
assert_eq "problem|$p1|h-licensing|推行生产许可证延续免核查，材料一次提交|licensing|{office-legal}|f" \
  "$(q "SELECT source, problem_id, responsible_staff, measure, lead_division, divisions, leader_assigned FROM work_items WHERE case_id = $cid")" \
  "a work item of source problem with its person responsible and measure"
assert_eq "生产许可证延续手续繁琐|workitem|dispatched" "$(q "SELECT subject, kind, state FROM cases WHERE id = $cid")" \
  "titled as the problem, dispatched"
assert_eq "co:office-legal,lead:licensing" \
  "$(q "SELECT string_agg(role || ':' || division, ',' ORDER BY role) FROM tasks WHERE case_id = $cid AND role <> 'report'")" \
  "to its divisions as tasks"
out=$(post insp001 "/api/v1/problems/$p1/review" "$(rect h-licensing '推行生产许可证延续免核查，材料一次提交')")
assert_eq "200 $item" "$(status_of "$out") $(body_of "$out" | jq -r .case_number)" "the same review again makes nothing"
assert_eq 1 "$(q "SELECT count(*) FROM work_items")" "one rectification item"
assert_eq "$p1" "$(q "SELECT detail->>'problem' FROM case_events WHERE case_id = $cid AND type = 'workitem_created'")" \
  "its timeline names the problem"

# --- It is handled as a work item: 销号 by verification.
harness_ctl complete "$item" --text '已推行延续免核查' --as h-licensing > /dev/null
out=$(harness_ctl verify "$item" --accept --as insp001)
assert_contains "$out" "closed" "the rectification item 销号"
# --- From the command line.
out=$(harness_ctl problem add --ref P-3 --source survey --title '办事指南不清' --description '问卷反映办事指南不清楚' 2>&1)
assert_contains "$out" "filed for review" "dubanctl problem add"
p3=$(q "SELECT id FROM problems WHERE ref = 'P-3'")
out=$(harness_ctl problem review "$p3" --reject --reason '已整改' 2>&1)
assert_contains "$out" "rejected" "dubanctl problem review"
get() { curl -sS -H "$(auth_as "$1")" "$H_INTAKE_URL$2"; }
assert_eq "$p1|accepted|$item,$p2|rejected|,$p3|rejected|" \
  "$(get clerk001 /api/v1/problems | jq -r '[.problems[] | [.id, .state, (.rectification // "")] | map(tostring) | join("|")] | join(",")')" \
  "the problem list with each problem's outcome"
assert_eq 0 "$(get insp001 '/api/v1/problems?state=open' | jq '.problems | length')" "none open"
assert_eq "403" "$(curl -sS -o /dev/null -w '%{http_code}' -H "$(auth_as h-licensing)" "$H_INTAKE_URL/api/v1/problems")" \
  "a division does not read the problem list"
out=$(harness_ctl problem list --state rejected)
assert_contains "$out" "$p3 rejected" "dubanctl problem list --state"
assert_contains "$out" "2 problem(s)" "with its count"
echo "PASS problem_list"
