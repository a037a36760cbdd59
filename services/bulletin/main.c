/* duban-bulletin: produces the month-check, quarter-bulletin, half-year
 * summary and year-end review on schedule (exactly once across instances),
 * and publishes BulletinPublished on bulletin.pub through its outbox relay
 * (also for bulletins published on demand by dubanctl). Its console
 * (bulletin.console) serves the staff API's bulletins, look-back re-checks
 * and the month so far (bulletin_console.h). */
#include "auth.h"
#include "bulletin_console.h"
#include "bulletin_engine.h"
#include "bulletin_schedule.h"
#include "log.h"
#include "outbox.h"
#include "pg.h"
#include "service.h"

#include <sodium.h>
#include <stdio.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    service_t *svc;
    pg_t *pg;
    bulletin_engine_t *engine;
    bus_sock_t *pub;
    outbox_relay_t *relay;
    bulletin_schedule_t *schedule;
    auth_t *auth;
    bulletin_console_t *console;
} bulletin_t;

static bool s_health(json_t *report, void *arg)
{
    bulletin_t *self = arg;
    bool up = pg_is_up(self->pg);
    json_object_set_new(report, "postgres", json_boolean(up));
    json_object_set_new(report, "sent", json_integer((json_int_t)outbox_relay_sent(self->relay)));
    outbox_relay_health(self->relay, report);
    bulletin_schedule_report(self->schedule, report);
    bulletin_console_report(self->console, report);
    return up;
}

int main(int argc, char **argv)
{
    int exit_code = 1;
    bulletin_t self = {0};
    self.svc = service_new("bulletin",
                           "Produces and publishes the month-check, quarter-bulletin, "
                           "half-year summary and year-end review.",
                           argc, argv, &exit_code);
    if (!self.svc)
        return exit_code;
    exit_code = 1;
    settings_t *st = self.svc->settings;
    char instance[128], host[64] = "localhost";
    gethostname(host, sizeof(host) - 1);
    snprintf(instance, sizeof(instance), "duban-bulletin@%s:%ld", host, (long)getpid());
    if (sodium_init() < 0)
        goto out_teardown;
    self.engine = bulletin_engine_new(st);
    self.pg = pg_new(self.svc->base, self.svc->pg_conninfo);
    if (!self.engine || !self.pg || auth_prepare(self.pg) < 0 || !(self.auth = auth_new(self.pg)))
        goto out_teardown;
    self.pub =
        bus_sock_bind(self.svc->zctx, self.svc->base, ZMQ_PUB, "bulletin.feed",
                      settings_string(st, "bulletin.pub", "tcp://127.0.0.1:7111"), NULL, NULL);
    if (!self.pub)
        goto out_teardown;
    self.relay = outbox_relay_new(self.svc->base, self.pg, self.pub, "bulletin", false, st);
    self.schedule =
        self.relay
            ? bulletin_schedule_new(self.svc->base, self.pg, self.engine, self.relay, instance,
                                    (int)settings_int(st, "bulletin.check_ms", 60000))
            : NULL;
    self.console =
        self.schedule ? bulletin_console_new(
                            self.svc->base, self.svc->zctx, self.auth, self.engine, self.relay,
                            self.svc->pg_conninfo,
                            settings_string(st, "bulletin.console", "tcp://127.0.0.1:7113"))
                      : NULL;
    if (!self.console || service_health_start(self.svc, NULL, s_health, &self) < 0)
        goto out_teardown;
    log_info("bulletins folder", "dir=%s instance=%s", self.engine->out_dir, instance);
    service_drain(self.svc, self.pg);
    exit_code = service_run(self.svc);

out_teardown:
    if (self.schedule)
        bulletin_schedule_stop(self.schedule);
    pg_destroy(&self.pg); /* fails what waits for PostgreSQL: token checks too */
    bulletin_console_destroy(&self.console);
    auth_destroy(&self.auth);
    bulletin_schedule_destroy(&self.schedule);
    outbox_relay_destroy(&self.relay);
    bus_sock_destroy(&self.pub);
    bulletin_engine_destroy(&self.engine);
    service_destroy(&self.svc);
    return exit_code;
}
