# The citizen's pages in a real browser (Debian's headless Chromium driven
# through WebDriver by tests/browser/public_test.py): the report form at
# phone size (390 wide, the place from the device) and at desktop size
# (keyboard only), each with a photo; an error that keeps what was typed and
# says next to the field what to fix; the status page through a case's
# life (受理, 签收, 办理中, 已答复, 已回访 in Chinese times, the division,
# the expected date, the reply's public part only); a wrong code that keeps
# the number; labels, keyboard and contrast. A failing check saves a
# screenshot under the test's folder and prints its path;
# DUBAN_SCREENSHOT_DIR=DIR also keeps a screenshot of every page.
source "$(dirname "$0")/../lib/harness.sh"
harness_init public_pages
command -v chromedriver > /dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2> /dev/null || fail "python3-selenium is not installed (tools/test installs it)"
harness_start
"$DUBAN_BIN_DIR/photo_make" jpeg "$H_DIR/phone-photo.jpg" 800 600
export DUBAN_INTAKE_URL=$H_INTAKE_URL DUBAN_TEST_DIR=$H_DIR DUBAN_PHOTO=$H_DIR/phone-photo.jpg
export DUBANCTL="$DUBAN_BIN_DIR/dubanctl --config $H_CONF"
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/public_test.py" || fail "browser checks failed (screenshots in $H_DIR/screens)"
echo "PASS public_pages"
