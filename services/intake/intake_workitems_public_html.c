/* The work items' public pages' HTML; see intake_workitems_public_html.h. */
#include "intake_workitems_public_html.h"

#include "intake_workitems_public.h"

#include <libxml/entities.h>
#include <libxml/xmlstring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The public pages' colours (intake_public_html.c): text #1a1a1a, links
 * #0b4f9c, errors #a40000 on white, every pair above 4.5:1; a visible focus
 * ring. Items are cards, one column on a phone, two from 48em on. */
static const char *s_style =
    "body{font-family:sans-serif;max-width:64em;margin:0 auto;padding:1em;line-height:1.6;"
    "color:#1a1a1a;background:#fff}a{color:#0b4f9c}"
    ":focus{outline:3px solid #0b4f9c;outline-offset:2px}"
    "nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1.2em}"
    "ul.items{list-style:none;padding:0;display:grid;grid-template-columns:1fr;gap:.8em}"
    "@media (min-width:48em){ul.items{grid-template-columns:1fr 1fr}}"
    "ul.items>li{border:1px solid #767676;border-radius:3px;padding:.6em .9em}"
    "ul.items h3{margin:0 0 .3em;font-size:1.05em}"
    "dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:.1em .8em}"
    "dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}"
    ".status{display:inline-block;padding:0 .4em;border:1px solid #1a1a1a;border-radius:3px}"
    ".summary{white-space:pre-wrap}"
    "fieldset{border:1px solid #767676;margin:1em 0;padding:.6em .9em}legend{font-weight:bold}"
    "fieldset label{display:block;margin:.3em 0}input[type=radio]{margin-right:.4em}"
    "label.block{display:block;margin-top:.9em;font-weight:bold}"
    "textarea{width:100%;box-sizing:border-box;font-size:1em;padding:.45em;"
    "border:1px solid #555;border-radius:3px;color:#1a1a1a;background:#fff}"
    "button{margin-top:1em;font-size:1.1em;padding:.6em 2em;color:#fff;background:#0b4f9c;"
    "border:0;border-radius:3px;cursor:pointer}"
    ".hint{font-weight:normal;color:#444;font-size:.9em}"
    ".error{color:#a40000;border:2px solid #a40000;padding:.6em;margin:1em 0}"
    ".field-error{color:#a40000;font-weight:bold;margin:.2em 0 0}"
    ".notice{background:#eef5ee;border-left:4px solid #1a1a1a;padding:.6em .9em}"
    "table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3em .8em;"
    "text-align:left}.pager{display:flex;gap:1.2em;margin:1em 0}";

static void s_text(struct evbuffer *out, const char *text)
{
    xmlChar *escaped = xmlEncodeSpecialChars(NULL, (const xmlChar *)(text ? text : ""));
    if (escaped) {
        evbuffer_add(out, escaped, (size_t)xmlStrlen(escaped));
        xmlFree(escaped);
    }
}

static void s_head(struct evbuffer *out, const char *title, const char *bureau)
{
    evbuffer_add_printf(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                             "<meta name=\"viewport\" content=\"width=device-width, "
                             "initial-scale=1\"><title>");
    s_text(out, title);
    evbuffer_add_printf(out, " · ");
    s_text(out, bureau);
    evbuffer_add_printf(out, "</title><style>%s</style></head><body>\n<header><p>", s_style);
    s_text(out, bureau);
    evbuffer_add_printf(out, " · 督办事项公开</p><nav aria-label=\"督办事项\"><ul>"
                             "<li><a href=\"/workitems\">督办事项公开</a></li>"
                             "<li><a href=\"/workitems/problems\">问题清单</a></li>"
                             "<li><a href=\"/workitems/rectification\">整改清单</a></li>"
                             "</ul></nav></header><main>\n<h1>");
    s_text(out, title);
    evbuffer_add_printf(out, "</h1>\n");
}

static void s_foot(struct evbuffer *out, const char *bureau)
{
    evbuffer_add_printf(out, "</main><footer><p><small>");
    s_text(out, bureau);
    evbuffer_add_printf(out, " · <a href=\"/\">我要反映</a> · <a href=\"/status\">查询办理进度</a>"
                             "</small></p></footer>"
                             /* public.js puts the focus on an error above the form */
                             "<script src=\"/public.js\"></script></body></html>\n");
}

