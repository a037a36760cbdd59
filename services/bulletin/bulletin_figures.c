/* Folding the read statements' rows into counts; see bulletin_figures.h.
 * Rows naming a division not in the divisions table, or none, land in the
 * unattributed slot: they count for the bureau, not for a division. */
#include "bulletin_figures.h"

#include "bulletin_closures.h"
#include "bulletin_months.h"
#include "log.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t s_i64(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static int s_cmp_code(const void *key, const void *elem)
{
    return strcmp(key, ((const bulletin_division_t *)elem)->code);
}

int bulletin_data_division(const bulletin_data_t *d, const char *code)
{
    const bulletin_division_t *hit =
        bsearch(code, d->divisions, (size_t)d->ndivisions, sizeof(*d->divisions), s_cmp_code);
    return hit ? (int)(hit - d->divisions) : d->ndivisions;
}

bulletin_counts_t *bulletin_data_cell(const bulletin_data_t *d, int role, int division, int m)
{
    size_t index =
        ((size_t)role * (size_t)(d->ndivisions + 1) + (size_t)division) * (size_t)d->q.nmonths +
        (size_t)m;
    return &d->cells[index];
}

/* Month m of a row, or -1 when it lies outside the months read or was
 * added from the store (a frozen month inside the span read). */
static int s_month(const bulletin_data_t *d, int64_t m)
{
    return m < 0 || m >= d->q.nmonths || d->frozen[m] ? -1 : (int)m;
}

static int s_role(const char *role)
{
    return strcmp(role, "co") == 0 ? BULLETIN_CO : BULLETIN_LEAD;
}

/* The cell of a row whose first columns are month, division, role (or
 * month, division when role_col < 0); NULL for a month not read from the
 * rows. */
static bulletin_counts_t *s_cell(bulletin_data_t *d, PGresult *res, int row, int div_col,
                                 int role_col)
{
    int m = s_month(d, s_i64(res, row, 0));
    if (m < 0)
        return NULL;
    int div = bulletin_data_division(d, PQgetvalue(res, row, div_col));
    int role = role_col >= 0 ? s_role(PQgetvalue(res, row, role_col)) : BULLETIN_LEAD;
    return bulletin_data_cell(d, role, div, m);
}

/* The lead cell of the same division and month as cell c. */
static bulletin_counts_t *s_lead_cell(bulletin_data_t *d, bulletin_counts_t *c)
{
    size_t per_role = (size_t)(d->ndivisions + 1) * (size_t)d->q.nmonths;
    size_t index = (size_t)(c - d->cells);
    return index >= per_role ? c - per_role : c;
}

static int s_load_divisions(bulletin_data_t *d, PGresult *res)
{
    int n = PQntuples(res);
    d->divisions = calloc((size_t)n + 1, sizeof(*d->divisions));
    if (!d->divisions)
        return -1;
    for (int i = 0; i < n; i++) {
        d->divisions[i].code = strdup(PQgetvalue(res, i, 0));
        d->divisions[i].name = strdup(PQgetvalue(res, i, 1));
        d->ndivisions = i + 1;
        if (!d->divisions[i].code || !d->divisions[i].name)
            return -1;
    }
    size_t ncells = 2 * (size_t)(n + 1) * (size_t)d->q.nmonths;
    d->cells = calloc(ncells, sizeof(*d->cells));
    return d->cells ? 0 : -1;
}

static void s_load_flows(bulletin_data_t *d, PGresult *const *r, const calendar_t *cal)
{
    for (int i = 0; i < PQntuples(r[BQ_RECEIVED]); i++) {
        bulletin_counts_t *c = s_cell(d, r[BQ_RECEIVED], i, 1, 2);
        if (c)
            c->received += s_i64(r[BQ_RECEIVED], i, 3);
    }
    PGresult *v = r[BQ_VERDICTS];
    for (int i = 0; i < PQntuples(v); i++) {
        bulletin_counts_t *c = s_cell(d, v, i, 1, 2);
        if (!c)
            continue;
        int64_t due = s_i64(v, i, 4), met = s_i64(v, i, 5);
        if (strcmp(PQgetvalue(v, i, 3), "response") == 0) {
            c->response_due += due;
            c->response_met += met;
        } else {
            c->ontime_due += due;
            c->ontime_met += met;
        }
        /* a missed deadline is a violation of the division, whatever the role */
        s_lead_cell(d, c)->violations += due - met;
    }
    for (int i = 0; i < PQntuples(r[BQ_REPLIES]); i++) {
        bulletin_counts_t *c = s_cell(d, r[BQ_REPLIES], i, 1, 2);
        if (c) {
            c->replies++;
            c->handling_us += calendar_working_between(cal, s_i64(r[BQ_REPLIES], i, 3),
                                                       s_i64(r[BQ_REPLIES], i, 4));
        }
    }
}

