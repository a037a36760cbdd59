/* What the inspection office's and the leaders' pages share, on top of
 * duban.js: one global `office`:
 *   office.allowed(session, roles)  false (and a Chinese refusal page) when
 *                        the signed-in role may not use the page
 *   office.level(n, name)   the badge of an alert level
 *   office.windowText("5d") "5个工作日"
 *   office.left(t)      the traffic light and time left the API computed
 *   office.caseLink(n)  a link to the case page
 *   office.rate(v)      "92.5%" for a number, "—" for "n/a"
 *   office.delta(now, before, unit)  the change against last time, coloured
 *   office.later(fn, ms)  runs fn once after ms, however often asked meanwhile
 *   office.fieldError(form, name, text)  says what to fix beside a field
 *   office.field(label, control, name)   a labelled field with that place
 *   office.openForm(item, form) / office.closeForm(form)  a decision's form
 *                        inside its item, the item's buttons hidden meanwhile
 * Nothing here decides a rule: levels, deadlines and figures come from the
 * API. */
(function () {
  "use strict";
  var el = duban.el;
  var LEVEL = { 1: "一级（超期）", 2: "二级督办", 3: "三级督办", 4: "四级督办", 5: "五级督办" };
  var UNIT = { d: "个工作日", h: "小时", m: "分钟", s: "秒" };

  function allowed(s, roles) {
    if (roles.indexOf(s.role) >= 0) return true;
    document.title = "无权访问 - 督办工作台";
    var main = duban.clear(document.querySelector("main"));
    main.appendChild(el("div", { class: "card denied", id: "denied" }, [
      el("div", { class: "code", text: "403" }),
      el("h1", { text: "无权访问此页面" }),
      el("p", { class: "muted", text: "此页面供督查室或局领导使用。" }),
      el("p", {}, el("a", { href: "/console/", text: "返回工作台" }))]));
    return false;
  }

  function level(n, name) {
    return el("span", { class: "level l" + n, title: name || "", text: LEVEL[n] || (n + "级") });
  }

  function windowText(w) {
    var m = /^(\d+)([dhms])$/.exec(w || "");
    return m ? m[1] + UNIT[m[2]] : (w || "");
  }

  function left(t) {
    if (!t || !t.light) return el("span", { class: "muted", text: "—" });
    return el("span", { class: "left " + t.light }, [el("span", { class: "light " + t.light }), t.left_text]);
  }

  function caseLink(n) {
    return el("a", { href: "/console/cases/" + encodeURIComponent(n), text: n });
  }

  function rate(v) {
    return typeof v === "number" ? v.toFixed(1) + "%" : "—";
  }

  /* now and before are numbers (or "n/a"); unit "%" says percentage points. */
  function delta(now, before, unit, lowerIsBetter) {
    if (typeof now !== "number" || typeof before !== "number")
      return el("span", { class: "delta", text: "上月 —" });
    var d = Math.round((now - before) * 10) / 10;
    var better = lowerIsBetter ? d < 0 : d > 0;
    var text = (d > 0 ? "↑ " : d < 0 ? "↓ " : "持平 ") + (d ? Math.abs(d) + (unit === "%" ? " 个百分点" : "") : "");
    return el("span", { class: "delta" + (d === 0 ? "" : better ? " up" : " down"), text: "较上月 " + text });
  }

  function later(fn, ms) {
    var timer = null;
    return function () {
      if (timer) return;
      timer = setTimeout(function () { timer = null; fn(); }, ms);
    };
  }

  function fieldError(form, name, text) {
    var n = form.querySelector('[data-error="' + name + '"]');
    if (n) { n.textContent = text || ""; n.classList.toggle("hidden", !text); }
    return !!text;
  }

  /* A label, a control and the place for what to fix. */
  function field(label, control, name) {
    /* What was wrong goes once the user corrects it (a choice in a list
     * may say so by "change" only). */
    ["input", "change"].forEach(function (type) {
      control.addEventListener(type, function () {
        var f = control.form;
        if (f) fieldError(f, name, "");
      });
    });
    return el("div", { class: "field" }, [
      el("label", { for: control.id, text: label }), control,
      el("div", { class: "field-error hidden", "data-error": name })]);
  }

  function openForm(item, form) {
    var decide = item.querySelector(".decide");
    if (decide) decide.classList.add("hidden");
    item.appendChild(form);
  }

  function closeForm(form) {
    var item = form.parentNode;
    form.remove();
    var decide = item && item.querySelector(".decide");
    if (decide) decide.classList.remove("hidden");
  }

  window.office = {
    allowed: allowed, level: level, windowText: windowText, left: left, caseLink: caseLink,
    rate: rate, delta: delta, later: later, fieldError: fieldError, field: field,
    openForm: openForm, closeForm: closeForm
  };
})();
