/* 我的工单 (/console/mine): every case the signed-in person is first
 * responder of and that is not closed, with what waits on them — 待告知
 * (the division replied: tell the requester), 待回访 (record the callback)
 * — and 超期 (a task of the case is overdue), from
 * GET /api/v1/responders/{staff}/cases; what waits comes first. The tab
 * and the page are in the address. Live: every step on one of these cases
 * reaches the first responder as a notice (topic staff.<code>|); the list
 * re-reads in place and says what happened. */
(function () {
  "use strict";
  var el = duban.el, s = null, loading = 0, fresh = {};
  var TABS = [["all", "全部在办", "open"], ["inform", "待告知", "inform"], ["callback", "待回访", "callback"],
    ["overdue", "超期", "overdue"]];

  function params() {
    var q = duban.query();
    var show = TABS.some(function (t) { return t[0] === q.show; }) ? q.show : "all";
    return { show: show, page: Math.max(1, parseInt(q.page, 10) || 1) };
  }

  function go(p) {
    history.pushState(null, "", duban.href("/console/mine", { show: p.show === "all" ? "" : p.show, page: p.page > 1 ? p.page : "" }));
    load();
  }

  function waitingBadges(c) {
    var out = [];
    if (c.waiting === "inform") out.push(el("span", { class: "badge inform", text: "待告知" }));
    if (c.waiting === "callback") out.push(el("span", { class: "badge callback", text: "待回访" }));
    if (c.overdue) out.push(el("span", { class: "badge overdue", text: "超期" }));
    return out.length ? out : el("span", { class: "muted", text: "—" });
  }

  function row(c) {
    var left = c.left_text ? el("span", { class: "left " + c.light }, [el("span", { class: "light " + c.light }), c.left_text])
      : el("span", { class: "muted", text: "—" });
    return el("tr", { "data-case": c.case_number, class: (c.overdue ? "row-red" : c.waiting ? "row-amber" : "") + (fresh[c.case_number] ? " row-new" : "") }, [
      el("td", { class: "nowrap waiting" }, waitingBadges(c)),
      el("td", { class: "nowrap" }, el("a", { href: "/console/cases/" + encodeURIComponent(c.case_number), text: c.case_number })),
      el("td", {}, [c.priority === "urgent" ? el("span", { class: "badge urgent", text: "紧急" }) : null, " ", c.subject]),
      el("td", { class: "nowrap", text: duban.name.caseState(c.state) }),
      el("td", { class: "nowrap", text: c.division ? duban.name.division(c.division) : "—" }),
      el("td", { class: "nowrap" }, left),
      el("td", { class: "nowrap", text: duban.time(c.received_at, true) })]);
  }

  function render(p, data) {
    var nav = duban.clear(document.getElementById("tabs"));
    TABS.forEach(function (t) {
      var a = el("a", { href: "#", class: (p.show === t[0] ? "on " : "") + (t[0] === "overdue" ? "overdue" : ""), "data-tab": t[0] },
        [t[1], el("span", { class: "count", text: data.counts[t[2]] })]);
      a.addEventListener("click", function (e) { e.preventDefault(); go({ show: t[0], page: 1 }); });
      nav.appendChild(a);
    });
    var body = duban.clear(document.getElementById("rows"));
    if (!data.cases.length)
      body.appendChild(el("tr", {}, el("td", { colspan: 7, class: "muted", text: p.show === "all" ? "没有在办的工单" : "没有此类工单" })));
    data.cases.forEach(function (c) { body.appendChild(row(c)); });
    fresh = {};
    var pager = duban.clear(document.getElementById("pager"));
    function link(text, page, name) {
      if (page < 1 || page > data.pages || page === data.page) return el("span", { class: "off", text: text });
      var a = el("a", { href: "#", text: text, "data-page": name });
      a.addEventListener("click", function (e) { e.preventDefault(); go({ show: p.show, page: page }); });
      return a;
    }
    pager.appendChild(link("上一页", data.page - 1, "prev"));
    pager.appendChild(el("span", { id: "page-info", text: "第 " + data.page + " / " + data.pages + " 页，共 " + data.total + " 件" }));
    pager.appendChild(link("下一页", data.page + 1, "next"));
  }

  function load() {
    var p = params(), mine = ++loading;
    var path = duban.href("/api/v1/responders/" + encodeURIComponent(s.staff) + "/cases", { show: p.show, page: p.page });
    duban.api("GET", path).then(function (res) {
      if (mine !== loading) return;
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      render(p, res.body);
    });
  }

  /* What a step on one of my cases means for me. */
  function told(n) {
    if (n.event === "reply") return "工单 " + n.case_number + "：" + duban.name.division(n.division) + "已办结答复，请告知诉求人";
    if (n.event === "attach-call") return "工单 " + n.case_number + " 有来电补充";
    return "工单 " + n.case_number + "：" + duban.name.step(n.event) + "（" + duban.name.actor(n.actor) + "）";
  }

  duban.start({ title: "我的工单", nav: "mine" }, function (session) {
    s = session;
    window.addEventListener("popstate", load);
    load();
    duban.live({
      sync: load,
      notice: function (n) { fresh[n.case_number] = true; duban.note(told(n)); load(); },
      warning: function (w) { fresh[w.case_number] = true; load(); }
    });
  });
})();
