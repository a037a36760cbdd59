"""The work items' staff console in headless Chromium.

Started by tests/browser/workitems_console.sh with the services running, two
problems entered by the desk (WI_P1, WI_P2), an overdue item led by ld-liujx
(WI_LATE) and an item of another leader (WI_OTHER). Uses
console_test.Console (screenshots on failure, and at 1280 and 390 wide with
DUBAN_SCREENSHOT_DIR). The inspection office creates a leader's instruction;
the lead division reports progress and completion from the item's page,
with files attached (a text file and one too large refused, said in
Chinese beside the field; the others listed on the timeline and
downloaded, byte for byte), and is not offered 退回; the office sends the
completion back with its reason, the division reports again, the office accepts it (销号); the division asks
to hand the overdue item over and the office reassigns it; a problem becomes
a rectification item, another is rejected, a third is entered; a leader
reads their own items and is offered nothing on them, and files an
instruction of their own; another division gets the 403 page, is not
offered the new-item form and is refused by the API.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_test import WEB, Console, Failure, psql  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

P1, P2 = os.environ["WI_P1"], os.environ["WI_P2"]
FILES = os.environ["WI_FILES"]
LATE, OTHER = os.environ["WI_LATE"], os.environ["WI_OTHER"]
TITLE = "推行计量器具检定网上预约"


def day(n):
    return (datetime.date.today() + datetime.timedelta(days=n)).isoformat()


def set_value(c, sel, value):
    """A date input's value (typing a date depends on the browser's locale)."""
    c.d.execute_script("arguments[0].value = arguments[1]", c.css(sel)[0], value)


def item_state(number):
    return psql("SELECT c.state || '|' || w.verification FROM cases c JOIN work_items w"
                " ON w.case_id = c.id WHERE c.case_number = '%s'" % number)


def actions(c):
    """The steps the item's page offers, read in one go (the page re-reads
    itself when its stream says hello, and may redraw between two reads)."""
    return c.d.execute_script("return [].map.call(document.querySelectorAll('#actions button'),"
                              " function (b) { return b.getAttribute('data-action'); })")


def choose(c, sel, *names):
    """Chooses files in a file input, replacing what was chosen."""
    box = c.css(sel)[0]
    c.d.execute_script("arguments[0].value = ''", box)
    box.send_keys("\n".join(os.path.join(FILES, n) for n in names))


def reports_of(number):
    return psql("SELECT count(*) FROM work_item_reports r JOIN cases c ON c.id = r.case_id"
                " WHERE c.case_number = '%s'" % number)


def attached(number, kind):
    """The names of the files bound to the item's reports of a kind."""
    return psql("SELECT coalesce(string_agg(a.name, ',' ORDER BY a.name), '') FROM case_attachments a"
                " JOIN work_item_reports r ON r.id = a.report_id JOIN cases c ON c.id = a.case_id"
                " WHERE c.case_number = '%s' AND r.kind = '%s'" % (number, kind))


def timeline_files(c, kind):
    """The files listed under the timeline's entries of a type."""
    return c.d.execute_script(
        "return [].map.call(document.querySelectorAll('#timeline li[data-type=\"' + arguments[0] + '\"] .file a'),"
        " function (a) { return a.textContent; }).sort().join(',')", kind)


def download(c, name):
    """Clicks a file's link on the timeline and waits for the browser to
    save it; its bytes must be the ones attached."""
    folder = os.path.join(os.environ["DUBAN_TEST_DIR"], "downloads")
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    c.d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
    def click_link():
        # found afresh until the click lands: a live update may redraw the
        # timeline between finding the link and clicking it
        links = [a for a in c.css("#timeline .file a") if a.text == name]
        if not links:
            return False
        links[0].click()
        return True
    c.wait(click_link, "a download link for " + name)

    def saved():
        done = [f for f in os.listdir(folder) if not f.endswith(".crdownload")]
        return done and os.path.join(folder, done[0])
    path = c.wait(saved, "the download of " + name, timeout=20)
    with open(path, "rb") as got, open(os.path.join(FILES, name), "rb") as sent:
        c.check(got.read() == sent.read(), name + " downloaded byte for byte")


