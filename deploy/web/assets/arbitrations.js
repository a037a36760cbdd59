/* Cases waiting for arbitration (/console/arbitrations): a case returned a
 * second time (or to an outside agency) comes here; each shows its returns
 * (who returned it, why, to whom) and is decided in place: the division
 * that handles it (or an agency outside the bureau) and the grounds. The
 * decision is the workflow's arbitrate step, final. Live: a new case
 * waiting, or one decided elsewhere, re-reads the list; an open form stays
 * as typed. */
(function () {
  "use strict";
  var el = duban.el, s = null, known = null, OUTSIDE = "\u0001outside";

  function returns(c) {
    return el("ol", { class: "returns" }, c.returns.map(function (r) {
      return el("li", {}, [el("b", { text: duban.name.division(r.division) }), " 于 " + duban.time(r.at, true) + " 退回，认为应由 ",
        el("b", { text: duban.name.division(r.to) || r.to }), " 办理。理由：" + (r.reason || "")]);
    }));
  }

  function form(c, li) {
    var select = el("select", { id: "division-" + c.case_number, name: "division" }, [el("option", { value: "", text: "请选择" })]
      .concat(s.org.divisions.filter(function (d) { return d.code !== "inspection"; }).map(function (d) {
        return el("option", { value: d.code, text: d.name });
      })).concat([el("option", { value: OUTSIDE, text: "本局以外单位（非本局职责）" })]));
    var agency = el("input", { id: "agency-" + c.case_number, name: "outside_agency", maxlength: 200, placeholder: "单位名称" });
    var agencyField = office.field("本局以外单位", agency, "outside_agency");
    agencyField.classList.add("hidden");
    select.addEventListener("change", function () {
      agencyField.classList.toggle("hidden", select.value !== OUTSIDE);
      office.fieldError(select.form, "division", "");
    });
    var f = el("form", { novalidate: true, "data-form": "arbitrate" }, [
      office.field("承办单位（仲裁决定，不可再退回）", select, "division"), agencyField,
      office.field("仲裁理由", el("textarea", { id: "text-" + c.case_number, name: "text", maxlength: 4000 }), "text"),
      el("div", { class: "form-error hidden", role: "alert" }),
      el("div", { class: "row" }, [el("button", { type: "submit", text: "提交仲裁决定" }),
        el("button", { type: "button", class: "secondary", text: "取消", onclick: function () { office.closeForm(f); } })])]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var division = select.value, text = f.elements.text.value.trim(), outside = agency.value.trim();
      var bad = office.fieldError(f, "division", division ? "" : "请选择承办单位");
      bad = office.fieldError(f, "outside_agency", division === OUTSIDE && !outside ? "请填写单位名称" : "") || bad;
      bad = office.fieldError(f, "text", text ? "" : "请填写仲裁理由") || bad;
      if (bad) return;
      var body = division === OUTSIDE ? { outside_agency: outside, text: text } : { division: division, text: text };
      var buttons = f.querySelectorAll("button");
      [].forEach.call(buttons, function (b) { b.disabled = true; });
      duban.api("POST", "/api/v1/cases/" + encodeURIComponent(c.case_number) + "/steps/arbitrate", body).then(function (res) {
        [].forEach.call(buttons, function (b) { b.disabled = false; });
        if (!res.ok) {
          var err = f.querySelector(".form-error");
          err.textContent = duban.problem(res);
          err.classList.remove("hidden");
          return;
        }
        duban.note("已仲裁：" + c.case_number + " 交 " + (division === OUTSIDE ? outside : duban.name.division(division)) + " 办理");
        load();
      });
    });
    return f;
  }

  function item(c, fresh) {
    var li = el("li", { class: "item" + (fresh ? " row-new" : ""), "data-case": c.case_number }, [
      el("div", { class: "item-head" }, [el("span", { class: "badge", text: duban.name.kind(c.kind) }), office.caseLink(c.case_number),
        el("span", { class: "subject", text: c.subject })]),
      el("div", { class: "facts" }, [el("span", { text: "事项分类：" + duban.name.category(c.category) }),
        el("span", { text: "受理 " + duban.time(c.received_at, true) }),
        c.waiting_since ? el("span", { text: "提请仲裁 " + duban.time(c.waiting_since, true) }) : null,
        el("span", { text: "首问负责人：" + c.first_responder })]),
      returns(c),
      el("div", { class: "decide" }, el("button", { type: "button", class: "secondary", "data-action": "arbitrate", text: "仲裁",
        onclick: function () {
          if (li.querySelector("form")) return;
          var f = form(c, li);
          office.openForm(li, f);
          f.querySelector("select").focus();
        } }))]);
    return li;
  }

  function render(data) {
    var list = document.getElementById("cases"), kept = {}, seen = {};
    [].forEach.call(list.querySelectorAll("li.item"), function (li) {
      if (li.querySelector("form")) kept[li.getAttribute("data-case")] = li;
    });
    var nodes = data.cases.map(function (c) {
      seen[c.case_number] = true;
      return kept[c.case_number] || item(c, known !== null && !known[c.case_number]);
    });
    if (!data.cases.length) nodes.push(el("li", { class: "empty", text: "没有等待仲裁的工单" }));
    duban.setChildren(list, nodes);
    known = seen;
    document.getElementById("summary").textContent = data.cases.length + " 件待仲裁" + (data.cut ? "（仅列出前 200 件）" : "");
  }

  function load() {
    return duban.api("GET", "/api/v1/arbitrations").then(function (res) {
      if (!res.ok) { duban.note(duban.problem(res), "error"); return; }
      render(res.body);
    });
  }

  duban.start({ title: "待仲裁", nav: "arbitrations" }, function (session) {
    s = session;
    if (!office.allowed(s, ["inspector", "admin"])) return;
    var main = duban.clear(document.getElementById("main"));
    main.appendChild(el("div", { class: "page-head" }, [el("h1", { text: "待仲裁" }),
      el("span", { class: "muted", text: "两次退回的工单由督查室仲裁，仲裁决定为最终决定" })]));
    main.appendChild(el("div", { class: "toolbar" }, el("span", { id: "summary", class: "muted" })));
    main.appendChild(el("ul", { class: "items", id: "cases" }, el("li", { class: "empty", text: "正在加载…" })));
    var soon = office.later(load, 300);
    load();
    duban.live({ sync: load, notice: soon, task: soon });
  });
})();
