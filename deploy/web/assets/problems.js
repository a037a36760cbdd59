/* 问题清单 (/console/problems): the problems collected from enterprises and
 * the public (GET /api/v1/problems), by review state: 待审核, 已采纳 (with
 * the rectification item it became), 不予采纳 (with the reason), 全部. The
 * inspection office reviews each open one in place (POST
 * /api/v1/problems/{id}/review): accepted into a rectification item
 * (整改事项) with its lead division, responsible divisions, person
 * responsible, measure and deadline, or rejected with the reason. The desk,
 * clerks and the inspection office enter problems (登记问题, POST
 * /api/v1/problems); leaders read. Who may do what is the API's rule: the
 * page offers the forms to the roles the API lets do them. */
(function () {
  "use strict";
  var el = duban.el, s = null, staff = [], known = null;
  var STATES = { open: "待审核", accepted: "已采纳", rejected: "不予采纳" };
  var TABS = [{ key: "open", text: "待审核" }, { key: "accepted", text: "已采纳" }, { key: "rejected", text: "不予采纳" }, { key: "all", text: "全部" }];
  var SOURCES = ["visit", "mailbox", "survey", "letter", "online", "assessment", "meeting"];

  function reviewer() { return s.role === "inspector" || s.role === "admin"; }
  function filer() { return reviewer() || s.role === "clerk" || s.role === "operator"; }
  function tab() { var t = duban.query().tab; return STATES[t] || t === "all" ? t : "open"; }
  function divisions() { return s.org.divisions.filter(function (d) { return d.code !== "inspection"; }); }

  function options(list, chosen, blank) {
    return (blank ? [el("option", { value: "", text: blank })] : []).concat(list.map(function (o) {
      return el("option", { value: o.code, text: o.name, selected: o.code === chosen });
    }));
  }

  function people(division) {
    return staff.filter(function (p) { return p.division === division && p.role === "handler"; })
      .concat(staff.filter(function (p) { return p.division === division && p.role !== "handler"; }));
  }

  function submitted(f, path, body, done) {
    var buttons = f.querySelectorAll("button");
    [].forEach.call(buttons, function (b) { b.disabled = true; });
    duban.api("POST", path, body).then(function (res) {
      [].forEach.call(buttons, function (b) { b.disabled = false; });
      if (!res.ok) {
        var err = f.querySelector(".form-error");
        err.textContent = duban.problem(res);
        err.classList.remove("hidden");
        return;
      }
      done(res.body);
      load();
    });
  }

  function acceptForm(p) {
    var id = p.id;
    var lead = el("select", { id: "lead-" + id, name: "lead_division" }, options(divisions(), p.division, "请选择"));
    var person = el("select", { id: "person-" + id, name: "responsible_staff" });
    function fillPeople() {
      duban.clear(person);
      options(people(lead.value).map(function (x) { return { code: x.code, name: x.name + "（" + x.code + "）" }; }), "", "请选择")
        .forEach(function (o) { person.appendChild(o); });
    }
    fillPeople();
    var co = el("div", { class: "choice", id: "co-" + id }, divisions().map(function (d) {
      return el("label", { for: "co-" + id + "-" + d.code }, [el("input", { type: "checkbox", id: "co-" + id + "-" + d.code, name: "divisions", value: d.code }), d.name]);
    }));
    lead.addEventListener("change", function () {
      fillPeople();
      [].forEach.call(co.querySelectorAll("input"), function (c) { c.disabled = c.value === lead.value; if (c.disabled) c.checked = false; });
    });
    lead.dispatchEvent(new Event("change"));
    var monthly = el("input", { type: "checkbox", id: "monthly-" + id, name: "monthly", checked: true });
    var f = el("form", { novalidate: true, "data-form": "accept" }, [
      el("h3", { class: "small", text: "采纳并立整改事项" }),
      el("div", { class: "field-row" }, [office.field("牵头处室（责任单位）", lead, "lead_division"), office.field("责任人", person, "responsible_staff")]),
      office.field("整改措施", el("textarea", { id: "measure-" + id, name: "measure", maxlength: 2600 }), "measure"),
      el("div", { class: "field-row" }, [office.field("整改期限", el("input", { id: "deadline-" + id, name: "deadline", type: "date" }), "deadline"),
        el("div", { class: "field" }, el("label", { class: "check", for: "monthly-" + id }, [monthly, "每月第 5 个工作日前报送进度"]))]),
      el("fieldset", { class: "field" }, [el("legend", { text: "配合处室（可不选）" }), co]),
      office.field("审核意见（可不填）", el("textarea", { id: "text-" + id, name: "text", maxlength: 2000 }), "text"),
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", text: "采纳，立整改事项" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { office.closeForm(f); } })])]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var v = function (n) { return (f.elements[n].value || "").trim(); };
      var bad = office.fieldError(f, "lead_division", v("lead_division") ? "" : "请选择牵头处室");
      bad = office.fieldError(f, "responsible_staff", v("responsible_staff") ? "" : "请选择责任人") || bad;
      bad = office.fieldError(f, "measure", v("measure") ? "" : "请填写整改措施") || bad;
      bad = office.fieldError(f, "deadline", !v("deadline") ? "请选择整改期限" : v("deadline") < workitem.today() ? "整改期限不能早于今天" : "") || bad;
      if (bad) return;
      var rect = { lead_division: v("lead_division"), responsible_staff: v("responsible_staff"), measure: v("measure"),
        deadline: workitem.instant(v("deadline"), true),
        divisions: [].filter.call(co.querySelectorAll("input"), function (c) { return c.checked; }).map(function (c) { return c.value; }) };
      if (monthly.checked) rect.report = { rhythm: "monthly", by_working_day: 5 };
      var body = { accept: true, rectification: rect };
      if (v("text")) body.text = v("text");
      submitted(f, "/api/v1/problems/" + id + "/review", body, function (out) {
        duban.note("已采纳问题 " + id + "，整改事项 " + (out.case_number || "") + " 已交 " + duban.name.division(rect.lead_division));
      });
    });
    return f;
  }

  function rejectForm(p) {
    var f = el("form", { novalidate: true, "data-form": "reject" }, [
      office.field("不予采纳的理由", el("textarea", { id: "reason-" + p.id, name: "text", maxlength: 2000 }), "text"),
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", text: "确认不予采纳" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { office.closeForm(f); } })])]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = f.elements.text.value.trim();
      if (office.fieldError(f, "text", text ? "" : "请填写理由")) return;
      submitted(f, "/api/v1/problems/" + p.id + "/review", { accept: false, text: text }, function () {
        duban.note("问题 " + p.id + " 不予采纳");
      });
    });
    return f;
  }

  function item(p, fresh) {
    var li = el("li", { class: "item" + (fresh ? " row-new" : ""), "data-problem": p.id, "data-state": p.state }, [
      el("div", { class: "item-head" }, [el("span", { class: "number", text: "问题 " + p.id }),
        el("span", { class: "badge " + p.state, text: STATES[p.state] || p.state }),
        el("span", { class: "subject", text: p.title })]),
      el("div", { class: "facts" }, [el("span", { text: "来源：" + workitem.source(p.source) }),
        p.division ? el("span", { text: "建议处室：" + duban.name.division(p.division) }) : null,
        el("span", { text: "登记 " + duban.time(p.filed_at, true) + "（" + p.filed_by + "）" }),
        p.case_number ? el("span", {}, ["来自工单 ", office.caseLink(p.case_number)]) : null,
        p.reviewed_at ? el("span", { text: "审核 " + duban.time(p.reviewed_at, true) + "（" + p.reviewed_by + "）" }) : null]),
      p.source_detail ? el("div", { class: "problem-source", text: "来源说明（内部）：" + p.source_detail }) : null,
      el("div", { class: "why", text: p.description }),
      p.state === "accepted" && p.rectification ? el("div", { class: "why" }, ["整改事项：", office.caseLink(p.rectification)]) : null,
      p.state === "rejected" ? el("div", { class: "why", text: "不予采纳的理由：" + (p.review_reason || "") }) : null]);
    if (p.state === "open" && reviewer()) {
      li.appendChild(el("div", { class: "decide" }, [
        el("button", { type: "button", "data-action": "accept", text: "采纳，立整改事项", onclick: function () {
          if (li.querySelector("form")) return;
          var f = acceptForm(p);
          office.openForm(li, f);
          f.querySelector("textarea").focus();
        } }),
        el("button", { type: "button", class: "secondary", "data-action": "reject", text: "不予采纳", onclick: function () {
          if (li.querySelector("form")) return;
          var f = rejectForm(p);
          office.openForm(li, f);
          f.querySelector("textarea").focus();
        } })]));
    }
    return li;
  }

  function render(data) {
    var t = tab(), all = data.problems, list = document.getElementById("problems"), kept = {}, seen = {};
    var tabs = duban.clear(document.getElementById("tabs"));
    TABS.forEach(function (x) {
      var n = x.key === "all" ? all.length : all.filter(function (p) { return p.state === x.key; }).length;
      tabs.appendChild(el("a", { href: duban.href("/console/problems", { tab: x.key === "open" ? "" : x.key }), "data-tab": x.key,
        class: x.key === t ? "on" : "", onclick: function (e) {
          e.preventDefault();
          history.pushState(null, "", duban.href("/console/problems", { tab: x.key === "open" ? "" : x.key }));
          load();
        } }, [x.text, el("span", { class: "count", text: String(n) })]));
    });
    [].forEach.call(list.querySelectorAll("li.item"), function (li) {
      if (li.querySelector("form")) kept[li.getAttribute("data-problem")] = li;
    });
    var shown = all.filter(function (p) { return t === "all" || p.state === t; });
    var nodes = shown.slice().reverse().map(function (p) {
      seen[p.id] = true;
      var keep = kept[p.id] && p.state === "open";
      return keep ? kept[p.id] : item(p, known !== null && !known[p.id]);
    });
    if (!shown.length) nodes.push(el("li", { class: "empty", text: "没有" + (t === "all" ? "" : STATES[t]) + "的问题" }));
    duban.setChildren(list, nodes);
    known = known || {};
    all.forEach(function (p) { known[p.id] = true; });
    document.getElementById("summary").textContent = "共 " + shown.length + " 条" + (data.cut ? "（仅列出前 500 条）" : "");
  }

  function load() {
    return duban.api("GET", "/api/v1/problems").then(function (res) {
      if (!res.ok) { if (res.status === 403) office.allowed(s, []); else duban.note(duban.problem(res), "error"); return; }
      render(res.body);
    });
  }

  function fileForm() {
    var source = el("select", { id: "p-source", name: "source" }, options(SOURCES.map(function (c) { return { code: c, name: workitem.source(c) }; }), "visit"));
    var f = el("form", { class: "card wi-form hidden", id: "file-form", novalidate: true }, [
      el("h2", { text: "登记问题" }),
      el("div", { class: "field-row" }, [office.field("来源", source, "source"),
        office.field("建议承办处室（可不选）", el("select", { id: "p-division", name: "division" }, options(divisions(), "", "不确定")), "division")]),
      office.field("来源说明（内部，不公开，如走访的企业）", el("input", { id: "p-detail", name: "source_detail", maxlength: 300 }), "source_detail"),
      office.field("问题", el("input", { id: "p-title", name: "title", maxlength: 100 }), "title"),
      office.field("具体情况", el("textarea", { id: "p-description", name: "description", maxlength: 2600 }), "description"),
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", id: "p-submit", text: "登记" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { f.classList.add("hidden"); } })])]);
    var ref = null;
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var v = function (n) { return (f.elements[n].value || "").trim(); };
      var bad = office.fieldError(f, "title", v("title") ? "" : "请填写问题");
      bad = office.fieldError(f, "description", v("description") ? "" : "请填写具体情况") || bad;
      if (bad) return;
      if (!ref) { var r = new Uint32Array(2); crypto.getRandomValues(r); ref = "WEB-P-" + r[0].toString(36) + r[1].toString(36); }
      var body = { ref: ref, source: v("source"), title: v("title"), description: v("description") };
      if (v("source_detail")) body.source_detail = v("source_detail");
      if (v("division")) body.division = v("division");
      submitted(f, "/api/v1/problems", body, function (out) {
        duban.note("已登记问题 " + out.problem_id);
        ref = null;
        f.reset();
        f.classList.add("hidden");
      });
    });
    return f;
  }

  duban.start({ title: "问题清单", nav: "problems" }, function (session) {
    s = session;
    if (!office.allowed(s, ["inspector", "admin", "leader", "clerk", "operator"])) return;
    workitem.staff().then(function (roster) {
      staff = roster;
      var main = duban.clear(document.getElementById("main"));
      main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "问题清单" }),
        el("span", { class: "muted", text: reviewer() ? "逐条审核：采纳的问题立为整改事项，明确责任单位、责任人、整改措施和期限" : "企业和群众反映的问题及其审核情况" }),
        filer() ? el("button", { type: "button", class: "secondary", id: "file-open", text: "登记问题", onclick: function () {
          var f = document.getElementById("file-form");
          f.classList.remove("hidden");
          f.querySelector("#p-title").focus();
        } }) : null]));
      if (filer()) main.appendChild(fileForm());
      main.appendChild(el("section", { class: "card" }, [el("nav", { class: "tabs", id: "tabs", "aria-label": "审核状态" }),
        el("div", { class: "toolbar" }, el("span", { id: "summary", class: "muted" })),
        el("ul", { class: "items", id: "problems" }, el("li", { class: "empty", text: "正在加载…" }))]));
      window.addEventListener("popstate", load);
      load();
      /* problems have no live events of their own; a review elsewhere shows on the next sync */
      duban.live({ sync: load });
    });
  });
})();