def step(c, action, what):
    """Opens the form of an action on the item's page."""
    c.click('#actions button[data-action="%s"]' % action, what)
    c.wait(lambda: c.css("#form-" + action), "the form of " + what)


def create(c):
    d = c.d
    c.signin("insp001", "demo-insp001")
    c.wait(lambda: "/console/board" in d.current_url, "the inspection office's first screen")
    c.click('.nav a[href="/console/workitems"]', "督办事项 in the navigation")
    c.wait(lambda: c.css("#rows tr[data-case]"), "the work items")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % LATE), "the overdue item among them")
    c.wait(lambda: c.css('#rows tr.row-red[data-case="%s"]' % LATE), "the overdue item red")
    c.keep("workitems-office")
    c.click("#new-item", "新建督办事项")
    c.wait(lambda: c.css("#workitem-form"), "the new item's form")
    # What is missing is said beside each field; what was typed stays.
    c.css("#f-title")[0].send_keys(TITLE)
    c.click("#submit", "立项 with fields missing")
    c.wait(lambda: "请选择牵头处室" in c.text('[data-error="lead_division"]'), "what to fix beside the field")
    c.check("请填写内容与要求" in c.text('[data-error="content"]'), "the content is asked for")
    c.check("领导批示须选择" in c.text('[data-error="leaders"]'), "an instruction names its leader")
    c.check(c.css("#f-title")[0].get_attribute("value") == TITLE, "the title typed stays")
    c.check(psql("SELECT count(*) FROM work_items") == "2", "nothing was filed")
    c.css("#f-content")[0].send_keys("推行计量器具检定网上预约，公布办理时限。")
    c.click("#f-leaders-ld-liujx", "the lead leader")
    Select(c.css("#f-lead")[0]).select_by_value("metrology")
    c.click("#f-divisions-fiber", "a responsible division")
    c.check(not c.css("#f-divisions-metrology")[0].is_enabled(), "the lead division is not also responsible")
    set_value(c, "#f-deadline", day(90))
    c.click("#add-milestone", "添加节点")
    c.css('#milestones [name="m-title"]')[0].send_keys("预约系统上线")
    set_value(c, '#milestones [name="m-due"]', day(45))
    c.keep("workitem-new")
    c.click("#submit", "立项并交办")
    c.wait(lambda: c.text("#receipt-number"), "the new item's number")
    number = c.text("#receipt-number")
    c.check(psql("SELECT w.source || '|' || array_to_string(w.leaders, ',') || '|' || w.lead_division || '|'"
                 " || array_to_string(w.divisions, ',') || '|' || w.report_rhythm || w.report_day || '|'"
                 " || w.leader_assigned || '|' || (SELECT count(*) FROM work_item_milestones m"
                 " WHERE m.case_id = w.case_id) || '|' || to_char(w.deadline AT TIME ZONE"
                 " 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM work_items w JOIN cases c ON"
                 " c.id = w.case_id WHERE c.case_number = '%s'" % number)
            == "instruction|ld-liujx|metrology|fiber|monthly5|true|1|%s 17:30" % day(90),
            "the item filed as the form says (deadline at the working day's close)")
    c.keep("workitem-created")
    c.click("#open-item", "查看事项")
    c.wait(lambda: c.text("#case-number") == number, "the item's page")
    c.wait(lambda: "刘江潇" in c.text("#case-head"), "its lead leader on the page")
    c.check(not c.css('#actions button[data-action="verify"]'), "nothing to verify before a completion report")
    c.signout()
    return number


