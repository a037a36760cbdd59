# The hotline desk in a real browser (headless Chromium through WebDriver,
# tests/browser/desk_test.py): an operator files a case from a phone call
# and sees the caller's earlier case beside the form, then attaches the next
# call to that open case (its timeline shows it; the lead division's queue,
# open in a second browser, marks it live); search finds a case by a Chinese
# word of its description, by number (straight to the case) and by phone,
# and a division's search shows only its own cases; the manual triage queue
# categorises a case no keyword matched and the division's queue gets it
# live; 我的工单 shows 待告知 live when the division replies; a division's
# search that read as many cases as one may (intake.search_max_rows, 100
# here) asks in Chinese for a narrower one, and the history of a caller with
# more cases than that shows the newest and says so. A failing check
# saves a screenshot under the test's folder; DUBAN_SCREENSHOT_DIR=DIR keeps
# every page at 1280 and 390 wide.
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
export DUBAN_INTAKE_SEARCH_MAX_ROWS=100
source "$(dirname "$0")/../lib/harness.sh"
harness_init web_desk
command -v chromedriver > /dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2> /dev/null || fail "python3-selenium is not installed (tools/test installs it)"
harness_ctl setup --demo-passwords > "$H_DIR/passwords.log"
harness_start
# 1,000 closed older cases (about one in five with 小区), and standards holding
# a task of 150 of those without it.
harness_psql -q -v ON_ERROR_STOP=1 -v n=1000 -f "$DUBAN_SOURCE_DIR/tests/lib/seed_search.sql" > /dev/null ||
  fail "seeding cases"
psql_q "INSERT INTO tasks (case_id, division, role, state, replied_at)
        SELECT id, 'standards', 'lead', 'replied', created_at FROM cases
         WHERE source = 'benchmark' AND strpos(subject || description, '小区') = 0 LIMIT 150" > /dev/null

export DUBAN_WEB_URL=$H_WEB_URL DUBAN_INTAKE_URL=$H_INTAKE_URL
export DUBAN_TOKENS_DIR=$H_DIR/tokens DUBAN_TEST_DIR=$H_DIR
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/desk_test.py" || fail "browser checks failed (screenshots in $H_DIR/screens)"
echo "PASS web_desk"
