/* The hotline desk's category picker (新建工单, 待分类): a text box that
 * filters the categories of GET /api/v1/org as the operator types — by
 * name, code or one of the category's keywords — keyboard first (type, or
 * ↓ for the whole list; ↑ ↓ to move, Enter to choose, Esc to close). It only filters the list; which
 * category a case gets when none is chosen is triage's decision, made in
 * the service, not here.
 *
 *   var picker = deskCategoryPicker(org, {id, label, onchange})
 *   picker.node      the element to place in a form
 *   picker.value()   the chosen category code, "" for none
 *   picker.set(code) choose (or clear with "")
 *   picker.focus()
 */
(function () {
  "use strict";
  var el = duban.el;

  function matches(c, text) {
    if (!text) return true;
    var t = text.toLowerCase();
    if (c.name.indexOf(text) >= 0 || c.code.indexOf(t) >= 0) return true;
    for (var i = 0; i < (c.keywords || []).length; i++)
      if (c.keywords[i].indexOf(text) >= 0 || text.indexOf(c.keywords[i]) >= 0) return true;
    return false;
  }

  function divisionName(org, code) {
    for (var i = 0; i < org.divisions.length; i++) if (org.divisions[i].code === code) return org.divisions[i].name;
    return code;
  }

  window.deskCategoryPicker = function (org, opts) {
    var chosen = "", active = -1, shown = [];
    var listId = opts.id + "-list";
    var input = el("input", {
      id: opts.id, type: "text", autocomplete: "off", role: "combobox", "aria-autocomplete": "list",
      "aria-expanded": "false", "aria-controls": listId, placeholder: "输入名称或关键词，如：电子秤、电梯"
    });
    var list = el("ul", { id: listId, class: "combo-list hidden", role: "listbox" });
    var chip = el("span", { class: "combo-chip hidden" });
    var node = el("div", { class: "combo" }, [input, chip, list]);

    function label(c) { return c.name + "（" + divisionName(org, c.lead) + "）"; }

    function close() {
      list.classList.add("hidden");
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function render() {
      var text = input.value.trim();
      shown = org.categories.filter(function (c) { return matches(c, text); }).slice(0, 8);
      duban.clear(list);
      shown.forEach(function (c, i) {
        var hit = (c.keywords || []).filter(function (k) { return text && (k.indexOf(text) >= 0 || text.indexOf(k) >= 0); });
        list.appendChild(el("li", {
          id: listId + "-" + i, role: "option", "data-code": c.code, "aria-selected": i === active ? "true" : "false",
          class: i === active ? "on" : "",
          onmousedown: function (e) { e.preventDefault(); choose(c.code); }
        }, [el("span", { text: label(c) }), c.urgent ? el("span", { class: "badge urgent", text: "紧急类" }) : null,
          el("small", { class: "muted", text: hit.length ? " 关键词：" + hit.join("、") : "" })]));
      });
      if (!shown.length) list.appendChild(el("li", { class: "muted", text: "没有匹配的分类；可不选，由系统分类" }));
      list.classList.remove("hidden");
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) input.setAttribute("aria-activedescendant", listId + "-" + active);
      else input.removeAttribute("aria-activedescendant");
    }

    function choose(code) {
      chosen = code || "";
      var c = org.categories.filter(function (x) { return x.code === chosen; })[0];
      input.value = c ? label(c) : "";
      chip.textContent = "";
      chip.classList.toggle("hidden", !c);
      if (c) chip.appendChild(el("button", { type: "button", class: "link", title: "清除分类", "aria-label": "清除分类", text: "×",
        onclick: function () { choose(""); input.focus(); } }));
      close();
      if (opts.onchange) opts.onchange(chosen);
    }

    input.addEventListener("input", function () { chosen = ""; chip.classList.add("hidden"); active = -1; render(); });
    input.addEventListener("focus", function () { if (!chosen && input.value) render(); });
    /* Closed a moment after the box loses focus (a click on the list first
     * chooses), unless the focus came back meanwhile. */
    input.addEventListener("blur", function () {
      setTimeout(function () { if (document.activeElement !== input) close(); }, 100);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.classList.contains("hidden");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!open) render();
        if (!shown.length) return;
        active = e.key === "ArrowDown" ? Math.min(shown.length - 1, active + 1) : Math.max(0, active - 1);
        render();
      } else if (e.key === "Enter" && open && (active >= 0 || shown.length === 1)) {
        e.preventDefault();
        choose(shown[active >= 0 ? active : 0].code);
      } else if (e.key === "Escape" && open) {
        e.preventDefault();
        e.stopPropagation();
        close();
      }
    });

    return {
      node: node,
      value: function () { return chosen; },
      set: choose,
      focus: function () { input.focus(); }
    };
  };
})();
