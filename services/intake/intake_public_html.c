/* The public pages' HTML; see intake_public_html.h. */
#include "intake_public_html.h"

#include <event2/http.h>
#include <libxml/entities.h>
#include <libxml/xmlstring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Colours: text #1a1a1a, links #0b4f9c, errors #a40000 on white, the
 * current step #0b4f9c on #e8f0fb: every pair above 4.5:1. A visible focus
 * ring on everything that takes the focus. */
static const char *s_head =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>%s</title><style>"
    "body{font-family:sans-serif;max-width:40em;margin:0 auto;padding:1em;line-height:1.6;"
    "color:#1a1a1a;background:#fff}a{color:#0b4f9c}"
    "label{display:block;margin-top:.9em;font-weight:bold}"
    "input,select,textarea{width:100%%;box-sizing:border-box;font-size:1em;padding:.45em;"
    "border:1px solid #555;border-radius:3px;color:#1a1a1a;background:#fff}"
    "input[type=checkbox]{width:auto;margin-right:.4em}"
    ":focus{outline:3px solid #0b4f9c;outline-offset:2px}"
    "button{margin-top:1.2em;font-size:1.1em;padding:.6em 2em;color:#fff;background:#0b4f9c;"
    "border:0;border-radius:3px;cursor:pointer}button.secondary{color:#0b4f9c;"
    "background:#fff;border:1px solid #0b4f9c;margin-top:.5em;font-size:1em;padding:.4em 1em}"
    ".req{color:#a40000;font-weight:normal}.hint{font-weight:normal;color:#444;font-size:.9em}"
    ".error{color:#a40000;border:2px solid #a40000;padding:.6em;margin:1em 0}"
    ".field-error{color:#a40000;font-weight:bold;margin:.2em 0 0}"
    "[aria-invalid=true]{border:2px solid #a40000}"
    ".notice{background:#f4f4f4;border-left:4px solid #555;padding:.6em .9em;font-size:.95em}"
    ".code{font-size:1.4em;font-weight:bold;letter-spacing:.1em}"
    "table{border-collapse:collapse;width:100%%}"
    "td,th{border-bottom:1px solid #ccc;padding:.35em;text-align:left;vertical-align:top}"
    "ol.steps{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em}"
    "ol.steps li{flex:1 1 6em;border:1px solid #555;padding:.4em;border-radius:3px}"
    "ol.steps li.done{background:#eef5ee}ol.steps li.current{background:#e8f0fb;"
    "color:#0b4f9c;font-weight:bold;border:2px solid #0b4f9c}"
    ".reply{white-space:pre-wrap;border:1px solid #555;padding:.6em}</style></head><body>\n";

static const char *s_foot =
    "<footer><p><small>%s · 投诉举报受理 · <a href=\"/\">我要反映</a> · "
    "<a href=\"/status\">查询办理进度</a></small></p></footer></body></html>\n";

const char INTAKE_PUBLIC_JS[] =
    "(function () {\n"
    "  var summary = document.getElementById('form-error');\n"
    "  if (summary) summary.focus();\n"
    "  var button = document.getElementById('locate');\n"
    "  if (!button || !navigator.geolocation) return;\n"
    "  button.hidden = false;\n"
    "  var note = document.getElementById('locate-note');\n"
    "  button.addEventListener('click', function () {\n"
    "    note.textContent = '正在获取位置……';\n"
    "    navigator.geolocation.getCurrentPosition(function (p) {\n"
    "      document.getElementById('lat').value = p.coords.latitude.toFixed(6);\n"
    "      document.getElementById('long').value = p.coords.longitude.toFixed(6);\n"
    "      note.textContent = '已附上当前位置（纬度 ' + p.coords.latitude.toFixed(4) +\n"
    "        '，经度 ' + p.coords.longitude.toFixed(4) + '）';\n"
    "    }, function () {\n"
    "      note.textContent = '未能获取位置，请在“地点”中写明地址';\n"
    "    }, {timeout: 10000});\n"
    "  });\n"
    "})();\n";

/* Appends text escaped for HTML (also inside attribute values). */
static void s_text(struct evbuffer *out, const char *text)
{
    xmlChar *escaped = xmlEncodeSpecialChars(NULL, (const xmlChar *)(text ? text : ""));
    if (escaped) {
        evbuffer_add(out, escaped, (size_t)xmlStrlen(escaped));
        xmlFree(escaped);
    }
}

