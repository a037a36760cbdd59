/* Scheduled bulletins; see bulletin_schedule.h. One run at a time walks
 * through four callbacks: exists? -> read (one pipelined REPEATABLE READ
 * transaction) -> store (the publishing statement) -> files. A tick that
 * finds a run in progress does nothing; the next tick looks again. */
#include "bulletin_schedule.h"

#include "bulletin_days.h"
#include "bulletin_months.h"
#include "bulletin_render.h"
#include "bulletin_store.h"
#include "clock.h"
#include "log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US (86400LL * 1000000LL)

struct bulletin_schedule {
    pg_t *pg;
    const bulletin_engine_t *engine;
    outbox_relay_t *relay;
    char instance[128];
    struct event *tick_ev;
    bool busy;
    bool stopping;             /* shutting down: start nothing new */
    bulletin_kind_t next_kind; /* kinds are visited in turn, one run per visit */
    bulletin_period_t period;  /* of the run in progress */
    bulletin_query_t query;
    bulletin_report_t *report;
    unsigned long published, lost, failed;
    char last[96];
    /* frozen days (bulletin_days.h): the end of the last final day looked
     * at, and when to try again after a failure */
    bulletin_days_plan_t days;
    bulletin_query_t days_query;
    int64_t days_done_us, days_retry_us;
    unsigned long days_stored;
};

static void s_next(bulletin_schedule_t *self);

int64_t bulletin_schedule_due_us(const calendar_t *calendar, const bulletin_period_t *p,
                                 int64_t offset_us, int at_minute)
{
    int year, month;
    bulletin_period_month(p, p->months, &year, &month);
    int64_t day = bulletin_month_start_us(year, month, offset_us); /* the day after the end */
    for (int i = 0; i < 366; i++, day += DAY_US) {
        int y, m, d;
        if (calendar_local_date(calendar, day, &y, &m, &d) == 0 &&
            calendar_is_working_day(calendar, y, m, d))
            break;
    }
    return day + (int64_t)at_minute * 60 * 1000000LL;
}

static void s_done(bulletin_schedule_t *self, const char *outcome)
{
    snprintf(self->last, sizeof(self->last), "%s %s", self->period.label, outcome);
    bulletin_report_destroy(&self->report);
    self->busy = false;
    s_next(self);
}

static void s_stored(pg_txn_t *txn, bool ok, void *arg)
{
    bulletin_schedule_t *self = arg;
    bulletin_stored_t stored;
    if (!ok || bulletin_store_result(pg_txn_result(txn, 0), &stored) < 0) {
        log_error("could not publish bulletin", "period=%s err=%s", self->period.label,
                  pg_txn_error(txn));
        self->failed++;
        s_done(self, "failed");
        return;
    }
    if (!stored.stored) {
        /* An insert that waited for another instance's commit of the same
         * period reads the table as it was before: no digest to compare. */
        if (!stored.digest[0])
            log_info("bulletin was published by another instance at the same moment", "period=%s",
                     self->period.label);
        else
            log_info("bulletin was published by another instance", "period=%s digest=%s ours=%s",
                     self->period.label, stored.digest,
                     strcmp(stored.digest, self->report->digest) == 0 ? "the same" : "differs");
        self->lost++;
        s_done(self, "published elsewhere");
        return;
    }
    outbox_relay_kick(self->relay);
    self->published++;
    log_info("bulletin published", "period=%s kind=%s digest=%s rechecks=%d id=%lld",
             self->period.label, bulletin_kind_str(self->period.kind), self->report->digest,
             stored.rechecks, (long long)stored.id);
    if (bulletin_render_files(self->report, self->engine->out_dir) < 0)
        log_error(
            "bulletin is published but its files were not written; run dubanctl bulletin render PERIOD",
            "period=%s dir=%s", self->period.label, self->engine->out_dir);
    s_done(self, "published");
}

static void s_frozen(pg_txn_t *txn, bool ok, void *arg)
{
    (void)arg;
    if (!ok)
        log_warn("could not freeze the months of a bulletin", "err=%s", pg_txn_error(txn));
}

/* Stores the months the read took from the rows that have ended for good,
 * beside the publication: a failure costs only speed. */
static void s_freeze(bulletin_schedule_t *self)
{
    if (!self->report->freeze)
        return;
    pg_param_t params[2] = {PG_TEXT(self->report->freeze_epoch), PG_TEXT(self->report->freeze)};
    pg_txn_t *txn = pg_txn_new();
    if (txn && pg_txn_add(txn, false, BULLETIN_MONTHS_FREEZE_SQL, 2, params) >= 0)
        pg_txn_submit(self->pg, &txn, s_frozen, self);
    pg_txn_destroy(&txn);
}