const char *wp_status_label(const char *status)
{
    static const char *labels[][2] = {{"not_started", "未开始"},
                                      {"in_progress", "办理中"},
                                      {"awaiting", "待核验"},
                                      {"closed", "已销号"}};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(status, labels[i][0]) == 0)
            return labels[i][1];
    return "办理中";
}

const char *wp_source_label(const char *source)
{
    static const char *labels[][2] = {
        {"visit", "走访座谈"}, {"mailbox", "局长信箱"},  {"survey", "问卷调查"},
        {"letter", "来信"},    {"online", "网上征集"},   {"assessment", "第三方评估"},
        {"meeting", "会议"},   {"case", "投诉举报案件"}};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(source, labels[i][0]) == 0)
            return labels[i][1];
    return "其他";
}

const char *wp_problem_state_label(const char *state)
{
    if (strcmp(state, "accepted") == 0)
        return "已列入整改";
    if (strcmp(state, "rejected") == 0)
        return "经核实不列入整改";
    return "待审核";
}

/* Column col of row i, "" when the statement has no such column. */
static const char *s_col(PGresult *res, int i, const char *col)
{
    int n = PQfnumber(res, col);
    return n < 0 ? "" : PQgetvalue(res, i, n);
}

static void s_dd(struct evbuffer *out, const char *term, const char *value)
{
    if (!value || !value[0])
        return;
    evbuffer_add_printf(out, "<dt>%s</dt><dd>", term);
    s_text(out, value);
    evbuffer_add_printf(out, "</dd>");
}

static void s_item_link(struct evbuffer *out, const char *number, const char *title)
{
    evbuffer_add_printf(out, "<a href=\"/workitems/item?number=");
    s_text(out, number);
    evbuffer_add_printf(out, "\">");
    s_text(out, title);
    evbuffer_add_printf(out, "</a>");
}

/* The public fields of a work item (row i). */
static void s_item_fields(struct evbuffer *out, PGresult *res, int i)
{
    s_dd(out, "编号", s_col(res, i, "number"));
    s_dd(out, "牵头单位", s_col(res, i, "lead_division"));
    s_dd(out, "责任单位", s_col(res, i, "divisions"));
    s_dd(out, "责任人", s_col(res, i, "responsible"));
    s_dd(out, "整改措施", s_col(res, i, "measure"));
    s_dd(out, "完成时限", s_col(res, i, "deadline"));
    const char *status = s_col(res, i, "status");
    if (status[0]) {
        evbuffer_add_printf(out, "<dt>状态</dt><dd><span class=\"status\">%s</span>",
                            wp_status_label(status));
        const char *percent = s_col(res, i, "percent");
        if (strcmp(status, "in_progress") == 0 && percent[0] && strcmp(percent, "0") != 0) {
            evbuffer_add_printf(out, "（已完成 ");
            s_text(out, percent);
            evbuffer_add_printf(out, "%%）");
        }
        evbuffer_add_printf(out, "</dd>");
    }
    const char *summary = s_col(res, i, "completion_summary");
    if (summary[0]) {
        evbuffer_add_printf(out, "<dt>完成情况</dt><dd class=\"summary\">");
        s_text(out, summary);
        evbuffer_add_printf(out, "</dd>");
    }
}

