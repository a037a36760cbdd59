/* The division queue (/console/queue): tabs with counts, filters and the
 * page in the address (bookmarkable; back and forward work), rows sorted by
 * the API (deadline soonest first, overdue on top) with the traffic light
 * and time left it computed. Live: a new task or a warning for the division
 * re-reads the page in place and says so in a short note; warnings stay
 * listed until the task is no longer amber or red, or the user dismisses
 * them; a repeat call the desk attached to one of the division's cases is
 * marked on its row (来电补充). */
(function () {
  "use strict";
  var el = duban.el, s = null, division = "", last = null, loading = 0, known = {};
  var calls = {}; /* case number -> what a repeat call said, received live */
  var TABS = [["open", "在办"], ["dispatched", "待签收"], ["signed", "办理中"], ["overdue", "超期"],
    ["replied", "已办结"], ["returned", "已退回"]];
  var WARN_KEY = "duban.warnings";

  function params() {
    var q = duban.query();
    return {
      division: q.division || "", state: q.state || "open", kind: q.kind || "",
      category: q.category || "", overdue: q.overdue === "1" ? "1" : "",
      page: Math.max(1, parseInt(q.page, 10) || 1)
    };
  }

  function go(p, replace) {
    var url = duban.href("/console/queue", {
      division: s.role === "handler" ? "" : p.division, state: p.state === "open" ? "" : p.state,
      kind: p.kind, category: p.category, overdue: p.overdue, page: p.page > 1 ? p.page : ""
    });
    if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
    load();
  }

  function fillSelect(id, list, value, any) {
    var sel = duban.clear(document.getElementById(id));
    sel.appendChild(el("option", { value: "", text: any }));
    list.forEach(function (i) { sel.appendChild(el("option", { value: i.code, text: i.name, selected: i.code === value })); });
  }

  function renderTabs(p, counts) {
    var nav = duban.clear(document.getElementById("tabs"));
    TABS.forEach(function (t) {
      var key = t[0], on, target, count = null;
      if (key === "overdue") {
        on = p.overdue === "1" && p.state === "open";
        target = { division: p.division, state: "open", overdue: "1", kind: p.kind, category: p.category, page: 1 };
        count = counts ? counts.overdue : null;
      } else {
        on = p.state === key && !(key === "open" && p.overdue === "1");
        target = { division: p.division, state: key, kind: p.kind, category: p.category, overdue: "", page: 1 };
        if (counts && key in counts) count = counts[key];
      }
      var a = el("a", { href: "#", class: (on ? "on " : "") + (key === "overdue" ? "overdue" : ""), "data-tab": key },
        [t[1], count === null ? null : el("span", { class: "count", text: count })]);
      a.addEventListener("click", function (e) { e.preventDefault(); go(target); });
      nav.appendChild(a);
    });
  }

  function renderPager(p, data) {
    var pager = duban.clear(document.getElementById("pager"));
    function link(text, page, name) {
      if (page < 1 || page > data.pages || page === data.page)
        return el("span", { class: "off", text: text });
      var a = el("a", { href: "#", text: text, "data-page": name });
      a.addEventListener("click", function (e) { e.preventDefault(); var q = params(); q.page = page; go(q); });
      return a;
    }
    pager.appendChild(link("首页", 1, "first"));
    pager.appendChild(link("上一页", data.page - 1, "prev"));
    pager.appendChild(el("span", { id: "page-info", text: "第 " + data.page + " / " + data.pages + " 页，共 " + data.total + " 条" }));
    pager.appendChild(link("下一页", data.page + 1, "next"));
    pager.appendChild(link("末页", data.pages, "last"));
  }

  function stateText(t) {
    var out = [duban.name.taskState(t.state)];
    if (t.paused) out.push(el("span", { class: "badge paused", text: "待补充材料" }));
    if (t.extension === "requested") out.push(el("span", { class: "badge", text: "延期审批中" }));
    return out;
  }

  function row(t, fresh) {
    var light = t.light || "";
    var label = { green: "正常", amber: "预警", red: "超期" }[light];
    var left = light ? el("span", { class: "left " + light, title: label }, [el("span", { class: "light " + light }), t.left_text])
      : el("span", { class: "muted", text: "—" });
    return el("tr", { class: (light === "red" ? "row-red" : light === "amber" ? "row-amber" : "") + (fresh ? " row-new" : ""), "data-case": t.case_number },
      [el("td", { class: "nowrap" }, left),
      el("td", { class: "nowrap" }, el("a", { href: "/console/cases/" + encodeURIComponent(t.case_number), text: t.case_number })),
      el("td", {}, [t.priority === "urgent" ? el("span", { class: "badge urgent", text: "紧急" }) : null, " ", t.subject,
        calls[t.case_number] ? el("span", { class: "badge callback call", title: calls[t.case_number], text: "来电补充" }) : null]),
      el("td", { class: "nowrap" }, stateText(t)),
      el("td", { class: "nowrap", text: duban.name.kind(t.kind) }),
      el("td", { class: "nowrap", text: duban.name.category(t.category) }),
      el("td", { class: "nowrap", text: duban.time(t.dispatched_at, true) })]);
  }

  function render(p, data) {
    renderTabs(p, data.counts);
    renderPager(p, data);
    var body = duban.clear(document.getElementById("rows"));
    if (!data.tasks.length)
      body.appendChild(el("tr", {}, el("td", { colspan: 7, class: "muted", text: "没有符合条件的工单" })));
    var seen = {};
    data.tasks.forEach(function (t) {
      var fresh = last !== null && !known[t.task_id];
      seen[t.task_id] = true;
      body.appendChild(row(t, fresh));
    });
    known = seen;
    last = data;
    refreshWarnings(data);
  }

  function load() {
    var p = params(), mine = ++loading;
    division = s.role === "handler" ? s.division : (p.division || division);
    if (!division) { location.replace("/console/"); return; }
    document.getElementById("title").textContent = duban.name.division(division) + " · 工单队列";
    fillSelect("f-kind", s.org.kinds, p.kind, "全部类型");
    fillSelect("f-category", s.org.categories, p.category, "全部分类");
    document.getElementById("f-overdue").checked = p.overdue === "1";
    var path = duban.href("/api/v1/divisions/" + encodeURIComponent(division) + "/queue", {
      state: p.state, kind: p.kind, category: p.category, overdue: p.overdue, page: p.page, limit: 50
    });
    duban.api("GET", path).then(function (res) {
      if (mine !== loading) return; /* a newer read is on its way */
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      render(p, res.body);
    });
  }

  /* Warnings received live, kept across page loads of this tab. */
  function warnings() { try { return JSON.parse(sessionStorage.getItem(WARN_KEY)) || []; } catch (e) { return []; } }
  function saveWarnings(list) { sessionStorage.setItem(WARN_KEY, JSON.stringify(list)); }
  function refreshWarnings(data) {
    var list = warnings();
    if (data) {
      /* A warning is handled once its task shows no more amber or red on
       * the open queue (signed or replied); other pages say nothing. */
      var light = {};
      data.tasks.forEach(function (t) { light[t.task_id] = t.light; });
      if (data.state === "open" && !data.kind && !data.category && !data.overdue && data.page === 1 && data.pages === 1)
        list = list.filter(function (w) { return light[w.task_id] === "amber" || light[w.task_id] === "red"; });
      else
        list = list.filter(function (w) { return !(w.task_id in light) || light[w.task_id] !== "green"; });
      saveWarnings(list);
    }
    var box = document.getElementById("warnings"), ul = duban.clear(document.getElementById("warning-list"));
    box.classList.toggle("hidden", !list.length);
    list.forEach(function (w) {
      var dismiss = el("button", { type: "button", class: "secondary small", text: "知道了", onclick: function () {
        saveWarnings(warnings().filter(function (x) { return x.task_id !== w.task_id; }));
        refreshWarnings(null);
      } });
      ul.appendChild(el("li", { "data-case": w.case_number }, [
        el("a", { href: "/console/cases/" + encodeURIComponent(w.case_number), text: w.case_number }), " ",
        (w.deadline === "response" ? "签收期限" : "办结期限") + "将于 " + duban.time(w.due, true) + " 到期 ", dismiss]));
    });
  }

  duban.start({ title: "工单队列", nav: "queue" }, function (session) {
    s = session;
    document.getElementById("filters").addEventListener("change", function () {
      var f = document.getElementById("filters"), p = params();
      p.kind = f.kind.value; p.category = f.category.value;
      p.overdue = f.overdue.checked ? "1" : ""; p.page = 1;
      go(p);
    });
    window.addEventListener("popstate", load);
    refreshWarnings(null);
    load();
    duban.live({
      sync: load,
      task: function (t) {
        if (t.division !== division) return;
        duban.note("新工单 " + t.case_number + " 已派至本处室：" + t.subject);
        load();
      },
      warning: function (w) {
        if (w.division !== division) return;
        var list = warnings().filter(function (x) { return x.task_id !== w.task_id; });
        list.unshift({ task_id: w.task_id, case_number: w.case_number, deadline: w.deadline, due: w.due });
        saveWarnings(list);
        refreshWarnings(null);
        duban.note("预警：工单 " + w.case_number + (w.deadline === "response" ? " 签收" : " 办结") + "期限将至", "warn");
        load();
      },
      notice: function (n) {
        if (n.division !== division) return;
        if (n.event === "attach-call") {
          calls[n.case_number] = n.text;
          duban.note("工单 " + n.case_number + " 有来电补充：" + n.text);
        }
        load();
      }
    });
  });
})();