static void s_load_events(bulletin_data_t *d, PGresult *const *r)
{
    static const struct {
        const char *kind;
        size_t offset;
    } kinds[] = {
        {"returned", offsetof(bulletin_counts_t, returns)},
        {"arbitrated", offsetof(bulletin_counts_t, arbitrated)},
        {"groundless_return", offsetof(bulletin_counts_t, groundless)},
        {"reopened", offsetof(bulletin_counts_t, reopened)},
        {"extension_granted", offsetof(bulletin_counts_t, extensions)},
        {"callback_satisfied", offsetof(bulletin_counts_t, satisfied)},
        {"callback_basically", offsetof(bulletin_counts_t, basically)},
        {"callback_unsatisfied", offsetof(bulletin_counts_t, unsatisfied)},
    };
    PGresult *res = r[BQ_EVENTS];
    for (int i = 0; i < PQntuples(res); i++) {
        bulletin_counts_t *c = s_cell(d, res, i, 2, 3);
        const char *kind = PQgetvalue(res, i, 1);
        for (size_t k = 0; c && k < sizeof(kinds) / sizeof(kinds[0]); k++)
            if (strcmp(kind, kinds[k].kind) == 0)
                *(int64_t *)((char *)c + kinds[k].offset) += s_i64(res, i, 4);
        /* groundless returns and reopens are violations too
         * (watch_violation.c); both are counted on lead cells */
        if (c && (strcmp(kind, "groundless_return") == 0 || strcmp(kind, "reopened") == 0))
            s_lead_cell(d, c)->violations += s_i64(res, i, 4);
    }
    res = r[BQ_ALERTS];
    for (int i = 0; i < PQntuples(res); i++) {
        bulletin_counts_t *c = s_cell(d, res, i, 1, 2);
        int64_t level = s_i64(res, i, 3);
        if (level < 0)
            level = 0;
        if (level >= BULLETIN_LEVELS)
            level = BULLETIN_LEVELS - 1;
        if (c)
            c->alerts[level] += s_i64(res, i, 4);
    }
}

/* Work items' figures (BQ_WORKITEMS), on the division's lead cell. */
static void s_load_workitems(bulletin_data_t *d, PGresult *res)
{
    static const struct {
        const char *kind;
        size_t offset;
    } kinds[] = {
        {"due", offsetof(bulletin_counts_t, wi_due)},
        {"ontime", offsetof(bulletin_counts_t, wi_ontime)},
        {"report_due", offsetof(bulletin_counts_t, wi_reports_due)},
        {"report_missed", offsetof(bulletin_counts_t, wi_reports_missed)},
        {"sent_back", offsetof(bulletin_counts_t, wi_sent_back)},
        {"lookback_failed", offsetof(bulletin_counts_t, wi_lookback_failed)},
        {"eval_satisfied", offsetof(bulletin_counts_t, wi_eval_satisfied)},
        {"eval_basically", offsetof(bulletin_counts_t, wi_eval_basically)},
        {"eval_dissatisfied", offsetof(bulletin_counts_t, wi_eval_dissatisfied)},
    };
    for (int i = 0; i < PQntuples(res); i++) {
        bulletin_counts_t *c = s_cell(d, res, i, 1, -1);
        const char *kind = PQgetvalue(res, i, 2);
        for (size_t k = 0; c && k < sizeof(kinds) / sizeof(kinds[0]); k++)
            if (strcmp(kind, kinds[k].kind) == 0)
                *(int64_t *)((char *)c + kinds[k].offset) += s_i64(res, i, 3);
    }
}