void wp_html_list(struct evbuffer *out, const char *bureau, wp_list_t list, const char *title,
                  PGresult *rows, int page, const char *query)
{
    s_head(out, title, bureau);
    int n = PQntuples(rows);
    long total = n > 0 ? atol(s_col(rows, 0, "total")) : 0;
    if (total == 0)
        evbuffer_add_printf(out, "<p>%s</p>\n", page > 0 ? "这一页没有内容。" : "暂无事项。");
    else
        evbuffer_add_printf(out, "<p>共 %ld 项，第 %d 页。</p>\n", total, page + 1);
    evbuffer_add_printf(out, "<ul class=\"items\">\n");
    for (int i = 0; i < n; i++) {
        evbuffer_add_printf(out, "<li><h3>");
        if (list == WP_LIST_PROBLEMS) {
            s_text(out, s_col(rows, i, "title"));
            evbuffer_add_printf(out, "</h3><dl>");
            s_dd(out, "问题来源", wp_source_label(s_col(rows, i, "source")));
            s_dd(out, "反映时间", s_col(rows, i, "filed"));
            s_dd(out, "问题描述", s_col(rows, i, "description"));
            s_dd(out, "审核情况", wp_problem_state_label(s_col(rows, i, "state")));
            if (s_col(rows, i, "number")[0]) {
                evbuffer_add_printf(out, "<dt>整改事项</dt><dd>");
                s_item_link(out, s_col(rows, i, "number"), s_col(rows, i, "number"));
                evbuffer_add_printf(out, "</dd>");
                s_dd(out, "牵头单位", s_col(rows, i, "lead_division"));
                s_dd(out, "完成时限", s_col(rows, i, "deadline"));
                s_dd(out, "状态", wp_status_label(s_col(rows, i, "status")));
                s_dd(out, "完成情况", s_col(rows, i, "completion_summary"));
            }
        } else {
            s_item_link(out, s_col(rows, i, "number"), s_col(rows, i, "title"));
            evbuffer_add_printf(out, "</h3><dl>");
            s_item_fields(out, rows, i);
        }
        evbuffer_add_printf(out, "</dl></li>\n");
    }
    evbuffer_add_printf(out, "</ul>\n");
    const char *base = list == WP_LIST_PROBLEMS        ? "/workitems/problems"
                       : list == WP_LIST_RECTIFICATION ? "/workitems/rectification"
                                                       : "/workitems/plan";
    long pages = (total + WP_PER_PAGE - 1) / WP_PER_PAGE;
    if (page > 0 || page + 1 < pages) {
        evbuffer_add_printf(out, "<nav class=\"pager\" aria-label=\"翻页\">");
        for (int step = -1; step <= 1; step += 2) {
            int to = page + step;
            if (to < 0 || to >= pages || to >= WP_MAX_PAGE)
                continue;
            evbuffer_add_printf(out, "<a href=\"%s?", base);
            if (query[0]) {
                s_text(out, query);
                evbuffer_add_printf(out, "&amp;");
            }
            evbuffer_add_printf(out, "page=%d\">%s</a>", to + 1, step < 0 ? "上一页" : "下一页");
        }
        evbuffer_add_printf(out, "</nav>\n");
    }
    s_foot(out, bureau);
}

void wp_html_index(struct evbuffer *out, const char *bureau, PGresult *plans)
{
    s_head(out, "督办事项公开", bureau);
    evbuffer_add_printf(out, "<p>本局督办事项的办理情况在此公开晾晒，欢迎监督评议。</p>\n"
                             "<ul><li><a href=\"/workitems/problems\">问题清单</a>：征集到的问题及审核情况</li>"
                             "<li><a href=\"/workitems/rectification\">整改清单</a>：整改措施、"
                             "责任单位、责任人和完成时限</li></ul>\n<h2>各处室工作方案</h2>\n");
    if (PQntuples(plans) == 0)
        evbuffer_add_printf(out, "<p>暂无工作方案。</p>\n");
    const char *plan = NULL;
    for (int i = 0; i < PQntuples(plans); i++) {
        if (!plan || strcmp(plan, s_col(plans, i, "plan")) != 0) {
            if (plan)
                evbuffer_add_printf(out, "</ul>\n");
            plan = s_col(plans, i, "plan");
            evbuffer_add_printf(out, "<h3><a href=\"/workitems/plan?plan=");
            s_text(out, plan);
            evbuffer_add_printf(out, "\">");
            s_text(out, s_col(plans, i, "plan_title"));
            evbuffer_add_printf(out, "</a></h3><ul>");
        }
        evbuffer_add_printf(out, "<li><a href=\"/workitems/plan?plan=");
        s_text(out, plan);
        evbuffer_add_printf(out, "&amp;division=");
        s_text(out, s_col(plans, i, "division"));
        evbuffer_add_printf(out, "\">");
        s_text(out, s_col(plans, i, "division_name"));
        evbuffer_add_printf(out, "</a>（");
        s_text(out, s_col(plans, i, "items"));
        evbuffer_add_printf(out, " 项）</li>");
    }
    if (plan)
        evbuffer_add_printf(out, "</ul>\n");
    s_foot(out, bureau);
}

static void s_radio(struct evbuffer *out, const wp_form_t *form, const char *value,
                    const char *label, bool invalid)
{
    evbuffer_add_printf(out,
                        "<label><input type=\"radio\" name=\"rating\" id=\"rating-%s\" "
                        "value=\"%s\"%s%s required>%s</label>",
                        value, value,
                        form->rating && strcmp(form->rating, value) == 0 ? " checked" : "",
                        invalid ? " aria-describedby=\"rating-error\"" : "", label);
}

