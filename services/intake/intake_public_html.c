#include "intake_public_html.h"

#include <libxml/entities.h>
#include <libxml/xmlstring.h>
#include <stdlib.h>
#include <string.h>

static const char *s_head =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>%s</title><style>"
    "body{font-family:sans-serif;max-width:40em;margin:0 auto;padding:1em;line-height:1.6}"
    "label{display:block;margin-top:.8em;font-weight:bold}"
    "input,select,textarea{width:100%%;box-sizing:border-box;font-size:1em;padding:.4em}"
    "input[type=checkbox]{width:auto}button{margin-top:1em;font-size:1.1em;padding:.5em 2em}"
    ".error{color:#a00;border:1px solid #a00;padding:.5em}.code{font-size:1.4em;"
    "font-weight:bold;letter-spacing:.1em}table{border-collapse:collapse;width:100%%}"
    "td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left}</style></head><body>\n";

static const char *s_foot =
    "<p><small>省质量技术监督局 · 投诉举报受理 · <a href=\"/\">我要反映</a> · "
    "<a href=\"/status\">查询办理进度</a></small></p></body></html>\n";

/* Appends text escaped for HTML. */
static void s_text(struct evbuffer *out, const char *text)
{
    xmlChar *escaped = xmlEncodeSpecialChars(NULL, (const xmlChar *)(text ? text : ""));
    if (escaped) {
        evbuffer_add(out, escaped, (size_t)xmlStrlen(escaped));
        xmlFree(escaped);
    }
}

const char *intake_state_label(const char *state)
{
    static const char *labels[][2] = {{"received", "已受理"},   {"needs_triage", "待分办"},
                                      {"triaged", "已分类"},    {"dispatched", "已转承办单位办理"},
                                      {"replied", "已办结答复"}, {"closed", "已办结"},
                                      {"informed", "已答复来件人"}, {"arbitration", "督查室协调中"},
                                      {"merged", "已合并到同一事项的案件办理"}};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(state, labels[i][0]) == 0)
            return labels[i][1];
    return "办理中";
}

const char *intake_step_label(const char *type)
{
    static const char *labels[][2] = {
        {"received", "受理登记"}, {"triaged", "分类"},     {"needs_triage", "人工分办"},
        {"dispatched", "转承办单位"}, {"replied", "办结答复"}, {"closed", "办结"},
        {"reopened", "重新办理"}, {"duplicate", "合并办理"}, {"informed", "答复来件人"}};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(type, labels[i][0]) == 0)
            return labels[i][1];
    return "办理";
}

void intake_html_form(struct evbuffer *out, const org_t *org, const char *error)
{
    evbuffer_add_printf(out, s_head, "投诉举报 · 在线反映");
    evbuffer_add_printf(out, "<h1>投诉举报 · 在线反映</h1>\n<p>请如实填写。提交后您将获得案件编号和查询码，"
                             "凭二者可查询办理进度。</p>\n"
                             "<p><small>投诉、咨询、建议的“具体情况”和“地点”会在政务公开接口（Open311）中公布，"
                             "请不要在其中填写姓名、电话等个人信息；举报和勾选“不公开”的内容一律不公布。"
                             "姓名和电话只供承办人员联系您。</small></p>\n");
    if (error) {
        evbuffer_add_printf(out, "<p class=\"error\">");
        s_text(out, error);
        evbuffer_add_printf(out, "</p>\n");
    }
    evbuffer_add_printf(out, "<form method=\"post\" action=\"/report\" accept-charset=\"utf-8\">\n"
                             "<label for=\"kind\">类型</label><select id=\"kind\" name=\"kind\">");
    for (int i = 0; i < org->nkinds; i++) {
        evbuffer_add_printf(out, "<option value=\"");
        s_text(out, org->kinds[i].code);
        evbuffer_add_printf(out, "\">");
        s_text(out, org->kinds[i].name);
        evbuffer_add_printf(out, "</option>");
    }
    evbuffer_add_printf(out, "</select>\n<label for=\"category\">事项分类（不清楚可不选）</label>"
                             "<select id=\"category\" name=\"category\"><option value=\"\">不清楚</option>");
    for (int i = 0; i < org->ncategories; i++) {
        evbuffer_add_printf(out, "<option value=\"");
        s_text(out, org->categories[i].code);
        evbuffer_add_printf(out, "\">");
        s_text(out, org->categories[i].name);
        evbuffer_add_printf(out, "</option>");
    }
    evbuffer_add_printf(
        out,
        "</select>\n"
        "<label for=\"subject\">标题</label><input id=\"subject\" name=\"subject\" maxlength=\"200\" required>\n"
        "<label for=\"description\">具体情况</label><textarea id=\"description\" name=\"description\" rows=\"6\" maxlength=\"4000\" required></textarea>\n"
        "<label for=\"place\">地点</label><input id=\"place\" name=\"place\" maxlength=\"200\">\n"
        "<label for=\"enterprise\">涉及企业</label><input id=\"enterprise\" name=\"enterprise\" maxlength=\"200\">\n"
        "<label for=\"product\">涉及产品</label><input id=\"product\" name=\"product\" maxlength=\"200\">\n"
        "<label for=\"name\">您的姓名</label><input id=\"name\" name=\"name\" maxlength=\"64\">\n"
        "<label for=\"phone\">联系电话</label><input id=\"phone\" name=\"phone\" type=\"tel\" maxlength=\"32\">\n"
        "<label><input type=\"checkbox\" name=\"anonymous\" value=\"1\"> 匿名反映（不登记姓名）</label>\n"
        "<label><input type=\"checkbox\" name=\"confidential\" value=\"1\"> 不公开（内容涉及他人或需要保密时勾选；举报一律不公开）</label>\n"
        "<button type=\"submit\">提交</button>\n</form>\n");
    evbuffer_add_printf(out, "%s", s_foot);
}

