"""The inspection office and the leaders in headless Chromium.

Started by tests/browser/inspection.sh with the services running on the fast
SLA (a task is warned at 3 s, overdue at 6 s, escalated every 3 s) and the
2017 ledger imported. Uses console_test.Console (screenshots on failure, and
at 1280 and 390 wide with DUBAN_SCREENSHOT_DIR). The inspection office sees
a breach arrive on its board live and the named task behind the cell;
acknowledges a storm of alerts as one row, with a decision and a rung
decision; arbitrates a case returned twice; decides an extension; runs a
month-check and opens its page; passes and fails look-back re-checks. A
leader sees the month so far and no action anywhere, and the API refuses
their steps.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_test import WEB, Console, Failure, psql, submit  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

CTL = [os.path.join(os.environ["DUBAN_BIN_DIR"], "dubanctl"), "--config", os.environ["H_CONF"]]


def ctl(*args):
    return subprocess.run(CTL + list(args), check=True, capture_output=True, text=True).stdout


def task_of(number):
    return psql("SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number"
                " = '%s' AND t.state IN ('dispatched', 'signed')" % number)


def wait_sql(c, sql, expected, what, timeout=20):
    c.wait(lambda: psql(sql) == expected, what, timeout=timeout, poll=0.2)


def cell(c, division, column):
    return c.text('#board a[data-cell="%s:%s"]' % (division, column))


def office(c):
    d = c.d
    # --- Sign-in: the inspection office starts on its board.
    c.signin("insp001", "demo-insp001")
    c.wait(lambda: "/console/board" in d.current_url and c.css("#board-rows tr[data-division]"),
           "the board as the inspection office's first screen")
    c.wait(lambda: len(c.css("#board-rows tr[data-division]")) == 15, "a row per division")
    c.wait(lambda: "督查室" in c.text(".who"), "the role at the top right")
    c.wait(lambda: "实时" in c.text("#live-state"), "the live stream")
    before = int(cell(c, "metrology", "overdue") or 0)
    c.mark()

    # --- A breach arrives on the board live (fast SLA: overdue 6 s after dispatch).
    n = submit("complaint", "电子秤计量不准", "菜市场电子秤少称", "metrology", "13700000011")
    c.wait(lambda: int(cell(c, "metrology", "overdue") or 0) == before + 1,
           "the breach on the board", timeout=25, poll=0.05)
    seen = time.time()
    raised = float(psql("SELECT extract(epoch FROM min(a.raised_at)) FROM alerts a JOIN cases c"
                        " ON c.id = a.case_id WHERE c.case_number = '%s' AND a.kind = 'breach'" % n)
                   or "0")
    c.check(c.not_reloaded(), "the board changed in place, without a reload")
    c.check(raised > 0 and seen - raised <= 1.5,
            "the breach on the board %.2f s after watch raised it" % (seen - raised))
    print("breach on the board %.3f s after it was raised" % (seen - raised))
    c.wait(lambda: ("超期：计量处 " + n) in c.text(".notes"), "the note of the breach")
    c.keep("board")

    # The cell is a link to the named tasks, in the address.
    c.click('#board a[data-cell="metrology:overdue"]', "the overdue cell (the board updates live)")
    c.wait(lambda: c.css('#cell-rows tr[data-case="%s"]' % n), "the named overdue task of the cell")
    c.check("division=metrology" in d.current_url and "show=overdue" in d.current_url,
            "the cell is in the address")
    c.wait(lambda: "计量处 · 超期工单" in c.text("#cell-title"), "the cell's title")
    c.keep("board-cell")
    d.back()
    c.wait(lambda: c.css("#cell.hidden"), "back closes the cell")

    # --- Alerts: a storm on one task is one row; acknowledged in place.
    t = task_of(n)
    wait_sql(c, "SELECT count(*) >= 2 FROM alerts WHERE task_id = %s AND kind <> 'warning'" % t,
             "t", "the escalation of the breach")
    d.get(WEB + "/console/alerts")
    row = 'li.item[data-task="%s"]' % t
    c.wait(lambda: c.css(row), "the task's row of alerts")
    c.wait(lambda: len(c.css(row)) == 1, "many alerts of one task: one row")
    alerts = int(psql("SELECT count(*) FROM alerts WHERE task_id = %s AND kind <> 'warning'"
                      " AND acknowledged_at IS NULL" % t))
    c.wait(lambda: "告警 %d 条" % alerts in c.text(row) or alerts < 2, "the count of the storm")
    c.wait(lambda: "二级督办" in c.text(row) or "三级督办" in c.text(row), "the row's highest level")
    c.wait(lambda: "批评教育" in c.text(row), "the accountability rung recommended")
    c.click(row + ' button[data-action="ack"]', "click " + row + ' button[data-action="ack"]')
    c.wait(lambda: c.css(row + " form"), "the acknowledgement form")
    c.click(row + " form button[type=submit]", "click " + row + " form button[type=submit]")
    c.wait(lambda: "请填写处理决定" in c.text(row + ' [data-error="decision"]'), "what to fix, beside the field")
    c.css("#rung-%s" % t)[0].send_keys("对经办人批评教育")
    c.css("#decision-%s" % t)[0].send_keys("已电话督促计量处")
    # A new alert arrives while the decision is half typed: the list is
    # redrawn around the open form, and the keys typed next still land in it.
    c.mark()
    other = submit("complaint", "加油机少加油", "加油站2号机", "metrology")
    c.wait(lambda: c.css('li.item[data-case="%s"]' % other), "a new alert arrives live", timeout=25)
    c.check(c.not_reloaded(), "the list changed in place")
    d.switch_to.active_element.send_keys("立即签收办理")
    c.check(c.css("#decision-%s" % t)[0].get_attribute("value") == "已电话督促计量处立即签收办理",
            "typing goes on in the same field after a live update")
    c.check(c.css("#rung-%s" % t)[0].get_attribute("value") == "对经办人批评教育", "what was typed stays")
    c.keep("alerts")
    newest = int(c.css(row)[0].get_attribute("data-alert"))
    c.click(row + " form button[type=submit]", "click " + row + " form button[type=submit]")
    c.wait(lambda: not [e for e in c.css(row) if int(e.get_attribute("data-alert")) <= newest],
           "the acknowledged row leaves the list")
    c.check(psql("SELECT count(*) FROM alerts WHERE task_id = %s AND id <= %d AND kind <> 'warning'"
                 " AND acknowledged_at IS NULL" % (t, newest)) == "0",
            "every alert of the row is acknowledged")
    c.check(psql("SELECT decision FROM accountability_decisions WHERE alert_id = %d" % newest)
            == "对经办人批评教育", "the rung decision is recorded")

    # --- Arbitration of a case returned twice.
    a = submit("complaint", "棉被纤维含量不符", "标签标注与实际不符", "metrology")
    c.wait(lambda: task_of(a) != "", "the case routed")
    ctl("return", a, "--as", "h-metrology", "--reason", "属纤维制品", "--to", "fiber")
    c.wait(lambda: psql("SELECT t.division FROM tasks t JOIN cases c ON c.id = t.case_id WHERE"
                        " c.case_number = '%s' AND t.state = 'dispatched'" % a) == "fiber",
           "returned to fiber")
    ctl("return", a, "--as", "h-fiber", "--reason", "属计量问题", "--to", "metrology")
    d.get(WEB + "/console/arbitrations")
    item = 'li.item[data-case="%s"]' % a
    c.wait(lambda: c.css(item), "the case waiting for arbitration")
    c.wait(lambda: "属纤维制品" in c.text(item) and "属计量问题" in c.text(item), "with both returns and why")
    c.click(item + ' button[data-action="arbitrate"]', "click " + item + ' button[data-action="arbitrate"]')
    c.wait(lambda: c.css(item + " form"), "the arbitration form")
    Select(c.css("#division-" + a)[0]).select_by_value("fiber")
    c.css("#text-" + a)[0].send_keys("纤维含量标签问题属纤检局职责")
    c.keep("arbitrations")
    c.click(item + " form button[type=submit]", "click " + item + " form button[type=submit]")
    c.wait(lambda: not c.css(item), "decided: off the queue")
    c.check(psql("SELECT c.state || '|' || t.division || '|' || t.arbitrated FROM cases c JOIN tasks t"
                 " ON t.case_id = c.id AND t.state = 'dispatched' WHERE c.case_number = '%s'" % a)
            == "dispatched|fiber|true", "arbitrated to fiber, for good")

    # --- An extension request decided from the page.
    e = submit("complaint", "出租车计价器不准", "计价器跳表过快", "metrology")
    c.wait(lambda: task_of(e) != "", "the case routed")
    ctl("sign", e, "--as", "h-metrology")
    ctl("extend", e, "--as", "h-metrology", "--by", "5d", "--reason", "需送检定机构检测")
    d.get(WEB + "/console/extensions")
    item = 'li.item[data-case="%s"]' % e
    c.wait(lambda: c.css(item), "the extension request")
    c.wait(lambda: "5个工作日" in c.text(item) and "需送检定机构检测" in c.text(item), "what was asked and why")
    c.click(item + ' button[data-action="grant"]', "click " + item + ' button[data-action="grant"]')
    c.css("#text-" + task_of(e))[0].send_keys("同意，请按期办结")
    c.keep("extensions")
    c.click(item + " form button[type=submit]", "click " + item + " form button[type=submit]")
    c.wait(lambda: not c.css(item), "decided: off the queue")
    c.check(psql("SELECT t.extension_state FROM tasks t JOIN cases c ON c.id = t.case_id"
                 " WHERE c.case_number = '%s' AND t.state = 'signed'" % e) == "granted", "granted")

    # --- A month-check on demand, and its page.
    d.get(WEB + "/console/bulletins")
    c.wait(lambda: c.css("#run-form"), "the form to run a bulletin")
    period = c.css("#run-period")[0]
    period.clear()
    period.send_keys("2017-03")
    c.click("#run-submit", "click " + "#run-submit")
    c.wait(lambda: "2017年3月月检查 已发布" in c.text("#run-result"), "the month-check published", timeout=60)
    c.wait(lambda: "回头看复查任务 4 件" in c.text("#run-result"), "with its re-check tasks")
    c.wait(lambda: c.css('#rows tr[data-period="2017-03"]'), "listed")
    c.keep("bulletins")
    c.click("#run-open", "click " + "#run-open")
    c.wait(lambda: c.css("iframe#bulletin"), "the bulletin's page")
    c.d.switch_to.frame(c.css("iframe#bulletin")[0])
    c.wait(lambda: "关于2017年3月督办工作月检查情况的通报" in c.text("h1"), "its title inside the page")
    c.wait(lambda: len(c.css("svg")) > 0, "with its charts")
    c.d.switch_to.default_content()
    c.keep("bulletin-page")

    # --- Look-back re-checks: one failed (the case reopens), one passed.
    d.get(WEB + "/console/rechecks")
    # The list is read whole within one attempt: a live update may render it
    # afresh between finding an item and reading it (c.wait looks again).
    def first_of_four():
        items = c.css("li.item[data-recheck]")
        if len(items) != 4:
            return None
        return items[0].get_attribute("data-recheck"), items[0].get_attribute("data-case")
    rid, rcase = c.wait(first_of_four, "four re-checks waiting")
    c.click('li[data-recheck="%s"] button[data-action="recheck"]' % rid, "click " + 'li[data-recheck="%s"] button[data-action="recheck"]' % rid)
    c.wait(lambda: c.css('li[data-recheck="%s"] form' % rid), "the re-check form")
    c.click('li[data-recheck="%s"] input[value="fail"]' % rid, "click " + 'li[data-recheck="%s"] input[value="fail"]' % rid)
    c.css("#note-" + rid)[0].send_keys("回访发现电子秤仍未更换")
    c.keep("rechecks")
    c.click('li[data-recheck="%s"] form button[type=submit]' % rid, "click " + 'li[data-recheck="%s"] form button[type=submit]' % rid)
    c.wait(lambda: not c.css('li[data-recheck="%s"]' % rid), "decided: off the list")
    c.wait(lambda: "已重新交办" in c.text(".notes"), "the note says the case went back")
    c.check(psql("SELECT state FROM cases WHERE case_number = '%s'" % rcase) == "dispatched",
            "the failed re-check reopened the case")
    def first_left():
        items = c.css("li.item[data-recheck]")
        return items[0].get_attribute("data-recheck") if items else None
    second = c.wait(first_left, "the next re-check")
    c.click('li[data-recheck="%s"] button[data-action="recheck"]' % second, "click " + 'li[data-recheck="%s"] button[data-action="recheck"]' % second)
    c.click('li[data-recheck="%s"] input[value="pass"]' % second, "click " + 'li[data-recheck="%s"] input[value="pass"]' % second)
    c.css("#note-" + second)[0].send_keys("整改到位")
    c.click('li[data-recheck="%s"] form button[type=submit]' % second, "click " + 'li[data-recheck="%s"] form button[type=submit]' % second)
    c.wait(lambda: len(c.css("li.item[data-recheck]")) == 2, "two wait")
    c.check(psql("SELECT state FROM bulletin_rechecks WHERE id = %s" % second) == "passed", "passed")
    c.signout()
    return n


def leader(c, case_number):
    d = c.d
    c.signin("leader001", "demo-leader001")
    c.wait(lambda: "/console/dashboard" in d.current_url and c.css("#figures"),
           "the month so far as the leader's first screen")
    # The header, the figures, the ranking and the trend each come with a
    # request of their own, in any order.
    c.wait(lambda: "分管副局长" in c.text(".who") and "局领导" in c.text(".who"),
           "the leader and the role at the top right")
    c.wait(lambda: "本月受理" in c.text("#figures") and "按时办结率" in c.text("#figures"), "the large numbers")
    c.wait(lambda: c.css('#ranking-rows tr[data-division="metrology"]'), "metrology in the ranking")
    c.wait(lambda: "（至今）" in c.text("#trend") and "（全月）" in c.text("#trend"), "this month against the last")
    c.keep("dashboard")
    no_action = "return document.querySelectorAll('main button, main form, main textarea, main select').length"
    c.check(d.execute_script(no_action) == 0, "nothing to do on the dashboard")
    for page, ready in (("/console/board", "#board-rows tr[data-division]"),
                        ("/console/bulletins", '#rows tr[data-period="2017-03"]')):
        d.get(WEB + page)
        c.wait(lambda: c.css(ready), page)
        c.check(d.execute_script(no_action) == 0, "no action on " + page)
    c.keep("bulletins-leader")
    d.get(WEB + "/console/cases/" + case_number)
    c.wait(lambda: c.text("#case-number") == case_number, "a case")
    c.check(not c.css("#actions button"), "no step offered on a case")
    c.check(not c.css("#requester"), "and no requester's personal data")
    c.keep("case-leader")
    d.get(WEB + "/console/alerts")
    c.wait(lambda: c.css("#denied"), "the alerts are not the leader's")
    status = d.execute_async_script("""
        var done = arguments[arguments.length - 1];
        fetch('/web/session').then(function (r) { return r.json(); }).then(function (s) {
          return fetch('/api/v1/cases/%s/steps/note', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf},
            body: JSON.stringify({text: 'x'})});
        }).then(function (r) { done(r.status); });
    """ % case_number)
    c.check(status == 403, "the API refuses the leader's step (got %s)" % status)
    c.signout()


def main():
    c = Console()
    try:
        n = office(c)
        leader(c, n)
        print("browser checks passed: %d" % c.checks)
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
