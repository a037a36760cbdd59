/* duban-watch: watches every task's response and completion deadlines,
 * warns the division before them, alerts the inspection office at them and
 * escalates at each further period until someone acts, repeats alerts
 * nobody acknowledged, counts violations for the accountability ladder, and
 * serves the inspection office's console (snapshot and acknowledgements).
 *
 * PostgreSQL is the truth; the deadline index in Redis is rebuilt from it
 * at start, on every Redis reconnect and whenever Redis was emptied. Any
 * number of instances may run: they split the index's entries between
 * them, and every alert is inserted exactly once.
 *
 * Two PostgreSQL connections: one for the watch's own work (rebuilds,
 * polls, alerts), one for what must not wait behind it (the outbox relay
 * that publishes alerts, and the inspection office's console). */
#include "auth.h"
#include "log.h"
#include "outbox.h"
#include "pg.h"
#include "service.h"
#include "watch_console.h"
#include "watch_fire.h"
#include "watch_index.h"
#include "watch_ladder.h"
#include "watch_metrics.h"
#include "watch_sla.h"
#include "watch_sync.h"
#include "watch_task.h"
#include "watch_violation.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* After a (re)connect to PostgreSQL, what a previous run committed and did
 * not send goes out this much later: consoles that lost the PUB with the
 * previous process need a moment to reconnect (ZeroMQ retries every 100 ms),
 * or PUB drops the message and they only find it in their next snapshot. */
#define WATCH_STARTUP_SEND_MS 1000

typedef struct {
    service_t *svc;
    pg_t *pg;     /* rebuilds, polls, alerts */
    pg_t *pg_out; /* relay and console */
    watch_sla_t *sla;
    watch_ladder_t *ladder;
    watch_index_t *index;
    watch_sync_t *sync;
    watch_fire_t *fire;
    watch_violation_t *violation;
    bus_sock_t *pub;
    outbox_relay_t *relay;
    auth_t *auth;
    watch_console_t *console;
    struct event *send_ev;
    watch_metrics_t *metrics;
} watch_t;

static bool s_health(json_t *report, void *arg)
{
    watch_t *self = arg;
    bool pg_up = pg_is_up(self->pg) && pg_is_up(self->pg_out);
    bool redis_up = watch_index_up(self->index);
    watch_sync_stats_t sync = watch_sync_stats(self->sync);
    watch_fire_stats_t fire = watch_fire_stats(self->fire);
    json_object_set_new(report, "postgres", json_boolean(pg_up));
    json_object_set_new(report, "redis", json_boolean(redis_up));
    json_object_set_new(report, "index_size", json_integer(watch_index_size(self->index)));
    json_object_set_new(report, "claims",
                        json_integer((json_int_t)watch_index_claims(self->index)));
    json_object_set_new(report, "inflight", json_integer(watch_index_inflight(self->index)));
    json_object_set_new(report, "rebuilds", json_integer((json_int_t)sync.rebuilds));
    json_object_set_new(report, "rebuilding", json_boolean(sync.rebuilding));
    json_object_set_new(report, "last_rebuild_seconds",
                        json_real((double)sync.last_rebuild_us / 1e6));
    json_object_set_new(report, "last_rebuild_tasks", json_integer(sync.last_rebuild_tasks));
    json_object_set_new(report, "last_rebuild_entries", json_integer(sync.last_rebuild_armed));
    json_object_set_new(report, "changed", json_integer((json_int_t)sync.changed));
    json_object_set_new(report, "alerts_raised", json_integer((json_int_t)fire.alerts));
    json_object_set_new(report, "warnings_raised", json_integer((json_int_t)fire.warnings));
    json_object_set_new(report, "repeats_sent", json_integer((json_int_t)fire.repeats));
    json_object_set_new(report, "entries_skipped", json_integer((json_int_t)fire.skipped));
    json_object_set_new(report, "entries_retried", json_integer((json_int_t)fire.failures));
    json_object_set_new(report, "violations_recorded",
                        json_integer((json_int_t)watch_violation_recorded(self->violation)));
    json_object_set_new(report, "published",
                        json_integer((json_int_t)outbox_relay_sent(self->relay)));
    json_object_set_new(report, "rejected",
                        json_integer((json_int_t)watch_console_rejected(self->console)));
    outbox_relay_health(self->relay, report);
    return pg_up && redis_up;
}

static void s_send_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_t *self = arg;
    outbox_relay_kick(self->relay);
}

/* The relay runs on a sweep timer; a fresh connection is a good moment to
 * send what a previous run committed and did not send. */
static void s_pg_state(pg_t *pg, bool up, void *arg)
{
    watch_t *self = arg;
    struct timeval tv = {WATCH_STARTUP_SEND_MS / 1000, (WATCH_STARTUP_SEND_MS % 1000) * 1000};
    if (up)
        evtimer_add(self->send_ev, &tv);
}

/* conninfo with plan_cache_mode=force_custom_plan added to its options
 * (malloc'ed; NULL when it cannot be parsed). watch's statements look alerts
 * and violations up by task and case events by time; a generic plan cached
 * while those tables were empty (a new deployment, a test) scans them whole
 * forever after, which turned a burst of alerts quadratic. */
static char *s_conninfo(const char *conninfo)
{
    char *err = NULL, *out = NULL;
    size_t len = 0;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    FILE *f = opts ? open_memstream(&out, &len) : NULL;
    if (!f) {
        log_error("cannot use pg.conninfo", "err=%s", err ? err : "out of memory");
        PQfreemem(err);
        PQconninfoFree(opts);
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        bool is_options = strcmp(o->keyword, "options") == 0;
        if (!o->val && !is_options)
            continue;
        fprintf(f, "%s='", o->keyword);
        for (const char *c = o->val ? o->val : ""; *c; c++)
            fprintf(f, "%s%c", *c == '\'' || *c == '\\' ? "\\" : "", *c);
        fprintf(f, "%s' ", is_options ? " -c plan_cache_mode=force_custom_plan" : "");
    }
    fclose(f);
    PQconninfoFree(opts);
    return out;
}

