/* The sign-in page: staff code and password to /web/signin; on success to
 * the page asked for (?next=, this console's own addresses only) or home. */
(function () {
  "use strict";
  var form = document.getElementById("signin");
  function show(id, text) {
    var n = document.getElementById(id);
    n.textContent = text || "";
    n.classList.toggle("hidden", !text);
  }
  function next() {
    var n = new URLSearchParams(location.search).get("next") || "";
    return /^\/console\/[^/]/.test(n) || n === "/console/" ? n : "/console/";
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var staff = form.staff.value.trim(), password = form.password.value;
    show("staff-error", staff ? "" : "请输入工号");
    show("password-error", password ? "" : "请输入密码");
    show("form-error", "");
    if (!staff || !password) return;
    var button = document.getElementById("submit");
    button.disabled = true;
    button.textContent = "正在登录…";
    fetch("/web/signin", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ staff: staff, password: password })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) { location.replace(next()); return; }
        show("form-error", body.detail || "登录失败，请稍后再试");
        form.password.value = "";
        form.password.focus();
      });
    }, function () {
      show("form-error", "无法连接服务器，请检查网络后重试");
    }).then(function () {
      button.disabled = false;
      button.textContent = "登录";
    });
  });
})();
