# Attachments of work items' reports (进展报告、完成报告的附件): a division
# uploads a PDF (kept as sent) or a photo (rewritten without its EXIF) to
# its work item, names it in a progress or completion report, which binds
# it once; the timeline lists it; the item's divisions, the inspection
# office and leaders download it, nobody else sees it. Whatever is wrong
# (type, size, name, scope, an id of another item or report) is refused
# with its reason and changes nothing.
source "$(dirname "$0")/../lib/harness.sh"
harness_init workitem_attachments
harness_start

# Started yesterday: its tasks have begun whatever the hour (they begin at the
# start day's first working hour).
today=$(TZ=Asia/Shanghai date -d '-1 day' +%F)
wi=$(harness_ctl workitem create --ref ATT-1 --source plan --title '整改材料报送' \
  --content '各责任处室按月报送整改材料' --leader ld-wangpz --lead party --division office-legal \
  --starts "$today" --deadline "$(TZ=Asia/Shanghai date -d '+90 days' +%F)" | tail -1)
other=$(harness_ctl workitem create --ref ATT-2 --source plan --title '另一事项' --content '内容' \
  --lead metrology --starts "$today" --deadline "$(TZ=Asia/Shanghai date -d '+90 days' +%F)" | tail -1)
cid=$(psql_q "SELECT id FROM cases WHERE case_number = '$wi'")
[[ -n "$cid" ]] || fail "work item not made: $wi"

printf '%%PDF-1.4\n%% 整改方案\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' \
  >"$H_DIR/plan.pdf"
"$DUBAN_BIN_DIR/photo_make" jpeg "$H_DIR/site.jpg" 64 48
grep -q DUBANGPS "$H_DIR/site.jpg" || fail "the test photo has no GPS marker"
printf 'not a document\n' >"$H_DIR/note.txt"

upload() { # STAFF FILE NAME [CASE]: the status; the answer in $H_DIR/up.json
  curl -s -o "$H_DIR/up.json" -w '%{http_code}' -H "$(auth_as "$1")" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$2" \
    "$H_INTAKE_URL/api/v1/cases/${4:-$wi}/attachments?name=$3"
}
attachments() { psql_q "SELECT count(*) FROM case_attachments"; }

assert_eq 201 "$(upload h-party "$H_DIR/plan.pdf" '%E6%95%B4%E6%94%B9%E6%96%B9%E6%A1%88.pdf')" \
  "the lead division uploads a PDF"
pdf=$(jq -r .file_id "$H_DIR/up.json")
assert_eq "整改方案.pdf|application/pdf" "$(jq -r '.name + "|" + .content_type' "$H_DIR/up.json")" "named and typed"
assert_eq 201 "$(upload h-office-legal "$H_DIR/site.jpg" 'site.jpg')" "a co-handling division uploads a photo"
jpg=$(jq -r .file_id "$H_DIR/up.json")
photos_dir=$H_DIR/photos
cmp -s "$H_DIR/plan.pdf" "$photos_dir/$pdf" || fail "the PDF is not kept as sent"
if grep -q -a -e DUBANGPS -e Exif "$photos_dir/$jpg"; then fail "the photo kept its EXIF"; fi

# Refused, with the reason, and nothing stored.
before=$(attachments)
assert_eq 415 "$(upload h-party "$H_DIR/note.txt" 'note.txt')" "a text file"
assert_contains "$(jq -r .detail "$H_DIR/up.json")" "附件只收 PDF、JPEG 或 PNG 文件" "why, in Chinese"
head -c $((5 * 1024 * 1024 + 1)) /dev/zero | sed '1s/^/%PDF-/' >"$H_DIR/big.pdf"
assert_eq 413 "$(upload h-party "$H_DIR/big.pdf" 'big.pdf')" "larger than intake.photo_max_bytes"
assert_contains "$(jq -r .detail "$H_DIR/up.json")" "附件不能超过 5 MB" "why, in Chinese, with the bound"
assert_eq 400 "$(upload h-party "$H_DIR/plan.pdf" 'a%2Fb.pdf')" "a name with a path"
assert_eq 400 "$(upload h-party "$H_DIR/plan.pdf" 'x%1B%5B2J.pdf')" "a name with a control character"
assert_eq 404 "$(upload h-metrology "$H_DIR/plan.pdf" 'x.pdf')" "a division without a task on the item"
assert_eq 403 "$(upload op001 "$H_DIR/plan.pdf" 'x.pdf')" "an operator"
n=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject 电子秤 \
  --description 缺斤短两 --category metrology)
assert_eq 404 "$(upload insp001 "$H_DIR/plan.pdf" 'x.pdf' "$n")" "a complaint is not a work item"
assert_eq "$before" "$(attachments)" "nothing stored by the refusals"
# A scan of a megabyte: bounded by intake.photo_max_bytes, not by the API's
# backstop for JSON bodies (four times intake.max_body).
{ printf '%%PDF-1.4\n'; head -c $((1024 * 1024)) /dev/zero | tr '\0' 'x'; printf '\n%%%%EOF\n'; } >"$H_DIR/scan.pdf"
assert_eq 201 "$(upload h-party "$H_DIR/scan.pdf" 'scan.pdf')" "a PDF of a megabyte"
cmp -s "$H_DIR/scan.pdf" "$photos_dir/$(jq -r .file_id "$H_DIR/up.json")" || fail "the megabyte PDF is not kept as sent"

