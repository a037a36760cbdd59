/* Building the bulletin record; see bulletin_render_json.h and the figure
 * definitions in deploy/bulletin/README.md. Objects are built in a fixed key
 * order and dumped with jansson (which keeps insertion order); every
 * fractional number is a tenth, printed with one decimal. */
#include "bulletin_render_json.h"

#include "bulletin_schedule.h"
#include "bulletin_topics.h"
#include "log.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

#define HOT_TOPICS 5 /* categories and areas listed */

typedef struct {
    const bulletin_ctx_t *ctx;
    const bulletin_data_t *d;
    int from, to;           /* the period's months */
    int prev_from, prev_to; /* the previous period's months */
    int *order;             /* division indices in the org file's order, then the rest by code */
    int *position;          /* the inverse: a division index's place in order */
} build_t;

/* The configured order of the divisions (the org file's), those it does not
 * list after them in code order. */
static int s_order(build_t *b)
{
    const bulletin_data_t *d = b->d;
    int n = d->ndivisions, k = 0;
    b->order = calloc((size_t)n + 1, sizeof(int));
    b->position = calloc((size_t)n + 1, sizeof(int));
    bool *placed = calloc((size_t)n + 1, sizeof(bool));
    if (!b->order || !b->position || !placed) {
        free(placed);
        return -1;
    }
    const org_t *org = b->ctx->org;
    for (int o = 0; org && o < org->ndivisions; o++)
        for (int i = 0; i < n; i++)
            if (!placed[i] && strcmp(d->divisions[i].code, org->divisions[o].code) == 0) {
                placed[i] = true;
                b->order[k++] = i;
            }
    for (int i = 0; i < n; i++)
        if (!placed[i])
            b->order[k++] = i;
    for (int p = 0; p < n; p++)
        b->position[b->order[p]] = p;
    b->position[n] = n; /* the unattributed slot, last */
    free(placed);
    return 0;
}

static bool s_ranked(const build_t *b, int division)
{
    return !bulletin_document_unranked(&b->ctx->config->doc, b->d->divisions[division].code);
}

static json_t *s_rate(int64_t met, int64_t due, const char *due_key)
{
    return json_pack("{s:I, s:I, s:o}", due_key, (json_int_t)due, "met", (json_int_t)met, "rate",
                     bulletin_x10_json(bulletin_rate_x10(met, due)));
}

/* The figures every row of a table carries (a division's, or a total). */
static json_t *s_figures(const build_t *b, const bulletin_counts_t *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "received", json_integer(c->received));
    json_object_set_new(o, "response", s_rate(c->response_met, c->response_due, "due"));
    json_object_set_new(o, "ontime", s_rate(c->ontime_met, c->ontime_due, "due"));
    json_object_set_new(o, "overdue_open", json_integer(c->overdue_open));
    json_object_set_new(o, "overdue_days",
                        bulletin_x10_json(bulletin_duration_x10(c->overdue_us, b->d->day_us)));
    json_object_set_new(o, "replies", json_integer(c->replies));
    json_object_set_new(
        o, "avg_handling_days",
        bulletin_x10_json(bulletin_days_x10(c->handling_us, c->replies, b->d->day_us)));
    json_object_set_new(o, "returns", json_integer(c->returns));
    json_object_set_new(o, "arbitrated", json_integer(c->arbitrated));
    json_object_set_new(o, "groundless_returns", json_integer(c->groundless));
    json_object_set_new(o, "reopened", json_integer(c->reopened));
    json_object_set_new(o, "extensions", json_integer(c->extensions));
    json_object_set_new(o, "satisfaction",
                        json_pack("{s:I, s:I, s:I, s:I, s:o}", "callbacks",
                                  (json_int_t)(c->satisfied + c->basically + c->unsatisfied),
                                  "satisfied", (json_int_t)c->satisfied, "basically",
                                  (json_int_t)c->basically, "unsatisfied",
                                  (json_int_t)c->unsatisfied, "rate",
                                  bulletin_x10_json(bulletin_satisfaction_x10(c))));
    json_t *alerts = json_object();
    json_object_set_new(alerts, "warning", json_integer(c->alerts[0]));
    int levels = sla_level_count(b->ctx->sla);
    if (levels >= BULLETIN_LEVELS)
        levels = BULLETIN_LEVELS - 1;
    for (int level = 1; level <= levels; level++) {
        char key[24];
        snprintf(key, sizeof(key), "level_%d", level);
        json_object_set_new(alerts, key, json_integer(c->alerts[level]));
    }
    json_object_set_new(o, "alerts", alerts);
    json_object_set_new(o, "violations", json_integer(c->violations));
    const char *rung_name = NULL;
    const char *rung = sla_ladder_rung(b->ctx->sla, (int)c->violations, &rung_name);
    json_object_set_new(o, "rung", rung ? json_string(rung) : json_null());
    json_object_set_new(o, "rung_name", rung_name ? json_string(rung_name) : json_null());
    return o;
}