def division_reports(c, number, again=False):
    d = c.d
    c.signin("h-metrology", "demo-h-metrology")
    c.wait(lambda: "/console/queue" in d.current_url, "the division's queue")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % number), "the item's task on the division's queue")
    d.get(WEB + "/console/workitems")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % number), "the item on the division's list")
    c.check(not c.css('#rows tr[data-case="%s"]' % OTHER), "and not another division's item")
    c.check(not c.css("#new-item"), "a division creates nothing")
    if not again:
        c.keep("workitems-division")
    c.click('#rows tr[data-case="%s"] a' % number, "the item")
    c.wait(lambda: c.text("#case-number") == number and c.css("#actions button"), "the item's page with its steps")
    offered = actions(c)
    c.check("return" not in offered, "no 退回 on an item a leader assigned (offered: %s)" % offered)
    c.check("ask-reassign" in offered and "complete" in offered, "申请调整 and 完成报告 offered")
    if not again:
        step(c, "progress", "进度报告")
        pct = c.css("#f-percent")[0]
        pct.clear()
        pct.send_keys("40")
        c.css("#f-text")[0].send_keys("已完成预约系统需求调研")
        # What the server refuses is said beside the field, in Chinese, and
        # nothing is filed; what was typed stays.
        choose(c, "#f-attachments", "note.txt")
        c.click("#form-progress button[type=submit]", "报送 with a text file")
        c.wait(lambda: "附件只收 PDF、JPEG 或 PNG 文件" in c.text("#e-attachments"), "a text file refused in Chinese")
        c.check("note.txt" in c.text("#e-attachments"), "the refusal names the file")
        c.check(reports_of(number) == "0", "no report filed with a refused file")
        c.check(c.css("#f-text")[0].get_attribute("value") == "已完成预约系统需求调研", "the text typed stays")
        c.keep("workitem-progress-refused")
        choose(c, "#f-attachments", "big.pdf")
        c.wait(lambda: not c.text("#e-attachments"), "the refusal goes once other files are chosen")
        c.click("#form-progress button[type=submit]", "报送 with a file too large")
        c.wait(lambda: "附件不能超过 5 MB" in c.text("#e-attachments"), "a file too large refused in Chinese",
               timeout=30)
        c.check(reports_of(number) == "0", "no report filed with a file too large")
        c.check(psql("SELECT count(*) FROM case_attachments") == "0", "nothing stored of the refused files")
        choose(c, "#f-attachments", "整改方案.pdf", "site.png")
        c.wait(lambda: c.text("#chosen-attachments") == "已选 2 个文件：整改方案.pdf、site.png", "the files chosen, named")
        c.keep("workitem-progress-form")
        c.click("#form-progress button[type=submit]", "报送进度")
        c.wait(lambda: "40%" in c.text("#wi-percent"), "the percent done shown at once", timeout=30)
        c.wait(lambda: "已完成预约系统需求调研" in c.text("#timeline"), "the report on the timeline")
        c.check(psql("SELECT r.kind || '|' || r.percent || '|' || r.division FROM work_item_reports r JOIN cases c"
                     " ON c.id = r.case_id WHERE c.case_number = '%s'" % number) == "progress|40|metrology",
                "the progress report recorded")
        c.check(attached(number, "progress") == "site.png,整改方案.pdf", "both files bound to the report")
        c.wait(lambda: timeline_files(c, "progress_reported") == "site.png,整改方案.pdf",
               "the files listed with the report on the timeline")
        c.keep("workitem-progress-files")
        download(c, "整改方案.pdf")
    step(c, "complete", "完成报告")
    c.click("#form-complete button[type=submit]", "报送 with no text")
    c.wait(lambda: "请填写完成情况" in c.text("#e-text"), "the completion report needs its text")
    c.css("#f-text")[0].send_keys("网上预约已上线，办理时限已公布" if again else "网上预约已上线")
    if not again:
        choose(c, "#f-attachments", "现场照片.jpg")
    c.click("#form-complete button[type=submit]", "报送完成报告")
    c.wait(lambda: c.text("#case-state") == "待核验", "awaiting verification", timeout=20)
    if not again:
        c.check(attached(number, "completion") == "现场照片.jpg", "the photo bound to the completion report")
        c.wait(lambda: timeline_files(c, "completion_reported") == "现场照片.jpg",
               "the photo listed with the completion report")
    c.check(not c.css("#actions button"), "nothing more for the division meanwhile")
    c.check(item_state(number) == "replied|awaiting", "the item awaits verification")
    c.keep("workitem-division-completed" + ("-again" if again else ""))
    c.signout()


