/* Bulletins (/console/bulletins): the published month-checks, quarter-
 * bulletins, half-year summaries and year-end reviews, newest first, each a
 * link to its page; and, for the inspection office, a short form that
 * produces an ended period on demand (the bulletin service runs the same
 * engine as on schedule; a period published before is left as published
 * unless "replace" is asked). */
(function () {
  "use strict";
  var el = duban.el, s = null;
  var KINDS = [["month", "月检查", "2017-03"], ["quarter", "季通报", "2017-Q1"], ["half", "半年小结", "2017-H1"],
    ["year", "年终总评", "2017"]];
  var RESULT = { published: "已发布", unchanged: "此前已发布，数据未变", replaced: "已发布修订版" };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* The latest ended period of kind, in the bureau's zone. */
  function lastEnded(kind) {
    var d = new Date(Date.now() + (s.utc_offset_minutes || 480) * 60000);
    var y = d.getUTCFullYear(), m = d.getUTCMonth() + 1; /* this month, not ended */
    if (kind === "month") return m === 1 ? (y - 1) + "-12" : y + "-" + pad(m - 1);
    if (kind === "quarter") { var q = Math.floor((m - 1) / 3); return q === 0 ? (y - 1) + "-Q4" : y + "-Q" + q; }
    if (kind === "half") return m <= 6 ? (y - 1) + "-H2" : y + "-H1";
    return String(y - 1);
  }

  function runForm() {
    var kind = el("select", { id: "run-kind", name: "kind" }, KINDS.map(function (k) {
      return el("option", { value: k[0], text: k[1] });
    }));
    var period = el("input", { id: "run-period", name: "period", maxlength: 16, size: 10, value: lastEnded("month"),
      autocomplete: "off", inputmode: "text" });
    var replace = el("input", { type: "checkbox", id: "run-replace", name: "replace" });
    kind.addEventListener("change", function () {
      period.value = lastEnded(kind.value);
      period.placeholder = KINDS.filter(function (k) { return k[0] === kind.value; })[0][2];
    });
    var result = el("div", { class: "run-result", id: "run-result" });
    var f = el("form", { class: "run-form", id: "run-form", novalidate: true }, [
      el("div", { class: "field" }, [el("label", { for: "run-kind", text: "类型" }), kind]),
      el("div", { class: "field" }, [el("label", { for: "run-period", text: "期间" }), period,
        el("div", { class: "field-error hidden", "data-error": "period" })]),
      el("label", {}, [replace, " 数据有变化时发布修订版"]),
      el("button", { type: "submit", id: "run-submit", text: "立即生成" })]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var p = period.value.trim();
      if (office.fieldError(f, "period", /^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$/i.test(p) ? "" : "期间的写法如 2017-03、2017-Q1、2017-H1 或 2017")) return;
      var button = f.querySelector("button");
      button.disabled = true;
      duban.clear(result).appendChild(el("p", { class: "muted", text: "正在生成，请稍候…" }));
      duban.api("POST", "/api/v1/bulletins", { kind: kind.value, period: p, replace: replace.checked }).then(function (res) {
        button.disabled = false;
        duban.clear(result);
        if (!res.ok) { result.appendChild(el("p", { class: "form-error", role: "alert", text: duban.problem(res) })); return; }
        var b = res.body;
        result.appendChild(el("p", {}, [el("b", { text: b.title }), " " + (RESULT[b.result] || b.result) +
          (b.rechecks ? "，生成回头看复查任务 " + b.rechecks + " 件" : "") + "。 ",
          el("a", { href: duban.href("/console/bulletin", { period: b.period }), id: "run-open", text: "查看通报 →" })]));
        duban.note(b.title + " " + (RESULT[b.result] || b.result));
        load();
      });
    });
    return el("section", { class: "card" }, [el("h2", { text: "按需生成" }), f, result]);
  }

  function load() {
    return duban.api("GET", "/api/v1/bulletins").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      var body = duban.clear(document.getElementById("rows"));
      if (!res.body.bulletins.length)
        body.appendChild(el("tr", {}, el("td", { colspan: 6, class: "muted", text: "还没有发布的通报" })));
      res.body.bulletins.forEach(function (b) {
        body.appendChild(el("tr", { "data-period": b.period }, [
          el("td", { class: "nowrap" }, el("a", { href: duban.href("/console/bulletin", { period: b.period }), text: b.title })),
          el("td", { class: "nowrap", text: b.kind_name }),
          el("td", { class: "nowrap", text: duban.time(b.created_at, true) }),
          el("td", { class: "nowrap", text: "第 " + b.revision + " 版" + (b.revised_at ? "（" + duban.time(b.revised_at, true) + " 修订）" : "") }),
          el("td", { class: "nowrap", text: b.trigger === "schedule" ? "定时" : "按需（" + b.generated_by + "）" }),
          el("td", { class: "nowrap" }, b.rechecks ? el("a", { href: "/console/rechecks", text: b.rechecks_pending + " / " + b.rechecks })
            : el("span", { class: "muted", text: "—" }))]));
      });
    });
  }

  duban.start({ title: "通报", nav: "bulletins" }, function (session) {
    s = session;
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "通报" }),
      el("span", { class: "muted", text: "月检查、季通报、半年小结与年终总评" })]));
    if (s.role === "inspector" || s.role === "admin") main.appendChild(runForm());
    main.appendChild(el("section", { class: "card" }, [el("h2", { text: "已发布" }), el("div", { class: "table-box" },
      el("table", { class: "bulletins" }, [el("thead", {}, el("tr", {}, ["通报", "类型", "发布时间", "版本", "生成方式", "回头看（待复查/共）"]
        .map(function (h) { return el("th", { text: h }); }))), el("tbody", { id: "rows" })]))]));
    load();
  });
})();
