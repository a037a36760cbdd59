/* The leaders' dashboard (/console/dashboard): this month so far, as the
 * bulletin engine counts a month-check (GET /api/v1/dashboard: the same
 * definitions, cut at now): a few large numbers with the change against
 * last month, one ranking table of the divisions (score, grade, on-time
 * rates, overdue now) and the month against the month before. It reads;
 * there is nothing to do on it. Re-read every 30 s (and on reconnect). */
(function () {
  "use strict";
  var el = duban.el;

  function stat(label, value, unit, change, cls) {
    return el("div", { class: "stat big " + (cls || "") }, [el("div", { class: "label", text: label }),
      el("div", { class: "value" }, [value, unit ? el("small", { text: unit }) : null]), change]);
  }

  function num(v) { return typeof v === "number" ? v.toFixed(1) : "—"; }

  function big(rec) {
    var t = rec.totals, p = rec.previous.totals;
    return el("section", { class: "stats", id: "figures" }, [
      stat("本月受理", String(t.received), "件", el("span", { class: "delta", text: "上月全月 " + p.received + " 件" })),
      stat("按时响应率", num(t.response.rate), typeof t.response.rate === "number" ? "%" : "",
        office.delta(t.response.rate, p.response.rate, "%")),
      stat("按时办结率", num(t.ontime.rate), typeof t.ontime.rate === "number" ? "%" : "",
        office.delta(t.ontime.rate, p.ontime.rate, "%")),
      stat("当前超期未办结", String(t.overdue_open), "件",
        el("span", { class: "delta", text: "上月末 " + p.overdue_open + " 件" }), t.overdue_open ? "red" : ""),
      stat("满意率", num(t.satisfaction.rate), typeof t.satisfaction.rate === "number" ? "%" : "",
        office.delta(t.satisfaction.rate, p.satisfaction.rate, "%"))]);
  }

  /* The ranking: what a leader reads first comes first, so that a phone
   * shows rank, division, grade, score and overdue before it scrolls. */
  function ranking(rec) {
    var rows = rec.divisions.filter(function (d) {
      return d.received || d.overdue_open || typeof d.score === "number";
    }).sort(function (a, b) {
      if (a.rank && b.rank) return a.rank - b.rank;
      if (a.rank || b.rank) return a.rank ? -1 : 1;
      return b.overdue_open - a.overdue_open;
    });
    var body = el("tbody", { id: "ranking-rows" }, rows.map(function (d) {
      var c = d.change || {};
      var change = typeof c.score === "number" ? (c.score > 0 ? "↑" : c.score < 0 ? "↓" : "持平") + (c.score ? " " + Math.abs(c.score) : "") : "—";
      return el("tr", { "data-division": d.division, class: d.overdue_open ? "row-red" : "" }, [
        el("td", { class: "num", text: d.rank ? String(d.rank) : "—" }),
        el("td", { class: "name", text: d.name }),
        el("td", {}, d.grade && d.grade !== "n/a" ? el("span", { class: "grade " + d.grade, title: d.grade_name || "", text: d.grade }) : "—"),
        el("td", { class: "num", text: num(d.score) }),
        el("td", { class: "num" + (d.overdue_open ? " down" : ""), text: String(d.overdue_open) }),
        el("td", { class: "num", text: office.rate(d.ontime.rate) }),
        el("td", { class: "num", text: office.rate(d.response.rate) }),
        el("td", { class: "num", text: String(d.received) }),
        el("td", { class: "num" + (c.score > 0 ? " up" : c.score < 0 ? " down" : ""), text: change })]);
    }));
    if (!rows.length) body.appendChild(el("tr", {}, el("td", { colspan: 9, class: "muted", text: "本月尚无工单" })));
    return el("section", { class: "card" }, [el("h2", { text: "各处室排名（本月至今）" }), el("div", { class: "table-box" },
      el("table", { class: "ranking", id: "ranking" }, [el("thead", {}, el("tr", {},
        [["排名", "num"], ["处室", ""], ["等级", ""], ["得分", "num"], ["超期未办结", "num"], ["按时办结率", "num"],
          ["按时响应率", "num"], ["受理", "num"], ["得分较上月", "num"]].map(function (h) { return el("th", { class: h[1], text: h[0] }); }))),
      body])),
      el("p", { class: "small muted", text: "得分、等级与排名按月检查的口径计算；本月数据截至当前时刻，随办理进展变化。" })]);
  }

  /* Last month (whole) against this month so far. */
  function compare(rec) {
    var rows = [[rec.previous.title.replace("月检查", ""), rec.previous.totals, "（全月）"],
      [rec.title.replace("月检查", ""), rec.totals, "（至今）"]];
    return el("section", { class: "card" }, [el("h2", { text: "与上月比较" }), el("div", { class: "table-box" },
      el("table", { class: "trend", id: "trend" }, [el("thead", {}, el("tr", {},
        [["月份", ""], ["受理", "num"], ["按时响应率", "num"], ["按时办结率", "num"], ["满意率", "num"], ["超期未办结", "num"]]
          .map(function (h) { return el("th", { class: h[1], text: h[0] }); }))),
      el("tbody", {}, rows.map(function (r) {
        var t = r[1];
        return el("tr", {}, [el("td", { class: "nowrap", text: r[0] + r[2] }),
          el("td", { class: "num", text: String(t.received) }), el("td", { class: "num", text: office.rate(t.response.rate) }),
          el("td", { class: "num", text: office.rate(t.ontime.rate) }), el("td", { class: "num", text: office.rate(t.satisfaction.rate) }),
          el("td", { class: "num", text: String(t.overdue_open) })]);
      }))])),
      el("p", { class: "small muted", text: "超期未办结：上月为月末时点数，本月为当前数。" })]);
  }

  function load() {
    return duban.api("GET", "/api/v1/dashboard").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      var rec = res.body.record, main = duban.clear(document.getElementById("main"));
      main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "本月督办情况" }),
        el("span", { class: "muted", id: "as-of", text: rec.title.replace("月检查", "") + " · 截至 " + duban.time(res.body.as_of) }),
        el("a", { href: "/console/bulletins", text: "历次通报 →" })]));
      main.appendChild(big(rec));
      main.appendChild(ranking(rec));
      main.appendChild(compare(rec));
    });
  }

  duban.start({ title: "领导看板", nav: "dashboard" }, function (s) {
    if (!office.allowed(s, ["leader", "inspector", "admin"])) return;
    load();
    duban.live({ sync: load });
  });
})();
