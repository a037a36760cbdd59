/* Violations from case events; see watch_violation.h. */
#include "watch_violation.h"

#include "clock.h"
#include "log.h"
#include "watch_task.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

/* $1: events at or after this instant (us). */
static const char *s_scan_sql =
    "WITH g AS (INSERT INTO violations (division, handler, case_id, task_id, kind, at)"
    "  SELECT t.division, t.handler, e.case_id, t.id, 'groundless_return', e.at"
    "  FROM case_events e CROSS JOIN LATERAL jsonb_array_elements_text(CASE"
    "   WHEN jsonb_typeof(e.detail->'groundless_returns') = 'array'"
    "   THEN e.detail->'groundless_returns' ELSE '[]'::jsonb END) AS r(division)"
    "  JOIN tasks t ON t.case_id = e.case_id AND t.division = r.division"
    "   AND t.state = 'returned' AND t.returned_at <= e.at"
    "  WHERE e.type = 'arbitrated' AND e.at >= " PG_TIME_TS(1)
    "  ON CONFLICT (task_id, kind) DO NOTHING RETURNING id),"
    " o AS (INSERT INTO violations (division, handler, case_id, task_id, kind, at)"
    "  SELECT t.division, t.handler, e.case_id, t.id, 'reopen', e.at FROM case_events e"
    "  JOIN LATERAL (SELECT id, division, handler FROM tasks WHERE case_id = e.case_id"
    "   AND role = 'lead' AND state = 'replied' AND replied_at <= e.at"
    "   ORDER BY replied_at DESC, id DESC LIMIT 1) t ON true"
    "  WHERE e.type = 'reopened' AND e.at >= " PG_TIME_TS(1)
    "  ON CONFLICT (task_id, kind) DO NOTHING RETURNING id)"
    " SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM o), " PG_TIME_US_OR_0("now()");

struct watch_violation {
    pg_t *pg;
    struct event *ev;
    int overlap_ms;
    bool busy;
    int64_t since_us;
    unsigned long recorded;
};

int watch_violation_prepare(pg_t *pg)
{
    return pg_prepare(pg, "watch_violation_scan", s_scan_sql);
}

static void s_scanned(pg_txn_t *txn, bool ok, void *arg)
{
    watch_violation_t *self = arg;
    self->busy = false;
    if (!ok) {
        log_warn("could not record violations from case events", "err=%s", pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    long groundless = atol(PQgetvalue(res, 0, 0)), reopen = atol(PQgetvalue(res, 0, 1));
    if (groundless + reopen > 0)
        log_info("recorded violations", "groundless_return=%ld reopen=%ld", groundless, reopen);
    self->recorded += (unsigned long)(groundless + reopen);
    self->since_us = strtoll(PQgetvalue(res, 0, 2), NULL, 10) - self->overlap_ms * 1000LL;
}

static void s_scan_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_violation_t *self = arg;
    if (self->busy || !pg_is_up(self->pg))
        return;
    char since[32];
    snprintf(since, sizeof(since), "%lld", (long long)self->since_us);
    pg_param_t p[1] = {PG_TEXT(since)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "watch_violation_scan", 1, p) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    self->busy = true;
    pg_txn_submit(self->pg, &txn, s_scanned, self);
}

watch_violation_t *watch_violation_new(struct event_base *base, pg_t *pg, int interval_ms,
                                       int overlap_ms, int lookback_s)
{
    watch_violation_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->overlap_ms = overlap_ms;
    self->since_us = clock_now_us() - lookback_s * 1000000LL;
    self->ev = event_new(base, -1, EV_PERSIST, s_scan_cb, self);
    struct timeval tv = {interval_ms / 1000, (interval_ms % 1000) * 1000};
    if (!self->ev || event_add(self->ev, &tv) < 0) {
        watch_violation_destroy(&self);
        return NULL;
    }
    return self;
}

void watch_violation_destroy(watch_violation_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_violation_t *self = *self_p;
    if (self->ev)
        event_free(self->ev);
    free(self);
    *self_p = NULL;
}

unsigned long watch_violation_recorded(const watch_violation_t *self)
{
    return self->recorded;
}
