/* What the work-item pages share (督办事项: the list, the new-item form,
 * the problem list and the item's case page), on top of duban.js: one
 * global `workitem`:
 *   workitem.status(w)     {text, cls}: 已销号, 待核验, 退回重办, 已超期,
 *                          办理中, from the item's state and verification as
 *                          the API gives them
 *   workitem.source(code)  领导批示, 工作方案, ... (work items and problems)
 *   workitem.bar(percent)  the percent done as a bar with its number
 *   workitem.reports(r)    "应报 2 · 按时 1 · 逾期 1 · 下次 03-07 17:30"
 *   workitem.rhythm(w)     "每月第 5 个工作日前报送", "每季度首月第 5 个工作日前报送",
 *                          "每 5 个工作日报送一次"; "" when none is asked for
 *   workitem.names(list)   "刘江潇、王普增"
 *   workitem.divisions(list)  the divisions' names, joined
 *   workitem.instant(date, closes)  "2017-03-08" as the start of the
 *                          bureau's working day or its close, in its zone
 *                          (as dubanctl workitem create reads a date)
 *   workitem.today()       today's date in the bureau's zone, "YYYY-MM-DD"
 *   workitem.staff()       the roster (GET /api/v1/org), read once
 * Rules (who may verify, what may be returned) stay in the API. */
(function () {
  "use strict";
  var el = duban.el, roster = null;
  var SOURCE = {
    plan: "工作方案", instruction: "领导批示", meeting: "会议决定", problem: "问题清单整改",
    visit: "走访座谈", mailbox: "信箱", survey: "问卷调查", letter: "来信", online: "网上留言",
    assessment: "评议考核", case: "诉求工单"
  };

  function status(w) {
    if (w.state === "closed") return { text: "已销号", cls: "done" };
    if (w.verification === "awaiting") return { text: "待核验", cls: "verify" };
    if (w.overdue) return { text: "已超期", cls: "overdue" };
    if (w.verification === "sent_back") return { text: "退回重办", cls: "back" };
    return { text: "办理中", cls: "open" };
  }

  function bar(percent) {
    var p = Math.max(0, Math.min(100, +percent || 0));
    var fill = el("span", { class: "progress-fill" });
    fill.style.width = p + "%"; /* CSSOM: the pages' CSP allows no style attribute */
    return el("span", { class: "progress", title: "完成 " + p + "%" }, [
      el("span", { class: "progress-track" }, fill), el("span", { class: "progress-num", text: p + "%" })]);
  }

  function reports(r) {
    r = r || {};
    var parts = ["应报 " + (r.due || 0), "按时 " + (r.met || 0)];
    parts.push("逾期 " + (r.missed || 0));
    if (r.next_due) parts.push("下次 " + duban.time(r.next_due, true));
    return parts.join(" · ");
  }

  function rhythm(w) {
    var n = w.report_day;
    if (w.report_rhythm === "monthly") return "每月第 " + n + " 个工作日前报送";
    if (w.report_rhythm === "quarterly") return "每季度首月第 " + n + " 个工作日前报送";
    if (w.report_rhythm === "working_days") return "每 " + n + " 个工作日报送一次";
    return "";
  }

  function names(list) { return (list || []).join("、") || "—"; }

  function divisions(list) {
    return (list || []).map(function (d) { return duban.name.division(d); }).join("、") || "—";
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function offset() {
    var m = (duban.session() || {}).utc_offset_minutes;
    if (typeof m !== "number") m = 480;
    var sign = m < 0 ? "-" : "+";
    m = Math.abs(m);
    return sign + pad(Math.floor(m / 60)) + ":" + pad(m % 60);
  }
  function instant(date, closes) {
    return date + (closes ? "T17:30:00" : "T08:30:00") + offset();
  }
  function today() {
    var m = (duban.session() || {}).utc_offset_minutes;
    var d = new Date(Date.now() + (typeof m === "number" ? m : 480) * 60000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function staff() {
    if (roster) return Promise.resolve(roster);
    return duban.api("GET", "/api/v1/org").then(function (res) {
      roster = res.ok && res.body && res.body.staff ? res.body.staff : [];
      return roster;
    });
  }

  window.workitem = {
    status: status, source: function (c) { return SOURCE[c] || c || ""; }, bar: bar,
    reports: reports, rhythm: rhythm, names: names, divisions: divisions, instant: instant, today: today,
    staff: staff, SOURCE: SOURCE
  };
})();
