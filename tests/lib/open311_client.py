"""An Open311 client that speaks as FixMyStreet does, for tests.

FixMyStreet (mySociety's perllib/Open311.pm) posts forms encoded by Perl's
HTTP::Request::Common: application/x-www-form-urlencoded, '+' for a space,
every reserved character percent-encoded (attribute[code] as
attribute%5Bcode%5D, a zone +08:00 as %2B08%3A00), its users' text with
CRLF line ends; it reads XML only, with an XML parser. This client does the
same with the standard library and checks what a FixMyStreet site relies
on. Run by tests/integration/open311_fixmystreet.sh, which starts the
services and sets OPEN311_ENDPOINT, OPEN311_API_KEY, OPEN311_OTHER_KEY,
OPEN311_JURISDICTION, DUBANCTL and H_PSQL.
"""
import datetime
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

ENDPOINT = os.environ["OPEN311_ENDPOINT"]
API_KEY = os.environ["OPEN311_API_KEY"]
OTHER_KEY = os.environ["OPEN311_OTHER_KEY"]
JURISDICTION = os.environ["OPEN311_JURISDICTION"]
DUBANCTL = shlex.split(os.environ["DUBANCTL"])
PSQL = shlex.split(os.environ["H_PSQL"])
CHINA = datetime.timezone(datetime.timedelta(hours=8))
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
checks = 0


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    sys.exit(1)


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        fail(what)


