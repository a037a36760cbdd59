/* Extension requests (/console/extensions): open tasks whose division asked
 * the inspection office for more working time, soonest due first, with
 * what was asked, why, and the time left; granted or refused in place with
 * a word of explanation (the workflow's decide-extension step; a grant
 * moves the completion deadline). Live: a new request or a decision taken
 * elsewhere re-reads the list; an open form stays as typed. */
(function () {
  "use strict";
  var el = duban.el, known = null;

  function form(t, li, grant) {
    var f = el("form", { novalidate: true, "data-form": grant ? "grant" : "refuse" }, [
      office.field(grant ? "同意延期的说明（可不填）" : "不同意的理由", el("textarea", { id: "text-" + t.task_id, name: "text", maxlength: 2000 }), "text"),
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", text: grant ? "同意延期" : "不同意" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { office.closeForm(f); } })])]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = f.elements.text.value.trim();
      if (office.fieldError(f, "text", !grant && !text ? "请填写不同意的理由" : "")) return;
      var buttons = f.querySelectorAll("button");
      [].forEach.call(buttons, function (b) { b.disabled = true; });
      var body = { grant: grant };
      if (text) body.text = text;
      duban.api("POST", "/api/v1/cases/" + encodeURIComponent(t.case_number) + "/steps/decide-extension", body).then(function (res) {
        [].forEach.call(buttons, function (b) { b.disabled = false; });
        if (!res.ok) {
          var err = f.querySelector(".form-error");
          err.textContent = duban.problem(res);
          err.classList.remove("hidden");
          return;
        }
        duban.note((grant ? "已同意延期：" : "已不同意延期：") + t.case_number);
        load();
      });
    });
    return f;
  }

  function item(t, fresh) {
    var li = el("li", { class: "item" + (fresh ? " row-new" : ""), "data-case": t.case_number, "data-task": t.task_id }, [
      el("div", { class: "item-head" }, [office.left(t), office.caseLink(t.case_number), el("span", { class: "subject", text: t.subject })]),
      el("div", { class: "facts" }, [
        el("span", {}, ["承办：", el("b", { text: duban.name.division(t.division) }), t.role === "co" ? "（协办）" : ""]),
        el("span", {}, ["申请延长：", el("b", { text: office.windowText(t.window) })]),
        el("span", { text: "现办结期限 " + duban.time(t.due, true) }),
        t.requested_at ? el("span", { text: "申请于 " + duban.time(t.requested_at, true) + (t.requested_by ? "（" + t.requested_by + "）" : "") }) : null]),
      el("div", { class: "why", text: "理由：" + (t.reason || "") }),
      el("div", { class: "decide" }, [
        el("button", { type: "button", "data-action": "grant", text: "同意延期", onclick: function () { open(li, t, true); } }),
        el("button", { type: "button", class: "secondary", "data-action": "refuse", text: "不同意", onclick: function () { open(li, t, false); } })])]);
    return li;
  }

  function open(li, t, grant) {
    var f = form(t, li, grant);
    office.openForm(li, f);
    f.querySelector("textarea").focus();
  }

  function render(data) {
    var list = document.getElementById("tasks"), kept = {}, seen = {};
    [].forEach.call(list.querySelectorAll("li.item"), function (li) {
      if (li.querySelector("form")) kept[li.getAttribute("data-task")] = li;
    });
    var nodes = data.tasks.map(function (t) {
      seen[t.task_id] = true;
      return kept[t.task_id] || item(t, known !== null && !known[t.task_id]);
    });
    if (!data.tasks.length) nodes.push(el("li", { class: "empty", text: "没有待审批的延期申请" }));
    duban.setChildren(list, nodes);
    known = seen;
    document.getElementById("summary").textContent = data.tasks.length + " 件待审批" + (data.cut ? "（仅列出前 200 件）" : "");
  }

  function load() {
    return duban.api("GET", "/api/v1/extensions").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      render(res.body);
    });
  }

  duban.start({ title: "延期审批", nav: "extensions" }, function (s) {
    if (!office.allowed(s, ["inspector", "admin"])) return;
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "延期审批" }),
      el("span", { class: "muted", text: "按现办结期限排列，最紧迫的在前" })]));
    main.appendChild(el("div", { class: "toolbar" }, el("span", { id: "summary", class: "muted" })));
    main.appendChild(el("ul", { class: "items", id: "tasks" }, el("li", { class: "empty", text: "正在加载…" })));
    var soon = office.later(load, 300);
    load();
    duban.live({ sync: load, notice: soon });
  });
})();
