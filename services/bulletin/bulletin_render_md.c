/* The Markdown bulletin: the record as a document for the bureau's
 * leadership, in Chinese, sections in the order the plan asks for (figures,
 * ranking and grades, change, named overdue cases, co-handling, trend,
 * look-back sample, scoring rules). Never any requester data: the record
 * holds none. */
#include "bulletin_render.h"

#include <stdlib.h>
#include <string.h>

#define F(v) bulletin_render_fmt((v), b1, sizeof(b1))
#define P(v) bulletin_render_pct((v), b2, sizeof(b2))
#define AT(o, path) bulletin_render_at((o), (path))

static const char *s_cn_numbers[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

static void s_heading(FILE *f, int *section, const char *text)
{
    fprintf(f, "\n## %s、%s\n\n", s_cn_numbers[(*section)++ % 10], text);
}

/* "3 / 4（75.0%）" */
static void s_ratio(FILE *f, json_t *o, const char *key, const char *due_key)
{
    char b1[32], b2[32], b3[32];
    json_t *r = json_object_get(o, key);
    fprintf(f, "%s/%s（%s）", bulletin_render_fmt(json_object_get(r, "met"), b1, sizeof(b1)),
            bulletin_render_fmt(json_object_get(r, due_key), b3, sizeof(b3)),
            bulletin_render_pct(json_object_get(r, "rate"), b2, sizeof(b2)));
}

static void s_alerts(FILE *f, json_t *alerts)
{
    const char *key;
    json_t *v;
    json_object_foreach(alerts, key, v)
    {
        if (strcmp(key, "warning") == 0)
            fprintf(f, "预警%lld", (long long)json_integer_value(v));
        else
            fprintf(f, " %s级%lld", key + 6, (long long)json_integer_value(v));
    }
}

static void s_totals(FILE *f, json_t *now, json_t *before, const char *before_title)
{
    char b1[32], b2[32];
    static const struct {
        const char *label, *path;
        bool pct;
    } rows[] = {
        {"受理（派单）数", "received", false},
        {"按时响应率", "response.rate", true},
        {"按时办结率", "ontime.rate", true},
        {"期末超期未办结", "overdue_open", false},
        {"超期工作日合计", "overdue_days", false},
        {"办结数", "replies", false},
        {"平均办理工作日", "avg_handling_days", false},
        {"退回", "returns", false},
        {"仲裁", "arbitrated", false},
        {"无理退回", "groundless_returns", false},
        {"重新办理", "reopened", false},
        {"延期", "extensions", false},
        {"回访数", "satisfaction.callbacks", false},
        {"满意率", "satisfaction.rate", true},
        {"违规（超期等）", "violations", false},
    };
    fprintf(f, "| 指标 | 本期 | 上期（%s） |\n|---|---:|---:|\n", before_title);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fprintf(f, "| %s | ", rows[i].label);
        json_t *a = AT(now, rows[i].path), *b = AT(before, rows[i].path);
        fprintf(f, "%s | ", rows[i].pct ? P(a) : F(a));
        fprintf(f, "%s |\n", rows[i].pct ? P(b) : F(b));
    }
}

static void s_division_table(FILE *f, json_t *list, bool scored)
{
    char b1[32], b2[32];
    fprintf(f,
            "| 处室 | 受理 | 按时响应 | 按时办结 | 超期未办结（工作日） | 平均办理工作日 | 退回 "
            "| 仲裁/无理退回 | 重新办理 | 延期 | 满意率（回访） | 预警与告警 | 问责建议 |%s\n",
            scored ? " 得分 | 等级 | 排名 |" : "");
    fprintf(f, "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|---|%s\n",
            scored ? "---:|---|---:|" : "");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        fprintf(f, "| %s | %s | ", json_string_value(json_object_get(o, "name")),
                F(json_object_get(o, "received")));
        s_ratio(f, o, "response", "due");
        fputs(" | ", f);
        s_ratio(f, o, "ontime", "due");
        fprintf(f, " | %s", F(json_object_get(o, "overdue_open")));
        fprintf(f, "（%s） | ", F(json_object_get(o, "overdue_days")));
        fprintf(f, "%s | ", F(json_object_get(o, "avg_handling_days")));
        fprintf(f, "%s | ", F(json_object_get(o, "returns")));
        fprintf(f, "%s/", F(json_object_get(o, "arbitrated")));
        fprintf(f, "%s | ", F(json_object_get(o, "groundless_returns")));
        fprintf(f, "%s | ", F(json_object_get(o, "reopened")));
        fprintf(f, "%s | ", F(json_object_get(o, "extensions")));
        fprintf(f, "%s", P(AT(o, "satisfaction.rate")));
        fprintf(f, "（%s） | ", F(AT(o, "satisfaction.callbacks")));
        s_alerts(f, json_object_get(o, "alerts"));
        fprintf(f, " | %s |", F(json_object_get(o, "rung_name")));
        if (scored) {
            fprintf(f, " %s | ", F(json_object_get(o, "score")));
            fprintf(f, "%s | ", F(json_object_get(o, "grade")));
            fprintf(f, "%s |", F(json_object_get(o, "rank")));
        }
        fputs("\n", f);
    }
}

