/* 搜索 (/console/search?q=…&from=…&to=…&page=N): GET /api/v1/cases?q=,
 * newest first, within the days received chosen (both included).
 * The service decides what the text is (a case number, a phone, words) and
 * what the viewer may see (a division only its own cases; the requester
 * only for those handling the case). A case number found goes straight to
 * its case page. The query and page are in the address: links can be
 * shared, back works. A search that read as many cases as one may
 * (complete: false) shows what it found and asks for a narrower one, with
 * how far back it got. */
(function () {
  "use strict";
  var el = duban.el, loading = 0;

  var DAY = /^\d{4}-\d{2}-\d{2}$/;

  function params() {
    var q = duban.query();
    return { q: (q.q || "").trim(), page: Math.max(1, parseInt(q.page, 10) || 1),
             from: DAY.test(q.from || "") ? q.from : "", to: DAY.test(q.to || "") ? q.to : "" };
  }

  function go(p, replace) {
    var url = duban.href("/console/search", { q: p.q, from: p.from, to: p.to, page: p.page > 1 ? p.page : "" });
    if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
    load();
  }

  function error(text) {
    var n = document.getElementById("e-q");
    n.textContent = text || "";
    n.classList.toggle("hidden", !text);
  }

  function row(c) {
    var r = c.requester;
    return el("tr", { "data-case": c.case_number }, [
      el("td", { class: "nowrap" }, el("a", { href: "/console/cases/" + encodeURIComponent(c.case_number), text: c.case_number })),
      el("td", {}, [el("div", {}, [c.priority === "urgent" ? el("span", { class: "badge urgent", text: "紧急" }) : null, " ", c.subject]),
        el("div", { class: "excerpt", text: c.excerpt })]),
      el("td", { class: "nowrap", text: duban.name.caseState(c.state) }),
      el("td", { class: "nowrap", text: c.division ? duban.name.division(c.division) : "—" }),
      el("td", { class: "nowrap", text: r ? [r.name, r.phone].filter(Boolean).join(" ") || "—" : "—" }),
      el("td", { class: "nowrap", text: duban.time(c.received_at, true) })]);
  }

  function render(p, d) {
    var box = document.getElementById("results");
    box.classList.remove("hidden");
    var kind = { number: "工单编号", phone: "来电号码", text: "关键词" }[d.match];
    var days = p.from || p.to ? "，受理日期" + (p.from ? " " + p.from + " 起" : "") + (p.to ? " 至 " + p.to : "") : "";
    var found = d.total === null ? "" : d.total_exact ? "找到 " + d.total + " 件"
      : d.complete === false ? "已找到 " + d.total + " 件" + (d.total ? "，按受理时间从新到旧显示" : "")
      : "找到超过 " + d.total + " 件，按受理时间从新到旧显示";
    document.getElementById("summary").textContent = "按" + kind + "“" + d.q + "”" + days + (found ? "：" + found : "");
    var narrow = document.getElementById("narrow");
    duban.clear(narrow);
    narrow.classList.toggle("hidden", d.complete !== false);
    if (d.complete === false) {
      narrow.appendChild(el("strong", { text: "结果太多，请缩小搜索范围" }));
      narrow.appendChild(el("p", { class: "small", text: "本次只查找了 " + duban.time(d.searched_since) +
        " 以后受理的工单，更早的没有查找。请加上受理日期范围，或换一个更具体的词再搜索。" }));
    }
    var body = duban.clear(document.getElementById("rows"));
    if (!d.cases.length) body.appendChild(el("tr", {}, el("td", { colspan: 6, class: "muted", text: "没有找到符合条件的工单" })));
    d.cases.forEach(function (c) { body.appendChild(row(c)); });
    var pager = duban.clear(document.getElementById("pager"));
    function link(text, page, name, ok) {
      if (!ok) return el("span", { class: "off", text: text });
      var a = el("a", { href: duban.href("/console/search", { q: p.q, from: p.from, to: p.to, page: page }), text: text, "data-page": name });
      a.addEventListener("click", function (e) { e.preventDefault(); go({ q: p.q, from: p.from, to: p.to, page: page }); });
      return a;
    }
    pager.appendChild(link("上一页", d.page - 1, "prev", d.page > 1));
    pager.appendChild(el("span", { id: "page-info", text: "第 " + d.page + (d.pages ? " / " + d.pages : "") + " 页" }));
    pager.appendChild(link("下一页", d.page + 1, "next", d.more));
  }

  /* event: the popstate that brought the page back, or none on the first
   * load, when a search not in the address leaves the field as the person
   * may already have typed into it (the page's script can arrive late). */
  function load(event) {
    var p = params(), mine = ++loading;
    if (p.q || event) {
      document.getElementById("q").value = p.q;
      document.getElementById("from").value = p.from;
      document.getElementById("to").value = p.to;
    }
    error("");
    if (!p.q) { document.getElementById("results").classList.add("hidden"); return; }
    document.title = p.q + " - 搜索";
    duban.api("GET", duban.href("/api/v1/cases", { q: p.q, from: p.from, to: p.to, page: p.page })).then(function (res) {
      if (mine !== loading) return;
      if (!res.ok) {
        var field = res.status === 400 && res.body ? res.body.field : "";
        error(field === "q" ? "请至少输入两个连续的汉字、字母或数字，或工单编号、来电号码"
          : field === "from" || field === "to" ? "受理日期须为 1990 至 2100 年间的日期，起始日期不能晚于截止日期"
          : duban.problem(res));
        document.getElementById("results").classList.add("hidden");
        return;
      }
      var d = res.body;
      if (d.match === "number" && d.cases.length === 1 && p.page === 1) {
        /* replace: back from the case returns to where the search began */
        location.replace("/console/cases/" + encodeURIComponent(d.cases[0].case_number));
        return;
      }
      render(p, d);
    });
  }

  duban.start({ title: "搜索", nav: "search" }, function () {
    document.getElementById("search-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var q = document.getElementById("q").value.trim();
      if (!q) { error("请输入要搜索的内容"); return; }
      var from = document.getElementById("from").value, to = document.getElementById("to").value;
      if (from && to && from > to) { error("起始日期不能晚于截止日期"); return; }
      go({ q: q, from: from, to: to, page: 1 });
    });
    window.addEventListener("popstate", load);
    load();
  });
})();