def verify(c, number, accept):
    d = c.d
    c.signin("insp001", "demo-insp001")
    c.wait(lambda: "/console/board" in d.current_url, "the board")
    d.get(WEB + "/console/workitems?tab=verify")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % number), "the item under 待核验")
    c.wait(lambda: c.text('#rows tr[data-case="%s"] [data-status]' % number) == "待核验", "its status")
    if not accept:
        c.keep("workitems-verify")
    c.click('#rows tr[data-case="%s"] a' % number, "the item")
    c.wait(lambda: c.text("#case-number") == number, "the item's page (verify)")
    c.wait(lambda: "网上预约已上线" in c.text("#wi-summary"), "the completion report on the page")
    if not accept:
        c.wait(lambda: timeline_files(c, "completion_reported") == "现场照片.jpg",
               "the inspection office sees the completion report's photo")
        c.check(timeline_files(c, "progress_reported") == "site.png,整改方案.pdf", "and the progress report's files")
        download(c, "整改方案.pdf")
    step(c, "verify", "核验")
    if accept:
        Select(c.css("#f-accept")[0]).select_by_value("true")
        c.click("#form-verify button[type=submit]", "核验通过")
        c.wait(lambda: c.text("#case-state") == "已销号", "销号")
        c.check(item_state(number) == "closed|accepted", "closed on an accepted verification")
        c.keep("workitem-closed")
    else:
        Select(c.css("#f-accept")[0]).select_by_value("false")
        c.click("#form-verify button[type=submit]", "退回 with no reason")
        c.wait(lambda: "退回重办须写明理由" in c.text("#e-text"), "a verification sent back needs its reason")
        c.css("#f-text")[0].send_keys("未公布办理时限")
        c.keep("workitem-verify-form")
        c.click("#form-verify button[type=submit]", "退回重办")
        c.wait(lambda: c.text("#case-state") == "退回重办", "sent back")
        c.wait(lambda: "未公布办理时限" in c.text("#timeline"), "the reason on the timeline")
        c.check(item_state(number) == "dispatched|sent_back", "the item reopened to the division")
    c.signout()


def reassign(c):
    """The division asks to hand the overdue item over (it may not return a
    leader's item); the inspection office decides from the item's page."""
    d = c.d
    c.signin("h-metrology", "demo-h-metrology")
    c.wait(lambda: "/console/queue" in d.current_url, "the division's queue")
    d.get(WEB + "/console/cases/" + LATE)
    c.wait(lambda: c.text("#case-number") == LATE and c.css("#actions button"), "the overdue item's steps")
    c.check(not c.css('#actions button[data-action="return"]'), "no 退回 on a leader's item")
    step(c, "ask-reassign", "申请调整牵头处室")
    c.css("#f-text")[0].send_keys("加油机检定属标准化处牵头的专项")
    Select(c.css("#f-to")[0]).select_by_value("standards")
    c.click("#form-ask-reassign button[type=submit]", "提交申请")
    c.wait(lambda: "加油机检定属标准化处牵头的专项" in c.text("#timeline"), "the request on the timeline")
    c.check(psql("SELECT e.detail->>'division' || '|' || (e.detail->>'suggested') FROM case_events e JOIN cases c"
                 " ON c.id = e.case_id WHERE c.case_number = '%s' AND e.type = 'reassign_requested'" % LATE)
            == "metrology|standards", "recorded, with the division suggested")
    c.signout()
    c.signin("insp001", "demo-insp001")
    c.wait(lambda: "/console/board" in d.current_url, "the board")
    d.get(WEB + "/console/cases/" + LATE)
    c.wait(lambda: "申请调整牵头处室" in c.text("#timeline"), "the division's request on the item's page")
    step(c, "reassign", "调整牵头处室")
    Select(c.css("#f-division")[0]).select_by_value("standards")
    c.css("#f-text")[0].send_keys("同意由标准化处牵头，期限不变")
    c.keep("workitem-reassign-form")
    c.click("#form-reassign button[type=submit]", "调整")
    c.wait(lambda: "标准化处" in c.text("#case-head"), "the new lead division on the page")
    c.check(psql("SELECT w.lead_division FROM work_items w JOIN cases c ON c.id = w.case_id"
                 " WHERE c.case_number = '%s'" % LATE) == "standards", "reassigned")
    c.signout()


