"""The hotline desk in headless Chromium through WebDriver.

Started by tests/browser/desk.sh with the services running; the browser
helpers (Console: check, wait, keep, screenshots on failure) are
console_test.py's. Two browsers: the operator's, and a division's or another
operator's where something must arrive live.
"""
import datetime
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_test import INTAKE, TOKENS, WEB, Console, Failure, psql  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

CTL = [os.path.join(os.environ["DUBAN_BIN_DIR"], "dubanctl"), "--config", os.environ["H_CONF"]]


def ctl(*args):
    return subprocess.run(CTL + list(args), check=True, capture_output=True, text=True).stdout.strip()


def record(staff, body):
    """A case recorded through intake's API as staff; its number."""
    with open(os.path.join(TOKENS, staff + ".token")) as f:
        token = f.read().strip()
    req = urllib.request.Request(INTAKE + "/api/v1/cases", json.dumps(body).encode(),
                                 {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.load(res)["case_number"]


def state_of(number):
    return psql("SELECT state FROM cases WHERE case_number = '%s'" % number)


def routed(c, number):
    c.wait(lambda: state_of(number) == "dispatched", "case %s dispatched" % number, timeout=15)


def typed(c, sel, text):
    field = c.css(sel)[0]
    field.clear()
    field.send_keys(text)
    return field


def run(op, div):
    d = op.d
    # An earlier call from the same caller, still with the metrology division.
    earlier = record("op001", {"channel": "hotline", "kind": "complaint", "subject": "电子秤缺斤短两",
                               "description": "农贸市场3号摊位的电子秤称重缺斤短两",
                               "category": "metrology", "place": "人民路农贸市场",
                               "requester": {"name": "王五", "phone": "137-0000-1111"}})
    routed(op, earlier)

    # --- The division's queue is open in the second browser.
    div.signin("h-metrology", "demo-h-metrology")
    div.wait(lambda: "/console/queue" in div.d.current_url and div.css('#rows tr[data-case="%s"]' % earlier),
             "metrology's queue with the earlier case")
    div.wait(lambda: "实时" in div.text("#live-state"), "the division's live stream")
    div.mark()

    # --- The operator signs in and lands on the desk, the phone field first.
    op.signin("op002", "demo-op002")
    op.wait(lambda: "/console/desk" in d.current_url and op.css("#f-phone"), "the desk for an operator")
    op.check(d.switch_to.active_element.get_attribute("id") == "f-phone", "the caller's phone is the first field")
    op.wait(lambda: "新建工单" in op.text(".nav a.on"), "the desk in the navigation")
    op.wait(lambda: "实时" in op.text("#live-state"), "the operator's live stream")

    # --- Entering the phone (written another way) shows the caller's earlier case beside the form.
    typed(op, "#f-phone", "13700001111")
    item = '#history-list li[data-case="%s"]' % earlier
    op.wait(lambda: op.css(item), "the caller's earlier case beside the form")
    op.wait(lambda: "计量处" in op.text(item) and "电子秤缺斤短两" in op.text(item), "with its division and subject")
    op.wait(lambda: "1 件未办结" in op.text("#caller-summary"), "the summary under the phone")
    op.wait(lambda: op.css(item + " [data-attach]"), "an open case offers to attach the call")
    op.keep("desk-caller-history")

    # --- This call is about another matter (a matter of its own: the same
    # caller about the same category would be merged by triage as a repeat).
    typed(op, "#f-subject", "商场买到山寨充电器")
    typed(op, "#f-description", "在城东商场买的手机充电器是山寨货，充电时发烫冒烟")
    cat = typed(op, "#f-category", "山寨")
    op.wait(lambda: op.css('#f-category-list li[data-code="counterfeit"]'), "the category suggested by its keyword")
    op.wait(lambda: "山寨" in op.text("#f-category-list"), "the keyword shown beside the suggestion")
    op.keep("desk-category-suggestion")
    cat.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    op.wait(lambda: "假冒伪劣" in op.css("#f-category")[0].get_attribute("value"), "the category chosen with the keyboard")
    op.click("#f-urgent", "click " + "#f-urgent")
    typed(op, "#f-place", "城东商场")
    op.css("#f-description")[0].send_keys(Keys.CONTROL, Keys.ENTER)
    op.wait(lambda: op.css("#receipt-number"), "the receipt after saving")
    filed = op.text("#receipt-number")
    code = op.text("#receipt-code")
    op.check(filed.startswith("DB") and filed != earlier, "a new case number: " + filed)
    op.check(len(code) == 8 and code.isalnum(), "the query code to read out: " + code)
    size = op.d.execute_script("return parseFloat(getComputedStyle(document.getElementById('receipt-code')).fontSize)")
    op.check(size >= 32, "the query code large enough to read out (%.0f px)" % size)
    op.check(psql("SELECT channel || ' ' || kind || ' ' || category || ' ' || priority || ' ' || first_responder"
                  " || ' ' || regexp_replace(requester_phone, '[^0-9]', '', 'g') FROM cases WHERE case_number = '%s'"
                  % filed) == "hotline complaint counterfeit urgent op002 13700001111", "the case as filed")
    op.check(psql("SELECT count(*) FROM cases WHERE query_code_sha256 = sha256(convert_to('%s', 'UTF8'))"
                  " AND case_number = '%s'" % (code, filed)) == "1", "the query code shown is the case's")
    op.keep("desk-receipt")

    # --- The next call from the same caller is about the earlier matter: attached to it.
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    op.wait(lambda: not op.css("#receipt") and op.css("#f-phone")[0].is_displayed(), "a fresh form")
    op.wait(lambda: op.css("#f-phone")[0].get_attribute("value") == "", "the form emptied")
    typed(op, "#f-phone", "137 0000 1111")
    op.wait(lambda: op.css(item) and "2 件历史诉求" in op.text("#caller-summary"), "both of the caller's cases")
    typed(op, "#f-description", "再次来电：摊主仍在使用那台电子秤，请尽快处理")
    op.mark()
    op.click(item + " [data-attach]", "click " + item + " [data-attach]")
    op.wait(lambda: "已追加到原工单" in op.text("#receipt"), "the call attached")
    op.wait(lambda: op.text("#receipt-number") == earlier, "to the earlier case")
    op.check(op.not_reloaded(), "without leaving the desk")
    op.check(psql("SELECT count(*) FROM cases WHERE first_responder = 'op002'") == "1", "no case filed for it")
    op.keep("desk-attached")

    # --- The lead division's queue marks it live, without a reload.
    row = '#rows tr[data-case="%s"]' % earlier
    div.wait(lambda: "来电补充" in div.text(row), "the repeat call on the division's queue", timeout=5)
    div.check(div.not_reloaded(), "the queue changed in place")
    div.wait(lambda: "有来电补充" in div.text(".notes"), "a note of the repeat call")
    div.keep("queue-repeat-call")

    # --- The case page shows it on the timeline; a desk user gets the desk's steps.
    d.get(WEB + "/console/cases/" + earlier)
    op.wait(lambda: op.text("#case-number") == earlier, "the case page for the desk")
    op.wait(lambda: "来电补充" in op.text("#timeline") and "摊主仍在使用那台电子秤" in op.text("#timeline"),
             "the repeat call on the timeline")
    op.wait(lambda: op.css('button[data-action="attach-call"]'), "the desk may attach another call here")
    op.check(not op.css('button[data-action="sign"]'), "but not take a division's step")
    op.check("王五" not in op.text("main"), "another operator's requester stays hidden")
    op.keep("case-desk")

    # --- Search: a Chinese word of the description, the number, the phone.
    d.get(WEB + "/console/search")
    op.wait(lambda: op.css("#q"), "the search page")
    typed(op, "#q", "摊位").send_keys(Keys.ENTER)
    op.wait(lambda: op.css('#rows tr[data-case="%s"]' % earlier), "found by a word of its description")
    op.check("q=" in d.current_url, "the query in the address")
    op.wait(lambda: "找到 1 件" in op.text("#summary"), "exactly that case")
    op.keep("search-results")
    typed(op, "#q", "137-0000-1111").send_keys(Keys.ENTER)
    op.wait(lambda: op.css('#rows tr[data-case="%s"]' % filed) and op.css('#rows tr[data-case="%s"]' % earlier),
            "both of the caller's cases by phone")
    op.wait(lambda: "来电号码" in op.text("#summary"), "read as a phone number")
    typed(op, "#q", earlier).send_keys(Keys.ENTER)
    op.wait(lambda: "/console/cases/" + earlier in d.current_url and op.text("#case-number") == earlier,
            "a case number goes straight to the case")
    d.back()
    # Back at the phone's search, once the page has shown it again (its
    # script puts the search of the address into the box when it runs).
    op.wait(lambda: "/console/search" in d.current_url and "来电号码" in op.text("#summary"),
            "back returns to the search")
    typed(op, "#q", "秤").send_keys(Keys.ENTER)
    op.wait(lambda: "至少输入两个" in op.text("#e-q"), "what to fix beside the box")

    # --- A division's search shows only its own cases.
    lift = record("op001", {"channel": "hotline", "kind": "complaint", "subject": "电梯异响",
                            "description": "小区3号楼电梯运行时异响，摊位旁的电梯", "category": "special-equipment"})
    routed(op, lift)
    div.d.get(WEB + "/console/search?q=" + urllib.request.quote("摊位"))
    div.wait(lambda: "找到" in div.text("#summary"), "the division's search")
    div.wait(lambda: div.css('#rows tr[data-case="%s"]' % earlier), "its own case")
    div.check(not div.css('#rows tr[data-case="%s"]' % lift), "not another division's")
    div.wait(lambda: "找到 1 件" in div.text("#summary"), "one case only")
    div.wait(lambda: "王五" in div.text("#rows"), "the requester for the division handling the case")
    div.keep("search-division")

    # --- The manual triage queue: a case no keyword matched, categorised from the page.
    odd = record("op002", {"channel": "hotline", "kind": "enquiry", "subject": "一件说不清的事",
                           "description": "来电人反映的情况系统无法归类，需要人工判断"})
    op.wait(lambda: state_of(odd) == "needs_triage", "the case waits for a person", timeout=15)
    div.d.get(WEB + "/console/queue")
    div.wait(lambda: div.css("#rows tr") and "实时" in div.text("#live-state"), "metrology's queue again")
    div.mark()
    d.get(WEB + "/console/triage")
    entry = 'li[data-case="%s"]' % odd
    op.wait(lambda: op.css(entry), "the case in the manual triage queue")
    op.wait(lambda: "来电人反映的情况" in op.text(entry), "with what the caller said")
    op.keep("triage-queue")
    op.click(entry + " button[data-triage]", "click " + entry + " button[data-triage]")
    op.wait(lambda: "请选择事项分类" in op.text(entry), "a category is required, said beside it")
    picker = op.css(entry + " input")[0]
    picker.send_keys("电子秤")
    op.wait(lambda: op.css(entry + ' li[data-code="metrology"]'), "the suggestion")
    picker.send_keys(Keys.ENTER)
    op.click(entry + " button[data-triage]", "click " + entry + " button[data-triage]")
    op.wait(lambda: not op.css(entry), "gone from the queue once categorised")
    op.wait(lambda: "派往计量处" in op.text(".notes"), "the note says where it went")
    div.wait(lambda: div.css('#rows tr[data-case="%s"]' % odd), "the case reaches the division live", timeout=10)
    div.check(div.not_reloaded(), "on the division's queue without a reload")

    # --- 我的工单: 待告知 appears live when the division replies.
    d.get(WEB + "/console/mine")
    op.wait(lambda: op.css('#rows tr[data-case="%s"]' % filed) and "实时" in op.text("#live-state"),
            "op002's cases with the filed one")
    op.wait(lambda: op.text('#tabs a[data-tab="inform"] .count') == "0", "nothing to tell yet")
    op.keep("mine")
    op.mark()
    routed(op, filed)
    ctl("sign", filed, "--as", "h-enforcement")
    ctl("reply", filed, "--as", "h-enforcement", "--result", "已查处销售山寨充电器的商户并责令退货")
    mine_row = '#rows tr[data-case="%s"]' % filed
    op.wait(lambda: "待告知" in op.text(mine_row + " .waiting"), "待告知 as the division replies", timeout=5)
    # The row and the tab counts are read by two requests: wait for both.
    op.wait(lambda: op.text('#tabs a[data-tab="inform"] .count') == "1", "counted on its tab", timeout=5)
    op.check(op.not_reloaded(), "without a reload")
    op.wait(lambda: "已办结答复，请告知诉求人" in op.text(".notes"), "a note of the reply")
    op.keep("mine-inform")
    op.click(mine_row + " a", "click " + mine_row + " a")
    op.wait(lambda: op.css('button[data-action="inform"]'), "the case page offers to inform")
    op.keep("case-inform")

    # --- A search that read as many cases as it may (intake.search_max_rows is
    # 100 in desk.sh) shows what it found and asks, in Chinese, for a narrower
    # one: standards holds 150 tasks, none of a case with 小区, which 200-odd
    # older cases of other divisions have.
    div.signout()
    div.signin("h-standards", "demo-h-standards")
    div.wait(lambda: "/console/queue" in div.d.current_url, "standards' queue after sign-in")
    div.d.get(WEB + "/console/search?q=" + urllib.request.quote("小区"))
    div.wait(lambda: "结果太多，请缩小搜索范围" in div.text("#narrow"), "the request to narrow the search")
    div.check("以后受理的工单" in div.text("#narrow") and "受理日期范围" in div.text("#narrow"),
              "how far back it searched, and how to narrow it: %r" % div.text("#narrow"))
    div.check(div.css("#from") and div.css("#to"), "the days received to narrow it by")
    div.keep("search-narrow")
    # Narrowed to the last two days (the seeded cases are older): whole, no request.
    china = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    days = {"from": str(china - datetime.timedelta(days=1)), "to": str(china)}
    div.d.get(WEB + "/console/search?" + urllib.parse.urlencode(dict(q="小区", **days)))
    div.wait(lambda: "受理日期 %s 起 至 %s" % (days["from"], days["to"]) in div.text("#summary"),
             "the search within those days")
    div.check(not div.css("#narrow:not(.hidden)"), "no request to narrow it")
    div.check(div.css("#from")[0].get_attribute("value") == days["from"], "the days shown in the form")

    # --- A caller with more cases than one look-up may read (100 here): the
    # newest of them beside the form, and the summary says so.
    psql("UPDATE cases SET requester_phone = '021-6666 0000' WHERE id IN"
         " (SELECT id FROM cases WHERE source = 'benchmark' ORDER BY id LIMIT 150)")
    op.d.get(WEB + "/console/desk")
    # The form is built (and listens to the phone field) once the org is read.
    op.wait(lambda: op.css("#f-kind input") and "实时" in op.text("#live-state"), "the desk again, ready")
    typed(op, "#f-phone", "02166660000")
    op.wait(lambda: "该号码诉求过多，只列出" in op.text("#caller-summary"), "the history says it is cut short")
    op.check("超过" in op.text("#caller-summary") and "以后受理的" in op.text("#caller-summary"),
             "more cases than shown, and since when: %r" % op.text("#caller-summary"))
    op.check(op.css("#history-list li"), "the newest of the caller's cases listed")
    op.keep("desk-caller-cut")
    print("desk browser checks passed: %d" % (op.checks + div.checks))


def main():
    op, div = Console(), Console()
    try:
        run(op, div)
    except Failure as e:
        print("FAIL: " + str(e), file=sys.stderr)
        for c in (op, div):
            for entry in (c.d.get_log("browser") if hasattr(c.d, "get_log") else [])[-10:]:
                print("browser console: %s" % entry.get("message"), file=sys.stderr)
        return 1
    finally:
        op.d.quit()
        div.d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
