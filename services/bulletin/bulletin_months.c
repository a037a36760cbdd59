/* Frozen months; see bulletin_months.h. The stored form names every count
 * (a cell lists only those that are not zero) and every division by its
 * code, so a month stored before a division was added or a count was
 * introduced still reads the same. */
#include "bulletin_months.h"

#include "log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(name, member)                                                                        \
    {                                                                                              \
        name, offsetof(bulletin_counts_t, member)                                                  \
    }

/* The counts a cell stores; the census (overdue_open, overdue_us) is
 * stored as its list of tasks instead. */
static const struct {
    const char *name;
    size_t offset;
} s_fields[] = {
    FIELD("received", received),
    FIELD("response_due", response_due),
    FIELD("response_met", response_met),
    FIELD("ontime_due", ontime_due),
    FIELD("ontime_met", ontime_met),
    FIELD("replies", replies),
    FIELD("handling_us", handling_us),
    FIELD("returns", returns),
    FIELD("arbitrated", arbitrated),
    FIELD("groundless", groundless),
    FIELD("reopened", reopened),
    FIELD("extensions", extensions),
    FIELD("satisfied", satisfied),
    FIELD("basically", basically),
    FIELD("unsatisfied", unsatisfied),
    FIELD("violations", violations),
    FIELD("warnings", alerts[0]),
    FIELD("alerts_1", alerts[1]),
    FIELD("alerts_2", alerts[2]),
    FIELD("alerts_3", alerts[3]),
    FIELD("alerts_4", alerts[4]),
    FIELD("alerts_5", alerts[5]),
    FIELD("alerts_6", alerts[6]),
    FIELD("alerts_7", alerts[7]),
    FIELD("wi_due", wi_due),
    FIELD("wi_ontime", wi_ontime),
    FIELD("wi_reports_due", wi_reports_due),
    FIELD("wi_reports_missed", wi_reports_missed),
    FIELD("wi_sent_back", wi_sent_back),
    FIELD("wi_lookback_failed", wi_lookback_failed),
    FIELD("wi_eval_satisfied", wi_eval_satisfied),
    FIELD("wi_eval_basically", wi_eval_basically),
    FIELD("wi_eval_dissatisfied", wi_eval_dissatisfied),
};
#define NFIELDS (sizeof(s_fields) / sizeof(s_fields[0]))
/* Every count but the census (overdue_open, overdue_us) is stored: a count
 * added to bulletin_counts_t and forgotten here would vanish from every
 * frozen month. */
_Static_assert(NFIELDS == sizeof(bulletin_counts_t) / sizeof(int64_t) - 2,
               "every count of bulletin_counts_t has its stored name");

static const char *s_roles[2] = {"lead", "co"};

bool bulletin_month_final(int64_t end_us, int64_t read_us)
{
    return read_us >= end_us + BULLETIN_MONTH_SETTLE_US;
}

static int64_t *s_count(bulletin_counts_t *c, size_t field)
{
    return (int64_t *)((char *)c + s_fields[field].offset);
}

static const char *s_code(const bulletin_data_t *d, int division)
{
    return division < d->ndivisions ? d->divisions[division].code : "";
}

static int s_append(json_t *array, json_t *item)
{
    return item ? json_array_append_new(array, item) : -1;
}

static int s_cells_json(const bulletin_data_t *d, int m, json_t *cells)
{
    for (int role = 0; role < 2; role++)
        for (int div = 0; div <= d->ndivisions; div++) {
            bulletin_counts_t *c = bulletin_data_cell(d, role, div, m);
            json_t *cell =
                json_pack("{s:s, s:s}", "division", s_code(d, div), "role", s_roles[role]);
            if (!cell)
                return -1;
            for (size_t f = 0; f < NFIELDS; f++)
                if (*s_count(c, f) &&
                    json_object_set_new(cell, s_fields[f].name,
                                        json_integer((json_int_t)*s_count(c, f))) < 0) {
                    json_decref(cell);
                    return -1;
                }
            if (json_object_size(cell) == 2)
                json_decref(cell); /* nothing counted */
            else if (json_array_append_new(cells, cell) < 0)
                return -1;
        }
    return 0;
}

json_t *bulletin_month_figures(const bulletin_data_t *d, int m)
{
    json_t *cells = json_array(), *overdue = json_array(), *topics = json_array();
    int rc = cells && overdue && topics ? s_cells_json(d, m, cells) : -1;
    for (int i = 0; rc == 0 && i < d->noverdue; i++) {
        const bulletin_overdue_t *o = &d->overdue[i];
        if (o->month == m)
            rc = s_append(overdue, json_pack("[s, s, s, I, I]", o->case_number,
                                             s_code(d, o->division), s_roles[o->role],
                                             (json_int_t)o->due_us, (json_int_t)o->over_us));
    }
    for (int i = 0; rc == 0 && i < d->ntopics; i++) {
        const bulletin_topic_t *t = &d->topics[i];
        if (t->month == m)
            rc = s_append(topics,
                          json_pack("[s, s, I]", t->category, t->area, (json_int_t)t->count));
    }
    if (rc < 0) {
        json_decref(cells);
        json_decref(overdue);
        json_decref(topics);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:o}", "cells", cells, "overdue", overdue, "topics", topics);
}

