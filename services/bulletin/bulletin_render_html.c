/* The HTML bulletin: the document the bureau issues (公文), one
 * self-contained page (no script, no external resource): the red head with
 * the issuing body and the document number, the title, the addressee, the
 * sections numbered 一、二、… (bulletin_render_doc.c says what each holds),
 * the notes, the signature with the issue date, the copies (抄送) and the
 * printer (印发). Divisions in the configured order, by their Chinese
 * names; "—" for n/a, with a note.
 *
 * Laid out for a screen, a phone (390 px: tables scroll inside their own
 * box, charts scale, nothing else is wider than the screen) and paper (a
 * print style sheet: A4, no boxes, tables allowed to break between rows).
 * Polyglot markup: well-formed XML as well as HTML, so `xmllint --noout`
 * checks it strictly. Every text is escaped. */
#include "bulletin_render.h"
#include "bulletin_render_doc.h"

#include <stdlib.h>
#include <string.h>

#define AT(o, path) bulletin_render_at((o), (path))
#define s_esc bulletin_svg_esc

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char s_css[] =
    "body{margin:0;background:#f3f3ef;color:#1b1b1b;line-height:1.75;font-size:16px;"
    "font-family:\"WenQuanYi Micro Hei\",\"Noto Sans CJK SC\",\"PingFang SC\",sans-serif}"
    ".page{max-width:860px;margin:24px auto;background:#fff;padding:40px 56px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15);box-sizing:border-box}"
    ".redhead{text-align:center;border-bottom:3px solid #c8161d;padding-bottom:10px;"
    "margin-bottom:28px}"
    ".issuer{color:#c8161d;font-size:2em;font-weight:bold;letter-spacing:.12em;margin:0;"
    "text-align:center}"
    ".docno{margin:10px 0 0;text-align:center}"
    "h1{text-align:center;font-size:1.45em;line-height:1.5;margin:1em 0 1.2em}"
    "h2{font-size:1.15em;margin:1.8em 0 .6em}"
    "h3{font-size:1em;margin:1.3em 0 .4em}"
    "p{margin:.6em 0;text-align:justify}"
    "@media (max-width:600px){p{text-align:left}}"
    ".tw{overflow-x:auto;margin:.5em 0 1.2em}"
    "table{border-collapse:collapse;font-size:.9em;width:100%}"
    "th,td{border:1px solid #b9b9b2;padding:4px 7px;white-space:nowrap}"
    "th{background:#f0f0ea;font-weight:bold}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".cap{font-weight:bold;margin:1em 0 0;text-align:left}"
    "svg{display:block;width:100%;max-width:640px;height:auto;margin:.8em auto 1.2em}"
    ".sign{text-align:right;margin:2.5em 0 1.5em}"
    ".notes{font-size:.9em;color:#333}.notes p{text-align:left;margin:.2em 0}"
    ".cc{border-top:1px solid #222;border-bottom:1px solid #222;padding:6px 0;margin:2.5em 0 0}"
    ".printed{border-bottom:1px solid #222;padding:6px 0;margin:0;display:flex;"
    "justify-content:space-between;flex-wrap:wrap}"
    ".digest{font-size:.75em;color:#777;word-break:break-all;margin-top:1.5em}"
    "@media (max-width:600px){body{font-size:15px;background:#fff}"
    ".page{margin:0;padding:18px 12px;box-shadow:none}"
    ".issuer{font-size:1.45em;letter-spacing:.04em}h1{font-size:1.2em}"
    "table{font-size:.8em}th,td{padding:3px 4px}"
    "th{white-space:normal;min-width:3.2em}td:first-child{white-space:normal;min-width:5em}}"
    "@media print{@page{size:A4;margin:22mm 18mm 20mm}"
    "body{background:#fff;font-size:11pt;line-height:1.6}"
    ".page{max-width:none;margin:0;padding:0;box-shadow:none}"
    ".tw{overflow:visible}table{page-break-inside:auto}"
    "tr,svg,.sign,.cc,.printed{page-break-inside:avoid}"
    "h2,h3,.cap{page-break-after:avoid}"
    ".issuer{color:#c8161d;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".redhead{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/* A table of the rows of list, with its numbered caption, inside a box
 * that scrolls on a narrow screen (the page itself never does). */
static void s_table(FILE *f, int *n_table, const doc_table_t *t, const char *title, json_t *list)
{
    char buf[128];
    fprintf(f, "<p class=\"cap\">表%d  ", (*n_table)++);
    s_esc(f, title ? title : t->title);
    fputs("</p>\n<div class=\"tw\"><table>\n<thead><tr>", f);
    for (size_t c = 0; c < t->ncols; c++) {
        fputs("<th>", f);
        s_esc(f, t->cols[c].label);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        fputs("<tr>", f);
        for (size_t c = 0; c < t->ncols; c++) {
            fputs(doc_numeric(t->cols[c].kind) ? "<td class=\"n\">" : "<td>", f);
            s_esc(f, doc_row_cell(o, &t->cols[c], buf, sizeof(buf)));
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table></div>\n", f);
}

/* A paragraph of a sentence (taken; nothing for NULL). */
static void s_para(FILE *f, char *text)
{
    if (!text)
        return;
    fputs("<p>", f);
    s_esc(f, text);
    fputs("</p>\n", f);
    free(text);
}

static void s_h2(FILE *f, int *section, const char *text)
{
    fprintf(f, "<h2>%s、", doc_section_number((*section)++));
    s_esc(f, text);
    fputs("</h2>\n", f);
}

static void s_divisions(FILE *f, json_t *list, int *n_table)
{
    char title[96];
    for (size_t t = 0; t < doc_ndivision_tables; t++) {
        const doc_table_t *table = &doc_division_tables[t];
        fprintf(f, "<h3>%s", doc_subsection_number((int)t));
        s_esc(f, table->title);
        fputs("</h3>\n", f);
        snprintf(title, sizeof(title), "各处室%s（主办）", table->title);
        s_table(f, n_table, table, title, list);
        if (t == DOC_CHART_AFTER)
            bulletin_svg_bars(f, list);
    }
}

static void s_head(FILE *f, json_t *r, json_t *doc)
{
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"zh-CN\" "
          "xml:lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          f);
    s_esc(f, s_str(doc, "title"));
    fputs("</title>\n<style>", f);
    fputs(s_css, f);
    fputs("</style>\n</head>\n<body>\n<div class=\"page\">\n<div class=\"redhead\">\n<p class=\"issuer\">", f);
    s_esc(f, s_str(doc, "issuer"));
    fputs("</p>\n<p class=\"docno\">", f);
    s_esc(f, s_str(doc, "number"));
    fputs("</p>\n</div>\n<h1>", f);
    s_esc(f, s_str(doc, "title"));
    fputs("</h1>\n<p>", f);
    s_esc(f, s_str(doc, "addressee"));
    fputs("：</p>\n", f);
    s_para(f, doc_intro(r));
}

static void s_foot(FILE *f, json_t *doc, const char *digest)
{
    fputs("<div class=\"notes\">\n", f);
    for (int i = 0; doc_notes[i]; i++) {
        fprintf(f, "<p>%s%d. ", i ? "" : "注：", i + 1);
        s_esc(f, doc_notes[i]);
        fputs("</p>\n", f);
    }
    fputs("</div>\n<p class=\"sign\">", f);
    s_esc(f, s_str(doc, "issuer"));
    fputs("<br/>", f);
    s_esc(f, s_str(doc, "issue_date_cn"));
    fputs("</p>\n<p class=\"cc\">", f);
    char *copies = doc_copies(doc);
    s_esc(f, copies);
    free(copies);
    fputs("</p>\n<p class=\"printed\"><span>", f);
    s_esc(f, s_str(doc, "printer"));
    fputs("</span><span>", f);
    s_esc(f, s_str(doc, "issue_date_cn"));
    fputs("印发</span></p>\n<p class=\"digest\">记录编号（SHA-256）：", f);
    s_esc(f, digest);
    fputs("</p>\n</div>\n</body>\n</html>\n", f);
}

/* Work items (督办事项): the sentence, then each division's handling and
 * public evaluation, and a month-check's look-back of the items closed;
 * nothing for a record made before they had a section. */
static void s_workitems(FILE *f, json_t *r, int *section, int *n_table)
{
    json_t *list = AT(r, "workitems.divisions");
    if (!json_object_get(r, "workitems"))
        return;
    s_h2(f, section, "督办事项");
    s_para(f, doc_workitems(r));
    json_t *sample = AT(r, "workitems.sample");
    if (json_array_size(list) == 0) {
        fputs("<p>本期各处室没有督办事项的办理、进度报告、核验和评议。</p>\n", f);
    } else {
        s_table(f, n_table, &doc_workitem_table, NULL, list);
        s_table(f, n_table, &doc_evaluation_table, NULL, list);
    }
    if (json_array_size(json_object_get(sample, "divisions")) > 0) {
        s_para(f, doc_workitem_sample(sample));
        s_table(f, n_table, &doc_workitem_sample_table, NULL, json_object_get(sample, "divisions"));
    }
}

char *bulletin_render_html(json_t *r, const char *digest)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    json_t *doc = json_object_get(r, "document");
    int section = 0, n_table = 1;
    char title[160];
    s_head(f, r, doc);
    s_h2(f, &section, "总体情况");
    s_para(f, doc_overall(r));
    json_t *rows = doc_totals_rows(r);
    snprintf(title, sizeof(title), "本期与上期（%s）", s_str(json_object_get(r, "previous"), "title"));
    s_table(f, &n_table, &doc_totals_table, title, rows);
    json_decref(rows);
    s_h2(f, &section, "综合得分与排名");
    if (json_array_size(json_object_get(r, "ranking")) == 0)
        fputs("<p>本期没有可评分的处室。</p>\n", f);
    else
        s_table(f, &n_table, &doc_ranking_table, NULL, json_object_get(r, "ranking"));
    s_para(f, doc_unscored(r));
    s_para(f, doc_not_ranked(r));
    s_h2(f, &section, "各处室情况");
    s_divisions(f, json_object_get(r, "divisions"), &n_table);
    s_h2(f, &section, "与上期比较");
    s_table(f, &n_table, &doc_change_table, NULL, json_object_get(r, "divisions"));
    s_h2(f, &section, doc_overdue_title(r));
    if (json_array_size(json_object_get(r, "overdue")) == 0)
        fputs("<p>期末没有超期未办结的任务。</p>\n", f);
    else
        s_table(f, &n_table, &doc_overdue_table, NULL, json_object_get(r, "overdue"));
    s_h2(f, &section, "热点问题");
    s_para(f, doc_topics_intro(r));
    if (json_array_size(AT(r, "hot_topics.categories")))
        s_table(f, &n_table, &doc_category_table, NULL, AT(r, "hot_topics.categories"));
    if (json_array_size(AT(r, "hot_topics.areas")))
        s_table(f, &n_table, &doc_area_table, NULL, AT(r, "hot_topics.areas"));
    s_para(f, doc_unplaced(r));
    s_h2(f, &section, "协办情况");
    if (json_array_size(AT(r, "co_handling.divisions")) == 0)
        fputs("<p>本期没有协办任务。</p>\n", f);
    else
        s_table(f, &n_table, &doc_co_table, NULL, AT(r, "co_handling.divisions"));
    s_workitems(f, r, &section, &n_table);
    if (json_array_size(json_object_get(r, "trend")) > 1) {
        s_h2(f, &section, "逐月趋势");
        bulletin_svg_trend(f, json_object_get(r, "trend"));
        s_table(f, &n_table, &doc_trend_table, NULL, json_object_get(r, "trend"));
    }
    json_t *sample = json_object_get(r, "sample");
    if (sample) {
        s_h2(f, &section, "回头看抽查");
        s_para(f, doc_sample_intro(sample));
        if (json_array_size(json_object_get(sample, "divisions")) == 0)
            fputs("<p>本月没有办结案件。</p>\n", f);
        else
            s_table(f, &n_table, &doc_sample_table, NULL, json_object_get(sample, "divisions"));
        s_para(f, doc_sample_cases(sample));
    }
    s_h2(f, &section, "评分办法");
    s_para(f, doc_rules(json_object_get(r, "scoring")));
    s_foot(f, doc, digest);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
