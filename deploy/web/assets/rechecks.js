/* Look-back re-checks (/console/rechecks): the closed cases a month-check
 * drew for the inspection office to check again, each passed or failed in
 * place with a note of what was found; a failed one reopens the case to its
 * division (the bulletin service decides, as dubanctl bulletin recheck
 * does). "显示已处理" lists the decided ones too (?all=1 in the address). */
(function () {
  "use strict";
  var el = duban.el;
  var STATE = { pending: "待复查", passed: "通过", failed: "未通过（已重新交办）" };

  function all() { return duban.query().all === "1"; }

  function form(r, li) {
    var f = el("form", { novalidate: true, "data-form": "recheck" }, [
      el("div", { class: "field" }, [el("label", { text: "复查结论" }), el("div", { class: "choice" }, [
        el("label", {}, [el("input", { type: "radio", name: "result", value: "pass" }), "通过（整改到位）"]),
        el("label", {}, [el("input", { type: "radio", name: "result", value: "fail" }), "未通过（重新交办 " + duban.name.division(r.division) + "）"])]),
        el("div", { class: "field-error hidden", "data-error": "result" })]),
      office.field("复查情况", el("textarea", { id: "note-" + r.id, name: "note", maxlength: 2000, placeholder: "回访或现场复查发现的情况" }), "note"),
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", text: "提交" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { office.closeForm(f); } })])]);
    f.addEventListener("change", function () { office.fieldError(f, "result", ""); });
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var checked = f.querySelector("input[name=result]:checked"), note = f.elements.note.value.trim();
      var bad = office.fieldError(f, "result", checked ? "" : "请选择复查结论");
      bad = office.fieldError(f, "note", note ? "" : "请填写复查情况") || bad;
      if (bad) return;
      var buttons = f.querySelectorAll("button");
      [].forEach.call(buttons, function (b) { b.disabled = true; });
      duban.api("POST", "/api/v1/rechecks/" + r.id, { result: checked.value, note: note }).then(function (res) {
        [].forEach.call(buttons, function (b) { b.disabled = false; });
        if (!res.ok) {
          var err = f.querySelector(".form-error");
          err.textContent = duban.problem(res);
          err.classList.remove("hidden");
          return;
        }
        duban.note(res.body.reopened ? "复查未通过：" + r.case_number + " 已重新交办" + duban.name.division(res.body.division)
          : "复查通过：" + r.case_number);
        load();
      });
    });
    return f;
  }

  function item(r) {
    var li = el("li", { class: "item", "data-recheck": r.id, "data-case": r.case_number }, [
      el("div", { class: "item-head" }, [el("span", { class: "badge", text: r.period + " 月检查" }), office.caseLink(r.case_number),
        el("span", { class: "subject", text: r.subject })]),
      el("div", { class: "facts" }, [el("span", {}, ["办结处室：", el("b", { text: duban.name.division(r.division) })]),
        el("span", { text: duban.name.kind(r.kind) + " · " + duban.name.category(r.category) }),
        r.closed_at ? el("span", { text: "结案 " + duban.time(r.closed_at, true) }) : null,
        el("span", { text: "状态：" + (STATE[r.state] || r.state) })]),
      r.state !== "pending" ? el("div", { class: "why", text: "复查情况：" + (r.note || "") + "（" + (r.decided_by || "") + " " +
        duban.time(r.decided_at, true) + "）" }) : null,
      r.state === "pending" ? el("div", { class: "decide" }, el("button", { type: "button", class: "secondary", "data-action": "recheck",
        text: "记录复查结论", onclick: function () {
          if (li.querySelector("form")) return;
          office.openForm(li, form(r, li));
          li.querySelector("input").focus();
        } })) : null]);
    return li;
  }

  function load() {
    var box = document.getElementById("show-all");
    if (box) box.checked = all();
    return duban.api("GET", duban.href("/api/v1/rechecks", { all: all() ? "1" : "" })).then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      var list = document.getElementById("rechecks"), kept = {};
      [].forEach.call(list.querySelectorAll("li.item"), function (li) {
        if (li.querySelector("form")) kept[li.getAttribute("data-recheck")] = li;
      });
      var nodes = res.body.rechecks.map(function (r) { return kept[r.id] && r.state === "pending" ? kept[r.id] : item(r); });
      if (!res.body.rechecks.length) nodes.push(el("li", { class: "empty", text: all() ? "还没有回头看复查任务" : "没有待复查的工单" }));
      duban.setChildren(list, nodes);
      var pending = res.body.rechecks.filter(function (r) { return r.state === "pending"; }).length;
      document.getElementById("summary").textContent = pending + " 件待复查" + (res.body.cut ? "（仅列出前 1000 件）" : "");
    });
  }

  duban.start({ title: "回头看", nav: "rechecks" }, function (s) {
    if (!office.allowed(s, ["inspector", "admin"])) return;
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "回头看" }),
      el("span", { class: "muted", text: "月检查从已办结工单中抽取，复查整改是否到位" })]));
    var box = el("input", { type: "checkbox", id: "show-all" });
    box.addEventListener("change", function () {
      history.pushState(null, "", duban.href("/console/rechecks", { all: box.checked ? "1" : "" }));
      load();
    });
    main.appendChild(el("div", { class: "toolbar" }, [el("span", { id: "summary", class: "muted" }),
      el("label", {}, [box, " 显示已处理"])]));
    main.appendChild(el("ul", { class: "items", id: "rechecks" }, el("li", { class: "empty", text: "正在加载…" })));
    window.addEventListener("popstate", load);
    load();
    duban.live({ sync: load });
  });
})();
