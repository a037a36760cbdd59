/* Building the bulletin record; see bulletin_render_json.h and the figure
 * definitions in deploy/bulletin/README.md (the division tables are in
 * bulletin_render_json_divisions.c). Objects are built in a fixed key order
 * and dumped with jansson (which keeps insertion order); every fractional
 * number is a tenth, printed with one decimal. */
#include "bulletin_render_json_internal.h"

#include "bulletin_schedule.h"
#include "bulletin_topics.h"
#include "log.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

#define HOT_TOPICS 5 /* categories and areas listed */

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
    json_object_set_new(root, "totals", bulletin_render_json_figures(&b, &c));
    if (bulletin_render_json_divisions(&b, root) < 0)
        goto out_fail;
    json_object_set_new(root, "co_handling", bulletin_render_json_co(&b));
    json_object_set_new(root, "workitems", s_workitems(&b));
    json_object_set_new(root, "overdue", s_overdue(&b));
    char title[96];
    bulletin_period_title(&d->q.previous, title, sizeof(title));
    bulletin_data_sum(d, BULLETIN_LEAD, -1, b.prev_from, b.prev_to, &prev);
    json_object_set_new(root, "previous",
                        json_pack("{s:s, s:s, s:o}", "period", d->q.previous.label, "title", title,
                                  "totals", bulletin_render_json_figures(&b, &prev)));
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
