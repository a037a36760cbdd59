/* Rebuild, and changes as PostgreSQL tells them; see watch_sync.h. */
#include "watch_sync.h"

#include "clock.h"
#include "log.h"
#include "watch_task.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_READ_LIMIT 5000
#define SYNC_RETRY_MS 1000

struct watch_sync {
    pg_t *pg;
    watch_index_t *index;
    const watch_policy_t *policy;
    watch_sync_config_t cfg;
    struct event *read_ev;
    struct event *retry_ev;
    struct event *page_ev;
    /* rebuild */
    bool rebuilding;
    bool rebuild_again;
    int64_t after_id;
    int64_t started_mono;
    long tasks;
    long armed;
    /* changes told, not yet read: ids[0..nreading) are being read */
    int64_t *ids;
    size_t nids;
    size_t cap;
    size_t nreading;
    bool reading;
    bool connected_before;
    watch_sync_stats_t stats;
};

static void s_page(watch_sync_t *self);

/* A read in delay_ms, unless one is due sooner already. */
static void s_schedule_read(watch_sync_t *self, int delay_ms)
{
    struct timeval tv = {delay_ms / 1000, (delay_ms % 1000) * 1000};
    if (!evtimer_pending(self->retry_ev, NULL))
        evtimer_add(self->retry_ev, &tv);
}

/* What is told within gather_ms of the first change is read (and falls due)
 * together: an import's tasks overdue already are announced as one catch-up
 * per division, and a flood is read in few statements. A full batch waiting
 * is read at once. */
static void s_gather(watch_sync_t *self)
{
    if (self->nids >= SYNC_READ_LIMIT)
        event_active(self->read_ev, 0, 0);
    else
        s_schedule_read(self, self->cfg.gather_ms);
}

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
    log_info("rebuilt deadline index from postgresql", "tasks=%ld entries=%ld seconds=%.3f",
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
        log_warn("could not read tasks for the deadline index, retrying", "err=%s",
                 pg_txn_error(txn));
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

/* The changed tasks read back: arm them; on failure keep them for a retry. */
static void s_changed_read(pg_txn_t *txn, bool ok, void *arg)
{
    watch_sync_t *self = arg;
    self->reading = false;
    if (!ok) {
        /* The ids stay pending; a lost connection also brings a rebuild. */
        log_warn("could not read changed tasks, retrying", "err=%s", pg_txn_error(txn));
        self->nreading = 0;
        s_schedule_read(self, SYNC_RETRY_MS);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int n = PQntuples(res);
    if (n > 0 && watch_task_arm(res, self->policy, self->index, clock_now_us()) < 0) {
        /* Redis down: its reconnect rebuilds the index from PostgreSQL. */
        self->nreading = 0;
        self->nids = 0;
        return;
    }
    self->stats.changed += (unsigned long)n;
    /* Drop the ids read; what was told meanwhile moves to the front. */
    memmove(self->ids, self->ids + self->nreading, (self->nids - self->nreading) * sizeof(int64_t));
    self->nids -= self->nreading;
    self->nreading = 0;
    if (self->nids > 0)
        s_gather(self);
}

/* Reads the told tasks (up to SYNC_READ_LIMIT, one read at a time). */
static void s_read_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_sync_t *self = arg;
    if (self->reading || self->nids == 0 || !pg_is_up(self->pg) || !watch_index_up(self->index))
        return;
    size_t n = self->nids < SYNC_READ_LIMIT ? self->nids : SYNC_READ_LIMIT;
    char *array = malloc(n * 21 + 3);
    if (!array) {
        s_schedule_read(self, SYNC_RETRY_MS);
        return;
    }
    size_t len = 0;
    array[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(array + len, "%s%lld", i ? "," : "", (long long)self->ids[i]);
    array[len++] = '}';
    array[len] = '\0';
    pg_param_t p[1] = {PG_TEXT(array)};
    pg_txn_t *txn = pg_txn_new();
    int added = txn ? pg_txn_add(txn, true, "watch_rows_ids", 1, p) : -1;
    free(array);
    if (added < 0) {
        pg_txn_destroy(&txn);
        s_schedule_read(self, SYNC_RETRY_MS);
        return;
    }
    self->reading = true;
    self->nreading = n;
    pg_txn_submit(self->pg, &txn, s_changed_read, self);
}

static int s_add_id(watch_sync_t *self, int64_t id)
{
    if (self->nids == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 1024;
        int64_t *ids = realloc(self->ids, cap * sizeof(int64_t));
        if (!ids)
            return -1;
        self->ids = ids;
        self->cap = cap;
    }
    self->ids[self->nids++] = id;
    return 0;
}

/* Told by PostgreSQL at commit (the tasks' triggers, 040): the payload is
 * the changed tasks' ids. After a (re)connect (channel NULL) what was
 * committed while the connection was down was told to no one: the index is
 * rebuilt, except on the first connection, before which no read ran (the
 * start's rebuild reads after LISTEN, so it sees everything before it). */
static void s_told(pg_t *pg, const char *channel, const char *payload, void *arg)
{
    watch_sync_t *self = arg;
    if (!channel) {
        if (self->connected_before)
            watch_sync_rebuild(self);
        self->connected_before = true;
        return;
    }
    if (!watch_index_up(self->index))
        return; /* Redis's reconnect rebuilds the index, reading after this commit */
    for (const char *p = payload; p && *p;) {
        char *end;
        long long id = strtoll(p, &end, 10);
        if (end == p)
            break;
        if (id > 0 && s_add_id(self, id) < 0) {
            /* Out of memory: a rebuild reads every open task instead. */
            log_error("out of memory keeping changed tasks; rebuilding the index instead");
            watch_sync_rebuild(self);
            break;
        }
        p = *end == ',' ? end + 1 : end;
    }
    if (self->nids > 0 && !self->reading)
        s_gather(self);
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
    if (self->cfg.gather_ms < 0)
        self->cfg.gather_ms = 0;
    self->read_ev = event_new(base, -1, 0, s_read_cb, self);
    self->retry_ev = evtimer_new(base, s_read_cb, self);
    self->page_ev = evtimer_new(base, s_page_cb, self);
    if (!self->read_ev || !self->retry_ev || !self->page_ev ||
        pg_listen(pg, WATCH_SYNC_CHANNEL, s_told, self) < 0) {
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
    if (self->read_ev)
        event_free(self->read_ev);
    if (self->retry_ev)
        event_free(self->retry_ev);
    free(self->ids);
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
