/* The document's tables and sentences; see bulletin_render_doc.h. */
#include "bulletin_render_doc.h"

#include "bulletin_render.h"

#include <stdlib.h>
#include <string.h>

#define AT(o, path) bulletin_render_at((o), (path))
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define TABLE(title, cols) {title, cols, NCOLS(cols)}

/* ------------------------------------------------------------- tables */

static const doc_column_t s_resp[] = {
    {"处室", "name", DOC_TEXT},           {"受理", "received", DOC_NUM},
    {"应响应", "response.due", DOC_NUM},  {"按时响应", "response.met", DOC_NUM},
    {"按时响应率", "response.rate", DOC_PCT},
};
static const doc_column_t s_done[] = {
    {"处室", "name", DOC_TEXT},          {"应办结", "ontime.due", DOC_NUM},
    {"按时办结", "ontime.met", DOC_NUM}, {"按时办结率", "ontime.rate", DOC_PCT},
    {"办结数", "replies", DOC_NUM},      {"平均办理工作日", "avg_handling_days", DOC_NUM},
};
static const doc_column_t s_late[] = {
    {"处室", "name", DOC_TEXT},
    {"期末超期未办结", "overdue_open", DOC_NUM},
    {"超期工作日", "overdue_days", DOC_NUM},
    {"延期", "extensions", DOC_NUM},
};
static const doc_column_t s_back[] = {
    {"处室", "name", DOC_TEXT},      {"退回", "returns", DOC_NUM},
    {"仲裁", "arbitrated", DOC_NUM}, {"无理退回", "groundless_returns", DOC_NUM},
    {"重新办理", "reopened", DOC_NUM},
};
static const doc_column_t s_sat[] = {
    {"处室", "name", DOC_TEXT},
    {"回访", "satisfaction.callbacks", DOC_NUM},
    {"满意", "satisfaction.satisfied", DOC_NUM},
    {"基本满意", "satisfaction.basically", DOC_NUM},
    {"不满意", "satisfaction.unsatisfied", DOC_NUM},
    {"满意率", "satisfaction.rate", DOC_PCT},
};
static const doc_column_t s_alerts[] = {
    {"处室", "name", DOC_TEXT},            {"预警", "alerts.warning", DOC_NUM},
    {"1级告警", "alerts.level_1", DOC_NUM}, {"2级督办", "alerts.level_2", DOC_NUM},
    {"3级督办", "alerts.level_3", DOC_NUM}, {"违规", "violations", DOC_NUM},
    {"问责建议", "rung_name", DOC_TEXT},
};

const doc_table_t doc_division_tables[] = {
    TABLE("受理与响应", s_resp),
    TABLE("办结", s_done),
    TABLE("期末超期与延期", s_late),
    TABLE("退回、仲裁与重新办理", s_back),
    TABLE("回访满意度", s_sat),
    TABLE("预警、告警与问责建议", s_alerts),
};
const size_t doc_ndivision_tables = NCOLS(doc_division_tables);

