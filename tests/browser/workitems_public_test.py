"""The work items' public pages in headless Chromium through WebDriver.

Started by tests/browser/workitems_public.sh with the services running and
the items made (environment: DUBAN_INTAKE_URL, DUBAN_TEST_DIR, WP_RECT the
rectification item, WP_ITEM a plan item in progress, WP_DONE one awaiting
verification). Uses the browser helpers of public_test.py.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from public_test import INTAKE, Browser, Failure  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

RECT, ITEM, DONE = os.environ["WP_RECT"], os.environ["WP_ITEM"], os.environ["WP_DONE"]
PRIVATE = ("张三丰", "13912345678", "h-licensing", "clerk001", "insp001", "内部内容")


def no_private(b, page):
    for s in PRIVATE:
        b.check(s not in b.d.page_source, "%s: no %s" % (page, s))


def lists(b, width):
    b.d.set_window_size(width, 900)
    b.d.get(INTAKE + "/workitems")
    b.wait(lambda: "优化营商环境工作方案" in b.text("main"), "the plans on the index")
    b.accessible("the index at %d wide" % width)
    b.keep("workitems-index")
    b.css('a[href="/workitems/rectification"]')[0].click()
    b.wait(lambda: RECT in b.d.page_source, "the rectification list")
    card = b.text("ul.items li")
    for want in ("生产许可证延续手续繁琐", "推行延续免核查，材料一次提交", "办理中", "完成时限"):
        b.check(want in card, "the rectification item shows %s: %r" % (want, card))
    b.accessible("the rectification list at %d wide" % width)
    no_private(b, "the rectification list")
    b.keep("workitems-rectification")
    b.d.get(INTAKE + "/workitems/problems")
    b.wait(lambda: "走访座谈" in b.text("main"), "the problem list")
    b.check("已列入整改" in b.text("main"), "the problem's state in Chinese")
    b.accessible("the problem list at %d wide" % width)
    no_private(b, "the problem list")
    b.keep("workitems-problems")
    b.d.get(INTAKE + "/workitems/plan?plan=BE2017&division=finance")
    b.wait(lambda: "公开行政事业性收费目录" in b.text("main"), "the finance division's plan")
    b.check("待核验" in b.text("main") and "收费目录已在门户网站公开" in b.text("main"),
            "awaiting verification with its completion summary")
    b.check("制定本部门工作方案" not in b.text("main"), "only the division's items")
    b.accessible("a division's plan at %d wide" % width)
    b.keep("workitems-plan")
    columns = b.d.execute_script(
        "return getComputedStyle(document.querySelector('ul.items'))"
        ".gridTemplateColumns.split(' ').length")
    b.check(columns == (1 if width < 600 else 2), "%d column(s) at %d wide: %r" %
            (1 if width < 600 else 2, width, columns))


def evaluate_by_keyboard(b, width):
    b.d.set_window_size(width, 900)
    b.d.get(INTAKE + "/workitems/item?number=" + ITEM)
    b.wait(lambda: b.css("#evaluations"), "the item's evaluations")
    b.check("暂无评价" in b.text("#evaluations"), "no evaluation yet")
    b.accessible("the item at %d wide" % width)
    b.keep("workitems-item")
    b.tab_to("rating-satisfied")
    b.keys(Keys.ARROW_DOWN)  # the next choice of the group: 基本满意
    b.check(b.active() == "rating-basically", "the arrow key moves to 基本满意")
    b.keys(Keys.TAB)
    b.check(b.active() == "comment", "the comment after the choices")
    b.keys("进度公开及时")
    b.keys(Keys.TAB)
    b.check(b.active() == "evaluate", "the button after the comment")
    b.keys(Keys.ENTER)
    b.wait(lambda: b.css(".notice"), "the thanks")
    table = b.text("#evaluations")
    b.check("基本满意\n1" in table.replace(" ", "\n") and "100.0%" in table,
            "counted as 基本满意, 满意率 100.0%%: %r" % table)
    b.check("进度公开及时" not in b.text("main"), "the comment is not published")
    b.accessible("the thanks at %d wide" % width)
    b.keep("workitems-evaluated")
    # Again this month: refused in Chinese, the choice kept.
    b.css("#rating-dissatisfied")[0].click()
    b.css("#evaluate")[0].click()
    b.wait(lambda: b.css("#form-error"), "the refusal of a second evaluation")
    b.check("本月已经评价过" in b.text("#form-error"), "said in Chinese")
    b.wait(lambda: b.active() == "form-error", "the focus on the refusal")
    b.check(b.css("#rating-dissatisfied")[0].is_selected(), "the choice kept")
    b.accessible("the refusal at %d wide" % width)
    b.keep("workitems-refused")


def main():
    b = Browser()
    try:
        lists(b, 390)
        lists(b, 1280)
        evaluate_by_keyboard(b, 1280)
        b.d.set_window_size(390, 844)
        b.d.get(INTAKE + "/workitems/item?number=" + DONE)
        b.wait(lambda: b.css("#evaluations"), "an item on a phone")
        b.accessible("an item at 390 wide")
        b.keep("workitems-item-phone")
        print("browser checks passed: %d" % b.checks)
    except Failure as e:
        print("FAIL: " + str(e), file=sys.stderr)
        return 1
    finally:
        b.d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