/* Competition ranking ("1, 2, 2, 4") by score, ties in code order. */
static void s_rank(const int *score, int n, int *rank)
{
    for (int i = 0; i < n; i++) {
        rank[i] = 0;
        if (score[i] == BULLETIN_NA)
            continue;
        rank[i] = 1;
        for (int j = 0; j < n; j++)
            if (score[j] != BULLETIN_NA && score[j] > score[i])
                rank[i]++;
    }
}

static json_t *s_delta(int now_x10, int before_x10)
{
    if (now_x10 == BULLETIN_NA || before_x10 == BULLETIN_NA)
        return json_string("n/a");
    return json_real((double)(now_x10 - before_x10) / 10.0);
}

static json_t *s_change(const build_t *b, const bulletin_counts_t *now,
                        const bulletin_counts_t *before, int score, int score_before,
                        int rank_before)
{
    const bulletin_grade_t *g = bulletin_grade_for(b->ctx->config, score_before);
    return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "previous", b->d->q.previous.label,
                     "received", (json_int_t)(now->received - before->received), "response_rate",
                     s_delta(bulletin_rate_x10(now->response_met, now->response_due),
                             bulletin_rate_x10(before->response_met, before->response_due)),
                     "ontime_rate",
                     s_delta(bulletin_rate_x10(now->ontime_met, now->ontime_due),
                             bulletin_rate_x10(before->ontime_met, before->ontime_due)),
                     "satisfaction_rate",
                     s_delta(bulletin_satisfaction_x10(now), bulletin_satisfaction_x10(before)),
                     "score", s_delta(score, score_before), "grade_before",
                     g ? json_string(g->grade) : json_null(), "rank_before",
                     rank_before ? json_integer(rank_before) : json_null());
}

/* The lead table with scores, grades, ranks and the change, in the
 * configured order; the ranking (by rank, ties in that order). Divisions
 * left out of the ranking (the inspection office) are listed apart. */
static int s_divisions(const build_t *b, json_t *root)
{
    const bulletin_data_t *d = b->d;
    int n = d->ndivisions;
    bulletin_counts_t *now = calloc((size_t)n + 1, sizeof(*now));
    bulletin_counts_t *before = calloc((size_t)n + 1, sizeof(*before));
    int *score = calloc((size_t)n + 1, sizeof(int)),
        *score_before = calloc((size_t)n + 1, sizeof(int));
    int *rank = calloc((size_t)n + 1, sizeof(int)),
        *rank_before = calloc((size_t)n + 1, sizeof(int));
    int rc = -1;
    if (!now || !before || !score || !score_before || !rank || !rank_before)
        goto out_free;
    for (int i = 0; i < n; i++) {
        bulletin_data_sum(d, BULLETIN_LEAD, i, b->from, b->to, &now[i]);
        bulletin_data_sum(d, BULLETIN_LEAD, i, b->prev_from, b->prev_to, &before[i]);
        bool ranked = s_ranked(b, i);
        score[i] = ranked ? bulletin_score_x10(b->ctx->config, &now[i]) : BULLETIN_NA;
        score_before[i] = ranked ? bulletin_score_x10(b->ctx->config, &before[i]) : BULLETIN_NA;
    }
    s_rank(score, n, rank);
    s_rank(score_before, n, rank_before);
    json_t *list = json_array(), *ranking = json_array(), *apart = json_array();
    for (int k = 0; k < n; k++) {
        int i = b->order[k];
        json_t *o =
            json_pack("{s:s, s:s}", "division", d->divisions[i].code, "name", d->divisions[i].name);
        json_t *f = s_figures(b, &now[i]);
        json_object_update(o, f);
        json_decref(f);
        if (!s_ranked(b, i)) {
            json_array_append_new(apart, o);
            continue;
        }
        const bulletin_grade_t *g = bulletin_grade_for(b->ctx->config, score[i]);
        json_object_set_new(o, "score", bulletin_x10_json(score[i]));
        json_object_set_new(o, "grade", g ? json_string(g->grade) : json_string("n/a"));
        json_object_set_new(o, "grade_name", g ? json_string(g->name) : json_null());
        json_object_set_new(o, "rank", rank[i] ? json_integer(rank[i]) : json_null());
        json_object_set_new(
            o, "change",
            s_change(b, &now[i], &before[i], score[i], score_before[i], rank_before[i]));
        json_array_append_new(list, o);
    }
    for (int r = 1; r <= n; r++)
        for (int k = 0; k < n; k++) {
            int i = b->order[k];
            if (rank[i] != r)
                continue;
            const bulletin_grade_t *g = bulletin_grade_for(b->ctx->config, score[i]);
            json_array_append_new(
                ranking, json_pack("{s:i, s:s, s:s, s:o, s:s, s:s, s:o, s:o}", "rank", r,
                                   "division", d->divisions[i].code, "name", d->divisions[i].name,
                                   "score", bulletin_x10_json(score[i]), "grade", g->grade,
                                   "grade_name", g->name, "rank_before",
                                   rank_before[i] ? json_integer(rank_before[i]) : json_null(),
                                   "score_change", s_delta(score[i], score_before[i])));
        }
    json_object_set_new(root, "divisions", list);
    json_object_set_new(root, "ranking", ranking);
    json_object_set_new(root, "not_ranked", apart);
    rc = 0;
out_free:
    free(now);
    free(before);
    free(score);
    free(score_before);
    free(rank);
    free(rank_before);
    return rc;
}