static const doc_column_t s_totals[] = {
    {"指标", "label", DOC_TEXT},
    {"本期", "now", DOC_NUM},
    {"上期", "before", DOC_NUM},
};
static const doc_column_t s_ranking[] = {
    {"排名", "rank", DOC_NUM},           {"处室", "name", DOC_TEXT},
    {"综合得分", "score", DOC_NUM},      {"等级", "grade", DOC_GRADE},
    {"上期排名", "rank_before", DOC_NUM}, {"得分增减", "score_change", DOC_DELTA},
};
static const doc_column_t s_change[] = {
    {"处室", "name", DOC_TEXT},
    {"受理增减", "change.received", DOC_DELTA},
    {"按时响应率", "change.response_rate", DOC_DELTA},
    {"按时办结率", "change.ontime_rate", DOC_DELTA},
    {"满意率", "change.satisfaction_rate", DOC_DELTA},
    {"得分增减", "change.score", DOC_DELTA},
    {"上期等级", "change.grade_before", DOC_TEXT},
    {"上期排名", "change.rank_before", DOC_NUM},
};
static const doc_column_t s_overdue[] = {
    {"案件编号", "case_number", DOC_TEXT}, {"处室", "name", DOC_TEXT},
    {"主办/协办", "role", DOC_ROLE},       {"办结期限", "completion_due", DOC_TEXT},
    {"超期工作日", "working_days_over", DOC_NUM},
};
static const doc_column_t s_co[] = {
    {"处室", "name", DOC_TEXT},              {"协办任务", "received", DOC_NUM},
    {"按时响应率", "response.rate", DOC_PCT}, {"按时办结率", "ontime.rate", DOC_PCT},
    {"期末超期", "overdue_open", DOC_NUM},
};
static const doc_column_t s_trend[] = {
    {"月份", "month", DOC_TEXT},
    {"受理", "received", DOC_NUM},
    {"按时响应率", "response_rate", DOC_PCT},
    {"按时办结率", "ontime_rate", DOC_PCT},
    {"满意率", "satisfaction_rate", DOC_PCT},
    {"平均办理工作日", "avg_handling_days", DOC_NUM},
    {"月末超期", "overdue_open", DOC_NUM},
};
static const doc_column_t s_sample[] = {
    {"处室", "name", DOC_TEXT},
    {"本月办结", "closed", DOC_NUM},
    {"抽查", "drawn", DOC_NUM},
};
static const doc_column_t s_category[] = {
    {"问题类别", "name", DOC_TEXT}, {"件数", "cases", DOC_NUM},  {"占比", "share", DOC_PCT},
    {"上期", "previous", DOC_NUM},  {"增减", "change", DOC_DELTA},
};
static const doc_column_t s_area[] = {
    {"地区", "name", DOC_TEXT},    {"件数", "cases", DOC_NUM},  {"占比", "share", DOC_PCT},
    {"上期", "previous", DOC_NUM}, {"增减", "change", DOC_DELTA},
};

static const doc_column_t s_workitems[] = {
    {"处室", "name", DOC_TEXT},
    {"应完成事项", "items_due", DOC_NUM},
    {"按时完成", "ontime", DOC_NUM},
    {"按时完成率", "ontime_rate", DOC_PCT},
    {"应报进度", "reports_due", DOC_NUM},
    {"进度报告逾期", "reports_missed", DOC_NUM},
    {"核验退回", "sent_back", DOC_NUM},
    {"回头看不合格", "lookback_failed", DOC_NUM},
};
static const doc_column_t s_evaluation[] = {
    {"处室", "name", DOC_TEXT},
    {"评议", "evaluation.evaluations", DOC_NUM},
    {"满意", "evaluation.satisfied", DOC_NUM},
    {"基本满意", "evaluation.basically", DOC_NUM},
    {"不满意", "evaluation.dissatisfied", DOC_NUM},
    {"满意率", "evaluation.rate", DOC_PCT},
};

const doc_table_t doc_totals_table = TABLE("本期与上期", s_totals);
const doc_table_t doc_workitem_table = TABLE("各处室督办事项办理情况（牵头）", s_workitems);
const doc_table_t doc_evaluation_table = TABLE("各处室督办事项网上评议（牵头）", s_evaluation);
const doc_table_t doc_ranking_table = TABLE("综合得分与排名", s_ranking);
const doc_table_t doc_change_table = TABLE("与上期比较（比率增减为百分点）", s_change);
const doc_table_t doc_overdue_table = TABLE("期末超期未办结任务", s_overdue);
const doc_table_t doc_co_table = TABLE("协办情况（不参加评分）", s_co);
const doc_table_t doc_trend_table = TABLE("逐月情况（各月按月末口径，合计即本期）", s_trend);
const doc_table_t doc_sample_table = TABLE("回头看抽查", s_sample);
static const doc_column_t s_workitem_sample[] = {
    {"处室", "name", DOC_TEXT},
    {"本月销号", "closed", DOC_NUM},
    {"抽查", "drawn", DOC_NUM},
};
const doc_table_t doc_workitem_sample_table = TABLE("督办事项回头看抽查", s_workitem_sample);
const doc_table_t doc_category_table = TABLE("热点问题类别", s_category);
const doc_table_t doc_area_table = TABLE("热点地区", s_area);

int doc_numeric(doc_kind_t kind)
{
    return kind == DOC_NUM || kind == DOC_PCT || kind == DOC_DELTA;
}

