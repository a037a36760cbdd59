/* See watch_metrics.h. The count reads tasks_division_warn_idx, partial
 * to open tasks, from the index alone (083), so it costs what the open tasks
 * cost, not the whole table. */
#include "watch_metrics.h"

#include "log.h"
#include "metrics.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>

static const char *s_overdue_sql =
    "SELECT division, count(*) FROM tasks WHERE state IN ('dispatched', 'signed')"
    " AND completion_due < now() GROUP BY division";

struct watch_metrics {
    pg_t *pg;
    watch_index_t *index;
    struct event *timer;
    bool counting;
    bool destroyed; /* a count still in flight frees the object when it settles */
};

static void s_counted(pg_txn_t *txn, bool ok, void *arg)
{
    watch_metrics_t *self = arg;
    self->counting = false;
    if (self->destroyed) {
        free(self);
        return;
    }
    if (!ok) {
        log_warn("could not count overdue tasks", "err=%s", pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    metrics_family_t *f =
        metrics_gauge("duban_tasks_overdue",
                      "Open tasks past their completion deadline, by division.", "division");
    metrics_clear(f);
    for (int i = 0; i < PQntuples(res); i++)
        metrics_set(f, strtod(PQgetvalue(res, i, 1), NULL), PQgetvalue(res, i, 0));
}

static void s_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_metrics_t *self = arg;
    if (self->counting || !pg_is_up(self->pg))
        return;
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, false, s_overdue_sql, 0, NULL) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    self->counting = true;
    pg_txn_submit(self->pg, &txn, s_counted, self);
}

static void s_scrape_cb(void *arg)
{
    watch_metrics_t *self = arg;
    metrics_set(
        metrics_gauge("duban_redis_index_entries", "Entries in the deadline index in Redis.", NULL),
        (double)watch_index_size(self->index));
    metrics_set(metrics_gauge("duban_redis_up", "1 while Redis is connected.", NULL),
                watch_index_up(self->index) ? 1 : 0);
}

watch_metrics_t *watch_metrics_new(struct event_base *base, pg_t *pg, watch_index_t *index,
                                   int every_s)
{
    watch_metrics_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->index = index;
    self->timer = event_new(base, -1, EV_PERSIST, s_timer_cb, self);
    struct timeval every = {every_s > 0 ? every_s : 15, 0};
    if (!self->timer || event_add(self->timer, &every) < 0) {
        if (self->timer)
            event_free(self->timer);
        free(self);
        return NULL;
    }
    metrics_gauge("duban_tasks_overdue", "Open tasks past their completion deadline, by division.",
                  "division");
    metrics_on_scrape(s_scrape_cb, self);
    return self;
}

void watch_metrics_destroy(watch_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_metrics_t *self = *self_p;
    metrics_off_scrape(s_scrape_cb, self);
    event_free(self->timer);
    if (self->counting)
        self->destroyed = true;
    else
        free(self);
    *self_p = NULL;
}