def psql(sql):
    return subprocess.run(PSQL + ["-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def ctl(*args):
    subprocess.run(DUBANCTL + list(args), check=True, capture_output=True, text=True)


def w3c(dt):
    """DateTime::Format::W3CDTF's form: seconds, the offset as +08:00 or Z."""
    text = dt.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def form(params):
    """The body HTTP::Request::Common's POST makes of params."""
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote_plus).encode("ascii")


def request(method, path, params=None):
    """(status, headers, parsed XML root or None, raw body)."""
    params = dict(params or {})
    params.setdefault("jurisdiction_id", JURISDICTION)
    url = ENDPOINT + path
    data = None
    headers = {}
    if method == "POST":
        data = form(params)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        url += "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote_plus)
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            status, hdrs, body = res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        status, hdrs, body = e.code, e.headers, e.read()
    root = None
    if hdrs.get("Content-Type", "").startswith("text/xml"):
        root = ET.fromstring(body)  # a real parser: malformed XML raises
        for el in root.iter():
            if el.tag.endswith("_datetime") and el.text:
                check(W3C.match(el.text), "%s %s has a zone: %s" % (path, el.tag, el.text))
    return status, hdrs, root, body


def text(el, name):
    found = el.find(name)
    return found.text if found is not None and found.text is not None else ""


def post_request(extra):
    params = {"api_key": API_KEY, "service_code": "metrology",
              "description": "电子秤缺斤短两\r\n\r\n农贸市场 3 号摊位，称 1 kg 只有 900 g\r\n\r\n"
                             "https://fixmystreet.example/report/1",
              "lat": "30.274100", "long": "120.155100", "email": "li.si@example.com",
              "first_name": "四", "last_name": "李", "phone": "+86 138 0000 3333",
              "attribute[instrument]": "电子秤", "attribute[enterprise]": "某某农贸市场",
              "attribute[place_detail]": "3 号摊位",
              "media_url": "https://fixmystreet.example/photo/1.full.jpeg"}
    params.update(extra)
    status, _, root, body = request("POST", "requests.xml", params)
    check(status in (200, 201), "POST requests.xml answered %d: %r" % (status, body))
    number = text(root.find("request"), "service_request_id")
    check(re.match(r"^DB\d{14}$", number), "a service_request_id: %r" % body)
    return number


def get_request(number):
    status, _, root, body = request("GET", "requests.xml", {"service_request_id": number})
    check(status == 200, "GET requests.xml?service_request_id answered %d" % status)
    found = root.findall("request")
    check(len(found) == 1, "one request for %s: %r" % (number, body))
    return found[0]


def wait_for(what, cond, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.2)
    fail("timed out waiting for " + what)


def updates(start, end, **more):
    params = {"api_key": API_KEY, "start_date": w3c(start), "end_date": w3c(end)}
    params.update(more)
    status, hdrs, root, body = request("GET", "servicerequestupdates.xml", params)
    check(status == 200, "servicerequestupdates.xml answered %d: %r" % (status, body))
    return hdrs, root.findall("request_update")


def post_update(number, update_id, status, description, when):
    params = {"api_key": API_KEY, "service_request_id": number, "update_id": update_id,
              "updated_datetime": w3c(when), "status": status, "description": description,
              "first_name": "四", "last_name": "李", "email": "li.si@example.com"}
    return request("POST", "servicerequestupdates.xml", params)


def main():
    started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)

    # --- What a site administrator's PopulateServiceList reads.
    status, _, root, _ = request("GET", "services.xml")
    check(status == 200 and root.tag == "services", "services.xml")
    metrology = [s for s in root.findall("service") if text(s, "service_code") == "metrology"]
    check(metrology and text(metrology[0], "metadata") == "true", "metrology has metadata")
    status, _, root, _ = request("GET", "services/metrology.xml")
    codes = [text(a, "code") for a in root.iter("attribute")]
    check(codes == ["kind", "instrument", "enterprise", "place_detail"],
          "metrology's attributes in order: %r" % codes)
    status, _, root, _ = request("GET", "services.xml", {"jurisdiction_id": "nowhere.gov.cn"})
    check(status == 404 and root.tag == "errors", "another jurisdiction: 404 in <errors>")

    # --- A report sent as FixMyStreet sends it, its attributes in the case.
    body = form({"description": "a\r\nb c", "attribute[instrument]": "电子秤",
                 "updated_datetime": "2017-03-02T10:30:00+08:00"}).decode()
    check("a%0D%0Ab+c" in body and "attribute%5Binstrument%5D=" in body and
          "%2B08%3A00" in body, "the client encodes as FixMyStreet does: " + body)
    number = post_request({})
    row = psql("SELECT product, enterprise, place, description FROM cases"
               " WHERE case_number = '%s'" % number).split("|")
    check(row[0] == "电子秤" and row[1] == "某某农贸市场" and row[2] == "3 号摊位",
          "attributes in the case's fields: %r" % row)
    check("\r" not in row[3] and "农贸市场 3 号摊位" in row[3], "CRLF stored as LF, '+' as space")

    # --- Polled until a division has it.
    req = wait_for("dispatch", lambda: (lambda r: r if text(r, "agency_responsible") == "计量处"
                                        else None)(get_request(number)))
    check(text(req, "status") == "open", "open")
    check(text(req.find("extended_attributes"), "detailed_status") == "ACTION_SCHEDULED",
          "ACTION_SCHEDULED once dispatched")
    check(W3C.match(text(req, "expected_datetime")), "the expected completion date")
    for secret in ("li.si", "13800003333", "李四"):
        check(secret not in ET.tostring(req, encoding="unicode"), "no requester data")

    # --- A citizen's update, sent twice with the same update_id (a retry).
    now = datetime.datetime.now(CHINA)
    status, _, root, body = post_update(number, "7001", "OPEN",
                                        "摊主今天换了秤\r\n但还是少 50 g", now)
    check(status == 201 and root.tag == "service_request_updates",
          "POST servicerequestupdates.xml: %d %r" % (status, body))
    first_id = text(root.find("request_update"), "update_id")
    check(re.match(r"^\d+$", first_id), "duban's own update_id: %r" % body)
    status, _, root, body = post_update(number, "7001", "OPEN", "摊主今天换了秤\r\n但还是少 50 g", now)
    check(status == 200 and text(root.find("request_update"), "update_id") == first_id,
          "the same update_id twice answers the first id: %d %r" % (status, body))
    check(psql("SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id"
               " WHERE c.case_number = '%s' AND e.type = 'followup'" % number) == "1",
          "one follow-up stored for two posts")
    detail = psql("SELECT e.detail->>'text', e.detail->>'update_id', e.detail->'contact'->>'email',"
                  " t.division FROM case_events e JOIN tasks t ON t.id = e.task_id"
                  " WHERE e.id = %s" % first_id).split("|")
    check(detail == ["摊主今天换了秤\n但还是少 50 g", "7001", "li.si@example.com", "metrology"],
          "the follow-up on the lead division's task: %r" % detail)
    check(psql("SELECT state FROM cases WHERE case_number = '%s'" % number) == "dispatched",
          "an update changes no state")

    # --- Refusals in <errors>.
    status, _, root, _ = post_update("DB20990101000001", "7002", "OPEN", "补充", now)
    check(status == 404 and text(root.find("error"), "code") == "404", "unknown case: 404")
    status, _, root, _ = post_update(number, "7003", "MAYBE", "补充", now)
    check(status == 400 and "status" in text(root.find("error"), "description"), "bad status")
    params = {"api_key": OTHER_KEY, "service_request_id": number, "update_id": "1",
              "updated_datetime": w3c(now), "status": "OPEN", "description": "别人的案件"}
    status, _, root, _ = request("POST", "servicerequestupdates.xml", params)
    check(status == 404, "another client cannot add to this client's case (%d)" % status)
    params = {"api_key": API_KEY, "service_request_id": number, "update_id": "7004",
              "updated_datetime": w3c(now), "status": "OPEN", "description": "x",
              "phone": "call me"}
    status, _, root, _ = request("POST", "servicerequestupdates.xml", params)
    check(status == 400 and "phone" in text(root.find("error"), "description"), "bad phone")

    # --- The case through its life, as servicerequestupdates shows it.
    ctl("sign", number, "--as", "h-metrology")
    ctl("reply", number, "--as", "h-metrology", "--result", "已责令商户更换合格电子秤",
        "--internal", "商户负责人态度差，已约谈")
    fr = psql("SELECT first_responder FROM cases WHERE case_number = '%s'" % number)
    ctl("inform", number, "--as", fr, "--how", "电话")
    ctl("callback", number, "--as", fr, "--satisfaction", "满意")
    req = get_request(number)
    check(text(req, "status") == "closed", "closed")
    check(text(req.find("extended_attributes"), "detailed_status") == "CLOSED", "CLOSED")
    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    hdrs, ups = updates(started, end)
    mine = [u for u in ups if text(u, "service_request_id") == number]
    statuses = [text(u, "status") for u in mine]
    check(statuses == ["CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING"],
          "the case's updates newest first: %r" % statuses)
    fixed = [u for u in mine if text(u, "status") == "FIXED"][0]
    check("已责令商户更换合格电子秤" in text(fixed, "description"), "the reply's public part")
    check("约谈" not in ET.tostring(fixed, encoding="unicode"), "never the internal part")
    times = [text(u, "updated_datetime") for u in ups]
    check(times == sorted(times, reverse=True), "newest first")

    # --- A reopen asked after closure goes to the inspection office.
    status, _, root, body = post_update(number, "7010", "REOPEN", "秤又被换回去了",
                                        datetime.datetime.now(CHINA))
    check(status == 201, "REOPEN accepted: %d %r" % (status, body))
    check(psql("SELECT state FROM cases WHERE case_number = '%s'" % number) == "closed",
          "a reopen is asked, not done around the workflow")
    check(psql("SELECT e.detail->>'decided_by' FROM case_events e JOIN cases c ON c.id = e.case_id"
               " WHERE c.case_number = '%s' AND e.type = 'reopen_requested'" % number)
          == "inspection", "the inspection office decides a closed case's reopen")
    check(psql("SELECT count(*) FROM outbox WHERE producer = 'intake' AND topic = 'inspection|'"
               " AND case_number = '%s'" % number) == "1", "the inspection office is told")

    # --- A repeat of the same matter is merged: DUPLICATE, naming the case.
    first = post_request({"phone": "13900004444", "description": "加油机少加油"})
    wait_for("dispatch of the first", lambda: text(get_request(first), "agency_responsible"))
    second = post_request({"phone": "13900004444", "description": "加油机还是少加油"})
    req = wait_for("the merge", lambda: (lambda r: r if text(r, "status") == "closed" else None)(
        get_request(second)))
    ext = req.find("extended_attributes")
    check(text(ext, "detailed_status") == "DUPLICATE", "DUPLICATE")
    check(text(ext, "duplicate_of") == first, "names the case it was merged into")
    check(first in text(req, "status_notes"), "and says so in the notes")
    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    _, ups = updates(started, end)
    dup = [u for u in ups if text(u, "service_request_id") == second and
           text(u, "status") == "DUPLICATE"]
    check(len(dup) == 1 and first in text(dup[0], "description"), "the DUPLICATE update")

    # --- Pages: page_size, page, and a Link to the next page.
    hdrs, page1 = updates(started, end, page_size="2")
    check(len(page1) == 2 and 'rel="next"' in (hdrs.get("Link") or ""), "page 1 of 2 and a link")
    link = re.search(r"<([^>]+)>", hdrs["Link"]).group(1)
    check("page=2" in link and "page_size=2" in link, "the link names page 2: " + link)
    _, page2 = updates(started, end, page_size="2", page="2")
    check(text(page2[0], "update_id") not in [text(u, "update_id") for u in page1],
          "page 2 goes on from page 1")
    check(text(page1[0], "updated_datetime") >= text(page2[0], "updated_datetime"), "newest first")
    status, _, root, _ = request("GET", "servicerequestupdates.xml", {"page_size": "0"})
    check(status == 400 and root.tag == "errors", "page_size 0 refused")

    # --- Lists with comma lists of codes and statuses.
    status, _, root, _ = request("GET", "requests.xml", {"service_code": "metrology,fiber",
                                                         "status": "open,closed"})
    ids = [text(r, "service_request_id") for r in root.findall("request")]
    check(number in ids and first in ids and second in ids, "comma lists: %r" % ids)
    status, _, root, _ = request("GET", "requests.xml", {"service_code": "metrology",
                                                         "status": "closed"})
    ids = [text(r, "service_request_id") for r in root.findall("request")]
    check(number in ids and second in ids and first not in ids, "closed only: %r" % ids)

    # --- The newest updates of a window are never hidden behind older ones:
    # 1,200 older public steps inside the window, then a newer one.
    psql("INSERT INTO case_events (case_id, type, actor, detail, at)"
         " SELECT c.id, 'triaged', 'triage', '{}', now() - interval '30 minutes'"
         " FROM cases c, generate_series(1, 1200) WHERE c.case_number = '%s'" % first)
    ctl("sign", first, "--as", "h-metrology")
    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    hdrs, ups = updates(end - datetime.timedelta(hours=2), end)
    check(len(ups) == 1000 and 'rel="next"' in (hdrs.get("Link") or ""), "cut at 1000 and said")
    check(text(ups[0], "service_request_id") == first and text(ups[0], "status") == "IN_PROGRESS",
          "the newest update first in a full window")
    print("open311 client: %d checks passed" % checks)


main()