static int s_role_of(const char *role)
{
    return role && strcmp(role, "co") == 0 ? BULLETIN_CO : BULLETIN_LEAD;
}

static int s_add_cells(bulletin_data_t *d, int m, const json_t *cells)
{
    size_t i;
    json_t *cell;
    json_array_foreach(cells, i, cell)
    {
        const char *code = json_string_value(json_object_get(cell, "division"));
        if (!code)
            return -1;
        bulletin_counts_t *c =
            bulletin_data_cell(d, s_role_of(json_string_value(json_object_get(cell, "role"))),
                               bulletin_data_division(d, code), m);
        for (size_t f = 0; f < NFIELDS; f++) {
            json_t *n = json_object_get(cell, s_fields[f].name);
            if (n && !json_is_integer(n))
                return -1;
            *s_count(c, f) += n ? (int64_t)json_integer_value(n) : 0;
        }
    }
    return 0;
}

static int s_add_overdue(bulletin_data_t *d, int m, const json_t *list)
{
    size_t n = json_array_size(list), i;
    bulletin_overdue_t *grown = realloc(d->overdue, ((size_t)d->noverdue + n + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    d->overdue = grown;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *number, *code, *role;
        json_int_t due, over;
        if (json_unpack(item, "[s, s, s, I, I]", &number, &code, &role, &due, &over) < 0)
            return -1;
        bulletin_overdue_t *o = &d->overdue[d->noverdue++];
        memset(o, 0, sizeof(*o));
        o->month = m;
        snprintf(o->case_number, sizeof(o->case_number), "%s", number);
        o->division = bulletin_data_division(d, code);
        o->role = s_role_of(role);
        o->due_us = (int64_t)due;
        o->over_us = (int64_t)over;
    }
    return 0;
}

static int s_add_topics(bulletin_data_t *d, int m, const json_t *list)
{
    size_t n = json_array_size(list), i;
    bulletin_topic_t *grown = realloc(d->topics, ((size_t)d->ntopics + n + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    d->topics = grown;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *category, *area;
        json_int_t count;
        if (json_unpack(item, "[s, s, I]", &category, &area, &count) < 0)
            return -1;
        bulletin_topic_t *t = &d->topics[d->ntopics];
        t->month = m;
        t->category = strdup(category);
        t->area = strdup(area);
        t->count = (int64_t)count;
        d->ntopics++; /* freed with the others, also when a strdup failed */
        if (!t->category || !t->area)
            return -1;
    }
    return 0;
}

int bulletin_month_add(bulletin_data_t *d, int m, const json_t *figures)
{
    const json_t *cells = json_object_get(figures, "cells");
    const json_t *overdue = json_object_get(figures, "overdue");
    const json_t *topics = json_object_get(figures, "topics");
    if (m < 0 || m >= d->q.nmonths || !json_is_array(cells) || !json_is_array(overdue) ||
        !json_is_array(topics) || s_add_cells(d, m, cells) < 0 ||
        s_add_overdue(d, m, overdue) < 0 || s_add_topics(d, m, topics) < 0) {
        log_error(
            "cannot compute bulletin: its stored month is not readable (or memory ran out); dubanctl bulletin ... --from-rows computes it from the rows",
            "period=%s month=%d", d->q.period.label, m);
        return -1;
    }
    return 0;
}

char *bulletin_months_to_freeze(const bulletin_data_t *d, int *count)
{
    *count = 0;
    if (d->q.from_rows)
        return NULL; /* a check of the store against the rows stores nothing */
    json_t *months = json_array();
    int rc = months ? 0 : -1;
    for (int m = 0; rc == 0 && m < d->q.nmonths; m++) {
        if (d->frozen[m] || !bulletin_month_final(d->q.bounds[m + 1], d->read_us))
            continue;
        json_t *figures = bulletin_month_figures(d, m);
        char start[24], end[24];
        snprintf(start, sizeof(start), "%lld", (long long)d->q.bounds[m]);
        snprintf(end, sizeof(end), "%lld", (long long)d->q.bounds[m + 1]);
        rc = figures ? s_append(months, json_pack("{s:s, s:s, s:o}", "start", start, "end", end,
                                                  "figures", figures))
                     : -1;
        if (rc == 0)
            (*count)++;
    }
    char *text = rc == 0 && *count > 0 ? json_dumps(months, JSON_COMPACT) : NULL;
    json_decref(months);
    if (rc < 0)
        *count = 0;
    return text;
}