static void s_page_head(struct evbuffer *out, const char *title, const char *bureau)
{
    xmlChar *escaped = xmlEncodeSpecialChars(NULL, (const xmlChar *)(bureau ? bureau : ""));
    char *t = NULL;
    xmlChar *et = xmlEncodeSpecialChars(NULL, (const xmlChar *)title);
    size_t len = (escaped ? (size_t)xmlStrlen(escaped) : 0) + (et ? (size_t)xmlStrlen(et) : 0) + 8;
    t = malloc(len);
    if (t)
        snprintf(t, len, "%s · %s", et ? (char *)et : "", escaped ? (char *)escaped : "");
    evbuffer_add_printf(out, s_head, t ? t : "");
    free(t);
    xmlFree(escaped);
    xmlFree(et);
}

static void s_page_foot(struct evbuffer *out, const char *bureau)
{
    xmlChar *escaped = xmlEncodeSpecialChars(NULL, (const xmlChar *)(bureau ? bureau : ""));
    evbuffer_add_printf(out, s_foot, escaped ? (char *)escaped : "");
    xmlFree(escaped);
}

const char *intake_state_label(const char *state)
{
    static const char *labels[][2] = {{"received", "已受理"},   {"needs_triage", "待分办"},
                                      {"triaged", "已分类"},    {"dispatched", "办理中"},
                                      {"replied", "已答复"},    {"closed", "已办结"},
                                      {"informed", "已答复"},   {"arbitration", "督查室协调中"},
                                      {"merged", "已合并到同一事项的案件办理"}};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(state, labels[i][0]) == 0)
            return labels[i][1];
    return "办理中";
}

const char *intake_step_label(const char *type)
{
    static const char *labels[][2] = {
        {"received", "受理登记"},     {"triaged", "分类"},         {"needs_triage", "人工分办"},
        {"dispatched", "转承办单位"}, {"signed", "承办单位签收"}, {"replied", "办结答复"},
        {"closed", "办结"},           {"reopened", "重新办理"},     {"duplicate", "合并办理"},
        {"informed", "答复来件人"},   {"callback", "回访"}};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(type, labels[i][0]) == 0)
            return labels[i][1];
    return "办理";
}

/* ------------------------------------------------------------------------
 * The report form */

void intake_form_view_error(intake_form_view_t *view, const char *field, const char *text)
{
    if (view->nerrors >= INTAKE_FORM_MAX_ERRORS)
        return;
    view->errors[view->nerrors].field = field;
    snprintf(view->errors[view->nerrors].text, sizeof(view->errors[0].text), "%s", text);
    view->nerrors++;
}

static const char *s_error_of(const intake_form_view_t *view, const char *field)
{
    for (int i = 0; i < view->nerrors; i++)
        if (view->errors[i].field && strcmp(view->errors[i].field, field) == 0)
            return view->errors[i].text;
    return NULL;
}

static const char *s_value(const intake_form_view_t *view, const char *field)
{
    const char *v = view->fields ? evhttp_find_header(view->fields, field) : NULL;
    return v ? v : "";
}

/* A label (with "必填" when required), the control's attributes tying it to
 * its hint and error, and the error itself after the control. */
static void s_label(struct evbuffer *out, const char *field, const char *label, bool required,
                    const char *hint)
{
    evbuffer_add_printf(out, "<label for=\"%s\">%s", field, label);
    if (required)
        evbuffer_add_printf(out, " <span class=\"req\">（必填）</span>");
    if (hint)
        evbuffer_add_printf(out, " <span class=\"hint\" id=\"%s-hint\">%s</span>", field, hint);
    evbuffer_add_printf(out, "</label>");
}

static void s_described(struct evbuffer *out, const intake_form_view_t *view, const char *field,
                        bool hint, bool required)
{
    const char *err = s_error_of(view, field);
    if (hint || err) {
        evbuffer_add_printf(out, " aria-describedby=\"");
        if (hint)
            evbuffer_add_printf(out, "%s-hint", field);
        if (err)
            evbuffer_add_printf(out, "%s%s-error", hint ? " " : "", field);
        evbuffer_add_printf(out, "\"");
    }
    if (err)
        evbuffer_add_printf(out, " aria-invalid=\"true\"");
    if (required)
        evbuffer_add_printf(out, " required aria-required=\"true\"");
}

