/* The console's front door: each role goes to its own first screen; a role
 * whose screens are not there yet sees where to turn meanwhile. */
(function () {
  "use strict";
  var el = duban.el;
  var homes = { handler: "/console/queue", inspector: "/console/board", leader: "/console/dashboard",
    operator: "/console/desk", clerk: "/console/desk" };
  duban.start({ title: "首页" }, function (s) {
    if (homes[s.role]) { location.replace(homes[s.role]); return; }
    var main = duban.clear(document.getElementById("main"));
    var links = [];
    if (s.role === "inspector" || s.role === "admin")
      links = s.org.divisions.map(function (d) {
        return el("li", {}, el("a", { href: duban.href("/console/queue", { division: d.code }), text: d.name + " 工单" }));
      });
    main.appendChild(el("div", { class: "card" }, [
      el("h1", { text: "欢迎，" + s.name }),
      links.length ? el("ul", {}, links)
        : el("p", { class: "muted", text: "本岗位的工作页面正在建设中，请暂用 dubanctl 命令行办理。" })
    ]));
  });
})();