const char *doc_cell(json_t *v, doc_kind_t kind, char *buf, size_t len)
{
    switch (kind) {
    case DOC_PCT:
        return bulletin_render_pct(v, buf, len);
    case DOC_DELTA:
        bulletin_render_fmt(v, buf + 1, len - 1);
        buf[0] = '+';
        return json_is_number(v) && json_number_value(v) > 0 ? buf : buf + 1;
    case DOC_ROLE:
        snprintf(buf, len, "%s",
                 json_is_string(v) && strcmp(json_string_value(v), "co") == 0 ? "协办" : "主办");
        return buf;
    default:
        return bulletin_render_fmt(v, buf, len);
    }
}

const char *doc_row_cell(json_t *o, const doc_column_t *col, char *buf, size_t len)
{
    if (col->kind == DOC_GRADE) {
        const char *g = json_string_value(json_object_get(o, "grade"));
        const char *n = json_string_value(json_object_get(o, "grade_name"));
        if (g && n && strcmp(g, "n/a") != 0)
            snprintf(buf, len, "%s（%s）", g, n);
        else
            snprintf(buf, len, "—");
        return buf;
    }
    return doc_cell(AT(o, col->path), col->kind, buf, len);
}

json_t *doc_totals_rows(json_t *r)
{
    static const struct {
        const char *label, *path;
        doc_kind_t kind;
    } rows[] = {
        {"受理（派单）", "received", DOC_NUM},
        {"按时响应率", "response.rate", DOC_PCT},
        {"按时办结率", "ontime.rate", DOC_PCT},
        {"期末超期未办结", "overdue_open", DOC_NUM},
        {"超期工作日", "overdue_days", DOC_NUM},
        {"办结数", "replies", DOC_NUM},
        {"平均办理工作日", "avg_handling_days", DOC_NUM},
        {"退回", "returns", DOC_NUM},
        {"仲裁", "arbitrated", DOC_NUM},
        {"无理退回", "groundless_returns", DOC_NUM},
        {"重新办理", "reopened", DOC_NUM},
        {"延期", "extensions", DOC_NUM},
        {"回访数", "satisfaction.callbacks", DOC_NUM},
        {"满意率", "satisfaction.rate", DOC_PCT},
        {"违规", "violations", DOC_NUM},
    };
    json_t *now = json_object_get(r, "totals"), *before = AT(r, "previous.totals");
    json_t *list = json_array();
    for (size_t i = 0; i < NCOLS(rows); i++) {
        char a[64], b[64];
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s}", "label", rows[i].label, "now",
                            doc_cell(AT(now, rows[i].path), rows[i].kind, a, sizeof(a)), "before",
                            doc_cell(AT(before, rows[i].path), rows[i].kind, b, sizeof(b))));
    }
    return list;
}

/* ------------------------------------------------------------- sentences */

typedef struct {
    char *text;
    size_t len;
    FILE *f;
} text_t;

static FILE *s_open(text_t *t)
{
    t->text = NULL;
    t->len = 0;
    t->f = open_memstream(&t->text, &t->len);
    return t->f;
}

