/* 督办事项 (/console/workitems): the work items the viewer may read, as the
 * API lists them (GET /api/v1/workitems): the inspection office and the
 * leaders every item, a division those it leads or is responsible for.
 * Tabs with counts (在办, 待核验, 超期, 已销号, 全部), soonest deadline
 * first; each row with its leaders, divisions, percent done and reports
 * (due, on time, missed, next). The inspection office has 新建督办事项; a
 * leader starts on the items they lead (我牵头的) and may see all. Steps
 * are taken on the item's page (/console/cases/N), which offers exactly
 * what the API allows. Tab, division and "mine" are in the address. Live:
 * a step on any item re-reads the list. */
(function () {
  "use strict";
  var el = duban.el, s = null, known = null;
  var TABS = [
    { key: "open", text: "在办", test: function (w) { return w.state !== "closed"; } },
    { key: "verify", text: "待核验", test: function (w) { return w.state !== "closed" && w.verification === "awaiting"; } },
    { key: "overdue", text: "超期", test: function (w) { return w.overdue; } },
    { key: "closed", text: "已销号", test: function (w) { return w.state === "closed"; } },
    { key: "all", text: "全部", test: function () { return true; } }];

  function params() {
    var q = duban.query();
    var tab = TABS.filter(function (t) { return t.key === q.tab; })[0] ? q.tab : "open";
    var mine = s.role === "leader" ? q.mine !== "0" : false;
    return { tab: tab, division: q.division || "", mine: mine };
  }

  function go(p) {
    history.pushState(null, "", duban.href("/console/workitems", {
      tab: p.tab === "open" ? "" : p.tab, division: p.division, mine: s.role === "leader" && !p.mine ? "0" : "" }));
    load();
  }

  function row(w, fresh) {
    var st = workitem.status(w);
    return el("tr", { "data-case": w.case_number, class: (w.overdue ? "row-red" : "") + (fresh ? " row-new" : "") }, [
      el("td", { class: "nowrap due" }, [duban.time(w.deadline, true), w.overdue ? el("div", { class: "small", text: "已超期" }) : null]),
      el("td", { class: "nowrap" }, el("a", { href: "/console/cases/" + encodeURIComponent(w.case_number), text: w.case_number })),
      el("td", { class: "title" }, [el("div", { text: w.title }),
        w.measure ? el("div", { class: "small muted", text: "整改措施：" + w.measure }) : null]),
      el("td", { class: "nowrap", text: workitem.source(w.source) }),
      el("td", { text: workitem.names(w.leader_names) }),
      el("td", { text: duban.name.division(w.lead_division) }),
      el("td", { text: workitem.divisions(w.divisions) }),
      el("td", {}, workitem.bar(w.percent)),
      el("td", { class: "nowrap small" + (w.reports && w.reports.missed ? " left red" : ""), text: workitem.rhythm(w) ? workitem.reports(w.reports) : "不要求" }),
      el("td", { class: "nowrap" }, el("span", { class: "badge " + st.cls, "data-status": st.cls, text: st.text }))]);
  }

  function stats(items) {
    function count(t) { return items.filter(t.test).length; }
    var missed = items.filter(function (w) { return w.state !== "closed" && w.reports && w.reports.missed > 0; }).length;
    function stat(label, value, cls, tab, key) {
      return el("a", { class: "stat" + (cls ? " " + cls : ""), href: duban.href("/console/workitems", { tab: tab, division: params().division, mine: s.role === "leader" && !params().mine ? "0" : "" }),
        "data-stat": key || tab }, [el("div", { class: "label", text: label }), el("div", { class: "value", text: String(value) })]);
    }
    return el("div", { class: "stats", id: "stats" }, [
      stat("在办事项", count(TABS[0]), "", "open"),
      stat("待核验", count(TABS[1]), "", "verify"),
      stat("已超期", count(TABS[2]), count(TABS[2]) ? "red" : "", "overdue"),
      stat("进度报告逾期的事项", missed, missed ? "amber" : "", "open", "missed"),
      stat("已销号", count(TABS[3]), "", "closed")]);
  }

  function render(data) {
    var p = params(), items = data.workitems;
    var tab = TABS.filter(function (t) { return t.key === p.tab; })[0];
    var old = document.getElementById("stats");
    old.parentNode.replaceChild(stats(items), old);
    var tabs = duban.clear(document.getElementById("tabs"));
    TABS.forEach(function (t) {
      var n = items.filter(t.test).length;
      tabs.appendChild(el("a", { href: "#", "data-tab": t.key, class: (t.key === p.tab ? "on" : "") + (t.key === "overdue" && n ? " overdue" : ""),
        onclick: function (e) { e.preventDefault(); p.tab = t.key; go(p); } }, [t.text, el("span", { class: "count", text: String(n) })]));
    });
    var shown = items.filter(tab.test), seen = {};
    var rows = duban.clear(document.getElementById("rows"));
    shown.forEach(function (w) {
      seen[w.case_number] = true;
      rows.appendChild(row(w, known !== null && !known[w.case_number]));
    });
    if (!shown.length) rows.appendChild(el("tr", {}, el("td", { colspan: 10, class: "empty", text: "没有符合条件的督办事项" })));
    known = known || {};
    Object.keys(seen).forEach(function (k) { known[k] = true; });
    document.getElementById("summary").textContent = "共 " + shown.length + " 项" + (data.cut ? "（仅列出前 500 项，请按处室筛选）" : "");
  }

  function load() {
    var p = params();
    return duban.api("GET", duban.href("/api/v1/workitems", { division: p.division, leader: p.mine ? s.staff : "" })).then(function (res) {
      if (!res.ok) { if (res.status === 403) office.allowed(s, []); else duban.note(duban.problem(res), "error"); return; }
      render(res.body);
    });
  }

  function toolbar() {
    var p = params(), parts = [];
    if (s.role !== "handler") {
      var select = el("select", { id: "f-division", name: "division" }, [el("option", { value: "", text: "全部处室" })].concat(
        s.org.divisions.map(function (d) { return el("option", { value: d.code, text: d.name, selected: d.code === p.division }); })));
      select.addEventListener("change", function () { var q = params(); q.division = select.value; go(q); });
      parts.push(el("span", {}, [el("label", { for: "f-division", text: "牵头或责任处室 " }), select]));
    }
    if (s.role === "leader") {
      var mine = el("input", { type: "checkbox", id: "f-mine", checked: p.mine });
      mine.addEventListener("change", function () { var q = params(); q.mine = mine.checked; go(q); });
      parts.push(el("label", { class: "check", for: "f-mine" }, [mine, "只看我牵头的"]));
    }
    parts.push(el("span", { id: "summary", class: "muted" }));
    return el("div", { class: "toolbar filters" }, parts);
  }

  duban.start({ title: "督办事项", nav: "workitems" }, function (session) {
    s = session;
    if (!office.allowed(s, ["inspector", "admin", "leader", "handler"])) return;
    var main = duban.clear(document.getElementById("main"));
    var office_ = s.role === "inspector" || s.role === "admin";
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { id: "title", text: s.role === "handler" ? (s.division_name || "本处室") + " · 督办事项" : "督办事项" }),
      el("span", { class: "muted", text: s.role === "leader" ? "进度、应报与逾期的进度报告、超期事项；领导批示可在此立项交办" :
        s.role === "handler" ? "本处室牵头或负责的事项：进度报告、完成报告在事项页办理" : "工作方案、领导批示、会议决定和问题整改事项，核验后销号" }),
      office_ || s.role === "leader" ? el("a", { class: "button", id: "new-item", href: "/console/workitem-new",
        text: s.role === "leader" ? "交办领导批示" : "新建督办事项" }) : null]));
    main.appendChild(el("div", { id: "stats" }));
    main.appendChild(el("section", { class: "card" }, [
      el("nav", { class: "tabs", id: "tabs", "aria-label": "事项状态" }), toolbar(),
      el("div", { class: "table-box" }, el("table", { class: "workitems", id: "workitems" }, [
        el("thead", {}, el("tr", {}, ["办结期限", "编号", "事项", "来源", "牵头领导", "牵头处室", "责任处室", "进度", "进度报告", "状态"].map(function (h) {
          return el("th", { text: h });
        }))),
        el("tbody", { id: "rows" }, el("tr", {}, el("td", { colspan: 10, class: "muted", text: "正在加载…" })))]))]));
    window.addEventListener("popstate", load);
    var soon = office.later(load, 300);
    load();
    duban.live({ sync: load, notice: soon, task: soon });
  });
})();