void intake_html_receipt(struct evbuffer *out, const char *case_number, const char *query_code)
{
    evbuffer_add_printf(out, s_head, "已受理");
    evbuffer_add_printf(out, "<h1>您的反映已受理</h1>\n<p>案件编号：<span class=\"code\">");
    s_text(out, case_number);
    evbuffer_add_printf(out, "</span></p>\n<p>查询码：<span class=\"code\">");
    s_text(out, query_code);
    evbuffer_add_printf(out, "</span></p>\n<p>请妥善保存查询码，它只显示这一次。凭案件编号和查询码可"
                             "<a href=\"/status\">查询办理进度</a>。</p>\n");
    evbuffer_add_printf(out, "%s", s_foot);
}

static const char *s_name(const org_named_t *list, int n, const char *code)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return list[i].name;
    return code;
}

void intake_html_status(struct evbuffer *out, const org_t *org, PGresult *c, PGresult *events,
                        const char *error)
{
    evbuffer_add_printf(out, s_head, "查询办理进度");
    evbuffer_add_printf(out, "<h1>查询办理进度</h1>\n");
    if (error) {
        evbuffer_add_printf(out, "<p class=\"error\">");
        s_text(out, error);
        evbuffer_add_printf(out, "</p>\n");
    }
    if (c && PQntuples(c) == 1) {
        const char *category = PQgetvalue(c, 0, 2);
        const org_category_t *cat = category[0] ? org_category_find(org, category) : NULL;
        evbuffer_add_printf(out, "<table><tr><th>案件编号</th><td>");
        s_text(out, PQgetvalue(c, 0, 0));
        evbuffer_add_printf(out, "</td></tr><tr><th>类型</th><td>");
        s_text(out, s_name(org->kinds, org->nkinds, PQgetvalue(c, 0, 1)));
        evbuffer_add_printf(out, "</td></tr><tr><th>事项分类</th><td>");
        s_text(out, cat ? cat->name : "分类中");
        evbuffer_add_printf(out, "</td></tr><tr><th>状态</th><td>");
        s_text(out, intake_state_label(PQgetvalue(c, 0, 3)));
        evbuffer_add_printf(out, "</td></tr><tr><th>受理时间</th><td>");
        s_text(out, PQgetvalue(c, 0, 4));
        evbuffer_add_printf(out, "</td></tr><tr><th>承办单位</th><td>");
        s_text(out, PQgetvalue(c, 0, 6)[0] ? PQgetvalue(c, 0, 6) : "待确定");
        evbuffer_add_printf(out, "</td></tr></table>\n<h2>办理过程</h2>\n<table>");
        for (int i = 0; events && i < PQntuples(events); i++) {
            evbuffer_add_printf(out, "<tr><td>");
            s_text(out, PQgetvalue(events, i, 1));
            evbuffer_add_printf(out, "</td><td>");
            s_text(out, intake_step_label(PQgetvalue(events, i, 0)));
            evbuffer_add_printf(out, "</td></tr>");
        }
        evbuffer_add_printf(out, "</table>\n");
    }
    evbuffer_add_printf(
        out, "<form method=\"get\" action=\"/status\">\n"
             "<label for=\"number\">案件编号</label><input id=\"number\" name=\"number\" maxlength=\"32\" required>\n"
             "<label for=\"code\">查询码</label><input id=\"code\" name=\"code\" maxlength=\"16\" required>\n"
             "<button type=\"submit\">查询</button>\n</form>\n");
    evbuffer_add_printf(out, "%s", s_foot);
}
