/* duban console: what every page shares. Plain JavaScript (no build step),
 * one global `duban`:
 *   duban.start(opts, fn)  signs-in check, header (bureau, navigation, who,
 *                          sign-out), then fn(session); pages call nothing
 *                          before it
 *   duban.api(method, path, body, headers)  the staff JSON API on this
 *                          origin, with the session's CSRF token on changes
 *                          and any extra headers (e.g. Idempotency-Key);
 *                          resolves {status, ok, body}; 401 goes to sign-in
 *   duban.upload(path, file)  a file's bytes POSTed as the body, same
 *                          session and CSRF rules; resolves as api does
 *   duban.live(handlers)   the live stream (/web/events): handlers by event
 *                          name (task, warning, notice, alert, alert_ack) and
 *                          sync() (called on (re)connect and every 30 s: the
 *                          page re-reads from the API; PUB may drop)
 *   duban.el(tag, attrs, children)  builds DOM; text is always text, never
 *                          HTML, so nothing from the server is interpreted
 *   duban.note(text, kind) a short visible note at the corner
 *   duban.time(iso, short) "2017年3月2日 10:30" / "03-02 10:30" in the
 *                          bureau's zone
 *   duban.name.*           Chinese names of divisions, kinds, categories,
 *                          states, roles, steps
 *   duban.query() / duban.href(path, params)  bookmarkable addresses
 * The browser only shows what the API says: rules, deadlines and time left
 * are decided by the services. */
