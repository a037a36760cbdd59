/* The case page (/console/cases/NUMBER): header (number, kind, category,
 * state, time left), the requester (only when the API shows it), the
 * description, the handling divisions, the timeline (newest last) and the
 * steps the viewer may take now — exactly the API's "actions", each a
 * button: one click where nothing must be said, else a short form that
 * keeps what was typed when the server refuses and says what to fix beside
 * the field. After a step the page shows the new state at once. Live
 * events about this case re-read it in place, never under an open form.
 * A work item (kind workitem) shows its own facts instead of a requester's
 * (GET /api/v1/workitems/N: source, leaders, divisions, deadline,
 * milestones, percent done, reports, verification) and its own steps
 * (进度报告, 完成报告, 核验, 申请调整牵头处室, 调整牵头处室) when the API
 * lists them: a division never sees 退回 on an item a leader assigned. */
(function () {
  "use strict";
  var el = duban.el, number = decodeURIComponent(location.pathname.split("/").pop() || "");
  var data = null, openForm = null, item = null;

  /* What each step asks for. Fields: name, label, kind (text, textarea,
   * division, category, satisfaction, days, grant, files), required message.
   * A report's files are uploaded first, each on its own, and the step
   * names them; which files are accepted is the server's to say. */
  var FORMS = {
    sign: { oneClick: true, done: "已签收" },
    "material-arrived": { oneClick: true, done: "已记录材料到达，时限继续计算" },
    close: { oneClick: true, done: "已结案" },
    "return": { done: "已退回", fields: [
      { name: "text", label: "退回理由", kind: "textarea", required: "请填写退回理由" },
      { name: "division", label: "应由哪个单位办理", kind: "division", required: "请选择应承办的单位" }] },
    reply: { done: "已办结答复", fields: [
      { name: "text", label: "答复内容（告知诉求人）", kind: "textarea", required: "请填写答复内容" },
      { name: "internal", label: "内部说明（仅工作人员可见，可不填）", kind: "textarea" }] },
    "need-material": { done: "已登记补充材料，时限暂停", fields: [
      { name: "text", label: "需要补充的材料", kind: "textarea", required: "请说明需要补充什么材料" }] },
    extend: { done: "延期申请已提交督查室", fields: [
      { name: "days", label: "延长工作日数", kind: "days", required: "请填写 1 至 60 之间的天数" },
      { name: "text", label: "延期理由", kind: "textarea", required: "请填写延期理由" }] },
    note: { done: "已添加备注", fields: [
      { name: "text", label: "备注", kind: "textarea", required: "请填写备注内容" }] },
    "decide-extension": { done: "已审批延期申请", fields: [
      { name: "grant", label: "审批意见", kind: "grant" },
      { name: "text", label: "说明", kind: "textarea" }] },
    arbitrate: { done: "已仲裁", fields: [
      { name: "division", label: "承办单位", kind: "division", required: "请选择承办单位" },
      { name: "text", label: "仲裁理由", kind: "textarea", required: "请填写仲裁理由" }] },
    triage: { done: "已分类派单", fields: [
      { name: "category", label: "事项分类", kind: "category", required: "请选择事项分类" }] },
    inform: { done: "已记录告知诉求人", fields: [
      { name: "text", label: "告知方式与情况", kind: "textarea", required: "请填写告知情况" }] },
    callback: { done: "已记录回访", fields: [
      { name: "satisfaction", label: "满意度", kind: "satisfaction", required: "请选择满意度" },
      { name: "text", label: "回访记录", kind: "textarea" }] },
    "attach-call": { done: "已追加来电，承办单位已收到通知", fields: [
      { name: "text", label: "本次来电内容", kind: "textarea", required: "请记下来电人所说的内容" }] },
    progress: { done: "进度报告已报送", fields: [
      { name: "percent", label: "完成进度（%）", kind: "percent", required: "请填写 0 至 100 之间的整数" },
      { name: "text", label: "工作进展", kind: "textarea", required: "请填写工作进展" },
      { name: "attachments", label: "附件（可不选，可选多个文件）", kind: "files" }] },
    complete: { done: "完成报告已报送督查室核验", fields: [
      { name: "text", label: "完成情况（将在晾晒页面公开）", kind: "textarea", required: "请填写完成情况" },
      { name: "attachments", label: "附件（可不选，可选多个文件）", kind: "files" }] },
    verify: { done: "已核验", fields: [
      { name: "accept", label: "核验结论", kind: "verdict", required: "请选择核验结论" },
      { name: "text", label: "核验意见（退回重办时必填，写明理由）", kind: "textarea", requiredUnless: ["accept", "true"], required: "退回重办须写明理由" }] },
    "ask-reassign": { done: "已向督查室申请调整，期限照常计算", fields: [
      { name: "text", label: "申请理由", kind: "textarea", required: "请填写申请理由" },
      { name: "to", label: "建议由哪个处室牵头（可不选）", kind: "division" }] },
    reassign: { done: "已调整牵头处室", fields: [
      { name: "division", label: "新的牵头处室", kind: "division", required: "请选择牵头处室" },
      { name: "text", label: "调整决定", kind: "textarea", required: "请填写调整的决定和理由" }] }
  };

  function main() { return document.getElementById("main"); }

  function denied(status) {
    var code = status === 404 || status === 403 ? 403 : status;
    document.title = "无权查看 - 督办工作台";
    duban.clear(main()).appendChild(el("div", { class: "card denied", id: "denied" }, [
      el("div", { class: "code", text: String(code) }),
      el("h1", { text: code === 403 ? "无权查看此工单" : "暂时无法打开此工单" }),
      el("p", { class: "muted", text: code === 403 ? "工单 " + number + " 不存在，或不属于您所在的处室。" : "请稍后刷新重试。" }),
      el("p", {}, el("a", { href: "/console/", text: "返回工作台" }))]));
  }

  function myTask() {
    for (var i = 0; data && i < data.tasks.length; i++) if (data.tasks[i].task_id === data.my_task_id) return data.tasks[i];
    return null;
  }

  function headCard() {
    var t = myTask();
    var light = t && t.light;
    return el("section", { class: "card", id: "case-head" }, [
      el("div", { class: "case-head" }, [
        el("span", { class: "number", id: "case-number", text: data.case_number }),
        el("span", { class: "badge", id: "case-state", text: duban.name.caseState(data.state) }),
        t ? el("span", { class: "badge", id: "task-state", text: "本处室：" + duban.name.taskState(t.state) }) : null,
        data.priority === "urgent" ? el("span", { class: "badge urgent", text: "紧急" }) : null,
        light ? el("span", { class: "left " + light, id: "time-left" }, [el("span", { class: "light " + light }), t.left_text]) : null]),
      el("dl", { class: "facts spaced" }, [
        el("dt", { text: "诉求类型" }), el("dd", { text: duban.name.kind(data.kind) }),
        el("dt", { text: "事项分类" }), el("dd", { text: duban.name.category(data.category) }),
        el("dt", { text: "受理渠道" }), el("dd", { text: duban.name.channel(data.channel) }),
        el("dt", { text: "受理时间" }), el("dd", { text: duban.time(data.received_at) }),
        el("dt", { text: "首问负责人" }), el("dd", { text: data.first_responder }),
        t && t.due ? el("dt", { text: t.deadline === "response" ? "签收期限" : "办结期限" }) : null,
        t && t.due ? el("dd", { text: duban.time(t.due) }) : null])]);
  }

  function requesterCard() {
    var r = data.requester || {};
    if (r.redacted) return null;
    var facts = [];
    function add(k, v) { if (v) { facts.push(el("dt", { text: k })); facts.push(el("dd", { text: v })); } }
    add("姓名", r.anonymous ? "匿名" : r.name);
    add("来电号码", r.phone);
    add("回复电话", data.callback_phone);
    add("电子邮箱", r.email);
    return el("section", { class: "card", id: "requester" }, [el("h2", { text: "诉求人" }),
      facts.length ? el("dl", { class: "facts" }, facts) : el("p", { class: "muted", text: "未留联系方式" })]);
  }

  function contentCard() {
    var facts = [];
    function add(k, v) { if (v) { facts.push(el("dt", { text: k })); facts.push(el("dd", { text: v })); } }
    add("地点", data.place);
    add("企业", data.enterprise);
    add("产品", data.product);
    return el("section", { class: "card" }, [el("h2", { text: data.subject }),
      el("p", { class: "description", text: data.description }),
      facts.length ? el("dl", { class: "facts" }, facts) : null]);
  }

  function tasksCard() {
    /* a work item's reports due are in its head (应报 · 按时 · 逾期 · 下次), not one row each */
    var tasks = data.tasks.filter(function (t) { return t.role !== "report"; });
    return el("section", { class: "card" }, [el("h2", { text: "承办单位" }), el("div", { class: "table-box" },
      el("table", { class: "tasks" }, [
        el("thead", {}, el("tr", {}, ["单位", data.kind === "workitem" ? "分工" : "主办/协办", "状态", "派单时间", "剩余时限"].map(function (h) { return el("th", { text: h }); }))),
        el("tbody", {}, tasks.map(function (t) {
          return el("tr", {}, [el("td", { text: duban.name.division(t.division) }),
            el("td", { text: { lead: data.kind === "workitem" ? "牵头" : "主办", co: data.kind === "workitem" ? "责任" : "协办", report: "进度报告" }[t.role] || t.role }),
            el("td", { class: "nowrap", text: duban.name.taskState(t.state) + (t.extension === "requested" ? "（延期审批中）" : "") }),
            el("td", { class: "nowrap", text: duban.time(t.dispatched_at, true) }),
            el("td", { class: "nowrap" }, t.left_text ? el("span", { class: "left " + t.light }, [el("span", { class: "light " + t.light }), t.left_text]) : "—")]);
        }))]))]);
  }

  function why(e) {
    var d = e.detail || {}, parts = [];
    if (e.type === "returned") parts.push("理由：" + (d.reason || ""), d.to || d.return_to ? "建议承办：" + duban.name.division(d.to || d.return_to) : "");
    if (d.result) parts.push("答复：" + d.result);
    if (d.internal) parts.push("内部说明：" + d.internal);
    if (d.text) parts.push(d.text);
    if (d.material) parts.push("需补充：" + d.material);
    if (d.reason && e.type !== "returned") parts.push("理由：" + d.reason);
    if (d.window) parts.push("延长：" + d.window.replace(/d$/, " 个工作日"));
    if (d.decision) parts.push("意见：" + d.decision);
    if (d.satisfaction) parts.push("满意度：" + duban.name.satisfaction(d.satisfaction));
    if (d.how) parts.push("告知情况：" + d.how);
    if (d.remark) parts.push("回访记录：" + d.remark);
    if (typeof d.percent === "number") parts.push("完成进度：" + d.percent + "%" + (d.late ? "（逾期报送）" : ""));
    if (d.suggested) parts.push("建议牵头：" + duban.name.division(d.suggested));
    if (d.grounds) parts.push("决定：" + d.grounds);
    if (d.from && d.to) parts.push(duban.name.division(d.from) + " → " + duban.name.division(d.to));
    if (d.division && e.type !== "returned") parts.push(duban.name.division(d.division));
    return parts.filter(Boolean).join("\n");
  }

  function size(n) {
    if (n < 1024) return n + " 字节";
    return n < 1048576 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB";
  }

  /* A report's files, each a download (the API serves it as one, to those
   * who may read the item). */
  function files(e) {
    var list = (e.detail || {}).attachments || [];
    if (!list.length) return null;
    return el("div", { class: "files" }, list.map(function (a) {
      return el("div", { class: "file" }, [el("a", {
        href: "/api/v1/cases/" + encodeURIComponent(number) + "/attachments/" + encodeURIComponent(a.file_id),
        download: a.name, "data-file": a.file_id, text: a.name }), " ", el("span", { class: "muted", text: size(a.bytes) })]);
    }));
  }

  function timelineCard() {
    return el("section", { class: "card" }, [el("h2", { text: "办理过程" }), el("ol", { class: "timeline", id: "timeline" },
      data.timeline.map(function (e) {
        return el("li", { "data-type": e.type }, [el("span", { class: "when", text: duban.time(e.at) }),
          el("span", { class: "what", text: duban.name.event(e.type) }), " ", el("span", { class: "muted", text: duban.name.actor(e.actor) }),
          el("div", { class: "why", text: why(e) }), files(e)]);
      }))]);
  }

  function input(f, values) {
    var v = values[f.name] || "", id = "f-" + f.name, s = duban.session();
    if (f.kind === "textarea") return el("textarea", { id: id, name: f.name, maxlength: 4000 }, v);
    if (f.kind === "files") return el("input", { id: id, name: f.name, type: "file", multiple: true });
    if (f.kind === "days") return el("input", { id: id, name: f.name, type: "number", min: 1, max: 60, value: v, inputmode: "numeric" });
    if (f.kind === "percent") return el("input", { id: id, name: f.name, type: "number", min: 0, max: 100, value: v || (item ? item.percent : ""), inputmode: "numeric" });
    var options = [];
    if (f.kind === "division") options = s.org.divisions.filter(function (d) { return d.code !== s.division; });
    if (f.kind === "category") options = s.org.categories;
    if (f.kind === "satisfaction") options = [{ code: "satisfied", name: "满意" }, { code: "basically", name: "基本满意" }, { code: "unsatisfied", name: "不满意" }];
    if (f.kind === "grant") options = [{ code: "true", name: "同意延期" }, { code: "false", name: "不同意" }];
    if (f.kind === "verdict") options = [{ code: "true", name: "通过，予以销号" }, { code: "false", name: "退回重办" }];
    if (!options.length) return el("input", { id: id, name: f.name, value: v });
    return el("select", { id: id, name: f.name }, [f.kind === "grant" ? null : el("option", { value: "", text: "请选择" })].concat(
      options.map(function (o) { return el("option", { value: o.code, text: o.name, selected: o.code === v }); })));
  }

  function body(action, values) {
    var out = {};
    if (data.my_task_id && ["decide-extension", "arbitrate", "triage", "inform", "callback", "close", "attach-call"].indexOf(action) < 0)
      out.task_id = data.my_task_id;
    Object.keys(values).forEach(function (k) { if (values[k] !== "") out[k] = values[k]; });
    if (action === "extend") { out.by = values.days + "d"; delete out.days; }
    if (action === "decide-extension") out.grant = values.grant === "true";
    if (action === "progress") out.percent = parseInt(values.percent, 10);
    if (action === "verify") out.accept = values.accept === "true";
    return out;
  }

  function problemOfUpload(res) {
    /* a body refused before it reached the API has no reason given */
    if (res.status === 413 && !(res.body && res.body.detail)) return "文件过大，服务器拒收";
    return duban.problem(res);
  }

  /* The files chosen in a report's form, uploaded one at a time; resolves
   * their file ids, or null when the server refused one (said beside the
   * field; the form stays as it was). A file this form has uploaded already
   * is not sent again when the report is submitted once more. */
  function attach(form) {
    var input = form.querySelector('input[type="file"]');
    var chosen = input ? [].slice.call(input.files) : [];
    var done = form.uploaded || (form.uploaded = {}), ids = [];
    var err = form.querySelector("#e-attachments"), status = form.querySelector(".upload-status");
    function say(node, text) { if (node) { node.textContent = text; node.classList.toggle("hidden", !text); } }
    function next(i) {
      if (i === chosen.length) { say(status, ""); return Promise.resolve(ids); }
      var f = chosen[i], key = [f.name, f.size, f.lastModified].join("|");
      if (done[key]) { ids.push(done[key]); return next(i + 1); }
      say(status, "正在上传附件 " + (i + 1) + "/" + chosen.length + "：" + f.name);
      return duban.upload("/api/v1/cases/" + encodeURIComponent(number) + "/attachments?name=" + encodeURIComponent(f.name), f).then(function (res) {
        if (!res.ok || !res.body || !res.body.file_id) {
          say(status, "");
          say(err, "附件「" + f.name + "」未能上传：" + problemOfUpload(res));
          return null;
        }
        done[key] = res.body.file_id;
        ids.push(res.body.file_id);
        return next(i + 1);
      });
    }
    var buttons = form.querySelectorAll("button");
    [].forEach.call(buttons, function (b) { b.disabled = true; });
    return next(0).then(function (out) {
      [].forEach.call(buttons, function (b) { b.disabled = false; });
      return out;
    });
  }

  function take(action, values, form, attachments) {
    var spec = FORMS[action] || {};
    var buttons = document.querySelectorAll("#actions button, .action-form button");
    var out = body(action, values);
    if (attachments && attachments.length) out.attachments = attachments;
    [].forEach.call(buttons, function (b) { b.disabled = true; });
    return duban.api("POST", "/api/v1/cases/" + encodeURIComponent(number) + "/steps/" + action, out).then(function (res) {
      [].forEach.call(buttons, function (b) { b.disabled = false; });
      if (res.ok) {
        openForm = null;
        duban.note(spec.done || duban.name.step(action) + "已完成");
        return load();
      }
      if (form) {
        var err = form.querySelector(".form-error");
        err.textContent = duban.problem(res);
        err.classList.remove("hidden");
      } else {
        duban.note(duban.problem(res), "error");
        return load();
      }
    });
  }

  function showForm(action, values) {
    var spec = FORMS[action];
    var form = el("form", { class: "action-form", id: "form-" + action, novalidate: true }, [el("h2", { text: duban.name.step(action) })]);
    spec.fields.forEach(function (f) {
      form.appendChild(el("label", { for: "f-" + f.name, text: f.label }));
      form.appendChild(input(f, values || {}));
      if (f.kind === "files") {
        /* the names chosen, in words the page controls (the browser says "2 files") */
        var chosen = el("div", { class: "chosen muted hidden", id: "chosen-" + f.name });
        form.lastChild.addEventListener("change", function (e) {
          var names = [].map.call(e.target.files, function (x) { return x.name; });
          chosen.textContent = names.length ? "已选 " + names.length + " 个文件：" + names.join("、") : "";
          chosen.classList.toggle("hidden", !names.length);
        });
        form.appendChild(chosen);
        form.appendChild(el("div", { class: "upload-status muted hidden", role: "status" }));
      }
      form.appendChild(el("div", { class: "field-error hidden", id: "e-" + f.name, role: f.kind === "files" ? "alert" : null }));
    });
    /* what was wrong goes once the user corrects it */
    ["input", "change"].forEach(function (type) {
      form.addEventListener(type, function (e) {
        var n = e.target.name && form.querySelector("#e-" + e.target.name);
        if (n) { n.textContent = ""; n.classList.add("hidden"); }
      });
    });
    form.appendChild(el("div", { class: "form-error hidden", role: "alert" }));
    form.appendChild(el("div", { class: "row" }, [el("button", { type: "submit", text: "提交" }),
      el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { openForm = null; renderActions(); } })]));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var values = {}, bad = false;
      spec.fields.forEach(function (f) {
        if (f.kind === "files") return;
        var v = (form.elements[f.name].value || "").trim();
        values[f.name] = v;
        var msg = "";
        if (f.required && !v && !(f.requiredUnless && (form.elements[f.requiredUnless[0]].value === f.requiredUnless[1]))) msg = f.required;
        if (f.kind === "days" && v && !(+v >= 1 && +v <= 60 && /^\d+$/.test(v))) msg = f.required;
        if (f.kind === "percent" && v && !(+v >= 0 && +v <= 100 && /^\d+$/.test(v))) msg = f.required;
        var n = form.querySelector("#e-" + f.name);
        n.textContent = msg;
        n.classList.toggle("hidden", !msg);
        bad = bad || !!msg;
      });
      if (bad) return;
      if (!form.querySelector('input[type="file"]')) { take(action, values, form); return; }
      attach(form).then(function (ids) { if (ids) take(action, values, form, ids); });
    });
    openForm = action;
    return form;
  }

  function renderActions() {
    var box = document.getElementById("actions-card");
    if (!box) return;
    duban.clear(box).appendChild(el("h2", { text: "办理" }));
    var actions = (data.actions || []).filter(function (a) { return FORMS[a]; });
    if (!actions.length) { box.appendChild(el("p", { class: "muted", text: "当前没有需要您办理的事项。" })); return; }
    box.appendChild(el("div", { class: "actions", id: "actions" }, actions.map(function (a) {
      return el("button", { type: "button", class: FORMS[a].oneClick ? "" : "secondary", "data-action": a, text: duban.name.step(a), onclick: function () {
        if (FORMS[a].oneClick) { take(a, {}, null); return; }
        renderActions();
        var f = showForm(a, {});
        box.appendChild(f);
        var first = f.querySelector("textarea, input, select");
        if (first) first.focus();
      } });
    })));
  }

  function render() {
    document.title = data.case_number + " " + data.subject + " - " + duban.session().bureau;
    var m = duban.clear(main());
    cards(el("section", { class: "card", id: "actions-card" })).forEach(function (c) { if (c) m.appendChild(c); });
    renderActions();
  }

  /* The page's cards, top-down; a work item's facts replace a complaint's. */
  function cards(actionsCard) {
    if (data.kind === "workitem")
      return [workitemHead(), actionsCard, tasksCard(), timelineCard()];
    return [headCard(), requesterCard(), contentCard(), actionsCard, tasksCard(), timelineCard()];
  }

  function workitemHead() {
    var w = item || {}, st = workitem.status(w.case_number ? w : { state: data.state });
    var facts = [];
    function add(k, v, id) { if (v !== null && v !== undefined && v !== "") { facts.push(el("dt", { text: k })); facts.push(el("dd", { id: id || null }, v)); } }
    add("来源", workitem.source(w.source) + (w.ref ? "（" + w.ref + "）" : ""));
    add("牵头领导", workitem.names(w.leader_names));
    add("牵头处室", duban.name.division(w.lead_division));
    add("责任处室", workitem.divisions(w.divisions));
    if (w.named_units) add("责任单位", w.named_units);
    if (w.responsible_name) add("责任人", w.responsible_name);
    add("开始", duban.time(w.starts_at));
    add("办结期限", [duban.time(w.deadline), w.overdue ? el("span", { class: "badge overdue", text: "已超期" }) : null], "wi-deadline");
    add("完成进度", w.case_number ? workitem.bar(w.percent) : "", "wi-percent");
    add("进度报告", workitem.rhythm(w) ? workitem.rhythm(w) + "；" + workitem.reports(w.reports) : "不要求定期报送", "wi-reports");
    if (w.verified_at) add("核验", (w.verification === "accepted" ? "通过（销号）" : "退回重办") + " · " + duban.time(w.verified_at));
    var milestones = (w.milestones || []).length ? el("div", {}, [el("h2", { text: "阶段节点" }), el("ol", { class: "milestones" }, w.milestones.map(function (m) {
      return el("li", { text: m.title + "：" + duban.time(m.due) });
    }))]) : null;
    return el("section", { class: "card wi-head", id: "case-head" }, [
      el("div", { class: "case-head" }, [
        el("span", { class: "number", id: "case-number", text: data.case_number }),
        el("span", { class: "badge " + st.cls, id: "case-state", text: st.text }),
        el("span", { class: "badge", text: "督办事项" })]),
      el("h2", { class: "spaced", text: data.subject }),
      el("p", { class: "description", text: data.description }),
      w.measure ? el("p", { class: "description", text: "整改措施：" + w.measure }) : null,
      el("dl", { class: "facts spaced" }, facts),
      w.completion_summary ? el("div", {}, [el("h2", { text: "完成报告" }), el("p", { class: "description", id: "wi-summary", text: w.completion_summary })]) : null,
      milestones]);
  }

  function load() {
    return duban.api("GET", "/api/v1/cases/" + encodeURIComponent(number)).then(function (res) {
      if (!res.ok || res.body.kind !== "workitem") return res;
      return duban.api("GET", "/api/v1/workitems/" + encodeURIComponent(number)).then(function (w) {
        item = w.ok ? w.body : null;
        return res;
      });
    }).then(function (res) {
      if (!res.ok) { if (res.status !== 401) denied(res.status); return; }
      data = res.body;
      if (!openForm) { render(); return; }
      /* A form is open: refresh around it, leave the form as typed. */
      var form = document.querySelector(".action-form");
      var m = main(), keep = document.getElementById("actions-card");
      duban.setChildren(m, cards(keep));
      if (form && (data.actions || []).indexOf(openForm) < 0) {
        var err = form.querySelector(".form-error");
        err.textContent = "工单状态已变化，此操作当前不再可用。";
        err.classList.remove("hidden");
      }
    });
  }

  duban.start({ title: "工单 " + number, nav: "queue" }, function () {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(number)) { denied(404); return; }
    load();
    duban.live({
      sync: load,
      notice: function (n) { if (n.case_number === number) { duban.note("工单有新进展：" + duban.name.event(n.event) + "（" + n.actor + "）"); load(); } },
      warning: function (w) { if (w.case_number === number) { duban.note("预警：本工单" + (w.deadline === "response" ? "签收" : "办结") + "期限将至", "warn"); load(); } },
      task: function (t) { if (t.case_number === number) load(); }
    });
  });
})();