static bool s_any(const bulletin_counts_t *c)
{
    bulletin_counts_t zero = {0};
    return memcmp(c, &zero, sizeof(zero)) != 0;
}

/* Co-handling, shown apart: the total and each division with any of it. */
static json_t *s_co(const build_t *b)
{
    bulletin_counts_t c;
    json_t *list = json_array();
    for (int k = 0; k < b->d->ndivisions; k++) {
        int i = b->order[k];
        bulletin_data_sum(b->d, BULLETIN_CO, i, b->from, b->to, &c);
        if (!s_any(&c))
            continue;
        json_t *o = json_pack("{s:s, s:s}", "division", b->d->divisions[i].code, "name",
                              b->d->divisions[i].name);
        json_t *f = s_figures(b, &c);
        json_object_update(o, f);
        json_decref(f);
        json_array_append_new(list, o);
    }
    bulletin_data_sum(b->d, BULLETIN_CO, -1, b->from, b->to, &c);
    return json_pack("{s:o, s:o}", "totals", s_figures(b, &c), "divisions", list);
}

/* A work-item figure is any of the counts from wi_due on. */
static bool s_any_workitem(const bulletin_counts_t *c)
{
    return c->wi_due || c->wi_ontime || c->wi_reports_due || c->wi_reports_missed ||
           c->wi_sent_back || c->wi_lookback_failed || c->wi_eval_satisfied ||
           c->wi_eval_basically || c->wi_eval_dissatisfied;
}

/* The work-item figures of a division or the bureau. */
static json_t *s_workitem_figures(const bulletin_counts_t *c)
{
    return json_pack(
        "{s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:o}}", "items_due",
        (json_int_t)c->wi_due, "ontime", (json_int_t)c->wi_ontime, "ontime_rate",
        bulletin_x10_json(bulletin_rate_x10(c->wi_ontime, c->wi_due)), "reports_due",
        (json_int_t)c->wi_reports_due, "reports_missed", (json_int_t)c->wi_reports_missed,
        "sent_back", (json_int_t)c->wi_sent_back, "lookback_failed",
        (json_int_t)c->wi_lookback_failed, "evaluation", "evaluations",
        (json_int_t)(c->wi_eval_satisfied + c->wi_eval_basically + c->wi_eval_dissatisfied),
        "satisfied", (json_int_t)c->wi_eval_satisfied, "basically",
        (json_int_t)c->wi_eval_basically, "dissatisfied", (json_int_t)c->wi_eval_dissatisfied,
        "rate", bulletin_x10_json(bulletin_evaluation_x10(c)));
}

/* Work items (督办事项): the bureau's figures of the period and the one
 * before, and each division with any figure of the period, in the
 * configured order (the inspection office too: it may lead items). */