def problems(c):
    d = c.d
    c.signin("insp001", "demo-insp001")
    c.wait(lambda: "/console/board" in d.current_url, "the board")
    c.click('.nav a[href="/console/problems"]', "问题清单 in the navigation")
    one, two = 'li[data-problem="%s"]' % P1, 'li[data-problem="%s"]' % P2
    c.wait(lambda: c.css(one) and c.css(two), "the problems awaiting review")
    c.wait(lambda: "走访座谈：某食品企业" in c.text(one), "with the source as entered")
    c.click(one + ' button[data-action="accept"]', "采纳")
    c.wait(lambda: c.css(one + " form"), "the acceptance form")
    c.check(Select(c.css("#lead-" + P1)[0]).first_selected_option.get_attribute("value") == "licensing",
            "the division suggested is the lead division offered")
    c.click(one + " form button[type=submit]", "采纳 with fields missing")
    c.wait(lambda: "请选择责任人" in c.text(one + ' [data-error="responsible_staff"]'), "the person responsible asked for")
    Select(c.css("#person-" + P1)[0]).select_by_value("h-licensing")
    c.css("#measure-" + P1)[0].send_keys("推行延续免核查，材料一次提交")
    set_value(c, "#deadline-" + P1, day(60))
    c.keep("problems-accept")
    c.click(one + " form button[type=submit]", "采纳，立整改事项")
    c.wait(lambda: not c.css(one), "accepted: off the open list")
    rect = psql("SELECT c.case_number FROM problems p JOIN cases c ON c.id = p.rectification_case_id"
                " WHERE p.id = %s" % P1)
    c.check(rect != "", "a rectification item made")
    c.check(psql("SELECT w.source || '|' || w.lead_division || '|' || w.responsible_staff || '|' || w.measure"
                 " FROM work_items w JOIN cases c ON c.id = w.case_id WHERE c.case_number = '%s'" % rect)
            == "problem|licensing|h-licensing|推行延续免核查，材料一次提交", "with its division, person and measure")
    c.click(two + ' button[data-action="reject"]', "不予采纳")
    c.css("#reason-" + P2)[0].send_keys("经核实，收费按省定标准执行")
    c.click(two + " form button[type=submit]", "确认不予采纳")
    c.wait(lambda: not c.css(two), "rejected: off the open list")
    c.check(psql("SELECT state || '|' || review_reason FROM problems WHERE id = %s" % P2)
            == "rejected|经核实，收费按省定标准执行", "rejected with the reason")
    # A problem entered from the page.
    c.click("#file-open", "登记问题")
    c.css("#p-title")[0].send_keys("办事指南不清")
    c.css("#p-description")[0].send_keys("问卷反映办事指南不清楚")
    Select(c.css("#p-source")[0]).select_by_value("survey")
    c.click("#p-submit", "登记")
    c.wait(lambda: [e for e in c.css("#problems li[data-problem]") if "办事指南不清" in e.text], "the new problem, open")
    c.check(psql("SELECT source || '|' || state || '|' || filed_by FROM problems WHERE title = '办事指南不清'")
            == "survey|open|insp001", "entered with its source")
    c.click('#tabs a[data-tab="accepted"]', "已采纳")
    c.wait(lambda: c.css('li[data-problem="%s"] a' % P1), "the accepted problem with its rectification item")
    c.wait(lambda: rect in c.text('li[data-problem="%s"]' % P1), "linked to it")
    c.keep("problems-accepted")
    c.signout()
    return rect