static char *s_close(text_t *t)
{
    if (fclose(t->f) != 0) {
        free(t->text);
        return NULL;
    }
    return t->text;
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Buffer i of b[8][64] holds one value of a sentence. */
#define F(i, v) bulletin_render_fmt((v), b[i], sizeof(b[i]))
#define P(i, v) bulletin_render_pct((v), b[i], sizeof(b[i]))

char *doc_intro(json_t *r)
{
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    json_t *d = json_object_get(r, "document");
    fprintf(f,
            "现将%s（%s至%s，工作日%lld天）督办工作情况通报如下。本通报各项数据以期末为准："
            "期间内的受理、签收、办结、补正材料、延期、退回、回访等按其发生时间计入，期末以后"
            "发生的办理不改变本期数据。",
            s_str(d, "period_name"), s_str(d, "from_cn"), s_str(d, "to_cn"),
            (long long)json_integer_value(json_object_get(r, "working_days")));
    return s_close(&t);
}

char *doc_overall(json_t *r)
{
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    json_t *x = json_object_get(r, "totals");
    fprintf(f, "本期各处室共受理（主办）任务%s件；应响应%s件，按时响应率%s；", F(0, AT(x, "received")),
            F(1, AT(x, "response.due")), P(2, AT(x, "response.rate")));
    fprintf(f, "应办结%s件，按时办结%s件，按时办结率%s；", F(0, AT(x, "ontime.due")),
            F(1, AT(x, "ontime.met")), P(2, AT(x, "ontime.rate")));
    fprintf(f, "期末超期未办结%s件（合计%s个工作日）；", F(0, AT(x, "overdue_open")),
            F(1, AT(x, "overdue_days")));
    fprintf(f, "回访%s件，满意率%s；违规%s次。", F(0, AT(x, "satisfaction.callbacks")),
            P(1, AT(x, "satisfaction.rate")), F(2, AT(x, "violations")));
    return s_close(&t);
}

/* A sentence naming the divisions of list that pass keep, or NULL. */
static char *s_names(json_t *list, int (*keep)(json_t *), const char *before, const char *after)
{
    size_t i;
    json_t *o;
    int named = 0;
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    json_array_foreach(list, i, o)
    {
        if (!keep(o))
            continue;
        fprintf(f, "%s%s", named++ ? "、" : before, s_str(o, "name"));
    }
    if (named)
        fputs(after, f);
    char *text = s_close(&t);
    if (text && !named) {
        free(text);
        return NULL;
    }
    return text;
}

static int s_unscored(json_t *o)
{
    return !json_is_number(json_object_get(o, "score"));
}

static int s_any(json_t *o)
{
    (void)o;
    return 1;
}

char *doc_unscored(json_t *r)
{
    return s_names(json_object_get(r, "divisions"), s_unscored,
                   "本期未评分（应响应、应办结、回访、应完成督办事项和网上评议均为零，各项比率都是"
                   "“—”）：",
                   "。");
}

char *doc_not_ranked(json_t *r)
{
    return s_names(json_object_get(r, "not_ranked"), s_any, "",
                   "负责督查督办，不参加评分排名。");
}

char *doc_workitems(json_t *r)
{
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    json_t *x = AT(r, "workitems.totals"), *p = AT(r, "workitems.previous");
    fprintf(f, "本期督办事项（工作方案任务、领导批示、会议议定事项和整改事项）应完成%s项，按时完成%s项，",
            F(0, AT(x, "items_due")), F(1, AT(x, "ontime")));
    fprintf(f, "按时完成率%s（上期%s）；应报进度%s次，逾期未报%s次；核验退回%s次；回头看不合格%s项；",
            P(0, AT(x, "ontime_rate")), P(1, AT(p, "ontime_rate")), F(2, AT(x, "reports_due")),
            F(3, AT(x, "reports_missed")), F(4, AT(x, "sent_back")),
            F(5, AT(x, "lookback_failed")));
    fprintf(f, "网上评议%s条（满意%s、基本满意%s、不满意%s），满意率%s。",
            F(0, AT(x, "evaluation.evaluations")), F(1, AT(x, "evaluation.satisfied")),
            F(2, AT(x, "evaluation.basically")), F(3, AT(x, "evaluation.dissatisfied")),
            P(4, AT(x, "evaluation.rate")));
    fputs("按时完成指办结期限前报送完成报告、且至期末未被核验退回；各项计入牵头处室，"
          "按时完成率和网上评议满意率按权重计入综合得分。",
          f);
    return s_close(&t);
}

char *doc_topics_intro(json_t *r)
{
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    json_t *h = json_object_get(r, "hot_topics");
    fprintf(f,
            "本期受理（主办）任务%s件，上期%s件。按问题类别和发生地区统计，件数居前%s位的"
            "如下（重新办理的任务再计一次）。",
            F(0, json_object_get(h, "received")), F(1, json_object_get(h, "previous_received")),
            F(2, json_object_get(h, "top")));
    return s_close(&t);
}

char *doc_unplaced(json_t *r)
{
    json_t *u = AT(r, "hot_topics.unplaced");
    if (json_integer_value(u) <= 0)
        return NULL;
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    fprintf(f, "另有%s件的地点未写明市或县（区），未计入地区统计。", F(0, u));
    return s_close(&t);
}

char *doc_sample_intro(json_t *sample)
{
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    fprintf(f,
            "按各处室本月办结案件的%s%%抽取（向上取整，有办结即至少1件），以期间标识 %s "
            "为种子，同一期间抽取结果相同；抽中案件转督查室复查，复查不合格的重新交办，计入"
            "重新办理。",
            F(0, json_object_get(sample, "percent")), s_str(sample, "seed"));
    return s_close(&t);
}

char *doc_sample_cases(json_t *sample)
{
    json_t *list = json_object_get(sample, "divisions");
    if (json_array_size(list) == 0)
        return NULL;
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    size_t i, j;
    json_t *o, *c;
    fputs("抽查案件：", f);
    json_array_foreach(list, i, o)
    {
        fprintf(f, "%s%s ", i ? "；" : "", s_str(o, "name"));
        json_array_foreach(json_object_get(o, "cases"), j, c)
            fprintf(f, "%s%s", j ? "、" : "", json_string_value(c));
    }
    fputs("。", f);
    return s_close(&t);
}

char *doc_workitem_sample(json_t *sample)
{
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    fprintf(f,
            "督办事项回头看：按各处室本月销号督办事项的%s%%抽取（向上取整，有销号即至少1项），"
            "以期间标识 %s 为种子；抽中事项转督查室复查，复查不合格的重新交办牵头处室（按督办"
            "事项时限重新计算办结期限），计入回头看不合格。",
            F(0, json_object_get(sample, "percent")), s_str(sample, "seed"));
    size_t i, j;
    json_t *o, *c;
    json_array_foreach(json_object_get(sample, "divisions"), i, o)
    {
        fprintf(f, "%s%s ", i ? "；" : "抽查事项：", s_str(o, "name"));
        json_array_foreach(json_object_get(o, "cases"), j, c)
            fprintf(f, "%s%s", j ? "、" : "", json_string_value(c));
    }
    if (json_array_size(json_object_get(sample, "divisions")))
        fputs("。", f);
    return s_close(&t);
}

char *doc_rules(json_t *scoring)
{
    char b[8][64];
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    json_t *w = json_object_get(scoring, "weights"), *p = json_object_get(scoring, "penalties");
    fprintf(f, "综合得分＝按时响应率×%s＋按时办结率×%s＋满意率×%s＋督办事项按时完成率×%s＋"
               "网上评议满意率×%s，",
            F(0, json_object_get(w, "response")), F(1, json_object_get(w, "ontime")),
            F(2, json_object_get(w, "satisfaction")), F(3, json_object_get(w, "workitems")),
            F(4, json_object_get(w, "evaluation")));
    fputs("按本期有分母的比率加权平均（分母为零的记“—”，不计入，也不视为100%）；", f);
    fprintf(f, "再扣减：每件期末超期未办结%s分、每次无理退回%s分、每件重新办理%s分、",
            F(0, json_object_get(p, "overdue_open")), F(1, json_object_get(p, "groundless_return")),
            F(2, json_object_get(p, "reopened")));
    fprintf(f, "每次超期告警或督办%s分、督办事项每次进度报告逾期%s分、每次核验退回%s分"
               "（回头看不合格按重新办理扣分）；得分限于0至100分。等级：",
            F(0, json_object_get(p, "alert")), F(1, json_object_get(p, "report_missed")),
            F(2, json_object_get(p, "sent_back")));
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(scoring, "grades"), i, g)
        fprintf(f, "%s%s（%s）%s分以上", i ? "，" : "", s_str(g, "grade"), s_str(g, "name"),
                F(0, json_object_get(g, "min")));
    fputs("。", f);
    return s_close(&t);
}