static json_t *s_workitems(const build_t *b)
{
    bulletin_counts_t c;
    json_t *list = json_array();
    for (int k = 0; k < b->d->ndivisions; k++) {
        int i = b->order[k];
        bulletin_data_sum(b->d, BULLETIN_LEAD, i, b->from, b->to, &c);
        if (!s_any_workitem(&c))
            continue;
        json_t *o = json_pack("{s:s, s:s}", "division", b->d->divisions[i].code, "name",
                              b->d->divisions[i].name);
        json_t *f = s_workitem_figures(&c);
        json_object_update(o, f);
        json_decref(f);
        json_array_append_new(list, o);
    }
    bulletin_counts_t prev;
    bulletin_data_sum(b->d, BULLETIN_LEAD, -1, b->from, b->to, &c);
    bulletin_data_sum(b->d, BULLETIN_LEAD, -1, b->prev_from, b->prev_to, &prev);
    return json_pack("{s:o, s:o, s:o}", "totals", s_workitem_figures(&c), "previous",
                     s_workitem_figures(&prev), "divisions", list);
}

static int s_cmp_overdue(const void *x, const void *y)
{
    const bulletin_overdue_t *a = *(const bulletin_overdue_t *const *)x;
    const bulletin_overdue_t *o = *(const bulletin_overdue_t *const *)y;
    if (a->over_us != o->over_us)
        return a->over_us > o->over_us ? -1 : 1;
    int c = strcmp(a->case_number, o->case_number);
    if (c)
        return c;
    if (a->role != o->role)
        return a->role < o->role ? -1 : 1;
    return a->division - o->division;
}

/* The census at the period's end, most overdue first; case numbers and
 * divisions only (never personal data). */
static json_t *s_overdue(const build_t *b)
{
    const bulletin_data_t *d = b->d;
    const bulletin_overdue_t **rows = calloc((size_t)d->noverdue + 1, sizeof(*rows));
    json_t *list = json_array();
    int n = 0;
    for (int i = 0; rows && i < d->noverdue; i++)
        if (d->overdue[i].month == b->to - 1)
            rows[n++] = &d->overdue[i];
    if (n > 0)
        qsort(rows, (size_t)n, sizeof(*rows), s_cmp_overdue);
    for (int i = 0; i < n; i++) {
        const bulletin_overdue_t *o = rows[i];
        char due[48];
        calendar_format_instant(b->ctx->calendar, o->due_us, due, sizeof(due));
        bool named = o->division < d->ndivisions;
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "case_number", o->case_number,
                            "division", named ? d->divisions[o->division].code : "", "name",
                            named ? d->divisions[o->division].name : "", "role",
                            o->role == BULLETIN_CO ? "co" : "lead", "completion_due", due,
                            "working_days_over",
                            bulletin_x10_json(bulletin_duration_x10(o->over_us, d->day_us))));
    }
    free(rows);
    return list;
}

/* Month by month, with the counts the rates are made of, so that a longer
 * period's figures can be checked against its months': flows add up, the
 * census is the last month's. */
static json_t *s_trend(const build_t *b)
{
    json_t *list = json_array();
    for (int m = b->from; m < b->to; m++) {
        bulletin_counts_t c;
        bulletin_data_sum(b->d, BULLETIN_LEAD, -1, m, m + 1, &c);
        int year, month;
        bulletin_period_month(&b->d->q.previous, m, &year, &month);
        char label[40];
        snprintf(label, sizeof(label), "%04d-%02d", year, month);
        json_t *o = json_object();
        json_object_set_new(o, "month", json_string(label));
        json_object_set_new(o, "received", json_integer(c.received));
        json_object_set_new(o, "response_due", json_integer(c.response_due));
        json_object_set_new(o, "response_met", json_integer(c.response_met));
        json_object_set_new(o, "response_rate",
                            bulletin_x10_json(bulletin_rate_x10(c.response_met, c.response_due)));
        json_object_set_new(o, "ontime_due", json_integer(c.ontime_due));
        json_object_set_new(o, "ontime_met", json_integer(c.ontime_met));
        json_object_set_new(o, "ontime_rate",
                            bulletin_x10_json(bulletin_rate_x10(c.ontime_met, c.ontime_due)));
        json_object_set_new(o, "satisfaction_rate",
                            bulletin_x10_json(bulletin_satisfaction_x10(&c)));
        json_object_set_new(
            o, "avg_handling_days",
            bulletin_x10_json(bulletin_days_x10(c.handling_us, c.replies, b->d->day_us)));
        json_object_set_new(o, "overdue_open", json_integer(c.overdue_open));
        json_object_set_new(o, "overdue_days",
                            bulletin_x10_json(bulletin_duration_x10(c.overdue_us, b->d->day_us)));
        json_object_set_new(o, "violations", json_integer(c.violations));
        json_array_append_new(list, o);
    }
    return list;
}