static void s_field_error(struct evbuffer *out, const intake_form_view_t *view, const char *field)
{
    const char *err = s_error_of(view, field);
    if (!err)
        return;
    evbuffer_add_printf(out, "<p class=\"field-error\" id=\"%s-error\">", field);
    s_text(out, err);
    evbuffer_add_printf(out, "</p>\n");
}

/* <input>: type, maxlength; value kept as typed. */
static void s_input(struct evbuffer *out, const intake_form_view_t *view, const char *field,
                    const char *label, const char *type, int maxlength, bool required,
                    const char *hint, const char *autocomplete)
{
    s_label(out, field, label, required, hint);
    evbuffer_add_printf(out, "<input id=\"%s\" name=\"%s\" type=\"%s\" maxlength=\"%d\"", field,
                        field, type, maxlength);
    if (autocomplete)
        evbuffer_add_printf(out, " autocomplete=\"%s\"", autocomplete);
    evbuffer_add_printf(out, " value=\"");
    s_text(out, s_value(view, field));
    evbuffer_add_printf(out, "\"");
    s_described(out, view, field, hint != NULL, required);
    evbuffer_add_printf(out, ">\n");
    s_field_error(out, view, field);
}

static void s_option(struct evbuffer *out, const char *value, const char *name, bool selected)
{
    evbuffer_add_printf(out, "<option value=\"");
    s_text(out, value);
    evbuffer_add_printf(out, "\"%s>", selected ? " selected" : "");
    s_text(out, name);
    evbuffer_add_printf(out, "</option>");
}

static void s_checkbox(struct evbuffer *out, const intake_form_view_t *view, const char *field,
                       const char *label)
{
    evbuffer_add_printf(out, "<label for=\"%s\"><input type=\"checkbox\" id=\"%s\" name=\"%s\" "
                             "value=\"1\"%s>%s</label>\n",
                        field, field, field, s_value(view, field)[0] ? " checked" : "", label);
}

