/* 待分类 (/console/triage): the manual triage queue (GET /api/v1/triage/cases),
 * the oldest first. Each case shows what the caller said and a category
 * picker (keyboard first; it filters by name or keyword, see
 * category-picker.js); 分类派单 takes the triage step (POST
 * .../steps/triage), whose rules dispatch applies, and the case goes on to
 * its division. Live: the list re-reads on resync and every 30 s, in place:
 * a case being categorised keeps its entry and what was typed in it. */
(function () {
  "use strict";
  var el = duban.el, org = null, loading = 0, entries = {};

  function page() { return Math.max(1, parseInt(duban.query().page, 10) || 1); }

  function item(c) {
    var picker = deskCategoryPicker(org, { id: "cat-" + c.case_number });
    var error = el("div", { class: "field-error hidden", role: "alert" });
    var button = el("button", { type: "submit", text: "分类派单", "data-triage": c.case_number });
    var form = el("form", { class: "triage-form", novalidate: true }, [
      el("label", { for: "cat-" + c.case_number, text: "事项分类" }), picker.node, error, el("div", { class: "row" }, button)]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!picker.value()) { error.textContent = "请选择事项分类"; error.classList.remove("hidden"); picker.focus(); return; }
      button.disabled = true;
      duban.api("POST", "/api/v1/cases/" + encodeURIComponent(c.case_number) + "/steps/triage", { category: picker.value() })
        .then(function (res) {
          button.disabled = false;
          if (!res.ok) { error.textContent = duban.problem(res); error.classList.remove("hidden"); return; }
          var cat = org.categories.filter(function (x) { return x.code === picker.value(); })[0];
          duban.note("工单 " + c.case_number + " 已分类为" + (cat ? cat.name : picker.value()) + "，派往" +
            (cat ? duban.name.division(cat.lead) : "承办单位"));
          load();
        });
    });
    return el("li", { "data-case": c.case_number }, [
      el("div", { class: "history-head" }, [
        el("a", { href: "/console/cases/" + encodeURIComponent(c.case_number), text: c.case_number }),
        el("span", { class: "muted small", text: duban.time(c.received_at, true) + " 受理 · " + duban.name.kind(c.kind) +
          " · 首问 " + c.first_responder })]),
      el("div", { class: "triage-subject" }, [c.priority === "urgent" ? el("span", { class: "badge urgent", text: "紧急" }) : null, " ", c.subject]),
      el("div", { class: "excerpt", text: c.excerpt }),
      form]);
  }

  function load() {
    var mine = ++loading, p = page();
    duban.api("GET", duban.href("/api/v1/triage/cases", { page: p })).then(function (res) {
      if (mine !== loading) return;
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      var d = res.body, list = document.getElementById("list"), kept = {};
      document.getElementById("count").textContent = "共 " + d.total + " 件";
      d.cases.forEach(function (c) { kept[c.case_number] = entries[c.case_number] || item(c); });
      var nodes = d.cases.map(function (c) { return kept[c.case_number]; });
      if (!d.cases.length) nodes.push(el("li", { class: "muted", text: "没有待分类的工单" }));
      duban.setChildren(list, nodes);
      entries = kept;
      var pager = duban.clear(document.getElementById("pager"));
      if (d.pages > 1) {
        [["上一页", d.page - 1], ["下一页", d.page + 1]].forEach(function (l) {
          pager.appendChild(l[1] < 1 || l[1] > d.pages ? el("span", { class: "off", text: l[0] })
            : el("a", { href: duban.href("/console/triage", { page: l[1] }), text: l[0] }));
        });
        pager.appendChild(el("span", { text: "第 " + d.page + " / " + d.pages + " 页" }));
      }
      var first = list.querySelector("input");
      if (first && document.activeElement === document.body) first.focus();
    });
  }

  duban.start({ title: "待分类", nav: "triage" }, function () {
    duban.api("GET", "/api/v1/org").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      org = res.body;
      load();
      duban.live({ sync: load });
    });
  });
})();