/* Month-checks: the draw of the complaints (or of the work items) closed,
 * per division, and the list kept for re-checks (both draws). */
static json_t *s_sample(const build_t *b, bulletin_report_t *r, bool workitems)
{
    const bulletin_data_t *d = b->d;
    int n = 0;
    bulletin_sample_item_t *items = calloc((size_t)d->nclosed + 1, sizeof(*items));
    if (!r->sample_cases) {
        r->sample_cases = calloc((size_t)d->nclosed + 1, sizeof(char *));
        r->sample_divisions = calloc((size_t)d->nclosed + 1, sizeof(char *));
    }
    if (!items || !r->sample_cases || !r->sample_divisions) {
        free(items);
        return NULL;
    }
    for (int i = 0; i < d->nclosed; i++)
        if (d->closed[i].workitem == workitems)
            items[n++] = d->closed[i];
    /* drawn per division in the configured order: by position, then back */
    for (int i = 0; i < n; i++)
        items[i].division = b->position[items[i].division];
    int percent = b->ctx->config->sample_percent;
    bulletin_sample_draw(r->period.label, percent, items, n);
    for (int i = 0; i < n; i++)
        items[i].division =
            items[i].division < d->ndivisions ? b->order[items[i].division] : d->ndivisions;
    json_t *list = json_array();
    for (int i = 0; i < n;) {
        int j = i, drawn = 0;
        json_t *cases = json_array();
        for (; j < n && items[j].division == items[i].division; j++)
            if (items[j].drawn && items[j].division < d->ndivisions) {
                char *number = strdup(items[j].case_number);
                char *division = strdup(d->divisions[items[j].division].code);
                if (!number || !division) {
                    free(number);
                    free(division);
                    continue; /* out of memory: the case is left out of the draw */
                }
                drawn++;
                json_array_append_new(cases, json_string(number));
                r->sample_cases[r->nsample] = number;
                r->sample_divisions[r->nsample] = division;
                r->nsample++;
            }
        if (items[i].division < d->ndivisions)
            json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:i, s:o}", "division",
                                                  d->divisions[items[i].division].code, "name",
                                                  d->divisions[items[i].division].name, "closed",
                                                  j - i, "drawn", drawn, "cases", cases));
        else
            json_decref(cases);
        i = j;
    }
    free(items);
    return json_pack("{s:i, s:s, s:o}", "percent", percent, "seed", r->period.label, "divisions",
                     list);
}

static json_t *s_scoring(const bulletin_config_t *c)
{
    json_t *grades = json_array();
    for (int i = 0; i < c->ngrades; i++)
        json_array_append_new(grades, json_pack("{s:s, s:s, s:o}", "grade", c->grades[i].grade,
                                                "name", c->grades[i].name, "min",
                                                bulletin_x10_json(c->grades[i].min_x10)));
    return json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:o}",
                     "weights", "response", c->w_response, "ontime", c->w_ontime, "satisfaction",
                     c->w_satisfaction, "workitems", c->w_workitems, "evaluation",
                     c->w_evaluation, "penalties", "overdue_open",
                     bulletin_x10_json(c->p_overdue_x10), "groundless_return",
                     bulletin_x10_json(c->p_groundless_x10), "reopened",
                     bulletin_x10_json(c->p_reopened_x10), "alert",
                     bulletin_x10_json(c->p_alert_x10), "report_missed",
                     bulletin_x10_json(c->p_report_missed_x10), "sent_back",
                     bulletin_x10_json(c->p_sent_back_x10), "grades", grades);
}

/* The period's header: kind, label, title, first and last day, working days. */
static json_t *s_header(const build_t *b)
{
    const bulletin_period_t *p = &b->d->q.period;
    char title[96], from[40], to[40];
    bulletin_period_title(p, title, sizeof(title));
    int year, month, working = 0, last_day = 0;
    bulletin_period_month(p, p->months - 1, &year, &month);
    for (int m = 0; m < p->months; m++) {
        int y, mo;
        bulletin_period_month(p, m, &y, &mo);
        for (int day = 1; day <= 31; day++) {
            calendar_day_t kind;
            if (calendar_day_kind(b->ctx->calendar, y, mo, day, &kind) < 0)
                break;
            working += kind == CALENDAR_DAY_WORKING || kind == CALENDAR_DAY_MAKEUP;
            if (m == p->months - 1)
                last_day = day;
        }
    }
    snprintf(from, sizeof(from), "%04d-%02d-01", p->year, p->first_month);
    snprintf(to, sizeof(to), "%04d-%02d-%02d", year, month, last_day);
    /* issued on the day it is due on schedule: never the day it is computed */
    char issued[24] = "";
    int64_t offset = bulletin_calendar_offset_us(b->ctx->calendar);
    int64_t due = bulletin_schedule_due_us(b->ctx->calendar, p, offset, 0);
    int iy, im, id;
    if (calendar_local_date(b->ctx->calendar, due, &iy, &im, &id) == 0)
        snprintf(issued, sizeof(issued), "%04d-%02d-%02d", iy, im, id);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o}", "kind",
                     bulletin_kind_str(p->kind), "kind_name", bulletin_kind_name(p->kind),
                     "period", p->label, "title", title, "from", from, "to", to, "working_days",
                     working, "definitions", "deploy/bulletin/README.md", "document",
                     bulletin_document_json(&b->ctx->config->doc, p, issued));
}

