/* The Markdown bulletin: the same document as the HTML page
 * (bulletin_render_doc.c), as text: the issuing body and the document
 * number, the title, the addressee, the numbered sections with tables of a
 * few columns each, the notes, the signature and issue date, the copies and
 * the printer. Never any requester data: the record holds none. */
#include "bulletin_render.h"
#include "bulletin_render_doc.h"

#include <stdlib.h>
#include <string.h>

#define AT(o, path) bulletin_render_at((o), (path))

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A cell: pipes and line breaks cannot appear in one. */
static void s_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void s_table(FILE *f, int *n_table, const doc_table_t *t, const char *title, json_t *list)
{
    char buf[128];
    fprintf(f, "表%d  %s\n\n|", (*n_table)++, title ? title : t->title);
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(f, " %s |", t->cols[c].label);
    fputs("\n|", f);
    for (size_t c = 0; c < t->ncols; c++)
        fputs(doc_numeric(t->cols[c].kind) ? "---:|" : "---|", f);
    fputs("\n", f);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        fputs("|", f);
        for (size_t c = 0; c < t->ncols; c++) {
            fputs(" ", f);
            s_text(f, doc_row_cell(o, &t->cols[c], buf, sizeof(buf)));
            fputs(" |", f);
        }
        fputs("\n", f);
    }
    fputs("\n", f);
}

static void s_para(FILE *f, char *text)
{
    if (text)
        fprintf(f, "%s\n\n", text);
    free(text);
}

static void s_h2(FILE *f, int *section, const char *text)
{
    fprintf(f, "## %s、%s\n\n", doc_section_number((*section)++), text);
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
        fputs("本期各处室没有督办事项的办理、进度报告、核验和评议。\n\n", f);
    } else {
        s_table(f, n_table, &doc_workitem_table, NULL, list);
        s_table(f, n_table, &doc_evaluation_table, NULL, list);
    }
    if (json_array_size(json_object_get(sample, "divisions")) > 0) {
        s_para(f, doc_workitem_sample(sample));
        s_table(f, n_table, &doc_workitem_sample_table, NULL, json_object_get(sample, "divisions"));
    }
}

char *bulletin_render_md(json_t *r, const char *digest)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    json_t *doc = json_object_get(r, "document");
    int section = 0, n_table = 1;
    char title[160];
    fprintf(f, "**%s**\n\n%s\n\n# %s\n\n%s：\n\n", s_str(doc, "issuer"), s_str(doc, "number"),
            s_str(doc, "title"), s_str(doc, "addressee"));
    s_para(f, doc_intro(r));
    s_h2(f, &section, "总体情况");
    s_para(f, doc_overall(r));
    json_t *rows = doc_totals_rows(r);
    snprintf(title, sizeof(title), "本期与上期（%s）", s_str(json_object_get(r, "previous"), "title"));
    s_table(f, &n_table, &doc_totals_table, title, rows);
    json_decref(rows);
    s_h2(f, &section, "综合得分与排名");
    if (json_array_size(json_object_get(r, "ranking")) == 0)
        fputs("本期没有可评分的处室。\n\n", f);
    else
        s_table(f, &n_table, &doc_ranking_table, NULL, json_object_get(r, "ranking"));
    s_para(f, doc_unscored(r));
    s_para(f, doc_not_ranked(r));
    s_h2(f, &section, "各处室情况");
    for (size_t t = 0; t < doc_ndivision_tables; t++) {
        fprintf(f, "### %s%s\n\n", doc_subsection_number((int)t), doc_division_tables[t].title);
        snprintf(title, sizeof(title), "各处室%s（主办）", doc_division_tables[t].title);
        s_table(f, &n_table, &doc_division_tables[t], title, json_object_get(r, "divisions"));
    }
    s_h2(f, &section, "与上期比较");
    s_table(f, &n_table, &doc_change_table, NULL, json_object_get(r, "divisions"));
    s_h2(f, &section, doc_overdue_title(r));
    if (json_array_size(json_object_get(r, "overdue")) == 0)
        fputs("期末没有超期未办结的任务。\n\n", f);
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
        fputs("本期没有协办任务。\n\n", f);
    else
        s_table(f, &n_table, &doc_co_table, NULL, AT(r, "co_handling.divisions"));
    s_workitems(f, r, &section, &n_table);
    if (json_array_size(json_object_get(r, "trend")) > 1) {
        s_h2(f, &section, "逐月趋势");
        s_table(f, &n_table, &doc_trend_table, NULL, json_object_get(r, "trend"));
    }
    json_t *sample = json_object_get(r, "sample");
    if (sample) {
        s_h2(f, &section, "回头看抽查");
        s_para(f, doc_sample_intro(sample));
        if (json_array_size(json_object_get(sample, "divisions")) == 0)
            fputs("本月没有办结案件。\n\n", f);
        else
            s_table(f, &n_table, &doc_sample_table, NULL, json_object_get(sample, "divisions"));
        s_para(f, doc_sample_cases(sample));
    }
    s_h2(f, &section, "评分办法");
    s_para(f, doc_rules(json_object_get(r, "scoring")));
    for (int i = 0; doc_notes[i]; i++)
        fprintf(f, "%s%d. %s\n", i ? "" : "注：", i + 1, doc_notes[i]);
    fprintf(f, "\n%s  \n%s\n\n---\n\n", s_str(doc, "issuer"), s_str(doc, "issue_date_cn"));
    char *copies = doc_copies(doc);
    fprintf(f, "%s\n\n%s　　%s印发\n\n---\n\n记录编号（SHA-256）：`%s`\n", copies ? copies : "",
            s_str(doc, "printer"), s_str(doc, "issue_date_cn"), digest);
    free(copies);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
