/* The inspection office's board (/console/board): every division (rows) by
 * open, warned, overdue and returned-awaiting-arbitration (columns), as the
 * API counts them now; each cell a link (?division=D&show=overdue, so it can
 * be bookmarked and back works) to the named tasks of that cell below the
 * board. Live: any task, warning, alert or step re-reads the board in place
 * (rows whose numbers changed flash) and a breach says so in a note. The
 * leaders read it too; it has nothing to do on it. */
(function () {
  "use strict";
  var el = duban.el, s = null, last = {}, firstLoad = true;
  var COLUMNS = [["open", "在办"], ["warned", "预警"], ["overdue", "超期"], ["arbitration", "待仲裁"]];
  var TITLES = { open: "在办工单", warned: "预警工单", overdue: "超期工单", arbitration: "退回待仲裁" };

  function params() {
    var q = duban.query();
    return { division: q.division || "", show: TITLES[q.show] ? q.show : "" };
  }

  function go(p) {
    history.pushState(null, "", duban.href("/console/board", p));
    render(!!p.show);
  }

  function layout() {
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("div", { class: "page-head" }, [
      el("h1", { text: "督查总览" }), el("span", { class: "muted", id: "as-of" })]));
    main.appendChild(el("section", { class: "stats", id: "totals" }));
    main.appendChild(el("section", { class: "card" }, [
      el("h2", { text: "各处室当前工单" }),
      el("div", { class: "table-box" }, el("table", { class: "board", id: "board" }, [
        el("thead", {}, el("tr", {}, [el("th", { text: "处室" })].concat(COLUMNS.map(function (c) {
          return el("th", { class: "num", text: c[1] });
        })))),
        el("tbody", { id: "board-rows" }, el("tr", {}, el("td", { colspan: 5, class: "muted", text: "正在加载…" })))]))]));
    main.appendChild(el("section", { class: "card hidden", id: "cell" }, [
      el("div", { class: "cell-head" }, [el("h2", { id: "cell-title" }),
        el("a", { href: "#", id: "cell-close", text: "收起", onclick: function (e) { e.preventDefault(); go({}); } })]),
      el("div", { id: "cell-body" })]));
  }

  function cellLink(d, key) {
    var p = params(), n = d[key];
    var on = p.division === d.division && p.show === key;
    var a = el("a", { href: duban.href("/console/board", { division: d.division, show: key }),
      class: (n ? "" : "zero") + (on ? " on" : ""), "data-cell": d.division + ":" + key, text: String(n) });
    a.addEventListener("click", function (e) { e.preventDefault(); go({ division: d.division, show: key }); });
    return a;
  }

  function renderBoard(data) {
    document.getElementById("as-of").textContent = "更新于 " + duban.time(data.now) + " · 实时";
    var t = data.totals;
    var totals = duban.clear(document.getElementById("totals"));
    [["在办", t.open, ""], ["预警", t.warned, t.warned ? "amber" : ""], ["超期", t.overdue, t.overdue ? "red" : ""],
      ["待仲裁", t.arbitration, ""]].forEach(function (x) {
      totals.appendChild(el("div", { class: "stat " + x[2] }, [el("div", { class: "label", text: x[0] }),
        el("div", { class: "value", text: String(x[1]) })]));
    });
    var body = duban.clear(document.getElementById("board-rows"));
    data.divisions.forEach(function (d) {
      var key = COLUMNS.map(function (c) { return d[c[0]]; }).join("/");
      var changed = !firstLoad && last[d.division] !== undefined && last[d.division] !== key;
      last[d.division] = key;
      body.appendChild(el("tr", { class: changed ? "changed" : "", "data-division": d.division },
        [el("td", { text: d.name })].concat(COLUMNS.map(function (c) {
          return el("td", { class: "num " + c[0] }, cellLink(d, c[0]));
        }))));
    });
    body.appendChild(el("tr", { class: "totals" }, [el("td", { text: "全局合计" })].concat(COLUMNS.map(function (c) {
      return el("td", { class: "num" }, el("span", { text: String(t[c[0]]) }));
    }))));
    firstLoad = false;
  }

  function taskTable(tasks) {
    return el("div", { class: "table-box" }, el("table", {}, [
      el("thead", {}, el("tr", {}, ["工单编号", "剩余时限", "标题", "状态", "期限"].map(function (h) { return el("th", { text: h }); }))),
      el("tbody", { id: "cell-rows" }, tasks.map(function (t) {
        return el("tr", { class: t.light === "red" ? "row-red" : t.light === "amber" ? "row-amber" : "", "data-case": t.case_number }, [
          el("td", { class: "nowrap" }, office.caseLink(t.case_number)),
          el("td", { class: "nowrap" }, office.left(t)),
          el("td", { text: t.subject }),
          el("td", { class: "nowrap", text: duban.name.taskState(t.state) }),
          el("td", { class: "nowrap", text: (t.deadline === "response" ? "签收 " : "办结 ") + duban.time(t.due, true) })]);
      }))]));
  }

  function renderCell(reveal) {
    var p = params(), box = document.getElementById("cell");
    box.classList.toggle("hidden", !(p.division && p.show));
    if (!p.division || !p.show) return;
    document.getElementById("cell-title").textContent = duban.name.division(p.division) + " · " + TITLES[p.show];
    var body = document.getElementById("cell-body");
    if (p.show === "arbitration") {
      duban.api("GET", duban.href("/api/v1/arbitrations", { division: p.division })).then(function (res) {
        if (!res.ok) { duban.clear(body).appendChild(el("p", { class: "form-error", text: duban.problem(res) })); return; }
        duban.clear(body);
        if (reveal) box.scrollIntoView({ block: "start", behavior: "smooth" });
        if (!res.body.cases.length) { body.appendChild(el("p", { class: "empty", text: "没有待仲裁的工单" })); return; }
        body.appendChild(el("ul", { class: "items", id: "cell-rows" }, res.body.cases.map(function (c) {
          return el("li", { class: "item", "data-case": c.case_number }, [
            el("div", { class: "item-head" }, [office.caseLink(c.case_number), el("span", { class: "subject", text: c.subject })]),
            el("div", { class: "facts" }, c.returns.map(function (r) {
              return el("span", { text: duban.name.division(r.division) + " 退回 → " + duban.name.division(r.to) });
            }))]);
        })));
        body.appendChild(el("p", {}, el("a", { href: "/console/arbitrations", text: "到“待仲裁”处理 →" })));
      });
      return;
    }
    var q = { state: "open", limit: 50 };
    if (p.show === "overdue") q.overdue = 1;
    if (p.show === "warned") q.warned = 1;
    duban.api("GET", duban.href("/api/v1/divisions/" + encodeURIComponent(p.division) + "/queue", q)).then(function (res) {
      if (!res.ok) { duban.clear(body).appendChild(el("p", { class: "form-error", text: duban.problem(res) })); return; }
      var d = res.body;
      duban.clear(body);
      if (reveal) box.scrollIntoView({ block: "start", behavior: "smooth" });
      if (!d.tasks.length) { body.appendChild(el("p", { class: "empty", text: "没有" + TITLES[p.show] })); return; }
      body.appendChild(taskTable(d.tasks));
      var all = { division: p.division, overdue: p.show === "overdue" ? "1" : "" };
      body.appendChild(el("p", { class: "small" }, [
        d.total > d.tasks.length ? "共 " + d.total + " 条，此处列出最紧迫的 " + d.tasks.length + " 条。" : "共 " + d.total + " 条。",
        " ", el("a", { href: duban.href("/console/queue", all), text: "在处室工单队列中查看 →" })]));
    });
  }

  /* reveal: the user chose a cell, so its tasks are brought into view. */
  function load(reveal) {
    return duban.api("GET", "/api/v1/board").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      renderBoard(res.body);
      renderCell(reveal === true);
    });
  }

  function render(reveal) {
    load(reveal);
  }

  duban.start({ title: "督查总览", nav: "board" }, function (session) {
    s = session;
    if (!office.allowed(s, ["inspector", "admin", "leader"])) return;
    layout();
    window.addEventListener("popstate", function () { render(false); });
    var soon = office.later(load, 300);
    load();
    duban.live({
      sync: load,
      task: soon,
      warning: function (w) { duban.note("预警：" + duban.name.division(w.division) + " " + w.case_number, "warn"); soon(); },
      alert: function (a) {
        if (a.level === 1 && !a.repeat) duban.note("超期：" + duban.name.division(a.division) + " " + a.case_number, "error");
        soon();
      },
      alert_ack: soon,
      notice: soon
    });
  });
})();