def leader(c, number):
    d = c.d
    c.signin("ld-liujx", "demo-ld-liujx")
    c.wait(lambda: "/console/dashboard" in d.current_url, "the leader's first screen")
    c.click('.nav a[href="/console/workitems"]', "督办事项 in the navigation")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % LATE), "the leader's open item")
    c.check(c.css("#f-mine")[0].is_selected(), "their own items first")
    c.check(not c.css('#rows tr[data-case="%s"]' % OTHER), "not another leader's")
    c.wait(lambda: c.text('#rows tr[data-case="%s"] [data-status]' % LATE) == "已超期", "overdue said")
    c.wait(lambda: c.text('#stats [data-stat="overdue"] .value') == "1", "counted as overdue")
    missed = int(psql("SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE"
                      " c.case_number = '%s' AND t.role = 'report' AND t.state = 'dispatched'"
                      " AND t.completion_due < now()" % LATE))
    c.check(missed >= 1, "a progress report of the overdue item was missed")
    c.wait(lambda: ("逾期 %d" % missed) in c.text('#rows tr[data-case="%s"]' % LATE), "the reports missed on the row")
    c.wait(lambda: c.text('#stats [data-stat="missed"] .value') == "1", "an item with reports missed, counted")
    no_action = "return document.querySelectorAll('main button, main form, main textarea').length"
    c.check(d.execute_script(no_action) == 0, "nothing to do on the list")
    c.check(c.text("#new-item") == "交办领导批示", "but a leader's instruction to file")
    c.keep("workitems-leader")
    c.click('#tabs a[data-tab="closed"]', "已销号")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % number), "the item closed, in the address too")
    c.check("tab=closed" in d.current_url, "the tab in the address")
    c.wait(lambda: "100%" in c.text('#rows tr[data-case="%s"]' % number), "done in full")
    c.click('#f-mine', "all leaders' items")
    c.wait(lambda: "mine=0" in d.current_url, "all items, in the address")
    d.get(WEB + "/console/workitems?mine=0")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % OTHER), "another leader's item when asked for all")
    d.get(WEB + "/console/cases/" + LATE)
    c.wait(lambda: c.text("#case-number") == LATE, "the item's page")
    c.wait(lambda: "已超期" in c.text("#wi-deadline"), "overdue on the item's page")
    c.check(not c.css("#actions button"), "no step offered to a leader")
    c.keep("workitem-leader")
    c.signout()


