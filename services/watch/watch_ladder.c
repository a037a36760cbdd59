/* Violation counts in memory; see watch_ladder.h. A few dozen divisions
 * and at most some thousands of handlers: sorted arrays searched by
 * bisection, replaced whole at each refresh. */
#include "watch_ladder.h"

#include "clock.h"
#include "log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LADDER_MAX_NAMES 100000

static const char *s_counts_sql =
    "SELECT 'd', division, count(*) FROM violations"
    " WHERE at > now() - $1::bigint * interval '1 microsecond' GROUP BY division"
    " UNION ALL SELECT 'h', handler, count(*) FROM violations WHERE handler IS NOT NULL"
    " AND at > now() - $1::bigint * interval '1 microsecond' GROUP BY handler"
    " ORDER BY 1, 2";

typedef struct {
    char *name;
    int count;
} tally_t;

typedef struct {
    tally_t *items;
    int n;
    int cap;
} table_t;

#define LADDER_FIRST_MS 100 /* how often to try the first read */
/* A recount waits at least this many times as long as the last one took. */
#define LADDER_SPACING 20

struct watch_ladder {
    pg_t *pg;
    struct event *ev;
    int refresh_ms;
    int64_t started_us; /* when the count in flight was sent */
    char period[24];
    bool busy;
    bool ready;
    table_t divisions;
    table_t handlers;
};

int watch_ladder_prepare(pg_t *pg)
{
    return pg_prepare(pg, "watch_ladder_counts", s_counts_sql);
}

static void s_table_clear(table_t *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->items[i].name);
    free(t->items);
    *t = (table_t){0};
}

/* Index of name, or of where it would go (*found false). */
static int s_find(const table_t *t, const char *name, bool *found)
{
    int lo = 0, hi = t->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(t->items[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static void s_table_add(table_t *t, const char *name, int count)
{
    bool found;
    int i = s_find(t, name, &found);
    if (found) {
        t->items[i].count += count;
        return;
    }
    if (t->n == LADDER_MAX_NAMES)
        return;
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 32;
        tally_t *grown = realloc(t->items, (size_t)cap * sizeof(*grown));
        if (!grown)
            return;
        t->items = grown;
        t->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return;
    memmove(&t->items[i + 1], &t->items[i], (size_t)(t->n - i) * sizeof(tally_t));
    t->items[i] = (tally_t){copy, count};
    t->n++;
}

static int s_table_get(const table_t *t, const char *name)
{
    bool found;
    int i = name && name[0] ? s_find(t, name, &found) : 0;
    return name && name[0] && found ? t->items[i].count : 0;
}

int watch_ladder_interval_ms(int refresh_ms, int64_t took_us)
{
    int64_t spaced_ms = took_us / 1000 * LADDER_SPACING;
    if (spaced_ms > 3600 * 1000)
        spaced_ms = 3600 * 1000;
    return spaced_ms > refresh_ms ? (int)spaced_ms : refresh_ms;
}

static void s_again_in(watch_ladder_t *self, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(self->ev, &tv);
}

static void s_counted(pg_txn_t *txn, bool ok, void *arg)
{
    watch_ladder_t *self = arg;
    self->busy = false;
    int64_t took_us = clock_mono_us() - self->started_us;
    if (!ok) {
        log_warn("could not count violations for the ladder", "err=%s", pg_txn_error(txn));
        s_again_in(self, self->ready ? self->refresh_ms : LADDER_FIRST_MS);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    s_table_clear(&self->divisions);
    s_table_clear(&self->handlers);
    for (int i = 0; i < PQntuples(res); i++) {
        table_t *t = PQgetvalue(res, i, 0)[0] == 'd' ? &self->divisions : &self->handlers;
        s_table_add(t, PQgetvalue(res, i, 1), atoi(PQgetvalue(res, i, 2)));
    }
    int next_ms = watch_ladder_interval_ms(self->refresh_ms, took_us);
    if (!self->ready)
        log_info("ladder counts read", "divisions=%d handlers=%d took_ms=%lld next_ms=%d",
                 self->divisions.n, self->handlers.n, (long long)(took_us / 1000), next_ms);
    self->ready = true;
    s_again_in(self, next_ms);
}

static void s_refresh_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    watch_ladder_t *self = arg;
    int retry_ms = self->ready ? self->refresh_ms : LADDER_FIRST_MS;
    if (self->busy)
        return;
    if (!pg_is_up(self->pg)) {
        s_again_in(self, retry_ms);
        return;
    }
    pg_param_t p[1] = {PG_TEXT(self->period)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "watch_ladder_counts", 1, p) < 0) {
        pg_txn_destroy(&txn);
        s_again_in(self, retry_ms);
        return;
    }
    self->busy = true;
    self->started_us = clock_mono_us();
    pg_txn_submit(self->pg, &txn, s_counted, self);
}

watch_ladder_t *watch_ladder_new(struct event_base *base, pg_t *pg, int64_t period_us,
                                 int refresh_ms)
{
    watch_ladder_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->refresh_ms = refresh_ms;
    snprintf(self->period, sizeof(self->period), "%lld", (long long)period_us);
    self->ev = event_new(base, -1, 0, s_refresh_cb, self);
    struct timeval tv = {0, LADDER_FIRST_MS * 1000};
    if (!self->ev || event_add(self->ev, &tv) < 0) {
        watch_ladder_destroy(&self);
        return NULL;
    }
    return self;
}

void watch_ladder_destroy(watch_ladder_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_ladder_t *self = *self_p;
    if (self->ev)
        event_free(self->ev);
    s_table_clear(&self->divisions);
    s_table_clear(&self->handlers);
    free(self);
    *self_p = NULL;
}

bool watch_ladder_ready(const watch_ladder_t *self)
{
    return self->ready;
}

int watch_ladder_division(const watch_ladder_t *self, const char *division)
{
    return s_table_get(&self->divisions, division);
}

int watch_ladder_handler(const watch_ladder_t *self, const char *handler)
{
    return s_table_get(&self->handlers, handler);
}

void watch_ladder_add(watch_ladder_t *self, const char *division, const char *handler)
{
    if (division && division[0])
        s_table_add(&self->divisions, division, 1);
    if (handler && handler[0])
        s_table_add(&self->handlers, handler, 1);
}
