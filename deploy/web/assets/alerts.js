/* Alerts (/console/alerts): the unacknowledged breaches and escalations as
 * the API groups them, one row per task however many alerts it raised (a
 * storm is one row with its highest level and how many), highest level
 * first; each acknowledged in place with the decision taken and, where the
 * ladder recommends a rung, the accountability decision. Live: a new alert
 * or an acknowledgement re-reads the list; a row whose form is open stays as
 * typed. */
(function () {
  "use strict";
  var el = duban.el, known = null;

  function facts(t) {
    var out = [
      el("span", {}, ["承办：", el("b", { text: duban.name.division(t.division) })]),
      el("span", { text: (t.deadline === "response" ? "签收期限 " : "办结期限 ") + duban.time(t.due, true) }),
      el("span", { text: "告警 " + t.alerts + " 条" + (t.repeats ? "（重发 " + t.repeats + " 次）" : "") }),
      el("span", { text: "首次 " + duban.time(t.first_raised, true) + " · 最近 " + duban.time(t.last_raised, true) }),
      el("span", { text: "通知：" + t.level_name })];
    if (t.handler) out.splice(1, 0, el("span", { text: "经办人：" + t.handler }));
    if (t.rung_name) out.push(el("span", {}, ["问责建议：", el("b", { text: t.rung_name }), "（本期违规 " + t.violations + " 次）"]));
    return out;
  }

  function ackForm(t, li) {
    var form = el("form", { novalidate: true, "data-form": "ack" }, [
      office.field("处理决定", el("textarea", { id: "decision-" + t.task_id, name: "decision", maxlength: 2000,
        placeholder: "例如：已电话督促承办处室立即签收办理" }), "decision"),
      t.rung_name ? office.field("问责决定（建议：" + t.rung_name + "，可不填）", el("textarea", { id: "rung-" + t.task_id,
        name: "rung_decision", maxlength: 2000 }), "rung_decision") : null,
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", text: "确认" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { office.closeForm(form); } })])]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var decision = form.elements.decision.value.trim();
      if (office.fieldError(form, "decision", decision ? "" : "请填写处理决定")) return;
      var body = { decision: decision, whole_task: true };
      if (form.elements.rung_decision && form.elements.rung_decision.value.trim())
        body.rung_decision = form.elements.rung_decision.value.trim();
      var buttons = form.querySelectorAll("button");
      [].forEach.call(buttons, function (b) { b.disabled = true; });
      duban.api("POST", "/api/v1/alerts/" + li.getAttribute("data-alert") + "/ack", body).then(function (res) {
        [].forEach.call(buttons, function (b) { b.disabled = false; });
        if (!res.ok) {
          var err = form.querySelector(".form-error");
          err.textContent = duban.problem(res);
          err.classList.remove("hidden");
          return;
        }
        duban.note("已确认：" + t.case_number + " 的 " + t.alerts + " 条告警");
        load();
      });
    });
    return form;
  }

  function item(t, fresh) {
    var li = el("li", { class: "item l" + t.level + (fresh ? " row-new" : ""), "data-task": t.task_id, "data-alert": t.alert_id,
      "data-case": t.case_number }, [
      el("div", { class: "item-head" }, [office.level(t.level, t.level_name), office.caseLink(t.case_number),
        el("span", { class: "subject", text: t.subject })]),
      el("div", { class: "facts" }, facts(t)),
      el("div", { class: "decide" }, el("button", { type: "button", class: "secondary", "data-action": "ack", text: "确认并记录处理决定",
        onclick: function () {
          if (li.querySelector("form")) return;
          var f = ackForm(t, li);
          office.openForm(li, f);
          f.querySelector("textarea").focus();
        } }))]);
    return li;
  }

  function render(data) {
    var list = document.getElementById("alerts"), kept = {};
    [].forEach.call(list.querySelectorAll("li.item"), function (li) {
      if (li.querySelector("form")) kept[li.getAttribute("data-task")] = li;
    });
    var seen = {};
    var nodes = data.tasks.map(function (t) {
      seen[t.task_id] = true;
      var old = kept[t.task_id];
      if (old) { old.setAttribute("data-alert", t.alert_id); return old; }
      return item(t, known !== null && !known[t.task_id]);
    });
    if (!data.tasks.length) nodes.push(el("li", { class: "empty", text: "没有待确认的告警" }));
    duban.setChildren(list, nodes);
    known = seen;
    document.getElementById("summary").textContent = data.tasks.length + " 件工单 · " + data.alerts + " 条告警未确认" +
      (data.cut ? "（仅列出最近 2000 条）" : "") + " · 更新于 " + duban.time(data.now, true);
  }

  function load() {
    return duban.api("GET", "/api/v1/alerts").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      render(res.body);
    });
  }

  duban.start({ title: "告警督办", nav: "alerts" }, function (s) {
    if (!office.allowed(s, ["inspector", "admin"])) return;
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "告警督办" }),
      el("span", { class: "muted", text: "同一工单的多次告警合并为一行，按督办级别排列" })]));
    main.appendChild(el("div", { class: "toolbar" }, el("span", { id: "summary", class: "muted" })));
    main.appendChild(el("ul", { class: "items", id: "alerts" }, el("li", { class: "empty", text: "正在加载…" })));
    var soon = office.later(load, 300);
    load();
    duban.live({
      sync: load,
      alert: function (a) {
        if (!a.repeat) duban.note((a.level > 1 ? "督办升级：" : "新告警：") + duban.name.division(a.division) + " " + a.case_number,
          a.level > 1 ? "error" : "warn");
        soon();
      },
      alert_ack: soon
    });
  });
})();
