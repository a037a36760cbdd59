/* The CSV bulletin (RFC 4180, UTF-8 with a byte order mark so spreadsheets
 * read the Chinese header): one row per division and role, then the totals,
 * then, each below a blank line, the named overdue tasks, the ranking, the
 * hot topics, and the document's particulars with the scoring rules and the
 * notes; every figure of the record's tables, "—" for n/a. */
#include "bulletin_render.h"
#include "bulletin_render_doc.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *label, *path;
} s_columns[] = {
    {"受理", "received"},
    {"应响应", "response.due"},
    {"按时响应", "response.met"},
    {"按时响应率(%)", "response.rate"},
    {"应办结", "ontime.due"},
    {"按时办结", "ontime.met"},
    {"按时办结率(%)", "ontime.rate"},
    {"超期未办结", "overdue_open"},
    {"超期工作日", "overdue_days"},
    {"办结数", "replies"},
    {"平均办理工作日", "avg_handling_days"},
    {"退回", "returns"},
    {"仲裁", "arbitrated"},
    {"无理退回", "groundless_returns"},
    {"重新办理", "reopened"},
    {"延期", "extensions"},
    {"回访", "satisfaction.callbacks"},
    {"满意", "satisfaction.satisfied"},
    {"基本满意", "satisfaction.basically"},
    {"不满意", "satisfaction.unsatisfied"},
    {"满意率(%)", "satisfaction.rate"},
    {"预警", "alerts.warning"},
    {"1级告警", "alerts.level_1"},
    {"2级督办", "alerts.level_2"},
    {"3级督办", "alerts.level_3"},
    {"违规", "violations"},
    {"问责建议", "rung_name"},
    {"得分", "score"},
    {"等级", "grade"},
    {"排名", "rank"},
};

/* A field, quoted when it holds a comma, a quote or a line break. */
static void s_field(FILE *f, const char *text, bool last)
{
    if (strpbrk(text, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(text, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

static void s_row(FILE *f, const char *role, const char *code, const char *name, json_t *o)
{
    char buf[64];
    const size_t n = sizeof(s_columns) / sizeof(s_columns[0]);
    s_field(f, role, false);
    s_field(f, code, false);
    s_field(f, name, false);
    for (size_t i = 0; i < n; i++) {
        json_t *v = bulletin_render_at(o, s_columns[i].path);
        s_field(f, v ? bulletin_render_fmt(v, buf, sizeof(buf)) : "", i + 1 == n);
    }
}

static void s_table(FILE *f, const char *role, json_t *list, json_t *totals)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) s_row(f, role, json_string_value(json_object_get(o, "division")),
                                         json_string_value(json_object_get(o, "name")), o);
    s_row(f, role, "", "合计", totals);
}

/* A block: a header row, then one row per item of list. */
static void s_block(FILE *f, const doc_table_t *t, json_t *list)
{
    char buf[128];
    fputs("\r\n", f);
    for (size_t c = 0; c < t->ncols; c++)
        s_field(f, t->cols[c].label, c + 1 == t->ncols);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) for (size_t c = 0; c < t->ncols; c++)
        s_field(f, doc_row_cell(o, &t->cols[c], buf, sizeof(buf)), c + 1 == t->ncols);
}

static void s_pair(FILE *f, const char *label, const char *value)
{
    s_field(f, label, false);
    s_field(f, value ? value : "", true);
}

/* The ranking, the hot topics and the document with its rules and notes. */
static void s_sections(FILE *f, json_t *r)
{
    s_block(f, &doc_ranking_table, json_object_get(r, "ranking"));
    /* work items: each division with any, then the bureau's */
    json_t *wi = json_object_get(r, "workitems");
    json_t *rows = wi ? json_copy(json_object_get(wi, "divisions")) : NULL;
    json_t *total = json_deep_copy(json_object_get(wi, "totals"));
    if (total && json_object_set_new(total, "name", json_string("合计")) == 0)
        json_array_append(rows, total);
    json_decref(total);
    if (rows) {
        s_block(f, &doc_workitem_table, rows);
        s_block(f, &doc_evaluation_table, rows);
    }
    json_decref(rows);
    s_block(f, &doc_category_table, bulletin_render_at(r, "hot_topics.categories"));
    s_block(f, &doc_area_table, bulletin_render_at(r, "hot_topics.areas"));
    json_t *doc = json_object_get(r, "document");
    fputs("\r\n", f);
    s_pair(f, "发文机关", json_string_value(json_object_get(doc, "issuer")));
    s_pair(f, "文号", json_string_value(json_object_get(doc, "number")));
    s_pair(f, "标题", json_string_value(json_object_get(doc, "title")));
    s_pair(f, "发文日期", json_string_value(json_object_get(doc, "issue_date")));
    char *copies = doc_copies(doc), *rules = doc_rules(json_object_get(r, "scoring"));
    s_pair(f, "抄送", copies);
    s_pair(f, "评分办法", rules);
    free(copies);
    free(rules);
    for (int i = 0; doc_notes[i]; i++)
        s_pair(f, i ? "" : "注", doc_notes[i]);
}

char *bulletin_render_csv(json_t *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fputs("\xEF\xBB\xBF", f);
    s_field(f, "类别", false);
    s_field(f, "处室代码", false);
    s_field(f, "处室", false);
    const size_t n = sizeof(s_columns) / sizeof(s_columns[0]);
    for (size_t i = 0; i < n; i++)
        s_field(f, s_columns[i].label, i + 1 == n);
    s_table(f, "主办", json_object_get(r, "divisions"), json_object_get(r, "totals"));
    json_t *co = json_object_get(r, "co_handling");
    s_table(f, "协办", json_object_get(co, "divisions"), json_object_get(co, "totals"));
    /* The named overdue tasks, in the same file below a blank line. */
    fputs("\r\n", f);
    s_field(f, "超期未办结案件编号", false);
    s_field(f, "处室代码", false);
    s_field(f, "处室", false);
    s_field(f, "主办/协办", false);
    s_field(f, "办结期限", false);
    s_field(f, "超期工作日", true);
    size_t i;
    json_t *o;
    char buf[64];
    json_array_foreach(json_object_get(r, "overdue"), i, o)
    {
        const char *role = json_string_value(json_object_get(o, "role"));
        s_field(f, json_string_value(json_object_get(o, "case_number")), false);
        s_field(f, json_string_value(json_object_get(o, "division")), false);
        s_field(f, json_string_value(json_object_get(o, "name")), false);
        s_field(f, role && strcmp(role, "co") == 0 ? "协办" : "主办", false);
        s_field(f, json_string_value(json_object_get(o, "completion_due")), false);
        s_field(f, bulletin_render_fmt(json_object_get(o, "working_days_over"), buf, sizeof(buf)),
                true);
    }
    s_sections(f, r);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
