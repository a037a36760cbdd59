# The work items in public (晾晒) and their evaluation (网上评议): the problem
# list, the rectification list and a division's part of a plan show the
# public fields and nothing else (no source_detail naming a person, no
# filer, no staff code, no report text, no verification reason); an item
# is evaluated once per visitor and month, the visitor kept only as a keyed
# hash; bad input gets a Chinese problem; a flood gets 429; an evaluation
# from a watched address is kept flagged and not counted.
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=12
source "$(dirname "$0")/../lib/harness.sh"
harness_init workitems_public
harness_start

post() { # STAFF PATH JSON: prints "STATUS BODY"
  curl -sS -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    -X POST --data "$3" "$H_INTAKE_URL$2"
  printf ' '
  cat "$H_DIR/body"
}
pub() { # PATH: the public JSON, status printed, body in $H_DIR/p
  curl -sS -o "$H_DIR/p" -w '%{http_code}' "$H_INTAKE_URL$1"
}
evaluate() { # NUMBER JSON: status printed, body in $H_DIR/e
  curl -sS -o "$H_DIR/e" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$2" \
    "$H_INTAKE_URL/api/v1/public/workitems/$1/evaluations"
}
status_of() { echo "${1%% *}"; }
body_of() { echo "${1#* }"; }
q() { psql_q "$1"; }
deadline=$(date -u -d '+60 days' +%Y-%m-%dT%H:%M:%SZ)

# --- A problem from a visit that names a person, accepted as a rectification item.
out=$(post clerk001 /api/v1/problems '{"ref": "P-1", "source": "visit", "source_detail": "走访座谈：张三丰（13912345678）所在企业", "title": "生产许可证延续手续繁琐", "description": "企业反映延续生产许可证需重复提交材料。", "division": "licensing"}')
assert_eq 200 "$(status_of "$out")" "a problem filed"
p1=$(body_of "$out" | jq -r .problem_id)
out=$(post insp001 "/api/v1/problems/$p1/review" '{"accept": true, "text": "内部意见：属实", "rectification": {"lead_division": "licensing", "divisions": ["office-legal"], "responsible_staff": "h-licensing", "measure": "推行延续免核查，材料一次提交", "deadline": "'"$deadline"'", "report": {"rhythm": "monthly", "by_working_day": 5}}}')
assert_eq 200 "$(status_of "$out")" "accepted as a rectification item"
rect=$(body_of "$out" | jq -r .case_number)
out=$(post insp001 /api/v1/problems '{"ref": "P-2", "source": "mailbox", "source_detail": "来信人李四", "title": "收费项目不公开", "description": "检验收费标准未公示。"}')
p2=$(body_of "$out" | jq -r .problem_id)
post insp001 "/api/v1/problems/$p2/review" '{"accept": false, "text": "内部：收费标准已公示"}' > /dev/null

# --- A plan's items, by two lead divisions.
q "INSERT INTO plans (code, title, issued_by, issued_on) VALUES ('BE2017', '优化营商环境工作方案', '局党组', '2017-03-01')" > /dev/null
item() { # REF LEAD TITLE STARTS
  echo '{"ref": "'"$1"'", "source": "plan", "plan": "BE2017", "title": "'"$3"'", "content": "内部内容", "lead_division": "'"$2"'", "starts": "'"$4"'", "deadline": "'"$deadline"'"}'
}
past=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
future=$(date -u -d '+10 days' +%Y-%m-%dT%H:%M:%SZ)
out=$(post insp001 /api/v1/workitems "$(item WI-1 office-legal 制定工作方案 "$past")")
assert_eq 200 "$(status_of "$out")" "a plan item"
wi1=$(body_of "$out" | jq -r .case_number)
out=$(post insp001 /api/v1/workitems "$(item WI-2 office-legal 清理证明事项 "$future")")
wi2=$(body_of "$out" | jq -r .case_number)
out=$(post insp001 /api/v1/workitems "$(item WI-3 finance 公开收费目录 "$past")")
wi3=$(body_of "$out" | jq -r .case_number)
harness_ctl progress "$wi1" --percent 40 --text '内部进展：已起草' --as h-office-legal > /dev/null
harness_ctl complete "$wi3" --text '收费目录已在门户网站公开' --as h-finance > /dev/null