void intake_html_form(struct evbuffer *out, const org_t *org, const intake_form_view_t *view)
{
    s_page_head(out, "在线反映", view->bureau);
    evbuffer_add_printf(out, "<header><p>");
    s_text(out, view->bureau);
    evbuffer_add_printf(out, "</p></header>\n<main>\n<h1>投诉举报 · 在线反映</h1>\n"
                             "<p>请如实填写，标有“必填”的项目必须填写。提交后您将获得案件编号和查询码，"
                             "凭二者可<a href=\"/status\">查询办理进度</a>。</p>\n");
    evbuffer_add_printf(
        out, "<section class=\"notice\" aria-labelledby=\"privacy-title\"><h2 id=\"privacy-title\">"
             "个人信息说明</h2><p>我们保存您填写的内容、上传的照片和联系方式，用于办理和答复您的反映。"
             "姓名、电话和照片只有办理您这件事的工作人员能看到。照片在保存前会去除拍摄位置等附带信息。"
             "投诉、咨询、建议的“具体情况”和“地点”会在政务公开接口（Open311）中公布，"
             "请不要在其中填写姓名、电话等个人信息；举报和勾选“不公开”的内容一律不公布。</p></section>\n");
    if (view->nerrors > 0) {
        /* The summary takes the focus, so a screen reader reads it first. */
        evbuffer_add_printf(out, "<div class=\"error\" id=\"form-error\" role=\"alert\" "
                                 "tabindex=\"-1\"><p><strong>提交未成功，请按提示修改：</strong></p><ul>");
        for (int i = 0; i < view->nerrors; i++) {
            const char *f = view->errors[i].field;
            if (f && f[0])
                evbuffer_add_printf(out, "<li><a href=\"#%s\">", f);
            else
                evbuffer_add_printf(out, "<li>");
            s_text(out, view->errors[i].text);
            evbuffer_add_printf(out, "%s</li>", f && f[0] ? "</a>" : "");
        }
        evbuffer_add_printf(out, "</ul></div>\n");
    }
    evbuffer_add_printf(out, "<form method=\"post\" action=\"/report\" enctype=\"multipart/form-data\" "
                             "accept-charset=\"utf-8\" novalidate>\n");
    s_label(out, "kind", "类型", true, NULL);
    evbuffer_add_printf(out, "<select id=\"kind\" name=\"kind\" required aria-required=\"true\">");
    const char *kind = s_value(view, "kind");
    for (int i = 0; i < org->nkinds; i++)
        s_option(out, org->kinds[i].code, org->kinds[i].name,
                 strcmp(kind, org->kinds[i].code) == 0);
    evbuffer_add_printf(out, "</select>\n");
    s_field_error(out, view, "kind");
    s_label(out, "category", "事项分类", false, "不清楚可不选");
    evbuffer_add_printf(out, "<select id=\"category\" name=\"category\" "
                             "aria-describedby=\"category-hint\">");
    const char *category = s_value(view, "category");
    s_option(out, "", "不清楚", !category[0]);
    for (int i = 0; i < org->ncategories; i++)
        s_option(out, org->categories[i].code, org->categories[i].name,
                 strcmp(category, org->categories[i].code) == 0);
    evbuffer_add_printf(out, "</select>\n");
    s_field_error(out, view, "category");
    s_input(out, view, "subject", "标题", "text", 200, true, "一句话说明问题", NULL);
    s_label(out, "description", "具体情况", true, "发生了什么、何时、涉及哪个产品或商户");
    evbuffer_add_printf(out, "<textarea id=\"description\" name=\"description\" rows=\"6\" "
                             "maxlength=\"4000\"");
    s_described(out, view, "description", true, true);
    evbuffer_add_printf(out, ">");
    s_text(out, s_value(view, "description"));
    evbuffer_add_printf(out, "</textarea>\n");
    s_field_error(out, view, "description");
    s_input(out, view, "place", "地点", "text", 200, false, "街道门牌、商场、摊位等", "street-address");
    evbuffer_add_printf(out, "<input type=\"hidden\" id=\"lat\" name=\"lat\" value=\"");
    s_text(out, s_value(view, "lat"));
    evbuffer_add_printf(out, "\"><input type=\"hidden\" id=\"long\" name=\"long\" value=\"");
    s_text(out, s_value(view, "long"));
    evbuffer_add_printf(out, "\"><button type=\"button\" class=\"secondary\" id=\"locate\" hidden>"
                             "附上我的当前位置</button><p id=\"locate-note\" class=\"hint\" "
                             "role=\"status\">%s</p>\n",
                        s_value(view, "lat")[0] ? "已附上当前位置" : "");
    s_field_error(out, view, "lat");
    s_input(out, view, "enterprise", "涉及企业", "text", 200, false, NULL, "organization");
    s_input(out, view, "product", "涉及产品", "text", 200, false, NULL, NULL);
    evbuffer_add_printf(out, "<label for=\"photo\">照片 <span class=\"hint\" id=\"photo-hint\">"
                             "可选，最多 %d 张，JPEG 或 PNG，每张不超过 %ld MB；只有工作人员能看到"
                             "</span></label><input type=\"file\" id=\"photo\" name=\"photo\" "
                             "accept=\"image/jpeg,image/png\" multiple aria-describedby=\"photo-hint%s\"%s>\n",
                        view->max_photos, view->photo_max_mb,
                        s_error_of(view, "photo") ? " photo-error" : "",
                        s_error_of(view, "photo") ? " aria-invalid=\"true\"" : "");
    if (view->photos_dropped && !s_error_of(view, "photo"))
        evbuffer_add_printf(out, "<p class=\"field-error\" id=\"photo-again\">"
                                 "出于安全原因，浏览器不能保留已选的照片，请重新选择。</p>\n");
    s_field_error(out, view, "photo");
    s_input(out, view, "name", "您的姓名", "text", 64, false, NULL, "name");
    s_input(out, view, "phone", "联系电话", "tel", 32, false, "便于承办人员联系您，只填数字", "tel");
    s_checkbox(out, view, "anonymous", "匿名反映（不登记姓名）");
    s_checkbox(out, view, "confidential", "不公开（内容涉及他人或需要保密时勾选；举报一律不公开）");
    evbuffer_add_printf(out, "<button type=\"submit\" id=\"submit\">提交</button>\n</form>\n</main>\n"
                             "<script src=\"/public.js\"></script>\n");
    s_page_foot(out, view->bureau);
}