(function () {
  "use strict";
  var session = null;

  var STATE = {
    received: "已受理", needs_triage: "待分类", triaged: "已分类", dispatched: "已派单",
    arbitration: "待仲裁", replied: "已答复", informed: "待回访", closed: "已办结", merged: "已合并"
  };
  var TASK_STATE = { dispatched: "待签收", signed: "办理中", returned: "已退回", replied: "已办结" };
  var ROLE = {
    operator: "热线话务员", clerk: "登记员", handler: "处室经办人", inspector: "督查室",
    leader: "局领导", admin: "系统管理员"
  };
  var STEP = {
    sign: "签收", "return": "退回", reply: "办结答复", "need-material": "补充材料",
    "material-arrived": "材料已到", extend: "申请延期", note: "备注",
    "decide-extension": "延期审批", arbitrate: "仲裁", triage: "分类派单", inform: "告知诉求人",
    callback: "回访", close: "结案", "attach-call": "追加来电",
    progress: "进度报告", complete: "完成报告", verify: "核验", "ask-reassign": "申请调整牵头处室",
    reassign: "调整牵头处室"
  };
  var EVENT = {
    received: "受理", triaged: "分类", dispatched: "派单", signed: "签收", returned: "退回",
    replied: "办结答复", input: "协办意见", note: "备注", material_requested: "补充材料",
    material_arrived: "材料已到", extension_requested: "申请延期", extension_granted: "同意延期",
    extension_refused: "不同意延期", arbitrated: "仲裁", informed: "告知诉求人",
    callback: "回访", closed: "结案", reopened: "重新办理", merged: "合并", duplicate: "重复诉求",
    arbitration_requested: "提请仲裁", out_of_jurisdiction: "非本局职责",
    needs_triage: "待人工分类", duplicate_linked: "关联重复诉求", call_attached: "来电补充",
    workitem_created: "督办立项", report_due: "进度报告期限", progress_reported: "进度报告",
    completion_reported: "完成报告", verified: "核验通过（销号）", verification_sent_back: "核验退回",
    reassign_requested: "申请调整牵头处室", reassigned: "调整牵头处室"
  };
  var SYSTEM = { intake: "系统", triage: "系统（自动分类）", dispatch: "系统（自动派单）", watch: "系统（时限监控）" };
  var SATISFACTION = { satisfied: "满意", basically: "基本满意", unsatisfied: "不满意" };

  function find(list, code) {
    for (var i = 0; list && i < list.length; i++) if (list[i].code === code) return list[i].name;
    return code || "";
  }
  var name = {
    division: function (c) { return find(session && session.org.divisions, c); },
    kind: function (c) { return find(session && session.org.kinds, c); },
    category: function (c) { return c ? find(session && session.org.categories, c) : "未分类"; },
    channel: function (c) { return find(session && session.org.channels, c); },
    caseState: function (s) { return STATE[s] || s; },
    taskState: function (s) { return TASK_STATE[s] || s; },
    role: function (r) { return ROLE[r] || r; },
    step: function (s) { return STEP[s] || s; },
    event: function (e) { return EVENT[e] || STEP[e] || e; },
    satisfaction: function (s) { return SATISFACTION[s] || s; },
    priority: function (p) { return p === "urgent" ? "紧急" : "一般"; },
    actor: function (a) { return SYSTEM[a] || a; }
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = String(v);
      else if (k === "class") node.className = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  /* Makes nodes (nulls left out) the children of parent, in order, for a
   * live refresh around an open form. A node that stays is not taken out
   * and put back: taken out, the field being typed in loses the focus and
   * the keys typed next go nowhere. Should a kept node have to move, the
   * focus and the caret are given back. */
  function setChildren(parent, nodes) {
    var active = document.activeElement, start = null, end = null;
    try { start = active.selectionStart; end = active.selectionEnd; } catch (e) { start = null; }
    nodes = nodes.filter(function (n) { return n; });
    [].slice.call(parent.childNodes).forEach(function (c) { if (nodes.indexOf(c) < 0) parent.removeChild(c); });
    nodes.forEach(function (n, i) { if (parent.childNodes[i] !== n) parent.insertBefore(n, parent.childNodes[i] || null); });
    if (active && active !== document.activeElement && active !== document.body && document.contains(active)) {
      active.focus();
      try { if (start !== null) active.setSelectionRange(start, end); } catch (e) { /* no caret in this control */ }
    }
    return parent;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function time(iso, short) {
    if (!iso) return "";
    var ms = Date.parse(iso);
    if (isNaN(ms)) return iso;
    var off = session ? session.utc_offset_minutes : 480;
    var d = new Date(ms + off * 60000);
    if (short) return pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  function query() {
    var out = {};
    new URLSearchParams(location.search).forEach(function (v, k) { out[k] = v; });
    return out;
  }
  function href(path, params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== "" && v !== null && v !== undefined && v !== false) q.set(k, v);
    });
    var s = q.toString();
    return path + (s ? "?" + s : "");
  }

  function toSignin() {
    location.replace(href("/console/signin", { next: location.pathname + location.search }));
  }

  function api(method, path, body, extra) {
    var headers = { Accept: "application/json" };
    Object.keys(extra || {}).forEach(function (k) { headers[k] = extra[k]; });
    if (method !== "GET" && method !== "HEAD") {
      headers["Content-Type"] = "application/json";
      if (session) headers["X-CSRF-Token"] = session.csrf;
    }
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(answer(path), offline);
  }

  /* A file's bytes as the body (a work item's report attachment): the same
   * session, CSRF token and answer as api(); what is allowed is the
   * server's to say. */
  function upload(path, file) {
    var headers = { Accept: "application/json", "Content-Type": file.type || "application/octet-stream" };
    if (session) headers["X-CSRF-Token"] = session.csrf;
    return fetch(path, { method: "POST", headers: headers, credentials: "same-origin", body: file })
      .then(answer(path), offline);
  }

  function answer(path) {
    return function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.status === 401 && path.indexOf("/web/signin") !== 0) toSignin();
        return { status: res.status, ok: res.ok, body: data };
      });
    };
  }
  function offline() {
    return { status: 0, ok: false, body: { detail: "无法连接服务器，请检查网络后重试" } };
  }

  /* The reason the API gave, in words for the console's users. */
  function problem(res) {
    var b = res.body || {};
    var head = {
      0: "无法连接服务器", 400: "提交的内容有误", 401: "请重新登录", 403: "无权进行此操作",
      404: "未找到", 409: "操作未完成：工单状态已变化或此时不允许", 413: "内容过长",
      422: "请补全必填项", 429: "操作过于频繁，请稍后再试", 502: "服务暂时不可用，请稍后再试",
      503: "服务暂时不可用，请稍后再试", 504: "服务未及时响应，请刷新查看结果"
    }[res.status] || ("操作失败（" + res.status + "）");
    var detail = b.detail || "";
    return /[\u4e00-\u9fff]/.test(detail) ? detail : head + (detail ? "（" + detail + "）" : "");
  }

  var notes = null;
  function note(text, kind) {
    if (!notes) { notes = el("div", { class: "notes", role: "status", "aria-live": "polite" }); document.body.appendChild(notes); }
    var n = el("div", { class: "note" + (kind ? " " + kind : ""), text: text });
    notes.appendChild(n);
    setTimeout(function () { if (n.parentNode) n.parentNode.removeChild(n); }, kind === "error" ? 9000 : 6000);
  }

  /* Screens each role reaches from the header. Others add theirs here. */
  function navFor(s) {
    var items = [], office = s.role === "inspector" || s.role === "admin";
    var desk = s.role === "operator" || s.role === "clerk";
    if (desk || s.role === "admin") items.push({ href: "/console/desk", text: "新建工单", key: "desk" });
    if (desk) items.push({ href: "/console/mine", text: "我的工单", key: "mine" });
    if (s.role === "leader") items.push({ href: "/console/dashboard", text: "领导看板", key: "dashboard" });
    if (office || s.role === "leader") items.push({ href: "/console/board", text: "督查总览", key: "board" });
    if (office) {
      items.push({ href: "/console/alerts", text: "告警督办", key: "alerts" });
      items.push({ href: "/console/arbitrations", text: "待仲裁", key: "arbitrations" });
      items.push({ href: "/console/extensions", text: "延期审批", key: "extensions" });
      items.push({ href: "/console/rechecks", text: "回头看", key: "rechecks" });
    }
    if (s.role === "handler" || office)
      items.push({ href: "/console/queue", text: s.role === "handler" ? "本处室工单" : "处室工单", key: "queue" });
    if (desk || office) items.push({ href: "/console/triage", text: "待分类", key: "triage" });
    if (office || s.role === "leader" || s.role === "handler")
      items.push({ href: "/console/workitems", text: "督办事项", key: "workitems" });
    if (office || s.role === "leader" || desk) items.push({ href: "/console/problems", text: "问题清单", key: "problems" });
    if (office || s.role === "leader") items.push({ href: "/console/bulletins", text: "通报", key: "bulletins" });
    if (office) items.push({ href: "/console/dashboard", text: "本月看板", key: "dashboard" });
    items.push({ href: "/console/search", text: "搜索", key: "search" });
    return items;
  }

  function header(s, current) {
    var top = document.getElementById("top") || document.body.insertBefore(el("header"), document.body.firstChild);
    top.className = "top";
    var signout = el("button", { type: "button", class: "secondary", text: "退出", onclick: function () {
      signout.disabled = true;
      api("POST", "/web/signout").then(function () { location.replace("/console/signin"); });
    } });
    var who = el("div", { class: "who" }, [
      el("span", { class: "live-state", id: "live-state", title: "实时更新状态" }),
      el("span", {}, [el("span", { class: "person", text: s.name }), " ",
        el("span", { class: "role", text: name.role(s.role) +
          (s.division_name && s.division_name !== name.role(s.role) ? " · " + s.division_name : "") })]),
      signout
    ]);
    var nav = el("nav", { class: "nav", "aria-label": "主菜单" }, navFor(s).map(function (i) {
      return el("a", { href: i.href, class: i.key === current ? "on" : "", text: i.text });
    }));
    clear(top).appendChild(el("div", { class: "top-inner" }, [
      el("a", { class: "bureau", href: "/console/" }, [s.bureau, el("small", { text: "督办工作台" })]), nav, who
    ]));
  }

  function start(opts, fn) {
    api("GET", "/web/session").then(function (res) {
      if (!res.ok) { if (res.status !== 401) document.body.textContent = problem(res); return; }
      session = res.body;
      if (opts.title) document.title = opts.title + " - " + session.bureau;
      header(session, opts.nav);
      fn(session);
    });
  }

  /* The live stream. EventSource reconnects by itself and sends the last id
   * it saw; the service replays what was missed or says "resync". */
  function live(handlers) {
    var es = null, timer = null, state = function (t) {
      var n = document.getElementById("live-state");
      if (n) n.textContent = t;
    };
    function sync() { if (handlers.sync) handlers.sync(); }
    function open() {
      es = new EventSource("/web/events");
      es.addEventListener("hello", function () { state("● 实时"); sync(); });
      es.addEventListener("resync", sync);
      es.addEventListener("signed_out", function () { es.close(); toSignin(); });
      ["task", "warning", "notice", "alert", "alert_ack"].forEach(function (name) {
        es.addEventListener(name, function (e) {
          var data = null;
          try { data = JSON.parse(e.data); } catch (err) { return; }
          if (handlers[name]) handlers[name](data);
        });
      });
      es.onerror = function () { state("○ 重新连接中"); };
    }
    open();
    /* A page left for another must let its stream go: a browser keeps at most
     * six connections to a server, and a page kept for the back button
     * (bfcache) with its stream open holds one of them, until pages
     * visited in turn leave none for the API. Back to the page: reopen (its
     * hello re-reads the data). */
    window.addEventListener("pagehide", function () { if (es) { es.close(); es = null; } });
    window.addEventListener("pageshow", function (e) { if (e.persisted && !es) open(); });
    timer = setInterval(sync, 30000);
    return { close: function () { clearInterval(timer); if (es) es.close(); } };
  }

  window.duban = {
    start: start, api: api, upload: upload, problem: problem, live: live, el: el, clear: clear, setChildren: setChildren, note: note,
    time: time, name: name, query: query, href: href,
    session: function () { return session; }
  };
})();