static void s_read(pg_txn_t *txn, bool ok, void *arg)
{
    bulletin_schedule_t *self = arg;
    PGresult *results[BQ_COUNT] = {0};
    for (int i = 0; ok && i < BQ_COUNT; i++)
        results[i] = pg_txn_result(txn, i);
    self->report = ok ? bulletin_engine_report(self->engine, &self->query, results) : NULL;
    if (self->report)
        s_freeze(self);
    bulletin_store_t *store =
        self->report ? bulletin_store_new(self->report, "schedule", self->instance, 0) : NULL;
    pg_txn_t *put = store ? pg_txn_new() : NULL;
    int n;
    if (!put || pg_txn_add(put, false, bulletin_store_sql(store), BULLETIN_STORE_PARAMS,
                           bulletin_store_params(store, &n)) < 0) {
        if (!ok)
            log_error("could not read figures of bulletin", "period=%s err=%s", self->period.label,
                      pg_txn_error(txn));
        pg_txn_destroy(&put);
        bulletin_store_destroy(&store);
        self->failed++;
        s_done(self, "failed");
        return;
    }
    bulletin_store_destroy(&store); /* pg_txn_add copied the parameters */
    pg_txn_submit(self->pg, &put, s_stored, self);
}

/* The read statements of q, pipelined in one transaction; NULL when out of
 * memory. */
static pg_txn_t *s_read_txn(const bulletin_query_t *q)
{
    pg_param_t params[BQ_PARAMS];
    for (int i = 0; i < BQ_PARAMS; i++)
        params[i] = PG_TEXT(q->params[i]);
    pg_txn_t *txn = pg_txn_new();
    for (int i = 0; txn && i < BQ_COUNT; i++) {
        int n;
        const char *sql = bulletin_query_sql(q, i, &n);
        if (pg_txn_add(txn, false, sql, n, params) < 0)
            pg_txn_destroy(&txn);
    }
    return txn;
}

static void s_start_read(bulletin_schedule_t *self)
{
    if (self->stopping) {
        s_done(self, "stopped");
        return;
    }
    bulletin_query_init(&self->query, &self->period, self->engine->offset_us);
    pg_txn_t *txn = s_read_txn(&self->query);
    if (!txn) {
        self->failed++;
        s_done(self, "failed");
        return;
    }
    log_info("producing bulletin", "period=%s kind=%s trigger=schedule", self->period.label,
             bulletin_kind_str(self->period.kind));
    pg_txn_submit(self->pg, &txn, s_read, self);
}

static void s_exists(pg_txn_t *txn, bool ok, void *arg)
{
    bulletin_schedule_t *self = arg;
    if (!ok) {
        log_warn("could not look for bulletin", "period=%s err=%s", self->period.label,
                 pg_txn_error(txn));
        self->busy = false; /* the next tick tries again */
        return;
    }
    if (PQntuples(pg_txn_result(txn, 0)) > 0) {
        self->busy = false;
        s_next(self);
        return;
    }
    s_start_read(self);
}

/* Looks at the next kind due; one run per call. */
static void s_next(bulletin_schedule_t *self)
{
    const bulletin_config_t *config = self->engine->config;
    int64_t now = clock_now_us();
    while (!self->stopping && !self->busy && self->next_kind < BULLETIN_KINDS) {
        bulletin_kind_t kind = self->next_kind++;
        if (!config->scheduled[kind])
            continue;
        bulletin_period_t p;
        bulletin_period_last_ended(kind, now, self->engine->offset_us, &p);
        if (now < bulletin_schedule_due_us(self->engine->calendar, &p, self->engine->offset_us,
                                           config->at_minute))
            continue;
        self->period = p;
        self->busy = true;
        pg_param_t params[2] = {PG_TEXT(bulletin_kind_str(kind)), PG_TEXT(self->period.label)};
        pg_txn_t *txn = pg_txn_new();
        if (!txn || pg_txn_add(txn, false, "SELECT 1 FROM bulletins WHERE kind = $1 AND label = $2",
                               2, params) < 0) {
            pg_txn_destroy(&txn);
            self->busy = false;
            return;
        }
        pg_txn_submit(self->pg, &txn, s_exists, self);
    }
}

/* The end of the days' run: on to the bulletins due. A failure is tried
 * again a minute later; until then a month-check reads those days' rows. */
static void s_days_done(bulletin_schedule_t *self, bool ok)
{
    if (ok)
        self->days_done_us = self->days.final_end_us;
    else
        self->days_retry_us = clock_now_us() + 60 * 1000000LL;
    self->busy = false;
    self->next_kind = 0;
    s_next(self);
}

static void s_days_frozen(pg_txn_t *txn, bool ok, void *arg)
{
    bulletin_schedule_t *self = arg;
    if (!ok) {
        log_warn("could not store the days read", "month=%s err=%s", self->days.month.label,
                 pg_txn_error(txn));
        s_days_done(self, false);
        return;
    }
    int n = atoi(PQgetvalue(pg_txn_result(txn, 0), 0, 0));
    self->days_stored += (unsigned long)n;
    log_info("days stored for the month-check", "month=%s days=%d", self->days.month.label, n);
    s_days_done(self, true);
}

