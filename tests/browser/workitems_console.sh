# The work items' staff console in a real browser (headless Chromium through
# WebDriver, tests/browser/workitems_console_test.py): the inspection office
# creates a leader's instruction from the console; the lead division files a
# progress report and a completion report from the item's page, with files
# attached (a text file and one over intake.photo_max_bytes refused in
# Chinese, the others on the timeline and downloaded) (and is not
# offered 退回 on an item a leader assigned); the inspection office sends the
# completion back with its reason, the division reports again, and the
# office accepts it (销号); the division asks to hand a leader's item over
# (申请调整) and the office reassigns it; a problem of the problem list is accepted into a
# rectification item with its division, person, measure and deadline,
# another is rejected with the reason, a third is entered from the page; a
# leader reads their own items (progress, reports, overdue) and is offered
# nothing; another division is refused the item (the 403 page). A failing
# check saves a screenshot under the test's folder; DUBAN_SCREENSHOT_DIR=DIR
# keeps every page at 1280 and 390 wide.
source "$(dirname "$0")/../lib/harness.sh"
harness_init web_workitems
command -v chromedriver > /dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2> /dev/null || fail "python3-selenium is not installed (tools/test installs it)"
harness_ctl setup --demo-passwords > "$H_DIR/passwords.log"
harness_start

post() { # STAFF PATH JSON: prints the body; fails unless 200
  local code
  code=$(curl -sS -o "$H_DIR/body" -w '%{http_code}' -H "$(auth_as "$1")" -H 'Content-Type: application/json' \
    -X POST --data "$3" "$H_INTAKE_URL$2")
  [[ $code == 200 ]] || fail "POST $2 answered $code: $(cat "$H_DIR/body")"
  cat "$H_DIR/body"
}
# Two problems to review, as the desk enters them.
p1=$(post clerk001 /api/v1/problems '{"ref": "P-1", "source": "visit", "source_detail": "走访座谈：某食品企业", "title": "生产许可证延续手续繁琐", "description": "企业反映延续生产许可证需重复提交材料。", "division": "licensing"}' | jq -r .problem_id)
p2=$(post clerk001 /api/v1/problems '{"ref": "P-2", "source": "mailbox", "title": "检定收费过高", "description": "信箱反映检定收费过高。", "division": "metrology"}' | jq -r .problem_id)
# A leader's item already past its deadline, with a monthly progress report
# missed, for the leader's view.
starts=$(date -u -d '-45 days' +%Y-%m-%dT%H:%M:%SZ)
late_due=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
late=$(post insp001 /api/v1/workitems '{"ref": "LATE-1", "source": "instruction", "leaders": ["ld-liujx"], "title": "加油机计量专项检查", "content": "对全市加油站加油机开展计量专项检查。", "lead_division": "metrology", "starts": "'"$starts"'", "deadline": "'"$late_due"'", "report": {"rhythm": "monthly", "by_working_day": 5}}' | jq -r .case_number)
# And one of another leader, which ld-liujx does not lead.
other=$(post insp001 /api/v1/workitems '{"ref": "OTHER-1", "source": "meeting", "leaders": ["ld-xiayj"], "title": "收费目录公开", "content": "公开行政事业性收费目录。", "lead_division": "finance", "deadline": "'"$(date -u -d '+60 days' +%Y-%m-%dT%H:%M:%SZ)"'"}' | jq -r .case_number)

# Files a division attaches: a PDF of 600 KB (beyond the bodies of JSON the
# console and the API take otherwise), a PNG and a JPEG; a text file and a
# PDF one byte over intake.photo_max_bytes, which the server refuses.
files=$H_DIR/files
mkdir -p "$files"
{ printf '%%PDF-1.4\n%% 整改方案\n'; head -c 600000 /dev/zero | tr '\0' 'x'; printf '\n%%%%EOF\n'; } > "$files/整改方案.pdf"
"$DUBAN_BIN_DIR/photo_make" png "$files/site.png" 64 48
"$DUBAN_BIN_DIR/photo_make" jpeg "$files/现场照片.jpg" 64 48
printf 'not a document\n' > "$files/note.txt"
head -c $((5 * 1024 * 1024 + 1)) /dev/zero | sed '1s/^/%PDF-/' > "$files/big.pdf"

export DUBAN_WEB_URL=$H_WEB_URL DUBAN_INTAKE_URL=$H_INTAKE_URL
export DUBAN_TOKENS_DIR=$H_DIR/tokens DUBAN_TEST_DIR=$H_DIR
export WI_FILES=$files WI_P1=$p1 WI_P2=$p2 WI_LATE=$late WI_OTHER=$other
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/workitems_console_test.py" || fail "browser checks failed (screenshots in $H_DIR/screens)"
echo "PASS web_workitems"