void bulletin_digest(const char *data, size_t len, char *out)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, (const unsigned char *)data, len);
    for (size_t i = 0; i < sizeof(hash); i++)
        snprintf(out + 2 * i, 3, "%02x", hash[i]);
}

bulletin_report_t *bulletin_render_json(const bulletin_ctx_t *ctx, const bulletin_data_t *d)
{
    bulletin_report_t *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    build_t b = {.ctx = ctx,
                 .d = d,
                 .from = d->q.first_current,
                 .to = d->q.nmonths,
                 .prev_from = 0,
                 .prev_to = d->q.first_current};
    r->period = d->q.period;
    r->from_us = d->q.bounds[b.from];
    r->to_us = d->q.bounds[b.to];
    json_t *root = NULL;
    if (s_order(&b) < 0)
        goto out_fail;
    root = s_header(&b);
    bulletin_counts_t c, prev;
    json_object_set_new(root, "scoring", s_scoring(ctx->config));
    bulletin_data_sum(d, BULLETIN_LEAD, -1, b.from, b.to, &c);
    json_object_set_new(root, "totals", s_figures(&b, &c));
    if (s_divisions(&b, root) < 0)
        goto out_fail;
    json_object_set_new(root, "co_handling", s_co(&b));
    json_object_set_new(root, "workitems", s_workitems(&b));
    json_object_set_new(root, "overdue", s_overdue(&b));
    char title[96];
    bulletin_period_title(&d->q.previous, title, sizeof(title));
    bulletin_data_sum(d, BULLETIN_LEAD, -1, b.prev_from, b.prev_to, &prev);
    json_object_set_new(root, "previous",
                        json_pack("{s:s, s:s, s:o}", "period", d->q.previous.label, "title", title,
                                  "totals", s_figures(&b, &prev)));
    json_object_set_new(root, "trend", s_trend(&b));
    json_t *topics = bulletin_topics_json(d, b.from, b.to, b.prev_from, b.prev_to, HOT_TOPICS);
    if (!topics)
        goto out_fail;
    json_object_set_new(root, "hot_topics", topics);
    if (d->q.period.kind == BULLETIN_MONTH) {
        json_t *sample = s_sample(&b, r, false);
        if (!sample)
            goto out_fail;
        json_object_set_new(root, "sample", sample);
        sample = s_sample(&b, r, true);
        if (!sample)
            goto out_fail;
        json_object_set_new(json_object_get(root, "workitems"), "sample", sample);
    }
    char *text = json_dumps(root, JSON_FLAGS);
    if (!text)
        goto out_fail;
    size_t len = strlen(text);
    r->json = malloc(len + 2);
    if (!r->json) {
        free(text);
        goto out_fail;
    }
    memcpy(r->json, text, len);
    memcpy(r->json + len, "\n", 2);
    free(text);
    bulletin_digest(r->json, len + 1, r->digest);
    r->root = root;
    free(b.order);
    free(b.position);
    return r;

out_fail:
    log_error("cannot build bulletin: out of memory", "period=%s", d->q.period.label);
    json_decref(root);
    free(b.order);
    free(b.position);
    bulletin_report_destroy(&r);
    return NULL;
}

void bulletin_report_destroy(bulletin_report_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_report_t *r = *self_p;
    for (int i = 0; i < r->nsample; i++) {
        free(r->sample_cases[i]);
        free(r->sample_divisions[i]);
    }
    free(r->sample_cases);
    free(r->sample_divisions);
    free(r->freeze);
    free(r->json);
    json_decref(r->root);
    free(r);
    *self_p = NULL;
}
