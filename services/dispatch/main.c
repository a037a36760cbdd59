/* duban-dispatch: turns triaged cases into tasks for the responsible
 * divisions (routing table), announces them to division consoles (PUB via
 * the outbox), answers console snapshots and workflow steps (ROUTER). */
#include "consumer.h"
#include "auth.h"
#include "dispatch_console.h"
#include "dispatch_deadline.h"
#include "dispatch_workflow.h"
#include "dispatch_task.h"
#include "log.h"
#include "outbox.h"
#include "pg.h"
#include "redis.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    service_t *svc;
    pg_t *pg;
    consumer_t *consumer;
    outbox_relay_t *relay;
    dispatch_console_t *console;
    redis_t *redis; /* manual triage records the requester's fingerprint */
    fingerprint_t *fingerprint;
    dispatch_deadline_t *deadline;
    dispatch_batch_t *batch; /* the CaseTriaged messages of the batch being built */
    dispatch_workflow_t *workflow;
    auth_t *auth;
} dispatch_t;

static int s_build(pg_txn_t *txn, const Duban__Envelope *env, void *arg, char *why,
                   size_t why_len)
{
    dispatch_t *self = arg;
    return dispatch_task_gather(self->svc->org, self->deadline, self->batch, env, why, why_len);
}

static int s_flush(pg_txn_t *txn, void *arg)
{
    dispatch_t *self = arg;
    return dispatch_task_flush(self->batch, txn);
}

static void s_applied(const Duban__Envelope *env, PGresult *res, int row, void *arg)
{
    dispatch_t *self = arg;
    outbox_relay_send_claimed(self->relay, res, row);
    bool acked = strcmp(PQgetvalue(res, row, DISPATCH_COL_ACKED), "1") == 0;
    if (PQgetisnull(res, row, DISPATCH_COL_TASK)) {
        if (acked)
            log_info("case was not in state triaged (its message came twice); nothing changed",
                     "case=%s msg_id=%s", env->case_number, env->msg_id);
        else
            log_info("ignored duplicate", "msg_id=%s case=%s", env->msg_id, env->case_number);
        return;
    }
    log_info("case dispatched", "case=%s task=%s division=%s msg_id=%s", env->case_number,
             PQgetvalue(res, row, DISPATCH_COL_TASK), PQgetvalue(res, row, DISPATCH_COL_DIVISION),
             env->msg_id);
}

static bool s_health(json_t *report, void *arg)
{
    dispatch_t *self = arg;
    bool up = pg_is_up(self->pg);
    json_object_set_new(report, "postgres", json_boolean(up));
    json_object_set_new(report, "redis", json_boolean(redis_is_up(self->redis)));
    consumer_health(self->consumer, report);
    outbox_relay_health(self->relay, report);
    return up;
}

int main(int argc, char **argv)
{
    int exit_code = 1;
    dispatch_t self = {0};
    self.svc = service_new("dispatch", "Creates tasks for the responsible divisions and delivers "
                                       "them to division consoles.",
                           argc, argv, &exit_code);
    if (!self.svc)
        return exit_code;
    settings_t *st = self.svc->settings;
    bus_sock_t *pub = NULL;
    char secrets[512];
    exit_code = 1;
    self.fingerprint = fingerprint_new(fingerprint_secrets_dir(st, secrets, sizeof(secrets)));
    if (!self.fingerprint)
        goto out_teardown;
    self.pg = pg_new(self.svc->base, self.svc->pg_conninfo);
    self.deadline = dispatch_deadline_new(st);
    self.batch = dispatch_batch_new();
    if (!self.pg || !self.deadline || !self.batch || dispatch_task_prepare(self.pg) < 0 ||
        dispatch_console_prepare(self.pg) < 0 ||
        dispatch_workflow_prepare(self.pg) < 0 || auth_prepare(self.pg) < 0)
        goto out_teardown;
    pub = bus_sock_bind(self.svc->zctx, self.svc->base, ZMQ_PUB, "dispatch.feed",
                        settings_string(st, "dispatch.pub", "tcp://127.0.0.1:7105"), NULL, NULL);
    if (!pub)
        goto out_teardown;
    self.relay = outbox_relay_new(self.svc->base, self.pg, pub, "console", false, st);
    self.redis = redis_new(self.svc->base, settings_string(st, "redis.host", "127.0.0.1"),
                           (int)settings_int(st, "redis.port", 6379));
    self.auth = auth_new(self.pg);
    self.workflow = self.relay && self.auth ? dispatch_workflow_new(self.pg, self.svc->org,
                                                                    self.auth, self.deadline,
                                                                    self.relay)
                                            : NULL;
    if (self.workflow && self.redis)
        dispatch_workflow_use_redis(self.workflow, self.redis, self.fingerprint,
                                    settings_string(st, "redis.prefix", "duban:"),
                                    settings_int(st, "triage.duplicate_window_s", 7 * 24 * 3600));
    self.console = self.workflow ? dispatch_console_new(self.svc->base, self.svc->zctx, self.pg,
                                                        self.svc->org, self.auth, self.workflow,
                                                        settings_string(st, "dispatch.console",
                                                                        "tcp://127.0.0.1:7106"))
                                 : NULL;
    self.consumer = consumer_new(self.svc->base, self.svc->zctx, self.pg,
                                 settings_string(st, "dispatch.in", "tcp://127.0.0.1:7103"),
                                 DUBAN__MSG_TYPE__CASE_TRIAGED, s_build, s_applied, &self,
                                 self.relay);
    if (!self.relay || !self.redis || !self.console || !self.consumer ||
        service_health_start(self.svc, NULL, s_health, &self) < 0)
        goto out_teardown;
    consumer_park_after(self.consumer, outbox_max_attempts(st));
    consumer_on_flush(self.consumer, s_flush);
    service_drain(self.svc, self.pg);
    exit_code = service_run(self.svc);

out_teardown:
    pg_destroy(&self.pg);
    consumer_destroy(&self.consumer);
    dispatch_console_destroy(&self.console);
    dispatch_workflow_destroy(&self.workflow);
    auth_destroy(&self.auth);
    dispatch_deadline_destroy(&self.deadline);
    dispatch_batch_destroy(&self.batch);
    redis_destroy(&self.redis);
    outbox_relay_destroy(&self.relay);
    bus_sock_destroy(&pub);
    fingerprint_destroy(&self.fingerprint);
    service_destroy(&self.svc);
    return exit_code;
}