void intake_html_receipt(struct evbuffer *out, const char *bureau, const char *case_number,
                         const char *query_code)
{
    s_page_head(out, "已受理", bureau);
    evbuffer_add_printf(out, "<main><h1>您的反映已受理</h1>\n<p>案件编号：<span id=\"case-number\" "
                             "class=\"code\">");
    s_text(out, case_number);
    evbuffer_add_printf(out, "</span></p>\n<p>查询码：<span id=\"query-code\" class=\"code\">");
    s_text(out, query_code);
    evbuffer_add_printf(out, "</span></p>\n<p>请妥善保存查询码，它只显示这一次。凭案件编号和查询码可"
                             "<a href=\"/status?number=");
    s_text(out, case_number);
    evbuffer_add_printf(out, "\">查询办理进度</a>。</p></main>\n");
    s_page_foot(out, bureau);
}

/* ------------------------------------------------------------------------
 * The status page */

/* The five steps people follow a case by, each done (with its date),
 * current or to come, read from the public steps (oldest first); a reopen
 * starts signing, handling, reply and callback again. */
static void s_progress(struct evbuffer *out, PGresult *c, PGresult *steps)
{
    const char *at[5] = {NULL};
    const char *state = PQgetvalue(c, 0, STATUS_COL_STATE);
    for (int i = 0; steps && i < PQntuples(steps); i++) {
        const char *type = PQgetvalue(steps, i, STEP_COL_TYPE);
        const char *when = PQgetvalue(steps, i, STEP_COL_AT_CN);
        bool lead = strcmp(PQgetvalue(steps, i, STEP_COL_ROLE), "co") != 0;
        if (strcmp(type, "received") == 0)
            at[0] = when;
        else if (strcmp(type, "signed") == 0 && lead)
            at[1] = when;
        else if (strcmp(type, "replied") == 0 && lead)
            at[2] = at[3] = when;
        else if (strcmp(type, "callback") == 0)
            at[4] = when;
        else if (strcmp(type, "reopened") == 0)
            at[1] = at[2] = at[3] = at[4] = NULL;
        else if (strcmp(type, "out_of_jurisdiction") == 0)
            at[1] = at[2] = at[3] = when;
    }
    if (strcmp(state, "closed") == 0 && !at[4])
        at[4] = ""; /* closed without a callback */
    static const char *const names[5] = {"受理", "签收", "办理中", "已答复", "已回访"};
    int current = 0;
    while (current < 5 && at[current])
        current++;
    evbuffer_add_printf(out, "<h2 id=\"progress-title\">办理进度</h2>\n"
                             "<ol class=\"steps\" aria-labelledby=\"progress-title\">");
    for (int i = 0; i < 5; i++) {
        const char *cls = i < current ? "done" : i == current ? "current" : "todo";
        evbuffer_add_printf(out, "<li class=\"%s\"%s>%s<br><small>", cls,
                            i == current ? " aria-current=\"step\"" : "", names[i]);
        if (i < current && at[i] && at[i][0])
            s_text(out, at[i]);
        else if (i < current)
            evbuffer_add_printf(out, "已完成");
        else if (i == current)
            evbuffer_add_printf(out, "进行中");
        else
            evbuffer_add_printf(out, "未开始");
        evbuffer_add_printf(out, "</small></li>");
    }
    evbuffer_add_printf(out, "</ol>\n");
}

static void s_row(struct evbuffer *out, const char *th, const char *value, const char *id)
{
    evbuffer_add_printf(out, "<tr><th scope=\"row\">%s</th><td id=\"%s\">", th, id);
    s_text(out, value);
    evbuffer_add_printf(out, "</td></tr>");
}

static const char *s_name(const org_named_t *list, int n, const char *code)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return list[i].name;
    return code;
}

