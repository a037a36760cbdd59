/* Rebuild and change polling; see watch_sync.h. */
#include "watch_sync.h"

#include "clock.h"
#include "log.h"
#include "watch_task.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_POLL_LIMIT 5000
#define SYNC_RETRY_MS 1000

struct watch_sync {
    pg_t *pg;
    watch_index_t *index;
    const watch_policy_t *policy;
    watch_sync_config_t cfg;
    struct event *poll_ev;
    struct event *page_ev;
    /* rebuild */
    bool rebuilding;
    bool rebuild_again;
    int64_t after_id;
    int64_t started_mono;
    long tasks;
    long armed;
    /* polling */
    bool polling;
    int64_t since_us;
    int64_t since_id;
    watch_sync_stats_t stats;
};

static void s_page(watch_sync_t *self);

static void s_schedule_page(watch_sync_t *self, int delay_ms)
{
    struct timeval tv = {delay_ms / 1000, (delay_ms % 1000) * 1000};
    event_add(self->page_ev, &tv);
}

static void s_rebuild_finish(watch_sync_t *self)
{
    self->rebuilding = false;
    self->stats.rebuilds++;
    self->stats.last_rebuild_us = clock_mono_us() - self->started_mono;
    self->stats.last_rebuild_tasks = self->tasks;
    self->stats.last_rebuild_armed = self->armed;
    log_info("rebuilt deadline index from postgresql tasks=%ld entries=%ld seconds=%.3f",
             self->tasks, self->armed, (double)self->stats.last_rebuild_us / 1e6);
    if (self->rebuild_again) {
        self->rebuild_again = false;
        watch_sync_rebuild(self);
    }
}

static void s_page_read(pg_txn_t *txn, bool ok, void *arg)
{
    watch_sync_t *self = arg;
    if (!ok) {
        log_warn("could not read tasks for the deadline index, retrying: %s", pg_txn_error(txn));
        s_schedule_page(self, SYNC_RETRY_MS);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int n = PQntuples(res);
    int armed = watch_task_arm(res, self->policy, self->index, clock_now_us());
    if (armed < 0) {
        log_warn("redis went away during the rebuild; it starts again on reconnect");
        self->rebuilding = false;
        self->rebuild_again = false;
        return;
    }
    self->tasks += n;
    self->armed += armed;
    if (n > 0)
        self->after_id = strtoll(PQgetvalue(res, n - 1, 0), NULL, 10);
    if (n == self->cfg.page)
        s_page(self);
    else
        s_rebuild_finish(self);
}

static void s_page(watch_sync_t *self)
{
    char after[32], limit[16], lookback[16];
    snprintf(after, sizeof(after), "%lld", (long long)self->after_id);
    snprintf(limit, sizeof(limit), "%d", self->cfg.page);
    snprintf(lookback, sizeof(lookback), "%d", self->cfg.lookback_s);
    pg_param_t p[3] = {PG_TEXT(after), PG_TEXT(limit), PG_TEXT(lookback)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "watch_rows_page", 3, p) < 0) {
        pg_txn_destroy(&txn);
        s_schedule_page(self, SYNC_RETRY_MS);
        return;
    }
    pg_txn_submit(self->pg, &txn, s_page_read, self);
}

static void s_page_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_sync_t *self = arg;
    if (!watch_index_up(self->index)) {
        self->rebuilding = false; /* the reconnect asks again */
        return;
    }
    s_page(self);
}

void watch_sync_rebuild(watch_sync_t *self)
{
    if (self->rebuilding) {
        self->rebuild_again = true;
        return;
    }
    self->rebuilding = true;
    self->after_id = 0;
    self->tasks = 0;
    self->armed = 0;
    self->started_mono = clock_mono_us();
    /* Set first: a flush during the rebuild removes it and asks again. */
    watch_index_mark_built(self->index);
    log_info("rebuilding deadline index from postgresql");
    s_page(self);
}

void watch_sync_rebuild_cb(void *arg)
{
    watch_sync_rebuild(arg);
}

static void s_poll_read(pg_txn_t *txn, bool ok, void *arg)
{
    watch_sync_t *self = arg;
    self->polling = false;
    if (!ok) {
        log_debug("could not poll changed tasks: %s", pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0), *now = pg_txn_result(txn, 1);
    int n = PQntuples(res);
    if (n > 0 && watch_task_arm(res, self->policy, self->index, clock_now_us()) < 0)
        return; /* Redis down: read the same again next time */
    self->stats.polled += (unsigned long)n;
    if (n == SYNC_POLL_LIMIT) {
        /* More waiting: continue after the last row, at once. */
        self->since_us = strtoll(PQgetvalue(res, n - 1, 13), NULL, 10);
        self->since_id = strtoll(PQgetvalue(res, n - 1, 0), NULL, 10);
        event_active(self->poll_ev, 0, 0);
        return;
    }
    self->since_us = strtoll(PQgetvalue(now, 0, 0), NULL, 10) - self->cfg.overlap_ms * 1000LL;
    self->since_id = 0;
}

static void s_poll_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_sync_t *self = arg;
    if (self->polling || !pg_is_up(self->pg) || !watch_index_up(self->index))
        return;
    char since[32], after[32], limit[16];
    snprintf(since, sizeof(since), "%lld", (long long)self->since_us);
    snprintf(after, sizeof(after), "%lld", (long long)self->since_id);
    snprintf(limit, sizeof(limit), "%d", SYNC_POLL_LIMIT);
    pg_param_t p[3] = {PG_TEXT(since), PG_TEXT(after), PG_TEXT(limit)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "watch_rows_changed", 3, p) < 0 ||
        pg_txn_add(txn, false, "SELECT " PG_TIME_US_OR_0("now()"), 0, NULL) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    self->polling = true;
    pg_txn_submit(self->pg, &txn, s_poll_read, self);
}

watch_sync_t *watch_sync_new(struct event_base *base, pg_t *pg, watch_index_t *index,
                             const watch_policy_t *policy, const watch_sync_config_t *config)
{
    watch_sync_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->index = index;
    self->policy = policy;
    self->cfg = *config;
    if (self->cfg.page < 100)
        self->cfg.page = 100;
    if (self->cfg.poll_ms < 10)
        self->cfg.poll_ms = 10;
    self->since_us = clock_now_us() - self->cfg.overlap_ms * 1000LL;
    self->poll_ev = event_new(base, -1, EV_PERSIST, s_poll_cb, self);
    self->page_ev = evtimer_new(base, s_page_cb, self);
    struct timeval tv = {self->cfg.poll_ms / 1000, (self->cfg.poll_ms % 1000) * 1000};
    if (!self->poll_ev || !self->page_ev || event_add(self->poll_ev, &tv) < 0) {
        watch_sync_destroy(&self);
        return NULL;
    }
    return self;
}

void watch_sync_destroy(watch_sync_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_sync_t *self = *self_p;
    if (self->poll_ev)
        event_free(self->poll_ev);
    if (self->page_ev)
        event_free(self->page_ev);
    free(self);
    *self_p = NULL;
}

watch_sync_stats_t watch_sync_stats(const watch_sync_t *self)
{
    watch_sync_stats_t s = self->stats;
    s.rebuilding = self->rebuilding;
    return s;
}
