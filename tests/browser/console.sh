# The staff web console in a real browser (Debian's headless Chromium driven
# through WebDriver by tests/browser/console_test.py): sign-in and sign-out,
# a wrong password, CSRF refused, a task on the division's queue within a
# second without a reload, signing and replying from the case page, a
# warning arriving live, another division's case refused with the Chinese
# 403 page, and paging through 10,000 open tasks with the filters kept.
# Real services on the fast SLA policy (warnings within seconds) on a
# round-the-clock calendar. A failing check saves a screenshot under the
# test's folder and prints its path; DUBAN_SCREENSHOT_DIR=DIR also keeps
# screenshots of every page at 1280 and 390 wide.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init web_console
command -v chromedriver > /dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2> /dev/null || fail "python3-selenium is not installed (tools/test installs it)"
harness_ctl setup --demo-passwords > "$H_DIR/passwords.log"
# 10,000 open tasks of the standards division, written in one statement.
harness_psql -q -v ON_ERROR_STOP=1 -v division=standards -v category=standards -v n=10000 \
  -f "$DUBAN_SOURCE_DIR/tests/lib/seed_queue.sql" > /dev/null
assert_eq 10000 "$(psql_q "SELECT count(*) FROM tasks WHERE division = 'standards'")" "seeded"
harness_psql -q -c 'VACUUM ANALYZE tasks' -c 'VACUUM ANALYZE cases' > /dev/null
harness_start

export DUBAN_WEB_URL=$H_WEB_URL DUBAN_INTAKE_URL=$H_INTAKE_URL
export DUBAN_TOKENS_DIR=$H_DIR/tokens DUBAN_TEST_DIR=$H_DIR
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/console_test.py" || fail "browser checks failed (screenshots in $H_DIR/screens)"
echo "PASS web_console"
