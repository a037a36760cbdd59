# The work items' public pages in a real browser (headless Chromium through
# WebDriver, tests/browser/workitems_public_test.py): the index, the problem
# list, the rectification list and a division's plan at phone size (390
# wide) and desktop size (1280), with no personal data even when a
# problem's source names a person; an item's page, and its evaluation
# chosen and sent with the keyboard alone, then counted with its 满意率.
# A failing check saves a screenshot under the test's folder;
# DUBAN_SCREENSHOT_DIR=DIR keeps a screenshot of every page.
source "$(dirname "$0")/../lib/harness.sh"
harness_init workitems_public_pages
command -v chromedriver > /dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2> /dev/null || fail "python3-selenium is not installed (tools/test installs it)"
harness_start

post() { # STAFF PATH JSON: prints the body; fails unless 200
  local code
  code=$(curl -sS -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    -X POST --data "$3" "$H_INTAKE_URL$2")
  [[ $code == 200 ]] || fail "POST $2 answered $code: $(cat "$H_DIR/body")"
  cat "$H_DIR/body"
}
deadline=$(date -u -d '+60 days' +%Y-%m-%dT%H:%M:%SZ)
past=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
p1=$(post clerk001 /api/v1/problems '{"ref": "P-1", "source": "visit", "source_detail": "走访座谈：张三丰（13912345678）所在企业", "title": "生产许可证延续手续繁琐", "description": "企业反映延续生产许可证需重复提交材料。"}' | jq -r .problem_id)
rect=$(post insp001 "/api/v1/problems/$p1/review" '{"accept": true, "text": "属实", "rectification": {"lead_division": "licensing", "divisions": ["office-legal"], "responsible_staff": "h-licensing", "measure": "推行延续免核查，材料一次提交", "deadline": "'"$deadline"'"}}' | jq -r .case_number)
psql_q "INSERT INTO plans (code, title) VALUES ('BE2017', '优化营商环境工作方案')" > /dev/null
item() { # REF LEAD TITLE
  echo '{"ref": "'"$1"'", "source": "plan", "plan": "BE2017", "title": "'"$3"'", "content": "内部内容", "lead_division": "'"$2"'", "starts": "'"$past"'", "deadline": "'"$deadline"'"}'
}
wi1=$(post insp001 /api/v1/workitems "$(item WI-1 office-legal 制定本部门工作方案并在网站晾晒)" | jq -r .case_number)
wi2=$(post insp001 /api/v1/workitems "$(item WI-2 finance 公开行政事业性收费目录)" | jq -r .case_number)
harness_ctl complete "$wi2" --text '收费目录已在门户网站公开，接受社会监督' --as h-finance > /dev/null

export DUBAN_INTAKE_URL=$H_INTAKE_URL DUBAN_TEST_DIR=$H_DIR DUBAN_PHOTO=/dev/null
export DUBANCTL="$DUBAN_BIN_DIR/dubanctl --config $H_CONF"
export WP_RECT=$rect WP_ITEM=$wi1 WP_DONE=$wi2
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/workitems_public_test.py" || fail "browser checks failed (screenshots in $H_DIR/screens)"
echo "PASS workitems_public_pages"