def leader_creates(c):
    """A leader (or their office, signed in as them) files their own
    instruction from the console: offered 领导批示 only, led by themselves."""
    d = c.d
    c.signin("ld-liujx", "demo-ld-liujx")
    c.wait(lambda: "/console/dashboard" in d.current_url, "the leader's first screen")
    d.get(WEB + "/console/workitems")
    c.click("#new-item", "交办领导批示")
    c.wait(lambda: c.css("#workitem-form"), "the form for a leader")
    sources = [o.get_attribute("value") for o in c.css("#f-source option")]
    c.check(sources == ["instruction"], "a leader files instructions only (offered: %s)" % sources)
    offered = [e.get_attribute("value") for e in c.css('input[name="leaders"]')]
    c.check(offered == ["ld-liujx"], "led by themselves (offered: %s)" % offered)
    c.check(c.css("#f-leaders-ld-liujx")[0].is_selected(), "already chosen")
    c.css("#f-title")[0].send_keys("加油站计量作弊专项整治")
    c.css("#f-content")[0].send_keys("刘江潇同志批示：对加油站计量作弊开展专项整治，月底前报结果。")
    Select(c.css("#f-lead")[0]).select_by_value("metrology")
    c.click("#f-divisions-enforcement", "a responsible division")
    set_value(c, "#f-deadline", day(120))
    # a rhythm other than monthly: quarterly by the 3rd working day
    Select(c.css("#f-rhythm")[0]).select_by_value("quarterly")
    c.wait(lambda: c.text("#f-day-before") == "每季度首月第", "the words of a quarterly rhythm")
    day_box = c.css("#f-day")[0]
    day_box.clear()
    day_box.send_keys("3")
    c.keep("workitem-new-leader")
    c.click("#submit", "立项并交办")
    c.wait(lambda: c.text("#receipt-number"), "the leader's item's number")
    number = c.text("#receipt-number")
    c.check(psql("SELECT w.source || '|' || array_to_string(w.leaders, ',') || '|' || w.lead_division || '|'"
                 " || array_to_string(w.divisions, ',') || '|' || c.first_responder || '|' || w.leader_assigned"
                 " || '|' || w.report_rhythm || w.report_day"
                 " FROM work_items w JOIN cases c ON c.id = w.case_id WHERE c.case_number = '%s'" % number)
            == "instruction|ld-liujx|metrology|enforcement|ld-liujx|true|quarterly3",
            "filed as the leader's instruction, reported on quarterly")
    c.click("#open-item", "查看事项")
    c.wait(lambda: c.text("#case-number") == number, "the item's page")
    c.wait(lambda: "刘江潇" in c.text("#case-head"), "the leader as its lead leader")
    c.wait(lambda: "每季度首月第 3 个工作日前报送" in c.text("#wi-reports"), "the rhythm on the item's page")
    c.signout()
    return number


def refused(c, number):
    d = c.d
    c.signin("h-finance", "demo-h-finance")
    c.wait(lambda: "/console/queue" in d.current_url, "the division's queue")
    d.get(WEB + "/console/cases/" + number)
    # the page draws its refusal once per read (the first, then the stream's
    # hello): wait for the words, not only the box
    c.wait(lambda: c.text("#denied .code") == "403" and "无权查看" in c.text("#denied"),
           "another division's item refused with the 403 page in Chinese")
    c.keep("workitem-denied")
    d.get(WEB + "/console/workitems")
    c.wait(lambda: c.css('#rows tr[data-case="%s"]' % OTHER), "the division's own item")
    c.check(not c.css('#rows tr[data-case="%s"]' % number), "and not the other's")
    # A division creates no work item: the form is not offered, and the API
    # refuses the page's request even for a leader's instruction.
    d.get(WEB + "/console/workitem-new")
    c.wait(lambda: c.text("#denied .code") == "403", "the new-item form refused to a division")
    answer = d.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        " duban.api('POST', '/api/v1/workitems', {ref: 'DIV-1', source: 'instruction', leaders: ['ld-liujx'],"
        " title: '处室自行立项', content: '处室自行立项', lead_division: 'finance',"
        " deadline: '2099-01-01T17:30:00+08:00'}).then(function (r) { done(r.status); });")
    c.check(answer == 403, "the API refuses a division's work item (answered %s)" % answer)
    c.check(psql("SELECT count(*) FROM work_items WHERE ref = 'DIV-1'") == "0", "nothing made")
    c.signout()


def main():
    c = Console()
    try:
        number = create(c)
        division_reports(c, number)
        verify(c, number, accept=False)
        division_reports(c, number, again=True)
        verify(c, number, accept=True)
        reassign(c)
        problems(c)
        leader(c, number)
        leader_creates(c)
        refused(c, number)
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