void wp_html_item(struct evbuffer *out, const char *bureau, PGresult *item, const wp_form_t *form)
{
    s_head(out, s_col(item, 0, "title"), bureau);
    if (form->notice) {
        evbuffer_add_printf(out, "<p class=\"notice\" role=\"status\">");
        s_text(out, form->notice);
        evbuffer_add_printf(out, "</p>\n");
    }
    evbuffer_add_printf(out, "<dl>");
    s_dd(out, "工作方案", s_col(item, 0, "plan_title"));
    s_dd(out, "开始时间", s_col(item, 0, "starts"));
    s_item_fields(out, item, 0);
    evbuffer_add_printf(out, "</dl>\n<h2>网上评议</h2>\n");
    long sat = atol(s_col(item, 0, "satisfied")), basic = atol(s_col(item, 0, "basically"));
    long dis = atol(s_col(item, 0, "dissatisfied")), all = sat + basic + dis;
    evbuffer_add_printf(out,
                        "<table id=\"evaluations\"><tr><th scope=\"row\">满意</th><td>%ld</td></tr>"
                        "<tr><th scope=\"row\">基本满意</th><td>%ld</td></tr>"
                        "<tr><th scope=\"row\">不满意</th><td>%ld</td></tr>"
                        "<tr><th scope=\"row\">满意率</th><td>",
                        sat, basic, dis);
    if (all > 0)
        evbuffer_add_printf(out, "%.1f%%", 100.0 * (double)(sat + basic) / (double)all);
    else
        evbuffer_add_printf(out, "暂无评价");
    evbuffer_add_printf(out, "</td></tr></table>\n"
                             "<p class=\"hint\">满意率 =（满意 + 基本满意）÷ 评价总数。"
                             "每人每月可对每项工作评价一次，评价不公开评价人。</p>\n");
    const char *err = form->error;
    const char *field = form->field ? form->field : "";
    if (err && !field[0]) {
        evbuffer_add_printf(out, "<p class=\"error\" role=\"alert\" id=\"form-error\" tabindex=\"-1\">");
        s_text(out, err);
        evbuffer_add_printf(out, "</p>\n");
    }
    evbuffer_add_printf(out, "<form method=\"post\" action=\"/workitems/item?number=");
    s_text(out, s_col(item, 0, "number"));
    evbuffer_add_printf(out, "\"><fieldset><legend>您对这项工作的评价（必选）</legend>");
    bool rating_bad = err && strcmp(field, "rating") == 0;
    if (rating_bad) {
        evbuffer_add_printf(out, "<p class=\"field-error\" id=\"rating-error\">");
        s_text(out, err);
        evbuffer_add_printf(out, "</p>");
    }
    s_radio(out, form, "satisfied", "满意", rating_bad);
    s_radio(out, form, "basically", "基本满意", rating_bad);
    s_radio(out, form, "dissatisfied", "不满意", rating_bad);
    bool comment_bad = err && strcmp(field, "comment") == 0;
    evbuffer_add_printf(out,
                        "</fieldset><label class=\"block\" for=\"comment\">意见建议 "
                        "<span class=\"hint\" id=\"comment-hint\">（选填，最多 %d 字，不要填写姓名、"
                        "电话等个人信息）</span></label><textarea id=\"comment\" name=\"comment\" "
                        "rows=\"4\" maxlength=\"%d\" aria-describedby=\"comment-hint%s\"%s>",
                        WP_COMMENT_MAX_CHARS, WP_COMMENT_MAX_CHARS,
                        comment_bad ? " comment-error" : "",
                        comment_bad ? " aria-invalid=\"true\"" : "");
    s_text(out, form->comment);
    evbuffer_add_printf(out, "</textarea>");
    if (comment_bad) {
        evbuffer_add_printf(out, "<p class=\"field-error\" id=\"comment-error\">");
        s_text(out, err);
        evbuffer_add_printf(out, "</p>");
    }
    evbuffer_add_printf(out, "<button type=\"submit\" id=\"evaluate\">提交评价</button></form>\n");
    s_foot(out, bureau);
}

void wp_html_message(struct evbuffer *out, const char *bureau, const char *title,
                     const char *message)
{
    s_head(out, title, bureau);
    evbuffer_add_printf(out, "<p class=\"error\" role=\"alert\">");
    s_text(out, message);
    evbuffer_add_printf(out, "</p>\n");
    s_foot(out, bureau);
}