static void s_ranking(FILE *f, json_t *record)
{
    char b1[32];
    json_t *ranking = json_object_get(record, "ranking");
    if (json_array_size(ranking) == 0) {
        fputs("本期没有可评分的处室。\n", f);
        return;
    }
    fputs("| 排名 | 处室 | 得分 | 等级 |\n|---:|---|---:|---|\n", f);
    size_t i;
    json_t *o;
    json_array_foreach(ranking, i, o)
    {
        fprintf(f, "| %s | %s | ", F(json_object_get(o, "rank")),
                json_string_value(json_object_get(o, "name")));
        fprintf(f, "%s | %s（%s） |\n", F(json_object_get(o, "score")),
                json_string_value(json_object_get(o, "grade")),
                json_string_value(json_object_get(o, "grade_name")));
    }
    fputs("\n未列入排名的处室本期没有可计算的响应、办结或满意率（n/a），不评分。\n", f);
}

static void s_change(FILE *f, json_t *record)
{
    char b1[32];
    fputs("| 处室 | 受理增减 | 按时响应率 | 按时办结率 | 满意率 | 得分 | 上期等级 | 上期排名 |\n"
          "|---|---:|---:|---:|---:|---:|---|---:|\n",
          f);
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(record, "divisions"), i, o)
    {
        json_t *c = json_object_get(o, "change");
        json_int_t received = json_integer_value(json_object_get(c, "received"));
        fprintf(f, "| %s | %s%lld | ", json_string_value(json_object_get(o, "name")),
                received > 0 ? "+" : "", (long long)received);
        static const char *keys[] = {"response_rate", "ontime_rate", "satisfaction_rate", "score"};
        for (int k = 0; k < 4; k++) {
            json_t *v = json_object_get(c, keys[k]);
            const char *text = F(v);
            fprintf(f, "%s%s%s | ", json_is_number(v) && json_real_value(v) > 0 ? "+" : "", text,
                    json_is_number(v) && k < 3 ? " 个百分点" : "");
        }
        fprintf(f, "%s | ", F(json_object_get(c, "grade_before")));
        fprintf(f, "%s |\n", F(json_object_get(c, "rank_before")));
    }
}

static void s_overdue(FILE *f, json_t *record)
{
    char b1[32];
    json_t *list = json_object_get(record, "overdue");
    if (json_array_size(list) == 0) {
        fputs("期末没有超期未办结的任务。\n", f);
        return;
    }
    fputs("| 案件编号 | 处室 | 主办/协办 | 办结期限 | 超期工作日 |\n|---|---|---|---|---:|\n", f);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        const char *role = json_string_value(json_object_get(o, "role"));
        fprintf(f, "| %s | %s | %s | %s | %s |\n",
                json_string_value(json_object_get(o, "case_number")),
                json_string_value(json_object_get(o, "name")),
                role && strcmp(role, "co") == 0 ? "协办" : "主办",
                json_string_value(json_object_get(o, "completion_due")),
                F(json_object_get(o, "working_days_over")));
    }
}

static void s_trend(FILE *f, json_t *record)
{
    char b1[32], b2[32];
    fputs("| 月份 | 受理 | 按时响应率 | 按时办结率 | 满意率 | 平均办理工作日 | 月末超期未办结 |\n"
          "|---|---:|---:|---:|---:|---:|---:|\n",
          f);
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(record, "trend"), i, o)
    {
        fprintf(f, "| %s | %s | ", json_string_value(json_object_get(o, "month")),
                F(json_object_get(o, "received")));
        fprintf(f, "%s | ", P(json_object_get(o, "response_rate")));
        fprintf(f, "%s | ", P(json_object_get(o, "ontime_rate")));
        fprintf(f, "%s | ", P(json_object_get(o, "satisfaction_rate")));
        fprintf(f, "%s | ", F(json_object_get(o, "avg_handling_days")));
        fprintf(f, "%s |\n", F(json_object_get(o, "overdue_open")));
    }
}