static int s_load_census(bulletin_data_t *d, PGresult *res, const calendar_t *cal)
{
    int n = PQntuples(res);
    d->overdue = calloc((size_t)n + 1, sizeof(*d->overdue));
    if (!d->overdue)
        return -1;
    for (int i = 0; i < n; i++) {
        int m = s_month(d, s_i64(res, i, 0));
        if (m < 0)
            continue;
        bulletin_overdue_t *o = &d->overdue[d->noverdue++];
        o->month = m;
        snprintf(o->case_number, sizeof(o->case_number), "%s", PQgetvalue(res, i, 1));
        o->division = bulletin_data_division(d, PQgetvalue(res, i, 2));
        o->role = s_role(PQgetvalue(res, i, 3));
        o->due_us = s_i64(res, i, 4);
        o->over_us = calendar_working_between(cal, o->due_us, d->q.bounds[m + 1]);
    }
    return 0;
}

static int s_load_topics(bulletin_data_t *d, PGresult *res)
{
    int n = PQntuples(res);
    d->topics = calloc((size_t)n + 1, sizeof(*d->topics));
    if (!d->topics)
        return -1;
    for (int i = 0; i < n; i++) {
        int m = s_month(d, s_i64(res, i, 0));
        if (m < 0)
            continue;
        bulletin_topic_t *t = &d->topics[d->ntopics];
        t->month = m;
        t->category = strdup(PQgetvalue(res, i, 1));
        t->area = strdup(PQgetvalue(res, i, 2));
        t->count = s_i64(res, i, 3);
        d->ntopics++;
        if (!t->category || !t->area)
            return -1;
    }
    return 0;
}

static int s_push_topic(bulletin_data_t *d, int m, const char *category, const char *area,
                        int64_t count)
{
    bulletin_topic_t *grown = realloc(d->topics, ((size_t)d->ntopics + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    d->topics = grown;
    bulletin_topic_t *t = &d->topics[d->ntopics++];
    *t = (bulletin_topic_t){m, strdup(category), strdup(area), count};
    return t->category && t->area ? 0 : -1;
}

/* The stored days (079): their figures added to the month read from the
 * rows after them, their closures to the month-check's. */
static int s_load_days(bulletin_data_t *d, PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t m = s_i64(res, i, 0);
        if (m < 0 || m >= d->q.nmonths)
            continue;
        json_error_t error;
        /* a frozen month has its days' figures already; its closures are
         * stored nowhere else */
        if (strcmp(PQgetvalue(res, i, 1), "t") == 0 && s_month(d, m) >= 0) {
            json_t *figures = json_loads(PQgetvalue(res, i, 2), 0, &error);
            int rc = figures ? bulletin_month_add(d, (int)m, figures) : -1;
            json_decref(figures);
            if (rc < 0)
                return -1;
            d->ndays++;
        }
        if (!PQgetisnull(res, i, 3)) {
            json_t *closed = json_loads(PQgetvalue(res, i, 3), 0, &error);
            int rc = closed ? bulletin_closures_add_stored(d, (int)m, closed) : -1;
            json_decref(closed);
            if (rc < 0) {
                log_error("cannot compute bulletin: the closures of a stored day are not readable",
                          "period=%s month=%d", d->q.period.label, (int)m);
                return -1;
            }
        }
    }
    return 0;
}

/* What the month's end takes back from its stored days (BQ_UNRECEIVED). */
static int s_load_unreceived(bulletin_data_t *d, PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        bulletin_counts_t *c = s_cell(d, res, i, 1, 2);
        if (!c)
            continue;
        int64_t n = s_i64(res, i, 5);
        c->received -= n;
        if (s_role(PQgetvalue(res, i, 2)) == BULLETIN_LEAD &&
            s_push_topic(d, (int)s_i64(res, i, 0), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
                         -n) < 0)
            return -1;
    }
    return 0;
}