# --- The rectification list: exactly the public fields.
assert_eq 200 "$(pub /api/v1/public/workitems/rectification)" "the rectification list"
assert_eq "completion_summary,deadline,divisions,lead_division,measure,number,percent,responsible,status,status_label,title" \
  "$(jq -r '.items[0] | keys | join(",")' "$H_DIR/p")" "exactly the public fields"
licensing=$(q "SELECT name FROM divisions WHERE code = 'licensing'")
assert_eq "$rect|生产许可证延续手续繁琐|$licensing|推行延续免核查，材料一次提交|in_progress|办理中|1" \
  "$(jq -r '[.items[0].number, .items[0].title, .items[0].lead_division, .items[0].measure, .items[0].status, .items[0].status_label, .total] | map(tostring) | join("|")' "$H_DIR/p")" \
  "the item, its measure and status"
responsible=$(q "SELECT name FROM staff WHERE code = 'h-licensing'")
assert_eq "$responsible" "$(jq -r '.items[0].responsible' "$H_DIR/p")" "the person responsible by name"
for secret in h-licensing clerk001 insp001 张三丰 13912345678 内部意见; do
  assert_not_contains "$(cat "$H_DIR/p")" "$secret" "no $secret on the rectification list"
done

# --- The problem list: title, description, source, state; never source_detail or filer.
assert_eq 200 "$(pub /api/v1/public/workitems/problems)" "the problem list"
assert_eq "completion_summary,deadline,description,filed,id,lead_division,number,source,source_label,state,state_label,status,status_label,title" \
  "$(jq -r '.items[] | select(.id == "'"$p1"'") | keys | join(",")' "$H_DIR/p")" "exactly the public fields"
assert_eq "accepted|已列入整改|走访座谈|$rect,rejected|经核实不列入整改|局长信箱|" \
  "$(jq -r '[.items[] | [.state, .state_label, .source_label, .number] | join("|")] | reverse | join(",")' "$H_DIR/p")" \
  "each problem's outcome and its rectification item"
for secret in 张三丰 13912345678 李四 clerk001 insp001 内部; do
  assert_not_contains "$(cat "$H_DIR/p")" "$secret" "no $secret on the problem list"
done
page=$(curl -sS "$H_INTAKE_URL/workitems/problems")
assert_contains "$page" "生产许可证延续手续繁琐" "the problem list's page"
for secret in 张三丰 13912345678 李四 clerk001; do
  assert_not_contains "$page" "$secret" "no $secret on the problem list's page"
done

# --- A division's work plan: its items only, each with its status.
assert_eq 200 "$(pub '/api/v1/public/workitems/plan?plan=BE2017&division=office-legal')" "a division's plan"
assert_eq "$wi1|in_progress|40,$wi2|not_started|0" \
  "$(jq -r '[.items[] | [.number, .status, .percent] | join("|")] | sort | join(",")' "$H_DIR/p")" \
  "started and not started, with the last percent"
assert_not_contains "$(cat "$H_DIR/p")" "已起草" "no report text"
assert_eq 200 "$(pub '/api/v1/public/workitems/plan?plan=BE2017&division=finance')" "another division's plan"
assert_eq "$wi3|awaiting|待核验|收费目录已在门户网站公开" \
  "$(jq -r '.items[] | [.number, .status, .status_label, .completion_summary] | join("|")' "$H_DIR/p")" \
  "awaiting verification with its completion summary"
assert_eq 404 "$(pub '/api/v1/public/workitems/plan?plan=nope')" "an unknown plan"
page=$(curl -sS "$H_INTAKE_URL/workitems")
assert_contains "$page" "/workitems/plan?plan=BE2017&amp;division=finance" "the index lists each division's plan"
page=$(curl -sS -D "$H_DIR/h" "$H_INTAKE_URL/workitems/plan?plan=BE2017&division=office-legal")
assert_contains "$page" "未开始" "the status in Chinese"
assert_contains "$(cat "$H_DIR/h")" "Content-Security-Policy: default-src 'none'" "the public pages' CSP"
harness_ctl verify "$wi3" --accept --as insp001 > /dev/null
pub '/api/v1/public/workitems/plan?plan=BE2017&division=finance' > /dev/null
assert_eq "closed|已销号" "$(jq -r '.items[0] | [.status, .status_label] | join("|")' "$H_DIR/p")" "销号 after verification"
# Paging: bounded, 20 a page.
assert_eq "2|20|0" "$(pub '/api/v1/public/workitems/rectification?page=2' > /dev/null; jq -r '[.page, .per_page, (.items | length)] | map(tostring) | join("|")' "$H_DIR/p")" \
  "a page past the end is empty"
