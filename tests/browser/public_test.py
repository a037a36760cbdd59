"""The citizen's pages in headless Chromium through WebDriver.

Started by tests/browser/public.sh with the services running (environment:
DUBAN_INTAKE_URL, DUBAN_TEST_DIR, DUBAN_PHOTO, DUBANCTL, H_PSQL). Each check
that fails saves a screenshot under DUBAN_TEST_DIR/screens and prints its
path; with DUBAN_SCREENSHOT_DIR set, every page is also kept there.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

INTAKE = os.environ["DUBAN_INTAKE_URL"]
SCREENS = os.path.join(os.environ["DUBAN_TEST_DIR"], "screens")
KEEP = os.environ.get("DUBAN_SCREENSHOT_DIR")
PHOTO = os.environ["DUBAN_PHOTO"]
PSQL = shlex.split(os.environ["H_PSQL"])
DUBANCTL = shlex.split(os.environ["DUBANCTL"])
CN_TIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
CN_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")

os.makedirs(SCREENS, exist_ok=True)
if KEEP:
    os.makedirs(KEEP, exist_ok=True)

# The accessibility checks, run in the page: every control has a label tied
# to it, and every text is at least 4.5:1 against the background it is on.
A11Y = r"""
function lum(c) {
  var m = c.match(/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/);
  if (!m) return null;
  var v = [m[1], m[2], m[3]].map(function (x) {
    x = x / 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return {l: 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2], a: m[4] === undefined ? 1 : +m[4]};
}
function background(el) {
  for (; el; el = el.parentElement) {
    var b = lum(getComputedStyle(el).backgroundColor);
    if (b && b.a > 0) return b.l;
  }
  return 1;
}
var problems = [];
document.querySelectorAll('input, select, textarea').forEach(function (el) {
  if (el.type === 'hidden' || el.hidden) return;
  var label = el.id && document.querySelector('label[for="' + el.id + '"]');
  if (!label) label = el.closest('label');
  if (!label || !label.textContent.trim()) problems.push('no label: ' + (el.id || el.name));
});
document.querySelectorAll('body *').forEach(function (el) {
  var own = Array.prototype.some.call(el.childNodes, function (n) {
    return n.nodeType === 3 && n.textContent.trim(); });
  if (!own || el.offsetParent === null) return;
  var fg = lum(getComputedStyle(el).color), bg = background(el);
  if (!fg) return;
  var hi = Math.max(fg.l, bg), lo = Math.min(fg.l, bg), ratio = (hi + 0.05) / (lo + 0.05);
  if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ': ' + el.tagName + ' ' +
                                 el.textContent.trim().slice(0, 20));
});
return problems;
"""


def psql(sql):
    return subprocess.run(PSQL + ["-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def ctl(*args):
    subprocess.run(DUBANCTL + list(args), check=True, capture_output=True, text=True)


class Failure(Exception):
    pass


class Browser:
    def __init__(self):
        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                     "--user-data-dir=" + tempfile.mkdtemp(prefix="chromium.", dir=SCREENS)):
            o.add_argument(flag)
        service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver") \
            if hasattr(webdriver, "ChromeService") else \
            webdriver.chrome.service.Service(executable_path="/usr/bin/chromedriver")
        self.d = webdriver.Chrome(service=service, options=o)
        self.d.set_window_size(1280, 900)
        self.checks = 0

    def shot(self, name):
        path = os.path.join(SCREENS, name + ".png")
        self.d.save_screenshot(path)
        return path

    def fail(self, what):
        path = self.shot("FAILED-" + "".join(c if c.isalnum() else "_" for c in what)[:60])
        raise Failure("%s (screenshot: %s; url %s)" % (what, path, self.d.current_url))

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.fail(what)

    def wait(self, cond, what, timeout=15):
        def attempt(d):
            try:
                return cond()
            except StaleElementReferenceException:
                return False
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(attempt)
        except TimeoutException:
            self.fail("timed out waiting for " + what)

    def css(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def text(self, sel):
        found = self.css(sel)
        return found[0].text if found else ""

    def value(self, sel):
        found = self.css(sel)
        return found[0].get_attribute("value") if found else None

    def keep(self, name):
        if KEEP:
            width = self.d.execute_script("return window.innerWidth")
            total = self.d.execute_script("return document.documentElement.scrollHeight")
            self.d.set_window_size(self.d.get_window_size()["width"], min(total + 140, 3000))
            time.sleep(0.2)
            self.d.save_screenshot(os.path.join(KEEP, "%s-%d.png" % (name, width)))

    def accessible(self, page):
        problems = self.d.execute_script(A11Y)
        self.check(not problems, "%s: labels and contrast: %s" % (page, "; ".join(problems[:5])))
        wide = self.d.execute_script(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth")
        self.check(not wide, "%s scrolls sideways" % page)

    def active(self):
        return self.d.execute_script("return document.activeElement && document.activeElement.id")

    def keys(self, *keys):
        """Keys pressed on the keyboard, wherever the focus is."""
        ActionChains(self.d).send_keys(*keys).perform()

    def tab_to(self, target, limit=40):
        """Tabs until the control with id target has the focus; the ids passed."""
        seen = []
        for _ in range(limit):
            self.keys(Keys.TAB)
            seen.append(self.active())
            if seen[-1] == target:
                return seen
        self.fail("the keyboard never reaches #%s (went through %r)" % (target, seen))


def receipt(b):
    b.wait(lambda: b.css("#query-code"), "the receipt")
    number, code = b.text("#case-number"), b.text("#query-code")
    b.check(re.match(r"^DB\d{14}$", number) and re.match(r"^[2-9A-HJ-NP-Z]{8}$", code),
            "the number and the code on the receipt")
    return number, code


def form_page(b):
    b.d.get(INTAKE + "/")
    b.wait(lambda: b.css("#subject"), "the report form")
    b.check("某省质量技术监督局" in b.d.title and "某省质量技术监督局" in b.text("header"),
            "the bureau named")
    for field in ("subject", "description"):
        label = b.text('label[for="%s"]' % field)
        b.check("必填" in label, "%s marked required: %r" % (field, label))
    b.check("只有办理您这件事的工作人员能看到" in b.text(".notice"), "the privacy notice")


def submit_on_phone(b):
    """390 wide, a photo, the place from the device."""
    b.d.set_window_size(390, 844)
    b.d.execute_cdp_cmd("Browser.grantPermissions", {"origin": INTAKE, "permissions": ["geolocation"]})
    b.d.execute_cdp_cmd("Emulation.setGeolocationOverride",
                        {"latitude": 30.2741, "longitude": 120.1551, "accuracy": 10})
    form_page(b)
    b.accessible("the form at 390 wide")
    b.css("#category option[value=metrology]")[0].click()
    b.css("#subject")[0].send_keys("农贸市场电子秤缺斤短两")
    b.css("#description")[0].send_keys("3号摊位电子秤称一斤只有九两\n摊主不肯复秤")
    b.css("#locate")[0].click()
    b.wait(lambda: b.value("#lat"), "the position from the device")
    b.check("已附上当前位置" in b.text("#locate-note"), "the place confirmed in words")
    b.css("#place")[0].send_keys("文三路农贸市场")
    b.css("#photo")[0].send_keys(PHOTO)
    b.css("#phone")[0].send_keys("13800005555")
    b.keep("form-phone")
    b.css("#submit")[0].click()
    number, code = receipt(b)
    b.accessible("the receipt at 390 wide")
    b.keep("receipt-phone")
    row = psql("SELECT round(latitude::numeric, 4), round(longitude::numeric, 4),"
               " (SELECT count(*) FROM case_photos p WHERE p.case_id = c.id) FROM cases c"
               " WHERE case_number = '%s'" % number)
    b.check(row == "30.2741|120.1551|1", "the place and one photo stored: %r" % row)
    b.d.set_window_size(1280, 900)
    return number, code


def submit_by_keyboard(b):
    """1280 wide, keyboard only (the file chosen as a file dialog would)."""
    form_page(b)
    b.accessible("the form at 1280 wide")
    b.d.find_element(By.TAG_NAME, "body").click()
    b.tab_to("kind")
    b.keys(Keys.DOWN, Keys.DOWN)  # 投诉 -> 举报 -> 咨询
    b.tab_to("subject")
    b.keys("锅炉年检怎么预约", Keys.TAB)
    b.check(b.active() == "description", "subject then description")
    b.keys("单位的锅炉明年到期，想问年检流程")
    b.css("#photo")[0].send_keys(PHOTO)
    seen = b.tab_to("submit")
    for field in ("photo", "name", "phone", "anonymous", "confidential"):
        b.check(field in seen, "the keyboard reaches #%s (%r)" % (field, seen))
    b.keys(Keys.ENTER)
    number, _ = receipt(b)
    b.check(psql("SELECT kind || '|' || (SELECT count(*) FROM case_photos p WHERE p.case_id = c.id)"
                 " FROM cases c WHERE case_number = '%s'" % number) == "enquiry|1",
            "an enquiry with its photo, by keyboard alone")
    b.keep("receipt-desktop")


def error_keeps_input(b):
    form_page(b)
    b.css("#subject")[0].send_keys("电梯困人")
    b.css("#description")[0].send_keys("小区5号楼电梯\n困人半小时")
    b.css("#phone")[0].send_keys("call me")
    b.css("#photo")[0].send_keys(PHOTO)
    before = psql("SELECT count(*) FROM cases")
    b.css("#submit")[0].click()
    b.wait(lambda: b.css("#form-error"), "the refusal")
    b.check(b.active() == "form-error", "the list of what to fix takes the focus")
    b.check("联系电话" in b.text("#phone-error"), "the error next to the phone, in Chinese: %r"
            % b.text("#phone-error"))
    b.check(b.css("#phone")[0].get_attribute("aria-invalid") == "true", "the field marked")
    b.check("phone-error" in b.css("#phone")[0].get_attribute("aria-describedby"),
            "and tied to its message")
    b.check(b.value("#subject") == "电梯困人", "the subject kept")
    b.check(b.value("#description") == "小区5号楼电梯\n困人半小时", "the description kept")
    b.check(b.value("#phone") == "call me", "the phone kept as typed")
    b.check("请重新选择" in b.text("#photo-again"), "told to choose the photo again")
    b.check("requester" not in b.d.page_source and "requester.phone" not in b.d.page_source,
            "no internal field names")
    b.check(psql("SELECT count(*) FROM cases") == before, "nothing stored")
    b.accessible("the refused form")
    b.keep("form-error")
    b.css("#phone")[0].clear()
    b.css("#phone")[0].send_keys("13900006666")
    b.css("#photo")[0].send_keys(PHOTO)
    b.css("#submit")[0].click()
    receipt(b)


def status(b, number, code):
    b.d.get(INTAKE + "/status")
    b.wait(lambda: b.css("#number"), "the status form")
    b.css("#number")[0].send_keys(number)
    b.css("#code")[0].send_keys(code)
    b.css("#code")[0].send_keys(Keys.ENTER)
    b.wait(lambda: b.css("#case-state"), "the status of " + number)


def steps(b):
    return [(li.get_attribute("class"), li.text) for li in b.css("ol.steps li")]


def status_through_life(b, number, code):
    fr = psql("SELECT first_responder FROM cases WHERE case_number = '%s'" % number)
    deadline = time.time() + 20
    while psql("SELECT state FROM cases WHERE case_number = '%s'" % number) != "dispatched":
        if time.time() > deadline:
            b.fail("case %s never dispatched" % number)
        time.sleep(0.2)
    status(b, number, code)
    b.check(CN_TIME.search(b.text("#case-received")), "received in Chinese time: %r"
            % b.text("#case-received"))
    b.check(b.text("#case-division") == "计量处", "the division named")
    b.check(CN_DATE.search(b.text("#case-expected")), "the expected completion date")
    s = steps(b)
    b.check([n.split("\n")[0] for _, n in s] == ["受理", "签收", "办理中", "已答复", "已回访"],
            "the five steps in words: %r" % s)
    b.check(s[0][0] == "done" and CN_TIME.search(s[0][1]) and s[1][0] == "current",
            "received done with its time, signing next: %r" % s)
    b.accessible("the status page")
    b.keep("status-dispatched")

    ctl("sign", number, "--as", "h-metrology")
    status(b, number, code)
    s = steps(b)
    b.check(s[1][0] == "done" and s[2][0] == "current", "signed, now in handling: %r" % s)

    ctl("reply", number, "--as", "h-metrology", "--result", "已责令摊主更换检定合格的电子秤",
        "--internal", "摊主曾因同类问题被处罚（内部）")
    status(b, number, code)
    s = steps(b)
    b.check(s[3][0] == "done" and s[4][0] == "current", "answered: %r" % s)
    b.check("已责令摊主更换检定合格的电子秤" in b.text("#case-reply"), "the reply's public part")
    b.check("内部" not in b.d.page_source and "处罚" not in b.d.page_source,
            "never the internal part")
    b.check(b.text("#case-state") == "已答复", "state in words")
    b.keep("status-replied")

    ctl("inform", number, "--as", fr, "--how", "电话")
    ctl("callback", number, "--as", fr, "--satisfaction", "满意")
    status(b, number, code)
    s = steps(b)
    b.check(all(c == "done" for c, _ in s), "every step done after the callback: %r" % s)
    b.check(CN_TIME.search(s[4][1]), "the callback's time")
    b.check(b.text("#case-state") == "已办结", "closed")
    b.check("13800005555" not in b.d.page_source, "no phone on the status page")
    b.keep("status-closed")

    # A wrong code: refused, the number kept, the code to be typed again.
    b.d.get(INTAKE + "/status")
    b.css("#number")[0].send_keys(number)
    b.css("#code")[0].send_keys("ZZZZZZZZ")
    b.css("#code")[0].send_keys(Keys.ENTER)
    b.wait(lambda: b.css("#status-error"), "the refusal of a wrong code")
    b.check(b.value("#number") == number, "the number kept as typed")
    b.check(b.value("#code") == "", "the code asked again")
    b.check("不正确" in b.text("#status-error"), "said in Chinese")
    b.accessible("the refused lookup")


def main():
    b = Browser()
    try:
        number, code = submit_on_phone(b)
        submit_by_keyboard(b)
        error_keeps_input(b)
        status_through_life(b, number, code)
        print("browser checks passed: %d" % b.checks)
    except Failure as e:
        print("FAIL: " + str(e), file=sys.stderr)
        return 1
    finally:
        b.d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