/* Which months the store gave, with the epoch and time of the read. */
static void s_mark_frozen(bulletin_data_t *d, PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        d->epoch = s_i64(res, i, 0);
        d->read_us = s_i64(res, i, 1);
        int64_t m = s_i64(res, i, 2);
        if (!PQgetisnull(res, i, 2) && m >= 0 && m < d->q.nmonths && !d->frozen[m]) {
            d->frozen[m] = true;
            d->nfrozen++;
        }
    }
}

static int s_load_frozen(bulletin_data_t *d, PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t m = s_i64(res, i, 2);
        if (PQgetisnull(res, i, 2) || m < 0 || m >= d->q.nmonths)
            continue;
        json_error_t error;
        json_t *figures = json_loads(PQgetvalue(res, i, 3), 0, &error);
        int rc = figures ? bulletin_month_add(d, (int)m, figures) : -1;
        if (!figures)
            log_error("cannot compute bulletin: its stored month is not JSON",
                      "period=%s month=%d err=%s", d->q.period.label, (int)m, error.text);
        json_decref(figures);
        if (rc < 0)
            return -1;
    }
    return 0;
}

bulletin_data_t *bulletin_data_new(const bulletin_query_t *q, const calendar_t *calendar,
                                   PGresult *const *results)
{
    for (int i = BQ_DIVISIONS; i < BQ_COMMIT; i++)
        if (!results[i] || PQresultStatus(results[i]) != PGRES_TUPLES_OK) {
            log_error("cannot compute bulletin: a statement gave no rows", "period=%s statement=%d",
                      q->period.label, i);
            return NULL;
        }
    bulletin_data_t *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->q = *q;
    d->day_us = calendar_day_length_us(calendar);
    s_mark_frozen(d, results[BQ_FROZEN]);
    if (s_load_divisions(d, results[BQ_DIVISIONS]) < 0 ||
        s_load_census(d, results[BQ_CENSUS], calendar) < 0 ||
        s_load_topics(d, results[BQ_TOPICS]) < 0) {
        log_error("cannot compute bulletin: out of memory", "period=%s", q->period.label);
        bulletin_data_destroy(&d);
        return NULL;
    }
    s_load_flows(d, results, calendar);
    s_load_events(d, results);
    s_load_workitems(d, results[BQ_WORKITEMS]);
    /* the stored days' closures before the rows' (bulletin_closures.h) */
    if (s_load_frozen(d, results[BQ_FROZEN]) < 0 || s_load_days(d, results[BQ_DAYS]) < 0 ||
        bulletin_closures_add_rows(d, results[BQ_CLOSED]) < 0 ||
        s_load_unreceived(d, results[BQ_UNRECEIVED]) < 0 ||
        (!q->days && bulletin_closures_settle(d) < 0)) {
        log_error("cannot compute bulletin: a stored day is not readable, or out of memory",
                  "period=%s", q->period.label);
        bulletin_data_destroy(&d);
        return NULL;
    }
    return d;
}

void bulletin_data_destroy(bulletin_data_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_data_t *d = *self_p;
    for (int i = 0; i < d->ndivisions; i++) {
        free(d->divisions[i].code);
        free(d->divisions[i].name);
    }
    bulletin_closures_free(d);
    for (int i = 0; i < d->ntopics; i++) {
        free(d->topics[i].category);
        free(d->topics[i].area);
    }
    free(d->topics);
    free(d->divisions);
    free(d->cells);
    free(d->overdue);
    free(d);
    *self_p = NULL;
}

void bulletin_data_sum(const bulletin_data_t *d, int role, int division, int from, int to,
                       bulletin_counts_t *out)
{
    memset(out, 0, sizeof(*out));
    int first = division < 0 ? 0 : division, last = division < 0 ? d->ndivisions : division;
    for (int div = first; div <= last; div++)
        for (int m = from; m < to && m < d->q.nmonths; m++) {
            bulletin_counts_add(out, bulletin_data_cell(d, role, div, m));
        }
    for (int i = 0; i < d->noverdue; i++) {
        const bulletin_overdue_t *o = &d->overdue[i];
        if (o->month == to - 1 && o->role == role && (division < 0 || o->division == division)) {
            out->overdue_open++;
            out->overdue_us += o->over_us;
        }
    }
}