static int s_prepare(pg_t *pg, pg_t *pg_out)
{
    return watch_task_prepare(pg) | watch_fire_prepare(pg) | watch_violation_prepare(pg) |
           watch_ladder_prepare(pg) | watch_console_prepare(pg_out) | auth_prepare(pg_out);
}

/* Stopping: the deadline entries this instance has claimed are finished
 * (their alerts written, their next entries armed) before it goes, rather
 * than left for the other instances to take over after their lease lapses. */
static void s_drained(void *arg)
{
    watch_t *self = arg;
    service_stop(self->svc);
}

static void s_stop(void *arg)
{
    watch_t *self = arg;
    log_info("finishing claimed deadline entries before stopping", "entries=%d",
             watch_index_inflight(self->index));
    watch_index_drain(self->index, s_drained, self);
}

int main(int argc, char **argv)
{
    int exit_code = 1;
    watch_t self = {0};
    self.svc = service_new("watch", "Watches task deadlines: warns divisions, alerts and "
                                    "escalates to the inspection office, serves its console.",
                           argc, argv, &exit_code);
    if (!self.svc)
        return exit_code;
    settings_t *st = self.svc->settings;
    exit_code = 1;
    char *conninfo = s_conninfo(self.svc->pg_conninfo);
    if (!conninfo)
        goto out_teardown;
    self.sla = watch_sla_new(st);
    self.pg = pg_new(self.svc->base, conninfo);
    self.pg_out = pg_new(self.svc->base, conninfo);
    free(conninfo);
    if (!self.sla || !self.pg || !self.pg_out || s_prepare(self.pg, self.pg_out) != 0)
        goto out_teardown;
    self.pub = bus_sock_bind(self.svc->zctx, self.svc->base, ZMQ_PUB, "watch.feed",
                             settings_string(st, "watch.pub", "tcp://127.0.0.1:7108"), NULL, NULL);
    if (!self.pub)
        goto out_teardown;
    self.relay = outbox_relay_new(self.svc->base, self.pg_out, self.pub, "watch-pub", false, st);
    self.index = watch_index_new(self.svc->base, settings_string(st, "redis.host", "127.0.0.1"),
                                 (int)settings_int(st, "redis.port", 6379),
                                 settings_string(st, "redis.prefix", "duban:"));
    int overlap_ms = (int)settings_int(st, "watch.overlap_ms", 2000);
    watch_sync_config_t sync = {
        .gather_ms = (int)settings_int(st, "watch.gather_ms", 250),
        .lookback_s = (int)settings_int(st, "watch.lookback_s", 86400),
        .page = (int)settings_int(st, "watch.rebuild_page", 20000)};
    self.sync = self.index ? watch_sync_new(self.svc->base, self.pg, self.index,
                                            watch_sla_policy(self.sla), &sync)
                           : NULL;
    self.ladder = watch_ladder_new(self.svc->base, self.pg,
                                   sla_ladder_period_us(watch_sla_get(self.sla)), 1000);
    self.fire = self.index && self.relay && self.ladder
                    ? watch_fire_new(self.pg, self.index, self.ladder, self.sla, self.relay)
                    : NULL;
    self.violation = watch_violation_new(self.svc->base, self.pg, 1000, overlap_ms,
                                         sync.lookback_s);
    self.auth = auth_new(self.pg_out);
    self.console = self.auth ? watch_console_new(self.svc->base, self.svc->zctx, self.pg_out,
                                                 self.auth, self.sla, self.relay,
                                                 settings_string(st, "watch.console",
                                                                 "tcp://127.0.0.1:7109"))
                             : NULL;
    self.send_ev = evtimer_new(self.svc->base, s_send_cb, &self);
    self.metrics = self.index ? watch_metrics_new(self.svc->base, self.pg, self.index,
                                                  (int)settings_int(st, "watch.metrics_every_s", 15))
                              : NULL;
    if (!self.metrics || !self.relay || !self.sync || !self.fire || !self.violation || !self.console ||
        !self.send_ev || service_health_start(self.svc, NULL, s_health, &self) < 0)
        goto out_teardown;
    watch_index_on_fire(self.index, watch_fire_entries, self.fire);
    watch_index_on_rebuild(self.index, watch_sync_rebuild_cb, self.sync);
    pg_on_state(self.pg_out, s_pg_state, &self);
    service_drain(self.svc, self.pg);
    service_drain(self.svc, self.pg_out);
    service_on_stop(self.svc, s_stop, &self);
    exit_code = service_run(self.svc);

out_teardown:
    /* PostgreSQL first: what is in flight fails back to modules still alive. */
    pg_destroy(&self.pg);
    pg_destroy(&self.pg_out);
    watch_metrics_destroy(&self.metrics);
    watch_console_destroy(&self.console);
    auth_destroy(&self.auth);
    watch_violation_destroy(&self.violation);
    watch_index_destroy(&self.index);
    watch_fire_destroy(&self.fire);
    watch_ladder_destroy(&self.ladder);
    watch_sync_destroy(&self.sync);
    outbox_relay_destroy(&self.relay);
    if (self.send_ev)
        event_free(self.send_ev);
    bus_sock_destroy(&self.pub);
    watch_sla_destroy(&self.sla);
    service_destroy(&self.svc);
    return exit_code;
}