static void s_case(struct evbuffer *out, const org_t *org, PGresult *c, PGresult *steps)
{
#define V(col) PQgetvalue(c, 0, col)
    const char *category = V(STATUS_COL_CATEGORY), *state = V(STATUS_COL_STATE);
    const org_category_t *cat = category[0] ? org_category_find(org, category) : NULL;
    bool answered = strcmp(state, "replied") == 0 || strcmp(state, "informed") == 0 ||
                    strcmp(state, "closed") == 0;
    evbuffer_add_printf(out, "<section aria-labelledby=\"case-title\"><h2 id=\"case-title\">"
                             "案件 ");
    s_text(out, V(STATUS_COL_NUMBER));
    evbuffer_add_printf(out, "</h2><table>");
    s_row(out, "类型", s_name(org->kinds, org->nkinds, V(STATUS_COL_KIND)), "case-kind");
    s_row(out, "事项分类", cat ? cat->name : "分类中", "case-category");
    s_row(out, "状态", intake_state_label(state), "case-state");
    s_row(out, "受理时间", V(STATUS_COL_RECEIVED_CN), "case-received");
    s_row(out, "承办单位", V(STATUS_COL_LEAD)[0] ? V(STATUS_COL_LEAD) : "待确定", "case-division");
    if (V(STATUS_COL_CO)[0])
        s_row(out, "协办单位", V(STATUS_COL_CO), "case-co");
    if (V(STATUS_COL_EXPECTED)[0] && !answered)
        s_row(out, "预计办结", V(STATUS_COL_EXPECTED), "case-expected");
    if (strcmp(state, "merged") == 0) {
        char merged[160];
        snprintf(merged, sizeof(merged), "%s%s", V(STATUS_COL_MERGED_INTO)[0] ? "已并入案件 " : "",
                 V(STATUS_COL_MERGED_INTO)[0] ? V(STATUS_COL_MERGED_INTO)
                                              : "已与同一事项的其他案件合并办理");
        s_row(out, "合并办理", merged, "case-merged");
    }
    evbuffer_add_printf(out, "</table></section>\n");
    if (strcmp(state, "merged") != 0)
        s_progress(out, c, steps);
    if (answered && V(STATUS_COL_RESULT)[0]) {
        evbuffer_add_printf(out, "<h2>答复内容</h2>\n<div class=\"reply\" id=\"case-reply\">");
        s_text(out, V(STATUS_COL_RESULT));
        evbuffer_add_printf(out, "</div>\n");
    }
    evbuffer_add_printf(out, "<h2>办理记录</h2>\n<table id=\"case-steps\"><tr><th scope=\"col\">"
                             "时间</th><th scope=\"col\">步骤</th></tr>");
    for (int i = 0; steps && i < PQntuples(steps); i++) {
        evbuffer_add_printf(out, "<tr><td>");
        s_text(out, PQgetvalue(steps, i, STEP_COL_AT_CN));
        evbuffer_add_printf(out, "</td><td>");
        s_text(out, intake_step_label(PQgetvalue(steps, i, STEP_COL_TYPE)));
        evbuffer_add_printf(out, "</td></tr>");
    }
    evbuffer_add_printf(out, "</table>\n");
#undef V
}

void intake_html_status(struct evbuffer *out, const org_t *org, const char *bureau, PGresult *c,
                        PGresult *steps, const char *number, const char *error)
{
    s_page_head(out, "查询办理进度", bureau);
    evbuffer_add_printf(out, "<header><p>");
    s_text(out, bureau);
    evbuffer_add_printf(out, "</p></header>\n<main><h1>查询办理进度</h1>\n");
    if (error) {
        evbuffer_add_printf(out, "<p class=\"error\" id=\"status-error\" role=\"alert\">");
        s_text(out, error);
        evbuffer_add_printf(out, "</p>\n");
    }
    bool found = c && PQntuples(c) == 1;
    if (found)
        s_case(out, org, c, steps);
    evbuffer_add_printf(out, "<form method=\"get\" action=\"/status\">\n"
                             "<label for=\"number\">案件编号</label><input id=\"number\" "
                             "name=\"number\" maxlength=\"32\" autocomplete=\"off\" value=\"");
    s_text(out, number ? number : "");
    evbuffer_add_printf(out, "\" required aria-required=\"true\">\n"
                             "<label for=\"code\">查询码 <span class=\"hint\">受理时显示的 8 位字母数字"
                             "</span></label><input id=\"code\" name=\"code\" maxlength=\"16\" "
                             "autocomplete=\"off\" required aria-required=\"true\"%s>\n"
                             "<button type=\"submit\">查询</button>\n</form></main>\n",
                        error && !found ? " aria-invalid=\"true\" aria-describedby=\"status-error\"" : "");
    s_page_foot(out, bureau);
}
