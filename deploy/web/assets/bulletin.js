/* One bulletin (/console/bulletin?period=2017-03): its page as the bulletin
 * service renders it from the published record (the same page as the
 * LABEL.html file), shown inside the console, with the way back to the list
 * and to the record itself. The page is sized to its content, so the
 * console scrolls, not a box inside it. */
(function () {
  "use strict";
  var el = duban.el;
  var QUARTERS = ["一", "二", "三", "四"];

  function title(p) {
    var m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p))) return m[1] + "年" + (+m[2]) + "月月检查";
    if ((m = /^(\d{4})-Q([1-4])$/i.exec(p))) return m[1] + "年第" + QUARTERS[m[2] - 1] + "季度通报";
    if ((m = /^(\d{4})-H([12])$/i.exec(p))) return m[1] + "年" + (m[2] === "1" ? "上" : "下") + "半年小结";
    if (/^\d{4}$/.test(p)) return p + "年年终总评";
    return null;
  }

  duban.start({ title: "通报", nav: "bulletins" }, function () {
    var period = duban.query().period || "", main = duban.clear(document.getElementById("main"));
    var name = title(period);
    if (!name) {
      main.appendChild(el("div", { class: "card denied" }, [el("div", { class: "code", text: "404" }),
        el("h1", { text: "没有这期通报" }), el("p", {}, el("a", { href: "/console/bulletins", text: "返回通报列表" }))]));
      return;
    }
    document.title = name + " - 督办工作台";
    var src = "/api/v1/bulletins/" + encodeURIComponent(period) + ".html";
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { id: "bulletin-title", text: name }),
      el("a", { href: "/console/bulletins", text: "← 通报列表" }),
      el("a", { href: "/api/v1/bulletins/" + encodeURIComponent(period), text: "数据（JSON）" })]));
    var frame = el("iframe", { class: "bulletin", id: "bulletin", title: name });
    frame.addEventListener("load", function () {
      var doc = frame.contentDocument;
      if (doc && doc.documentElement) frame.style.height = (doc.documentElement.scrollHeight + 24) + "px";
    });
    /* Ask first, so that an unpublished period says so in words. */
    fetch(src, { method: "GET", credentials: "same-origin" }).then(function (res) {
      if (res.ok) { frame.src = src; main.appendChild(frame); return; }
      if (res.status === 401) { location.replace(duban.href("/console/signin", { next: location.pathname + location.search })); return; }
      main.appendChild(el("div", { class: "card", id: "bulletin-missing" }, el("p", { class: "muted",
        text: res.status === 404 ? "这期通报尚未发布。督查室可在通报列表页按需生成。" : "暂时无法打开这期通报，请稍后重试。" })));
    });
  });
})();
