"""The staff web console in headless Chromium through WebDriver.

Started by tests/browser/console.sh with the services running (environment:
DUBAN_WEB_URL, DUBAN_INTAKE_URL, DUBAN_TOKENS_DIR, DUBAN_TEST_DIR; the
psql command line in H_PSQL). Each check that fails saves a screenshot under
DUBAN_TEST_DIR/screens and prints its path; with DUBAN_SCREENSHOT_DIR set,
every page is also kept there at 1280 and 390 pixels wide.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

WEB = os.environ["DUBAN_WEB_URL"]
INTAKE = os.environ["DUBAN_INTAKE_URL"]
TOKENS = os.environ["DUBAN_TOKENS_DIR"]
SCREENS = os.path.join(os.environ["DUBAN_TEST_DIR"], "screens")
KEEP = os.environ.get("DUBAN_SCREENSHOT_DIR")
PSQL = shlex.split(os.environ["H_PSQL"])

os.makedirs(SCREENS, exist_ok=True)
if KEEP:
    os.makedirs(KEEP, exist_ok=True)


def psql(sql):
    return subprocess.run(PSQL + ["-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def submit(kind, subject, description, category, phone=None):
    """Records a hotline case as op001 through intake's API; its number."""
    body = {"channel": "hotline", "kind": kind, "subject": subject,
            "description": description, "category": category}
    if phone:
        body["requester"] = {"name": "王五", "phone": phone}
    with open(os.path.join(TOKENS, "op001.token")) as f:
        token = f.read().strip()
    req = urllib.request.Request(INTAKE + "/api/v1/cases", json.dumps(body).encode(),
                                 {"Authorization": "Bearer " + token,
                                  "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.load(res)["case_number"]


def browser():
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
    d = webdriver.Chrome(service=service, options=o)
    d.set_window_size(1280, 900)
    return d


class Failure(Exception):
    pass


class Console:
    def __init__(self):
        self.d = browser()
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

    def wait(self, cond, what, timeout=10, poll=0.05):
        def attempt(d):
            try:
                return cond()
            except StaleElementReferenceException:
                return False  # the page re-rendered under us: look again
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=poll).until(attempt)
        except TimeoutException:
            self.fail("timed out waiting for " + what)

    def css(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def click(self, sel, what, timeout=10):
        """Clicks the first element sel finds, found afresh until the click
        lands: a live update may replace it between finding and clicking."""
        def attempt():
            found = self.css(sel)
            if not found:
                return False
            found[0].click()
            return True
        self.wait(attempt, what, timeout=timeout)

    def text(self, sel):
        found = self.css(sel)
        try:
            return found[0].text if found else ""
        except StaleElementReferenceException:
            return ""

    def keep(self, name):
        """Screenshots of the page as it is, at 1280 and at 390 wide."""
        if not KEEP:
            return
        for width, height in ((1280, 900), (390, 844)):
            self.d.set_window_size(width, height)
            time.sleep(0.3)
            total = self.d.execute_script("return document.documentElement.scrollHeight")
            self.d.set_window_size(width, min(max(height, total + 140), 3000))
            time.sleep(0.2)
            self.d.save_screenshot(os.path.join(KEEP, "%s-%d.png" % (name, width)))
            wide = self.d.execute_script(
                "return document.documentElement.scrollWidth > document.documentElement.clientWidth")
            self.check(not wide, "%s at %d wide scrolls sideways: only tables may" % (name, width))
        self.d.set_window_size(1280, 900)

    def mark(self):
        """A mark that a reload would wipe: proves a change came in place."""
        self.d.execute_script("window.__stillHere = 1")

    def not_reloaded(self):
        return self.d.execute_script("return window.__stillHere === 1")

    def signin(self, staff, password):
        self.d.get(WEB + "/console/signin")
        self.wait(lambda: self.css("#staff"), "the sign-in form")
        self.css("#staff")[0].clear()
        self.css("#staff")[0].send_keys(staff)
        self.css("#password")[0].send_keys(password)
        self.css("#submit")[0].click()

    def signout(self):
        self.css(".who button")[0].click()
        self.wait(lambda: "/console/signin" in self.d.current_url, "the sign-in page after sign-out")


def run(c):
    d = c.d
    # --- Sign-in: a wrong password is refused on the page; the right one opens the queue.
    c.signin("h-metrology", "not-the-password")
    c.wait(lambda: "工号或密码不正确" in c.text("#form-error"), "the refusal of a wrong password")
    c.check("/console/signin" in d.current_url, "a wrong password stays on the sign-in page")
    c.keep("signin-refused")
    c.signin("h-metrology", "demo-h-metrology")
    c.wait(lambda: "/console/queue" in d.current_url and c.css("#rows tr"), "the division's queue")
    c.wait(lambda: "计量处" in c.text("#title"), "the division's name in the title")
    c.wait(lambda: "计量处经办人" in c.text(".who"), "the signed-in person at the top right")
    c.wait(lambda: "质量技术监督局" in c.text(".bureau"), "the bureau's name in the header")

    # --- A new task appears within a second, without a reload.
    c.wait(lambda: "实时" in c.text("#live-state"), "the live stream")
    c.mark()
    n = submit("complaint", "电子秤缺斤短两", "农贸市场3号摊位电子秤不准", "metrology", "13700000001")
    row = '#rows tr[data-case="%s"]' % n
    c.wait(lambda: c.css(row), "the new task on the queue", timeout=15, poll=0.02)
    seen = time.time()
    dispatched = float(psql("SELECT extract(epoch FROM t.dispatched_at) FROM tasks t JOIN cases c"
                            " ON c.id = t.case_id WHERE c.case_number = '%s'" % n))
    c.check(c.not_reloaded(), "the queue changed in place, without a reload")
    c.check(seen - dispatched <= 1.0,
            "the task on the queue %.2f s after dispatch (at most 1 s)" % (seen - dispatched))
    print("task on the queue %.3f s after its dispatch" % (seen - dispatched))
    c.wait(lambda: "新工单 " + n in c.text(".notes"), "the note of the new task")
    c.keep("queue-metrology")

    # --- CSRF: the session cookie alone changes nothing.
    status = d.execute_async_script("""
        var done = arguments[arguments.length - 1];
        fetch('/api/v1/cases/%s/steps/sign', {method: 'POST', credentials: 'same-origin',
          headers: {'Content-Type': 'application/json'}, body: '{}'}).then(function (r) { done(r.status); });
    """ % n)
    c.check(status == 403, "a POST with the cookie and no CSRF token is refused (got %s)" % status)
    c.check(psql("SELECT t.state FROM tasks t JOIN cases c ON c.id = t.case_id"
                 " WHERE c.case_number = '%s'" % n) == "dispatched", "and nothing changed")

    # --- The case page: sign with one click, reply with a form.
    c.click(row + " a", "click " + row + " a")
    c.wait(lambda: c.text("#case-number") == n, "the case page")
    c.check("/console/cases/" + n in d.current_url, "the case has its own address")
    c.wait(lambda: "13700000001" in c.text("#requester"), "the handling division sees the requester")
    c.wait(lambda: c.css('button[data-action="sign"]'), "the sign button")
    c.check(not c.css('button[data-action="close"]'), "no button for what the division may not do")
    c.keep("case-dispatched")
    c.click('button[data-action="sign"]', "click " + 'button[data-action="sign"]')
    c.wait(lambda: "办理中" in c.text("#task-state"), "the new state right after signing")
    c.check(not c.css('button[data-action="sign"]'), "signing is offered no more")
    c.wait(lambda: "签收" in c.text("#timeline"), "the timeline shows the signing")
    c.click('button[data-action="reply"]', "click " + 'button[data-action="reply"]')
    c.wait(lambda: c.css("#form-reply"), "the reply form")
    c.click("#form-reply button[type=submit]", "click " + "#form-reply button[type=submit]")
    c.wait(lambda: "请填写答复内容" in c.text("#e-text"), "what to fix, beside the field")
    c.css("#f-internal")[0].send_keys("复秤记录已存档")
    c.wait(lambda: c.css("#f-internal")[0].get_attribute("value") == "复秤记录已存档",
            "what was typed stays after a refusal")
    c.css("#f-text")[0].send_keys("经现场复秤，摊主电子秤误差超标，已责令整改并依法处理。")
    c.keep("case-reply-form")
    c.click("#form-reply button[type=submit]", "click " + "#form-reply button[type=submit]")
    c.wait(lambda: "已答复" in c.text("#case-state"), "the replied state at once")
    c.wait(lambda: "内部说明：复秤记录已存档" in c.text("#timeline"), "the internal part in the timeline")
    c.check(psql("SELECT state FROM cases WHERE case_number = '%s'" % n) == "replied",
            "the reply is recorded")
    c.keep("case-replied")

    # --- A warning arrives live (fast SLA: warned 3 s after dispatch) and stays.
    d.get(WEB + "/console/queue")
    c.wait(lambda: "实时" in c.text("#live-state"), "the live stream on the queue")
    c.mark()
    w = submit("complaint", "加油机计量不准", "加油站3号加油机少加油", "metrology")
    c.wait(lambda: c.css('#warning-list li[data-case="%s"]' % w), "the live warning", timeout=20)
    c.check(c.not_reloaded(), "the warning came without a reload")
    c.wait(lambda: c.css('#rows tr[data-case="%s"].row-amber, #rows tr[data-case="%s"].row-red' % (w, w)),
           "the warned row turned amber")
    c.keep("queue-warning")
    d.refresh()
    c.wait(lambda: c.css('#warning-list li[data-case="%s"]' % w), "the warning still listed after a reload")

    # --- Sign-out, then another division may not open this case.
    c.signout()
    d.get(WEB + "/console/queue")
    c.wait(lambda: "/console/signin" in d.current_url, "a signed-out visit goes to sign-in")
    c.signin("h-fiber", "demo-h-fiber")
    c.wait(lambda: "/console/queue" in d.current_url, "fiber's queue")
    d.get(WEB + "/console/cases/" + n)
    c.wait(lambda: c.css("#denied"), "the refusal page")
    c.wait(lambda: "403" in c.text("#denied .code") and "无权查看此工单" in c.text("#denied"),
            "another division's case: the Chinese 403 page")
    c.check(n not in c.text("main h2"), "nothing of the case is shown")
    c.keep("case-forbidden")
    d.get(WEB + "/console/no-such-page")
    c.wait(lambda: "页面不存在" in c.text("h1"), "the 404 page")
    c.keep("page-404")
    d.get(WEB + "/console/queue")
    c.wait(lambda: c.css(".who button"), "fiber's queue again")
    c.signout()

    # --- 10,000 open tasks: first, next, last; filters kept in the address.
    c.signin("h-standards", "demo-h-standards")
    c.wait(lambda: "共 10000 条" in c.text("#page-info"), "the first page of 10,000")
    c.wait(lambda: "第 1 / 200 页" in c.text("#page-info"), "200 pages of 50")
    c.wait(lambda: len(c.css("#rows tr")) == 50, "50 rows on a page")
    c.wait(lambda: c.css("#rows tr")[0].get_attribute("class").startswith("row-red"),
            "overdue tasks first")
    first = c.css("#rows tr")[0].get_attribute("data-case")
    c.keep("queue-10000")
    c.click('a[data-page="next"]', "click " + 'a[data-page="next"]')
    c.wait(lambda: "第 2 / 200 页" in c.text("#page-info"), "the second page")
    c.check("page=2" in d.current_url, "the page is in the address")
    c.wait(lambda: c.css("#rows tr")[0].get_attribute("data-case") != first, "another 50")
    c.click('a[data-page="last"]', "click " + 'a[data-page="last"]')
    c.wait(lambda: "第 200 / 200 页" in c.text("#page-info"), "the last page")
    c.wait(lambda: len(c.css("#rows tr")) == 50, "a full last page")
    Select(c.css("#f-kind")[0]).select_by_value("report")
    reports = psql("SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id"
                   " WHERE t.division = 'standards' AND c.kind = 'report'"
                   " AND t.state IN ('dispatched', 'signed')")
    pages = (int(reports) + 49) // 50
    c.wait(lambda: "第 1 / %d 页，共 %s 条" % (pages, reports) in c.text("#page-info"),
           "the kind filter, from the first page")
    c.check("kind=report" in d.current_url and "page=" not in d.current_url,
            "the filter in the address, paging from the start")
    c.click('a[data-page="next"]', "click " + 'a[data-page="next"]')
    c.wait(lambda: "第 2 / %d 页" % pages in c.text("#page-info"), "next page of the filtered queue")
    c.check("kind=report" in d.current_url and "page=2" in d.current_url, "filter kept when paging")
    c.wait(lambda: all(td.text == "举报" for td in c.css("#rows tr td:nth-child(5)")), "only reports")
    c.click('#tabs a[data-tab="overdue"]', "click " + '#tabs a[data-tab="overdue"]')
    c.wait(lambda: "overdue=1" in d.current_url and "kind=report" in d.current_url,
           "the overdue tab keeps the kind")
    overdue = psql("SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id"
                   " WHERE t.division = 'standards' AND c.kind = 'report'"
                   " AND t.state IN ('dispatched', 'signed') AND CASE WHEN t.state = 'dispatched'"
                   " THEN t.response_due ELSE t.completion_due END <= now()")
    c.wait(lambda: "共 %s 条" % overdue in c.text("#page-info"), "the overdue reports")
    c.wait(lambda: c.css('#f-overdue')[0].is_selected(), "the overdue box follows the tab")
    d.back()
    c.wait(lambda: "第 2 / %d 页" % pages in c.text("#page-info") and "overdue" not in d.current_url,
           "the back button returns to the page before")
    c.keep("queue-filtered")
    print("browser checks passed: %d" % c.checks)


def main():
    c = Console()
    try:
        run(c)
    except Failure as e:
        print("FAIL: " + str(e), file=sys.stderr)
        logs = c.d.get_log("browser") if hasattr(c.d, "get_log") else []
        for entry in logs[-10:]:
            print("browser console: %s" % entry.get("message"), file=sys.stderr)
        return 1
    finally:
        c.d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