static void s_sample(FILE *f, json_t *sample)
{
    char b1[32];
    fprintf(f,
            "按各处室本月办结案件的 %s%%（向上取整，有办结即至少 1 件）抽取，"
            "以期间标识 %s 为种子，同一期间抽取结果相同。抽中案件转督查室回头看复查；"
            "复查不合格的案件重新交办。\n\n",
            F(json_object_get(sample, "percent")),
            json_string_value(json_object_get(sample, "seed")));
    json_t *list = json_object_get(sample, "divisions");
    if (json_array_size(list) == 0) {
        fputs("本月没有办结案件。\n", f);
        return;
    }
    fputs("| 处室 | 本月办结 | 抽查 | 抽查案件 |\n|---|---:|---:|---|\n", f);
    size_t i, j;
    json_t *o, *c;
    json_array_foreach(list, i, o)
    {
        fprintf(f, "| %s | %s | ", json_string_value(json_object_get(o, "name")),
                F(json_object_get(o, "closed")));
        fprintf(f, "%s | ", F(json_object_get(o, "drawn")));
        json_array_foreach(json_object_get(o, "cases"), j, c)
            fprintf(f, "%s%s", j ? "、" : "", json_string_value(c));
        fputs(" |\n", f);
    }
}

static void s_rules(FILE *f, json_t *scoring)
{
    char b1[32];
    json_t *w = json_object_get(scoring, "weights"), *p = json_object_get(scoring, "penalties");
    fprintf(f, "综合得分 = 按时响应率×%s", F(json_object_get(w, "response")));
    fprintf(f, " + 按时办结率×%s", F(json_object_get(w, "ontime")));
    fprintf(f, " + 满意率×%s，按有分母的指标加权平均（分母为零记 n/a，不计入，也不视为 100%%）；",
            F(json_object_get(w, "satisfaction")));
    fprintf(f, "再扣减：每件期末超期未办结 %s 分", F(json_object_get(p, "overdue_open")));
    fprintf(f, "、每次无理退回 %s 分", F(json_object_get(p, "groundless_return")));
    fprintf(f, "、每件重新办理 %s 分", F(json_object_get(p, "reopened")));
    fprintf(f, "、每次超期告警或督办 %s 分；得分限于 0–100。等级：",
            F(json_object_get(p, "alert")));
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(scoring, "grades"), i, g)
    {
        fprintf(f, "%s%s（%s）≥ %s", i ? "，" : "", json_string_value(json_object_get(g, "grade")),
                json_string_value(json_object_get(g, "name")), F(json_object_get(g, "min")));
    }
    fputs("。\n", f);
}

char *bulletin_render_md(json_t *r, const char *digest)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    char b1[32];
    int section = 0;
    const char *kind = json_string_value(json_object_get(r, "kind"));
    bool month = kind && strcmp(kind, "month") == 0;
    fprintf(f, "# %s\n\n", json_string_value(json_object_get(r, "title")));
    fprintf(f, "- 期间：%s 至 %s（工作日 %s 天）\n", json_string_value(json_object_get(r, "from")),
            json_string_value(json_object_get(r, "to")), F(json_object_get(r, "working_days")));
    fputs("- 口径：主办任务计入各处室，协办单列；列入监控名单的案件不计入；工作日按营商日历"
          "（节假日、调休）计算；分母为零的比率记 n/a。指标定义见 deploy/bulletin/README.md。\n",
          f);
    fprintf(f, "- 记录编号（SHA-256）：`%s`\n", digest);
    s_heading(f, &section, "总体情况（主办）");
    s_totals(f, json_object_get(r, "totals"), AT(r, "previous.totals"),
             json_string_value(AT(r, "previous.title")));
    s_heading(f, &section, "各处室情况（主办）");
    s_division_table(f, json_object_get(r, "divisions"), true);
    s_heading(f, &section, "排名与等级");
    s_ranking(f, r);
    s_heading(f, &section, "与上期比较");
    s_change(f, r);
    s_heading(f, &section, month ? "超期未办结任务清单（期末普查）" : "超期未办结案件点名");
    s_overdue(f, r);
    s_heading(f, &section, "协办情况");
    json_t *co = json_object_get(r, "co_handling");
    if (json_array_size(json_object_get(co, "divisions")) == 0)
        fputs("本期没有协办任务。\n", f);
    else
        s_division_table(f, json_object_get(co, "divisions"), false);
    if (json_array_size(json_object_get(r, "trend")) > 1) {
        s_heading(f, &section, "逐月趋势");
        s_trend(f, r);
    }
    if (json_object_get(r, "sample")) {
        s_heading(f, &section, "回头看抽查");
        s_sample(f, json_object_get(r, "sample"));
    }
    s_heading(f, &section, "评分办法");
    s_rules(f, json_object_get(r, "scoring"));
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