assert_eq "500" "$(pub '/api/v1/public/workitems/problems?page=99999' > /dev/null; jq -r .page "$H_DIR/p")" "pages are bounded"

# --- Evaluation: once per visitor, item and month; the address never stored.
assert_eq 201 "$(evaluate "$wi1" '{"rating": "satisfied", "comment": "进展公开，很好"}')" "an evaluation"
assert_eq "1|0|0|1" "$(jq -r '.evaluations | [.satisfied, .basically, .dissatisfied, .satisfaction_rate] | map(tostring) | join("|")' "$H_DIR/e")" \
  "counted, 满意率 shown"
assert_eq 409 "$(evaluate "$wi1" '{"rating": "dissatisfied"}')" "the same visitor again this month"
assert_contains "$(cat "$H_DIR/e")" "本月已经评价过" "said in Chinese"
assert_eq 201 "$(evaluate "$wi3" '{"rating": "dissatisfied"}')" "another item"
assert_eq 1 "$(q "SELECT count(*) FROM work_item_evaluations e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$wi1'")" \
  "one evaluation stored"
period=$(TZ=Asia/Shanghai date +%Y-%m)
assert_eq "$period|0" "$(q "SELECT period, count(*) FILTER (WHERE visitor LIKE '%127.0.0.1%' OR comment LIKE '%127.0.0.1%') FROM work_item_evaluations GROUP BY period")" \
  "the month, no address"
assert_eq 2 "$(q "SELECT count(DISTINCT visitor) FROM work_item_evaluations")" "a visitor's evaluations of two items cannot be linked"
page=$(curl -sS "$H_INTAKE_URL/workitems/item?number=$wi1")
assert_contains "$page" "100.0%" "满意率 on the item's page"
assert_not_contains "$page" "进展公开，很好" "comments are not published"

# --- Bad input: refused in Chinese, nothing stored.
before=$(q "SELECT count(*) FROM work_item_evaluations")
assert_eq 422 "$(evaluate "$wi2" '{"rating": "great"}')" "an unknown rating"
assert_eq "rating|请选择 满意、基本满意 或 不满意。" "$(jq -r '[.field, .detail] | join("|")' "$H_DIR/e")" "named in Chinese"
assert_eq 422 "$(evaluate "$wi2" '{"rating": "satisfied", "comment": "好\u001b[2J"}')" "a control character"
assert_eq comment "$(jq -r .field "$H_DIR/e")" "the comment named"
assert_contains "$(jq -r .detail "$H_DIR/e")" "控制字符" "said in Chinese"
long=$(printf '很%.0s' $(seq 301))
assert_eq 422 "$(evaluate "$wi2" '{"rating": "satisfied", "comment": "'"$long"'"}')" "a comment over 300 characters"
assert_eq 422 "$(evaluate "$wi2" '[1]')" "not an object"
assert_eq 404 "$(evaluate DB19990101000001 '{"rating": "satisfied"}')" "no such item"
assert_eq "$before" "$(q "SELECT count(*) FROM work_item_evaluations")" "nothing refused was stored"

# --- A watched address: kept, flagged, not counted, not told.
harness_ctl watchlist add --ip 127.0.0.1 --reason '刷评价' > /dev/null
assert_eq 201 "$(evaluate "$wi2" '{"rating": "dissatisfied"}')" "accepted all the same"
assert_eq "t" "$(q "SELECT e.flagged FROM work_item_evaluations e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$wi2'")" "flagged"
assert_eq "0|null" "$(jq -r '.evaluations | [.dissatisfied, .satisfaction_rate] | map(tostring) | join("|")' "$H_DIR/e")" "not counted"
harness_ctl watchlist remove --ip 127.0.0.1 > /dev/null

# --- A flood of evaluations from one address: 429 past the limit (12 a minute).
got=""
for _ in $(seq 30); do
  code=$(evaluate "$wi1" '{"rating": "satisfied"}')
  [[ $code == 429 ]] && { got=429; break; }
done
assert_eq 429 "$got" "rate limited"
assert_contains "$(cat "$H_DIR/e")" "请一分钟后再试" "in Chinese"
assert_eq 1 "$(q "SELECT count(*) FROM work_item_evaluations e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$wi1'")" \
  "still one evaluation of the item"
echo "PASS workitems_public"