static void s_days_read(pg_txn_t *txn, bool ok, void *arg)
{
    bulletin_schedule_t *self = arg;
    PGresult *results[BQ_COUNT] = {0};
    for (int i = 0; ok && i < BQ_COUNT; i++)
        results[i] = pg_txn_result(txn, i);
    bulletin_data_t *d =
        ok ? bulletin_data_new(&self->days_query, self->engine->calendar, results) : NULL;
    int count = 0;
    char *days = d ? bulletin_days_to_freeze(d, self->days.month_start_us, &count) : NULL;
    char epoch[24];
    snprintf(epoch, sizeof(epoch), "%lld", d ? (long long)d->epoch : 0LL);
    bool folded = d != NULL;
    bulletin_data_destroy(&d);
    if (!days) {
        if (!ok)
            log_warn("could not read the days of the month", "month=%s err=%s",
                     self->days.month.label, pg_txn_error(txn));
        s_days_done(self, folded && count == 0); /* none final by the database's clock */
        return;
    }
    pg_param_t params[2] = {PG_TEXT(epoch), PG_TEXT(days)};
    pg_txn_t *put = pg_txn_new();
    if (!put || pg_txn_add(put, false, BULLETIN_DAYS_FREEZE_SQL, 2, params) < 0) {
        pg_txn_destroy(&put);
        free(days);
        s_days_done(self, false);
        return;
    }
    free(days); /* pg_txn_add copied the parameters */
    pg_txn_submit(self->pg, &put, s_days_frozen, self);
}

static void s_days_stored_end(pg_txn_t *txn, bool ok, void *arg)
{
    bulletin_schedule_t *self = arg;
    PGresult *res = ok ? pg_txn_result(txn, 0) : NULL;
    if (!res || PQntuples(res) != 1) {
        log_warn("could not read where the stored days end", "month=%s err=%s",
                 self->days.month.label, pg_txn_error(txn));
        s_days_done(self, false);
        return;
    }
    int64_t stored_end = PQgetisnull(res, 0, 0) ? self->days.month_start_us
                                                : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    if (self->stopping || bulletin_days_query(&self->days_query, &self->days, stored_end,
                                              self->engine->offset_us) == 0) {
        s_days_done(self, !self->stopping);
        return;
    }
    pg_txn_t *read = s_read_txn(&self->days_query);
    if (!read) {
        s_days_done(self, false);
        return;
    }
    pg_txn_submit(self->pg, &read, s_days_read, self);
}

/* Stores the days that ended for good since the last look, then looks at
 * the bulletins due; one or the other per call. */
static void s_days(bulletin_schedule_t *self)
{
    int64_t now = clock_now_us();
    bulletin_days_latest(now, self->engine->offset_us, &self->days);
    if (self->days.final_end_us <= self->days_done_us || now < self->days_retry_us) {
        self->next_kind = 0;
        s_next(self);
        return;
    }
    char start[24];
    snprintf(start, sizeof(start), "%lld", (long long)self->days.month_start_us);
    pg_param_t params[1] = {PG_TEXT(start)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, false, BULLETIN_DAYS_STORED_SQL, 1, params) < 0) {
        pg_txn_destroy(&txn);
        return; /* the next tick tries again */
    }
    self->busy = true;
    pg_txn_submit(self->pg, &txn, s_days_stored_end, self);
}

static void s_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    bulletin_schedule_t *self = arg;
    if (self->busy || self->stopping || !pg_is_up(self->pg))
        return;
    s_days(self);
}

bulletin_schedule_t *bulletin_schedule_new(struct event_base *base, pg_t *pg,
                                           const bulletin_engine_t *engine, outbox_relay_t *relay,
                                           const char *instance, int check_ms)
{
    bulletin_schedule_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->engine = engine;
    self->relay = relay;
    self->next_kind = BULLETIN_KINDS;
    snprintf(self->instance, sizeof(self->instance), "%s", instance);
    self->tick_ev = event_new(base, -1, EV_PERSIST, s_tick_cb, self);
    if (check_ms < 10)
        check_ms = 10;
    struct timeval tv = {check_ms / 1000, (check_ms % 1000) * 1000};
    if (!self->tick_ev || event_add(self->tick_ev, &tv) < 0) {
        bulletin_schedule_destroy(&self);
        return NULL;
    }
    return self;
}

void bulletin_schedule_stop(bulletin_schedule_t *self)
{
    self->stopping = true;
    if (self->tick_ev)
        event_del(self->tick_ev);
}

void bulletin_schedule_destroy(bulletin_schedule_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_schedule_t *self = *self_p;
    if (self->tick_ev)
        event_free(self->tick_ev);
    bulletin_report_destroy(&self->report);
    free(self);
    *self_p = NULL;
}

void bulletin_schedule_report(const bulletin_schedule_t *self, json_t *report)
{
    json_object_set_new(report, "published", json_integer((json_int_t)self->published));
    json_object_set_new(report, "published_elsewhere", json_integer((json_int_t)self->lost));
    json_object_set_new(report, "failed", json_integer((json_int_t)self->failed));
    json_object_set_new(report, "busy", json_boolean(self->busy));
    json_object_set_new(report, "last", json_string(self->last));
    json_object_set_new(report, "days_stored", json_integer((json_int_t)self->days_stored));
}
