"""A generated ledger (整治台账) for dubanctl import-history, reproducible
from its seed: CASES cases received over a quarter, each with a handling
history in the shapes a bureau's ledger has (signed on time or late,
returned to another division and sometimes arbitrated, waiting for
material, extended, replied on time or late, informed, called back,
reopened when unsatisfied, some still open), every step one the live
workflow allows at its instant.

    ledger_gen.py SEED CASES FIRST_DAY LAST_DAY [CUT] > ledger.json

Times are +08:00; FIRST_DAY and LAST_DAY (YYYY-MM-DD) bound the receipts,
steps run up to 120 days after. With CUT (an instant, e.g.
2017-02-01T00:00:00+08:00) only the cases received and the steps taken
before it are written: the ledger as it stood then.
"""
import datetime
import json
import random
import sys

TZ = datetime.timezone(datetime.timedelta(hours=8))
# Categories routed to one lead division (none urgent: every response window
# is at least four working hours), with a co-handling division or not.
CATEGORIES = [("metrology", "metrology"), ("counterfeit", "enforcement"),
              ("e-commerce", "enforcement"), ("fiber", "fiber"),
              ("product-quality", "supervision"), ("standards", "standards"),
              ("testing-institutes", "certification"), ("licensing", "licensing"),
              ("fees", "finance"), ("general", "office-legal"), ("policy", "office-legal")]
DIVISIONS = ["office-legal", "supervision", "enforcement", "fiber", "metrology", "standards",
             "certification", "licensing", "finance"]
PLACES = ["石家庄市长安区", "石家庄市桥西区", "保定市竞秀区", "唐山市路南区", "邯郸市丛台区",
          "廊坊市广阳区", "河北省沧州市运河区", "某小区3号楼", None]
KINDS = [("complaint", 6), ("enquiry", 3), ("report", 1)]


def at(t):
    return t.astimezone(TZ).isoformat(timespec="seconds")


def working(t, rnd):
    """t moved into working hours (Mon-Fri 08:30-17:30), a little later."""
    t = t.astimezone(TZ)
    while t.weekday() >= 5 or t.hour < 9 or t.hour >= 17:
        t = (t + datetime.timedelta(days=1)).replace(hour=9, minute=rnd.randrange(0, 50))
    return t


def case(rnd, i, day0, span_days):
    kind = rnd.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    category, lead = rnd.choice(CATEGORIES)
    received = working(day0 + datetime.timedelta(days=rnd.uniform(0, span_days)), rnd)
    t = received + datetime.timedelta(minutes=rnd.randrange(5, 40))
    steps = [{"step": "dispatched", "at": at(t), "division": lead}]
    if category == "e-commerce":
        steps.append({"step": "dispatched", "at": at(t), "division": "supervision",
                      "role": "co"})
    division = lead
    # a return, within the response window (two hours), to another division
    if rnd.random() < 0.06:
        other = rnd.choice([d for d in DIVISIONS if d != division])
        t += datetime.timedelta(minutes=rnd.randrange(10, 110))
        steps.append({"step": "returned", "at": at(t), "division": division, "to": other,
                      "reason": "不属于本处职责"})
        if rnd.random() < 0.4:  # returned again: the inspection office arbitrates
            t += datetime.timedelta(minutes=rnd.randrange(10, 110))
            steps.append({"step": "returned", "at": at(t), "division": other, "to": lead,
                          "reason": "应由原处室办理"})
            t = working(t + datetime.timedelta(days=rnd.uniform(0.5, 3)), rnd)
            steps.append({"step": "arbitrated", "at": at(t), "division": lead,
                          "decision": "经审查属原处室职责", "by": "insp001"})
            division = lead
        else:
            division = other
    # signed: mostly within hours, sometimes days late
    delay = rnd.choice([0.5, 1, 2, 3, 5, 30, 70])
    t += datetime.timedelta(hours=delay)
    steps.append({"step": "signed", "at": at(working(t, rnd)), "division": division})
    t = working(t, rnd)
    if delay <= 5 and rnd.random() < 0.06:  # an extension, asked on signing, granted days later
        asked = t + datetime.timedelta(minutes=rnd.randrange(5, 60))
        t = working(asked + datetime.timedelta(days=rnd.uniform(0.5, 6)), rnd)
        steps.append({"step": "extension_granted", "requested_at": at(asked), "at": at(t),
                      "division": division, "by": rnd.choice(["3d", "5d", "10d"]),
                      "reason": "需送检", "decided_by": "insp001"})
    if rnd.random() < 0.12:  # waiting for material, and the material arriving
        t = working(t + datetime.timedelta(days=rnd.uniform(0.2, 6)), rnd)
        steps.append({"step": "material_requested", "at": at(t), "division": division,
                      "material": "补充证据材料"})
        t = working(t + datetime.timedelta(days=rnd.uniform(1, 20)), rnd)
        steps.append({"step": "material_arrived", "at": at(t), "division": division})
    if rnd.random() < 0.08:  # never replied: still open
        return received, kind, category, steps
    t = working(t + datetime.timedelta(days=rnd.choice([1, 2, 4, 6, 9, 12, 16, 22, 30])), rnd)
    steps.append({"step": "replied", "at": at(t), "division": division, "result": "已办结"})
    if rnd.random() < 0.1:  # closed without a callback, or left replied
        return received, kind, category, steps
    t = working(t + datetime.timedelta(hours=rnd.uniform(2, 40)), rnd)
    steps.append({"step": "informed", "at": at(t), "how": "电话"})
    t = working(t + datetime.timedelta(hours=rnd.uniform(1, 60)), rnd)
    satisfaction = rnd.choices(["满意", "基本满意", "不满意"], weights=[7, 2, 1])[0]
    steps.append({"step": "callback", "at": at(t), "satisfaction": satisfaction})
    if satisfaction == "不满意":  # reopened: a new task, handled again
        t = working(t + datetime.timedelta(hours=rnd.uniform(1, 30)), rnd)
        steps.append({"step": "signed", "at": at(t), "division": division})
        t = working(t + datetime.timedelta(days=rnd.uniform(1, 15)), rnd)
        steps.append({"step": "replied", "at": at(t), "division": division, "result": "已重新办理"})
    return received, kind, category, steps


def main():
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    first = datetime.datetime.fromisoformat(sys.argv[3]).replace(tzinfo=TZ)
    last = datetime.datetime.fromisoformat(sys.argv[4]).replace(tzinfo=TZ)
    cut = datetime.datetime.fromisoformat(sys.argv[5]) if len(sys.argv) > 5 else None
    rnd = random.Random(seed)
    span = (last - first).days + 1
    out = []
    for i in range(n):
        received, kind, category, steps = case(rnd, i, first, span)
        if cut and received >= cut:
            continue
        if cut:
            steps = [s for s in steps if datetime.datetime.fromisoformat(s["at"]) < cut]
        entry = {"external_ref": "GEN-%d-%05d" % (seed, i), "kind": kind, "category": category,
                 "subject": "生成台账案件 %d" % i, "first_responder": "op001",
                 "received_at": at(received), "steps": steps}
        place = PLACES[i % len(PLACES)]
        if place:
            entry["place"] = place
        out.append(entry)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
