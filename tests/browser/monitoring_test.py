"""duban's dashboard on a real Prometheus, read through its API and drawn in
headless Chromium through WebDriver.

Started by tests/browser/monitoring.sh with the services and Prometheus
running and some traffic scraped (environment: DUBAN_PROMETHEUS_URL,
DUBAN_TEST_DIR). Every query of every panel answers with at least one
series; the console page draws a graph for every time-series panel and a
row of values for every other. A screenshot of the whole page is kept in
DUBAN_TEST_DIR/screens (and DUBAN_SCREENSHOT_DIR if set).
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By

PROM = os.environ["DUBAN_PROMETHEUS_URL"]
SCREENS = os.path.join(os.environ["DUBAN_TEST_DIR"], "screens")
KEEP = os.environ.get("DUBAN_SCREENSHOT_DIR")
DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy",
                         "monitoring", "duban-dashboard.json")
os.makedirs(SCREENS, exist_ok=True)

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL {what}", file=sys.stderr)


def query(expr):
    url = f"{PROM}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def panels():
    with open(DASHBOARD, encoding="utf-8") as f:
        board = json.load(f)
    return sorted(board["panels"], key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))


def series(expr, seconds=30):
    """The query's answer once it holds series (or when seconds are up): a
    rate or an increase needs two scrapes of a counter, which may have
    appeared a moment ago."""
    deadline = time.time() + seconds
    while True:
        answer = query(expr)
        n = len(answer["data"]["result"]) if answer.get("status") == "success" else -1
        if n != 0 or time.time() > deadline:
            return answer, n
        time.sleep(0.5)


def check_queries():
    for p in panels():
        for t in p.get("targets", []):
            answer, n = series(t["expr"])
            print(f"panel {p['title']!r}: {n} series for {t['expr']}")
            check(answer.get("status") == "success", f"{p['title']}: query refused: {answer}")
            check(n > 0, f"{p['title']}: no series for {t['expr']}")


def browser():
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=opts)


def drawn(driver, graphs):
    """The number of graph panels that hold a drawn line."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.duban-graph'))"
        ".filter(g => g.querySelector('svg path')).length") if graphs else 0


def check_console_page():
    board = panels()
    graphs = sum(1 for p in board if p["type"] == "timeseries")
    tables = len(board) - graphs
    driver = browser()
    try:
        # the last two minutes: the deployment is younger than the default hour
        span = urllib.parse.quote(json.dumps({"duration": 120, "endTime": 0}))
        driver.get(f"{PROM}/consoles/duban.html#pctc{span}")
        deadline = time.time() + 20
        while time.time() < deadline and drawn(driver, graphs) < graphs:
            time.sleep(0.25)
        check(drawn(driver, graphs) == graphs,
              f"console page: {drawn(driver, graphs)} of {graphs} graphs drawn")
        titles = [h.text for h in driver.find_elements(By.CSS_SELECTOR, ".duban-panel h2")]
        check(titles == [p["title"] for p in board], f"console page panel titles: {titles}")
        rows = driver.execute_script(
            "return Array.from(document.querySelectorAll('.duban-table')).map("
            "t => Array.from(t.querySelectorAll('td')).filter(td => td.textContent !== 'no data').length)")
        check(len(rows) == tables and all(r > 0 for r in rows), f"console page tables: {rows}")
        # (Prometheus serves no favicon.ico for the console pages)
        errors = [e["message"] for e in driver.get_log("browser")
                  if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
        check(not errors, f"console page errors: {errors}")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(height + 120, 6000))
        time.sleep(0.5)
        for folder in filter(None, (SCREENS, KEEP)):
            os.makedirs(folder, exist_ok=True)
            driver.save_screenshot(os.path.join(folder, "monitoring-dashboard-1280.png"))
    finally:
        driver.quit()


check_queries()
check_console_page()
if failures:
    sys.exit(1)
print("dashboard checks passed")