# A progress report names both: bound to it, listed on the timeline.
step() { # STAFF STEP BODY [CASE]
  curl -s -o "$H_DIR/step.json" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    --data-binary "$3" "$H_INTAKE_URL/api/v1/cases/${4:-$wi}/steps/$2"
}
assert_eq 200 "$(step h-party progress "{\"text\":\"方案已制定\",\"percent\":30,\"attachments\":[\"$pdf\",\"$jpg\"]}")" \
  "progress with two attachments"
assert_eq "整改方案.pdf,site.jpg" \
  "$(psql_q "SELECT string_agg(a->>'name', ',') FROM case_events e, jsonb_array_elements(e.detail->'attachments') a WHERE e.case_id = $cid AND e.type = 'progress_reported'")" \
  "the timeline lists the attachments"
assert_eq "2|1" "$(psql_q "SELECT count(*), count(DISTINCT report_id) FROM case_attachments WHERE case_id = $cid AND report_id IS NOT NULL")" \
  "both bound to the one report"

# Once bound, an attachment is not named again; nor another item's.
reports() { psql_q "SELECT count(*) FROM work_item_reports WHERE case_id = $cid"; }
assert_eq 422 "$(step h-party progress "{\"text\":\"再报\",\"percent\":40,\"attachments\":[\"$pdf\"]}")" "reused"
assert_contains "$(jq -r .detail "$H_DIR/step.json")" "belongs to another report" "why"
assert_eq 201 "$(upload insp001 "$H_DIR/plan.pdf" 'x.pdf' "$other")" "the inspection office uploads to the other item"
foreign=$(jq -r .file_id "$H_DIR/up.json")
assert_eq 422 "$(step h-party progress "{\"text\":\"再报\",\"percent\":40,\"attachments\":[\"$foreign\"]}")" "another item's"
assert_eq 422 "$(step h-party progress '{"text":"再报","percent":40,"attachments":["../etc"]}')" "not a file id"
assert_eq 400 "$(step h-party progress '{"text":"再报","percent":40,"attachments":"x"}')" "not a list"
assert_eq 422 "$(step h-party note "{\"text\":\"备注\",\"attachments\":[\"$foreign\"]}")" "on a step without a report"
assert_eq 1 "$(reports)" "no report from the refused steps"

# dubanctl uploads and names files itself; the completion report too.
harness_ctl progress "$wi" --text '过半' --percent 60 --attach "$H_DIR/plan.pdf" --as h-party >/dev/null
harness_ctl complete "$wi" --text '整改完成' --attach "$H_DIR/site.jpg" --as h-party >/dev/null
assert_eq "progress:1,completion:1" \
  "$(psql_q "SELECT string_agg(r.kind || ':' || (SELECT count(*) FROM case_attachments a WHERE a.report_id = r.id), ',' ORDER BY r.id) FROM work_item_reports r WHERE r.case_id = $cid AND r.id > (SELECT min(id) FROM work_item_reports WHERE case_id = $cid)")" \
  "one attachment with each"
assert_eq "site.jpg" \
  "$(psql_q "SELECT e.detail->'attachments'->0->>'name' FROM case_events e WHERE e.case_id = $cid AND e.type = 'completion_reported'")" \
  "the completion report's timeline lists it"

# An item that starts tomorrow has nothing to report yet.
later=$(harness_ctl workitem create --ref ATT-3 --source plan --title '明天开始' --content '内容' \
  --lead party --starts "$(TZ=Asia/Shanghai date -d '+1 day' +%F)" \
  --deadline "$(TZ=Asia/Shanghai date -d '+90 days' +%F)" | tail -1)
assert_eq 409 "$(step h-party complete '{"text":"提前完成"}' "$later")" "completion before the start"
assert_contains "$(jq -r .detail "$H_DIR/step.json")" "has not begun" "why"

# Reading: the list and a download, within scope.
get() { # STAFF PATH: the status; the body in $H_DIR/get.out, the headers in $H_DIR/get.h
  curl -s -D "$H_DIR/get.h" -o "$H_DIR/get.out" -w '%{http_code}' -H "$(auth_as "$1")" "$H_INTAKE_URL$2"
}
assert_eq 200 "$(get insp001 "/api/v1/cases/$wi/attachments")" "the inspection office lists"
assert_eq 5 "$(jq '.attachments | length' "$H_DIR/get.out")" "five attachments (the scan unbound)"
assert_eq 200 "$(get ld-wangpz "/api/v1/cases/$wi/attachments/$pdf")" "a leader downloads"
cmp -s "$H_DIR/plan.pdf" "$H_DIR/get.out" || fail "the download differs from the upload"
headers=$(tr -d '\r' <"$H_DIR/get.h")
assert_contains "$headers" "Content-Type: application/pdf" "typed"
assert_contains "$headers" "Content-Disposition: attachment; filename=\"attachment\"; filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%96%B9%E6%A1%88.pdf" \
  "a download with its name"
assert_contains "$headers" "X-Content-Type-Options: nosniff" "never sniffed"
assert_contains "$headers" "Content-Security-Policy: default-src 'none'; sandbox" "never a page"
assert_eq 200 "$(get h-office-legal "/api/v1/cases/$wi/attachments/$jpg")" "a co-handling division downloads"
assert_eq 404 "$(get h-metrology "/api/v1/cases/$wi/attachments")" "another division: no such item"
assert_eq 404 "$(get h-metrology "/api/v1/cases/$wi/attachments/$pdf")" "nor its file"
assert_eq 404 "$(get insp001 "/api/v1/cases/$wi/attachments/$foreign")" "another item's file is not this item's"
assert_eq 403 "$(get op001 "/api/v1/cases/$wi/attachments")" "an operator"
echo "PASS workitem_attachments"
