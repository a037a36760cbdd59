/* 新建督办事项 (/console/workitem-new): the inspection office files a work
 * item — source, title, content, lead leaders, lead division, responsible
 * divisions, start and deadline, milestones and the report rhythm — as
 * POST /api/v1/workitems takes it (services/intake/intake_workitem.h). A
 * leader (or their office, signed in as them) files their own instruction:
 * the form offers them 领导批示 with themselves as lead leader, which is
 * what the API lets a leader create.
 * Whether the item is whole is dispatch's rule; the page only says what is
 * missing beside the field before sending, and shows the API's refusal,
 * keeping what was typed. The item's key (ref) is made once per form, so a
 * second click or a retry makes nothing twice. Dates are the bureau's
 * working day: a start opens at 08:30, a deadline closes at 17:30. */
(function () {
  "use strict";
  var el = duban.el, s = null, ref = null;

  function newRef() {
    var d = workitem.today().replace(/-/g, "");
    var r = new Uint32Array(1);
    crypto.getRandomValues(r);
    return "WEB-" + d + "-" + (r[0] % 1000000).toString(36).toUpperCase();
  }

  function checks(name, options, values) {
    return el("div", { class: "choice", id: "f-" + name, role: "group" }, options.map(function (o) {
      var id = "f-" + name + "-" + o.code;
      return el("label", { for: id }, [el("input", { type: "checkbox", id: id, name: name, value: o.code,
        checked: (values || []).indexOf(o.code) >= 0 }), o.name]);
    }));
  }

  function milestoneRow() {
    var n = document.querySelectorAll("#milestones .milestone").length + 1;
    var row = el("div", { class: "milestone", "data-milestone": n }, [
      el("input", { name: "m-title", maxlength: 300, placeholder: "节点名称，如：方案晾晒", "aria-label": "节点名称" }),
      el("input", { name: "m-due", type: "date", "aria-label": "节点日期" }),
      el("button", { type: "button", class: "secondary", text: "删除", onclick: function () { row.remove(); } })]);
    return row;
  }

  function form(leaders) {
    var divisions = s.org.divisions.filter(function (d) { return d.code !== "inspection"; });
    var leader = s.role === "leader";
    var source = el("select", { id: "f-source", name: "source" }, [
      ["instruction", "领导批示"], ["plan", "工作方案"], ["meeting", "会议决定"]].filter(function (o) {
      return !leader || o[0] === "instruction";
    }).map(function (o) {
      return el("option", { value: o[0], text: o[1] });
    }));
    if (leader) leaders = leaders.filter(function (p) { return p.code === s.staff; });
    var lead = el("select", { id: "f-lead", name: "lead_division" }, [el("option", { value: "", text: "请选择" })].concat(
      divisions.map(function (d) { return el("option", { value: d.code, text: d.name }); })));
    /* the rhythms of the API (report: monthly or quarterly by_working_day,
     * working_days every_working_days); the words around the number follow */
    var RHYTHM = { monthly: ["每月第", "个工作日前报送"], quarterly: ["每季度首月第", "个工作日前报送"],
      working_days: ["每", "个工作日报送一次"] };
    var rhythm = el("select", { id: "f-rhythm", name: "rhythm" }, [
      el("option", { value: "monthly", text: "每月报送进度" }), el("option", { value: "quarterly", text: "每季度报送进度" }),
      el("option", { value: "working_days", text: "每隔若干工作日报送" }), el("option", { value: "none", text: "不要求定期报送" })]);
    var day = el("input", { id: "f-day", name: "report_day", type: "number", min: 1, max: 60, value: 5, inputmode: "numeric", class: "day" });
    var before = el("label", { for: "f-day", class: "radio", id: "f-day-before", text: RHYTHM.monthly[0] });
    var after = el("span", { id: "f-day-after", text: RHYTHM.monthly[1] });
    var f = el("form", { class: "card wi-form", id: "workitem-form", novalidate: true }, [
      el("h2", { text: "督办事项" }),
      el("div", { class: "field-row" }, [office.field("来源", source, "source"),
        office.field("立项编号（同一编号不会重复立项）", el("input", { id: "f-ref", name: "ref", maxlength: 64, value: ref }), "ref")]),
      office.field("标题", el("input", { id: "f-title", name: "title", maxlength: 100 }), "title"),
      office.field("内容与要求", el("textarea", { id: "f-content", name: "content", maxlength: 2600, rows: 5 }), "content"),
      el("fieldset", { class: "field" }, [el("legend", { text: "牵头领导（领导批示须选）" }),
        leaders.length ? checks("leaders", leaders, leader ? [s.staff] : []) : el("p", { class: "muted", text: "名册中没有局领导" }),
        el("div", { class: "field-error hidden", "data-error": "leaders" })]),
      office.field("牵头处室", lead, "lead_division"),
      el("fieldset", { class: "field" }, [el("legend", { text: "责任处室（可多选，不含牵头处室）" }),
        checks("divisions", divisions, []), el("div", { class: "field-error hidden", "data-error": "divisions" })]),
      el("div", { class: "field-row" }, [
        office.field("开始日期", el("input", { id: "f-starts", name: "starts", type: "date", value: workitem.today() }), "starts"),
        office.field("办结期限", el("input", { id: "f-deadline", name: "deadline", type: "date" }), "deadline")]),
      el("fieldset", { class: "field" }, [el("legend", { text: "阶段节点（可不填）" }), el("div", { id: "milestones" }),
        el("button", { type: "button", class: "secondary", id: "add-milestone", text: "添加节点", onclick: function () {
          var r = milestoneRow();
          document.getElementById("milestones").appendChild(r);
          r.querySelector("input").focus();
        } }), el("div", { class: "field-error hidden", "data-error": "milestones" })]),
      el("fieldset", { class: "field" }, [el("legend", { text: "进度报告要求" }),
        el("div", { class: "inline-field" }, [rhythm, before, day, after]),
        el("div", { class: "field-error hidden", "data-error": "report_day" })]),
      el("div", { class: "form-error hidden", role: "alert", id: "form-error" }),
      el("div", { class: "row" }, [el("button", { type: "submit", id: "submit", text: "立项并交办" }),
        el("a", { class: "button secondary", href: "/console/workitems", text: "返回列表" })])]);
    rhythm.addEventListener("change", function () {
      var words = RHYTHM[rhythm.value];
      day.disabled = !words;
      before.textContent = words ? words[0] : "";
      after.textContent = words ? words[1] : "";
    });
    /* the lead division is not also a responsible one */
    lead.addEventListener("change", function () {
      [].forEach.call(f.querySelectorAll('input[name="divisions"]'), function (c) {
        c.disabled = c.value === lead.value;
        if (c.disabled) c.checked = false;
      });
    });
    f.addEventListener("submit", function (e) { e.preventDefault(); send(f); });
    /* what was wrong goes once the user corrects it (checkboxes and dates included) */
    var GROUP = { "m-title": "milestones", "m-due": "milestones", rhythm: "report_day" };
    ["input", "change"].forEach(function (type) {
      f.addEventListener(type, function (e) {
        var name = e.target.name;
        if (name) office.fieldError(f, GROUP[name] || name, "");
      });
    });
    return f;
  }

  function checked(f, name) {
    return [].filter.call(f.querySelectorAll('input[name="' + name + '"]'), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }

  function send(f) {
    var v = function (n) { return (f.elements[n].value || "").trim(); };
    var body = { ref: v("ref"), source: v("source"), title: v("title"), content: v("content"),
      leaders: checked(f, "leaders"), lead_division: v("lead_division"), divisions: checked(f, "divisions"), milestones: [] };
    var bad = office.fieldError(f, "ref", body.ref ? "" : "请填写立项编号");
    bad = office.fieldError(f, "title", body.title ? "" : "请填写标题") || bad;
    bad = office.fieldError(f, "content", body.content ? "" : "请填写内容与要求") || bad;
    bad = office.fieldError(f, "leaders", body.source === "instruction" && !body.leaders.length ? "领导批示须选择作出批示的牵头领导" : "") || bad;
    bad = office.fieldError(f, "lead_division", body.lead_division ? "" : "请选择牵头处室") || bad;
    var starts = v("starts"), deadline = v("deadline");
    bad = office.fieldError(f, "deadline", !deadline ? "请选择办结期限" : starts && deadline < starts ? "办结期限不能早于开始日期" : "") || bad;
    var mbad = "";
    [].forEach.call(f.querySelectorAll("#milestones .milestone"), function (row) {
      var t = row.querySelector('[name="m-title"]').value.trim(), d = row.querySelector('[name="m-due"]').value;
      if (!t && !d) return;
      if (!t || !d) mbad = "每个节点都要有名称和日期";
      else body.milestones.push({ title: t, due: workitem.instant(d, true) });
    });
    bad = office.fieldError(f, "milestones", mbad) || bad;
    var r = v("rhythm");
    if (r === "monthly" || r === "quarterly") {
      var day = v("report_day");
      bad = office.fieldError(f, "report_day", /^\d+$/.test(day) && +day >= 1 && +day <= 23 ? "" : "请填写 1 至 23 之间的工作日") || bad;
      body.report = { rhythm: r, by_working_day: +day };
    } else if (r === "working_days") {
      var every = v("report_day");
      bad = office.fieldError(f, "report_day", /^\d+$/.test(every) && +every >= 1 && +every <= 60 ? "" : "请填写 1 至 60 之间的工作日数") || bad;
      body.report = { rhythm: r, every_working_days: +every };
    } else {
      body.report = { rhythm: "none" };
    }
    if (bad) { var first = f.querySelector(".field-error:not(.hidden)"); if (first) first.scrollIntoView({ block: "center" }); return; }
    if (starts && starts !== workitem.today()) body.starts = workitem.instant(starts, false);
    body.deadline = workitem.instant(deadline, true);
    var err = document.getElementById("form-error"), button = document.getElementById("submit");
    err.classList.add("hidden");
    button.disabled = true;
    duban.api("POST", "/api/v1/workitems", body).then(function (res) {
      button.disabled = false;
      if (!res.ok) {
        err.textContent = duban.problem(res);
        err.classList.remove("hidden");
        return;
      }
      done(res.body.case_number, body);
    });
  }

  function done(number, body) {
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("section", { class: "card receipt receipt-card", id: "receipt" }, [
      el("h1", { text: "已立项并交办" }),
      el("div", { class: "receipt-label", text: "督办事项编号" }),
      el("div", { class: "receipt-number", id: "receipt-number", text: number }),
      el("p", { text: body.title }),
      el("p", { class: "muted", text: "牵头处室：" + duban.name.division(body.lead_division) + (body.divisions.length ? "；责任处室：" + workitem.divisions(body.divisions) : "") }),
      el("div", { class: "row" }, [el("a", { class: "button", id: "open-item", href: "/console/cases/" + encodeURIComponent(number), text: "查看事项" }),
        el("a", { class: "button secondary", href: "/console/workitem-new", text: "继续新建" }),
        el("a", { class: "button secondary", href: "/console/workitems", text: "返回列表" })])]));
    duban.note("已立项：" + number);
  }

  duban.start({ title: "新建督办事项", nav: "workitems" }, function (session) {
    s = session;
    if (!office.allowed(s, ["inspector", "admin", "leader"])) return;
    ref = newRef();
    workitem.staff().then(function (staff) {
      var leaders = staff.filter(function (p) { return p.role === "leader"; });
      var main = duban.clear(document.getElementById("main"));
      main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: s.role === "leader" ? "交办领导批示" : "新建督办事项" }),
        el("span", { class: "muted", text: "立项后即交牵头处室和责任处室办理，按期报送进度，完成报告经督查室核验后销号" })]));
      main.appendChild(form(leaders));
      document.getElementById("f-title").focus();
    });
  });
})();
