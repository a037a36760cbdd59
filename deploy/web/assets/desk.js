/* 新建工单 (/console/desk): the hotline desk's form for a call, one screen,
 * keyboard first. The caller's phone comes first; once it has seven digits
 * the caller's earlier cases (GET /api/v1/callers/{phone}/cases, open ones
 * first, with the division handling each and its time left) appear beside
 * the form, each open one with a button that attaches this call to it
 * (POST .../steps/attach-call) instead of filing a new case. Saving
 * (POST /api/v1/cases, with an Idempotency-Key so a double press files one
 * case) shows the number and the query code large enough to read out; the
 * query code exists only in that answer (only its hash is stored). A
 * refusal is shown beside its field, the form keeps what was typed. */
(function () {
  "use strict";
  var el = duban.el, s = null, org = null, picker = null, idem = null, seq = 0, timer = null, shownPhone = "";
  var CHANNELS = { operator: ["hotline", "walk-in"], clerk: ["letter", "email", "walk-in"],
    admin: ["hotline", "walk-in", "letter", "email"] };
  var FIELDS = { "requester.phone": "phone", "requester.name": "name", subject: "subject", description: "description",
    kind: "kind", category: "category", place: "place", enterprise: "enterprise", product: "product" };

  function $(id) { return document.getElementById(id); }

  function newKey() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return "desk-" + Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  /* The deadline that runs now: signing for, then replying by. */
  function dueLabel(c) { return c.deadline === "response" ? "签收期限" : "办结期限"; }

  function digitCount(p) { return (p.match(/[0-9]/g) || []).length; }

  function fieldError(name, text) {
    var n = $("e-" + name);
    if (!n) return false;
    n.textContent = text || "";
    n.classList.toggle("hidden", !text);
    return true;
  }

  function clearErrors() {
    Object.keys(FIELDS).forEach(function (k) { fieldError(FIELDS[k], ""); });
    $("form-error").classList.add("hidden");
  }

  /* The caller's history beside the form. */
  function lookUp() {
    var phone = $("f-phone").value.trim(), mine = ++seq;
    if (digitCount(phone) < 7) {
      shownPhone = "";
      $("caller-summary").textContent = "";
      duban.clear($("history-list"));
      $("history-empty").classList.remove("hidden");
      return;
    }
    duban.api("GET", "/api/v1/callers/" + encodeURIComponent(phone) + "/cases").then(function (res) {
      if (mine !== seq) return;
      if (!res.ok) { $("caller-summary").textContent = duban.problem(res); return; }
      shownPhone = phone;
      renderHistory(res.body);
    });
  }

  function renderHistory(h) {
    var list = duban.clear($("history-list"));
    $("history-empty").classList.toggle("hidden", h.cases.length > 0);
    $("history-empty").textContent = "该号码没有历史诉求。";
    var summary = duban.clear($("caller-summary"));
    var cut = h.complete === false;
    summary.appendChild(document.createTextNode(h.total ? "该号码有" + (cut ? "超过 " : " ") + h.total + " 件历史诉求" +
      (h.open ? "，其中 " + h.open + " 件未办结 " : cut ? "，所列均已办结 " : "，均已办结 ") : "该号码没有历史诉求"));
    if (h.total) summary.appendChild(el("a", { href: "#history", text: "查看" }));
    /* A number with more cases than one look-up reads: the newest of them. */
    if (cut)
      summary.appendChild(el("div", { class: "muted small", "data-cut": "",
        text: "该号码诉求过多，只列出 " + duban.time(h.searched_since, true) + " 以后受理的" }));
    h.cases.forEach(function (c) {
      var left = c.left_text ? el("span", { class: "left " + c.light }, [el("span", { class: "light " + c.light }), c.left_text]) : null;
      list.appendChild(el("li", { "data-case": c.case_number, class: c.open ? "open" : "done" }, [
        el("div", { class: "history-head" }, [
          el("a", { href: "/console/cases/" + encodeURIComponent(c.case_number), target: "_blank", rel: "noopener", text: c.case_number }),
          el("span", { class: "badge" + (c.open ? " open" : ""), text: duban.name.caseState(c.state) })]),
        el("div", { class: "history-subject", text: c.subject }),
        el("div", { class: "muted small" }, [duban.time(c.received_at, true) + " 受理",
          c.division ? " · " + duban.name.division(c.division) + (c.open && c.task_state ? "（" + duban.name.taskState(c.task_state) + "）" : "") : "",
          c.due && c.open ? " · " + dueLabel(c) + " " + duban.time(c.due, true) : ""]),
        left ? el("div", { class: "small" }, left) : null,
        c.open ? el("button", { type: "button", class: "secondary small", "data-attach": c.case_number,
          text: "本次来电追加到此工单", onclick: function () { attach(c); } }) : null]));
    });
  }

  function callText() {
    var subject = $("f-subject").value.trim(), text = $("f-description").value.trim();
    return subject && text.indexOf(subject) < 0 ? subject + "\n" + text : text;
  }

  /* A repeat call about an open case: recorded on that case, told to the
   * division handling it; no new case. */
  function attach(c) {
    clearErrors();
    if (!$("f-description").value.trim()) {
      fieldError("description", "请先在此记下本次来电的内容，再追加到原工单");
      $("f-description").focus();
      return;
    }
    var buttons = document.querySelectorAll("[data-attach]");
    [].forEach.call(buttons, function (b) { b.disabled = true; });
    duban.api("POST", "/api/v1/cases/" + encodeURIComponent(c.case_number) + "/steps/attach-call", { text: callText() })
      .then(function (res) {
        [].forEach.call(buttons, function (b) { b.disabled = false; });
        if (!res.ok) { showFormError(duban.problem(res)); return; }
        receipt({ attached: c });
      });
  }

  function showFormError(text) {
    var n = $("form-error");
    n.textContent = text;
    n.classList.remove("hidden");
  }

  function body() {
    var kind = document.querySelector('#f-kind input:checked');
    var out = { channel: $("f-channel").value, kind: kind ? kind.value : "",
      subject: $("f-subject").value.trim(), description: $("f-description").value.trim() };
    var requester = {}, phone = $("f-phone").value.trim(), name = $("f-name").value.trim();
    if (phone) requester.phone = phone;
    if (name) requester.name = name;
    if ($("f-anonymous").checked) requester.anonymous = true;
    if (Object.keys(requester).length) out.requester = requester;
    if (picker.value()) out.category = picker.value();
    if ($("f-urgent").checked) out.priority = "urgent";
    ["place", "enterprise", "product"].forEach(function (k) { var v = $("f-" + k).value.trim(); if (v) out[k] = v; });
    return out;
  }

  function save(e) {
    if (e) e.preventDefault();
    clearErrors();
    var b = body(), bad = false;
    if (!b.kind) bad = fieldError("kind", "请选择诉求类型") || bad;
    if (!b.subject) bad = fieldError("subject", "请填写标题") || bad;
    if (!b.description) bad = fieldError("description", "请填写诉求内容") || bad;
    if (bad) { var first = document.querySelector(".field-error:not(.hidden)"); if (first) first.parentNode.querySelector("input, textarea").focus(); return; }
    $("save").disabled = true;
    idem = idem || newKey();
    duban.api("POST", "/api/v1/cases", b, { "Idempotency-Key": idem }).then(function (res) {
      $("save").disabled = false;
      if (res.status === 201) { receipt({ created: res.body }); return; }
      var field = res.body && res.body.field, text = duban.problem(res);
      if (res.status === 409) text = "这次提交与此前一次提交内容不同（此前的可能已保存），请先在“我的工单”中查看，再决定是否重新保存";
      if (!(field && FIELDS[field] && fieldError(FIELDS[field], text))) showFormError(text);
      /* Without an answer (or with "try again") the case may have been filed:
       * the next press sends the same key, and intake answers with that case
       * instead of filing a second. A refusal filed nothing: a corrected form
       * is a new request. */
      if ([0, 502, 503, 504].indexOf(res.status) < 0) idem = null;
    });
  }

  /* After saving: the number and the query code, large, to read out. */
  function receipt(r) {
    var main = $("desk-main"), form = $("desk-form");
    form.classList.add("hidden");
    var old = $("receipt");
    if (old) old.parentNode.removeChild(old);
    var next = el("button", { type: "button", id: "next", text: "新建下一个工单（Esc）", onclick: reset });
    var box;
    if (r.created) {
      var c = r.created;
      box = el("div", { class: "receipt", id: "receipt" }, [
        el("h1", { text: "工单已保存" }),
        el("div", { class: "receipt-label", text: "工单编号" }),
        el("div", { class: "receipt-number", id: "receipt-number", text: c.case_number }),
        el("div", { class: "receipt-label", text: "查询码" }),
        el("div", { class: "receipt-code", id: "receipt-code", text: c.query_code || "—" }),
        el("p", { class: "muted", text: c.query_code ? "请向来电人读出工单编号和查询码：凭此可在网站查询办理进度。查询码只在此时显示，系统不保存原文。"
          : "此工单已在第一次提交时保存，查询码当时已显示。" }),
        el("div", { class: "row" }, [next, el("a", { class: "button secondary", href: "/console/cases/" + encodeURIComponent(c.case_number), text: "查看工单" })])]);
    } else {
      var a = r.attached;
      box = el("div", { class: "receipt", id: "receipt" }, [
        el("h1", { text: "本次来电已追加到原工单" }),
        el("div", { class: "receipt-label", text: "工单编号" }),
        el("div", { class: "receipt-number", id: "receipt-number", text: a.case_number }),
        el("p", { text: (a.division ? "该工单由" + duban.name.division(a.division) + "办理" : "该工单正在分办") +
          (a.due ? "，" + dueLabel(a) + " " + duban.time(a.due) : "") + "。已通知承办单位和首问负责人。" }),
        el("p", { class: "muted", text: "来电人可凭原工单编号和原查询码查询进度。" }),
        el("div", { class: "row" }, [next, el("a", { class: "button secondary", href: "/console/cases/" + encodeURIComponent(a.case_number), text: "查看工单" })])]);
    }
    main.appendChild(box);
    document.body.classList.add("receipt-shown");
    next.focus();
    idem = null;
    if (r.created) lookUp(); /* the new case joins the caller's history */
  }

  function reset() {
    document.body.classList.remove("receipt-shown");
    var r = $("receipt");
    if (r) r.parentNode.removeChild(r);
    var form = $("desk-form");
    form.reset();
    picker.set("");
    clearErrors();
    selectDefaults();
    form.classList.remove("hidden");
    shownPhone = "";
    lookUp();
    $("f-phone").focus();
  }

  function selectDefaults() {
    var first = document.querySelector('#f-kind input[value="complaint"]') || document.querySelector("#f-kind input");
    if (first) first.checked = true;
  }

  function build() {
    var channels = CHANNELS[s.role] || CHANNELS.admin, sel = duban.clear($("f-channel"));
    channels.forEach(function (c) { sel.appendChild(el("option", { value: c, text: duban.name.channel(c) })); });
    $("desk-channel-hint").textContent = s.role === "clerk" ? "来信来访登记" : "来电登记";
    var kinds = duban.clear($("f-kind"));
    org.kinds.forEach(function (k) {
      kinds.appendChild(el("label", { class: "radio" }, [el("input", { type: "radio", name: "kind", value: k.code }), " " + k.name]));
    });
    selectDefaults();
    picker = deskCategoryPicker(org, { id: "f-category" });
    $("category-slot").appendChild(picker.node);
    $("f-phone").addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookUp, 250); });
    $("desk-form").addEventListener("submit", save);
    $("clear").addEventListener("click", reset);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !$("desk-form").classList.contains("hidden")) save(e);
      else if (e.key === "Escape" && $("receipt")) { e.preventDefault(); reset(); }
    });
    $("f-phone").focus();
  }

  duban.start({ title: "新建工单", nav: "desk" }, function (session) {
    s = session;
    duban.api("GET", "/api/v1/org").then(function (res) {
      if (!res.ok) { showFormError(duban.problem(res)); return; }
      org = res.body;
      build();
      duban.live({
        sync: function () { if (shownPhone) lookUp(); },
        notice: function (n) {
          if (shownPhone && document.querySelector('#history-list li[data-case="' + n.case_number + '"]')) lookUp();
        }
      });
    });
  });
})();