char *doc_copies(json_t *d)
{
    text_t t;
    FILE *f = s_open(&t);
    if (!f)
        return NULL;
    size_t i;
    json_t *c;
    fputs("抄送：", f);
    json_array_foreach(json_object_get(d, "copy_to"), i, c)
        fprintf(f, "%s%s", i ? "，" : "", json_string_value(c));
    fputs("。", f);
    return s_close(&t);
}

const char *const doc_notes[] = {
    "主办任务计入各处室，协办单列，不参加评分；列入监控名单的案件不计入。",
    "工作日按营商日历（含节假日、调休）计算。",
    BULLETIN_NA_NOTE,
    "各项指标的定义见系统说明 deploy/bulletin/README.md。",
    NULL,
};

const char *doc_section_number(int i)
{
    static const char *n[] = {"一", "二", "三", "四", "五", "六",
                              "七", "八", "九", "十", "十一", "十二"};
    return n[i % 12];
}

const char *doc_subsection_number(int i)
{
    static const char *n[] = {"（一）", "（二）", "（三）", "（四）", "（五）", "（六）"};
    return n[i % 6];
}

const char *doc_overdue_title(json_t *r)
{
    return strcmp(s_str(r, "kind"), "month") == 0 ? "超期未办结任务清单（期末普查）"
                                                   : "超期未办结任务点名";
}
