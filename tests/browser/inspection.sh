# The inspection office and the bureau's leaders in a real browser (headless
# Chromium through WebDriver, tests/browser/inspection_test.py): a breach
# arrives on the board live; a storm of alerts is one row, acknowledged with
# a decision and a rung decision; a case returned twice is arbitrated; an
# extension is decided; a month-check is run on demand and its page opened;
# look-back re-checks are failed and passed; a leader sees the month so far
# and no action anywhere, and the API refuses their steps. Real services on
# the fast SLA (breaches within seconds) on a round-the-clock calendar; the
# 2017 ledger imported for the month-check. A failing check saves a
# screenshot under the test's folder; DUBAN_SCREENSHOT_DIR=DIR keeps every
# page at 1280 and 390 wide.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init web_inspection
command -v chromedriver > /dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2> /dev/null || fail "python3-selenium is not installed (tools/test installs it)"
harness_ctl setup --demo-passwords > "$H_DIR/passwords.log"
# 2017's ledger, imported on the real SLA and calendar it was handled on.
(unset DUBAN_SLA_FILE DUBAN_CALENDAR_ROUND_THE_CLOCK
  harness_ctl import-history "$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_2017q1.json" > /dev/null)
harness_start

export DUBAN_WEB_URL=$H_WEB_URL DUBAN_INTAKE_URL=$H_INTAKE_URL
export DUBAN_TOKENS_DIR=$H_DIR/tokens DUBAN_TEST_DIR=$H_DIR
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/inspection_test.py" || fail "browser checks failed (screenshots in $H_DIR/screens)"
echo "PASS web_inspection"
