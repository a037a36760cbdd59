/* duban-triage: classifies each received case (category, priority) and
 * passes it to dispatch, or parks it in the manual triage queue. */
#include "consumer.h"
#include "log.h"
#include "outbox.h"
#include "pg.h"
#include "phone.h"
#include "redis.h"
#include "service.h"
#include "triage.h"
#include "triage_duplicate.h"
#include "triage_rule.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>



/* The guarded transition received -> triaged (or needs_triage), with the
 * duplicate check: the same requester (phone) about the same matter
 * (category) while an earlier case is open and younger than the duplicate
 * window ($8 seconds) links the new case to it (merged) instead of
 * dispatching it again; both timelines record the link. PostgreSQL confirms
 * only when Redis holds the requester's fingerprint for that category ($9),
 * which keeps the common case (a first report) to one cheap statement. */
static const char *s_apply_sql =
    "WITH ack AS (" OUTBOX_ACK_SQL "),"
    " cur AS (SELECT id, requester_phone FROM cases WHERE id = $2),"
    " dup AS (SELECT d.id, d.case_number FROM cases d, cur WHERE $3 = 'triaged' AND $9::boolean"
    "  AND cur.requester_phone ~ '[0-9]' AND " PHONE_DIGITS_SQL("d.requester_phone")
    "   = " PHONE_DIGITS_SQL("cur.requester_phone")
    "  AND d.category = $4 AND d.id <> cur.id"
    "  AND d.state NOT IN ('closed', 'merged', 'received', 'needs_triage')"
    "  AND d.created_at > now() - $8::int * interval '1 second' ORDER BY d.id LIMIT 1),"
    " c AS (UPDATE cases SET state = CASE WHEN EXISTS (SELECT 1 FROM dup) THEN 'merged'"
    "  ELSE $3 END, duplicate_of = (SELECT id FROM dup), category = coalesce($4, category),"
    "  priority = $5, updated_at = now()"
    "  WHERE id = $2 AND state = 'received' AND EXISTS (SELECT 1 FROM ack)"
    "  RETURNING id, case_number, state),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT id, CASE WHEN state = 'merged' THEN 'duplicate' ELSE $3 END, 'triage',"
    "   jsonb_strip_nulls(jsonb_build_object('category', $4::text, 'priority', $5::text,"
    "   'rule', $6::text, 'duplicate_of', (SELECT case_number FROM dup))) FROM c),"
    " el AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT dup.id, 'duplicate_linked', 'triage', jsonb_build_object('case_number',"
    "   c.case_number) FROM dup, c WHERE c.state = 'merged'),"
    " o AS (" OUTBOX_INSERT("'triage'", "'dispatch'", "NULL", OUTBOX_MSG(CASE_TRIAGED), "id",
                            "case_number", "NULL", "$7::bytea", OUTBOX_CLAIMED)
    "  FROM c WHERE state = 'triaged' RETURNING " OUTBOX_ROW_COLUMNS ")"
    " SELECT (SELECT count(*) FROM ack) AS acked, (SELECT count(*) FROM c) AS moved,"
    " (SELECT case_number FROM dup) AS duplicate_of, o.* FROM (SELECT) one LEFT JOIN o ON true";

/* The columns of s_apply_sql's row before the outbox row's. */
enum { TRIAGE_COL_ACKED, TRIAGE_COL_MOVED, TRIAGE_COL_DUPLICATE_OF };

static int s_build(pg_txn_t *txn, const Duban__Envelope *env, void *arg, char *why,
                   size_t why_len)
{
    triage_t *self = arg;
    Duban__CaseReceived *msg =
        duban__case_received__unpack(NULL, env->body.len, env->body.data);
    if (!msg || env->case_id <= 0) {
        snprintf(why, why_len, "cannot triage: %s",
                 msg ? "the envelope names no case" : "the body is not a CaseReceived");
        goto out_free_msg;
    }
    triage_decision_t d;
    triage_rule_decide(self->svc->org, msg->category, msg->subject, msg->description,
                       msg->priority, &d);
    Duban__CaseTriaged out = DUBAN__CASE_TRIAGED__INIT;
    out.category = d.category ? d.category->code : "";
    out.priority = (char *)d.priority;
    out.rule = d.rule;
    out.kind = msg->kind;
    out.subject = msg->subject;
    out.lead_division = msg->lead_division;
    size_t len = duban__case_triaged__get_packed_size(&out);
    uint8_t *body = malloc(len ? len : 1);
    if (!body) {
        snprintf(why, why_len, "out of memory");
        goto out_free_msg;
    }
    duban__case_triaged__pack(&out, body);
    char case_id[24];
    snprintf(case_id, sizeof(case_id), "%lld", (long long)env->case_id);
    pg_param_t params[9] = {
        PG_TEXT(env->msg_id),
        PG_TEXT(case_id),
        PG_TEXT(d.outcome == TRIAGE_ROUTED ? "triaged" : "needs_triage"),
        PG_TEXT(d.category ? d.category->code : NULL),
        PG_TEXT(d.priority),
        PG_TEXT(d.rule),
        PG_BINARY(body, len),
        PG_TEXT(self->duplicate_window_s),
        PG_TEXT(triage_duplicate_hit(self, env->msg_id) ? "true" : "false"),
    };
    int rc = pg_txn_add(txn, true, "triage_apply", 9, params);
    if (rc < 0)
        snprintf(why, why_len, "could not add the statement (out of memory)");
    log_debug("triaged case=%s msg=%s outcome=%s rule=%s", env->case_number, env->msg_id,
              triage_outcome_str(d.outcome), d.rule);
    free(body);
    duban__case_received__free_unpacked(msg, NULL);
    return rc < 0 ? -1 : 1;

out_free_msg:
    duban__case_received__free_unpacked(msg, NULL);
    return -1;
}

static void s_applied(const Duban__Envelope *env, PGresult *res, int row, void *arg)
{
    triage_t *self = arg;
    (void)row; /* one statement per message: its row is 0 */
    bool acked = strcmp(PQgetvalue(res, 0, TRIAGE_COL_ACKED), "1") == 0;
    bool moved = strcmp(PQgetvalue(res, 0, TRIAGE_COL_MOVED), "1") == 0;
    if (!acked)
        log_info("ignored duplicate msg=%s case=%s", env->msg_id, env->case_number);
    else if (!moved)
        log_warn("case=%s msg=%s was not in state received; nothing changed", env->case_number,
                 env->msg_id);
    else if (!PQgetisnull(res, 0, TRIAGE_COL_DUPLICATE_OF))
        log_info("case merged as a duplicate case=%s duplicate_of=%s msg=%s", env->case_number,
                 PQgetvalue(res, 0, TRIAGE_COL_DUPLICATE_OF), env->msg_id);
    else
        log_info("case triaged case=%s msg=%s", env->case_number, env->msg_id);
    if (acked && moved && PQgetisnull(res, 0, TRIAGE_COL_DUPLICATE_OF))
        triage_duplicate_remember(self, env);
    outbox_relay_send_claimed(self->relay, res, 0); /* the case, to dispatch */
}

static bool s_health(json_t *report, void *arg)
{
    triage_t *self = arg;
    bool up = pg_is_up(self->pg);
    json_object_set_new(report, "postgres", json_boolean(up));
    json_object_set_new(report, "redis", json_boolean(redis_is_up(self->redis)));
    json_object_set_new(report, "applied", json_integer((json_int_t)consumer_applied(self->consumer)));
    json_object_set_new(report, "rejected",
                        json_integer((json_int_t)consumer_rejected(self->consumer)));
    outbox_relay_health(self->relay, report);
    return up;
}

static void s_check_cb(evutil_socket_t fd, short what, void *arg)
{
    triage_duplicate_check(arg);
}

int main(int argc, char **argv)
{
    int exit_code = 1;
    triage_t self = {0};
    self.svc = service_new("triage", "Classifies received cases and passes them to dispatch.",
                           argc, argv, &exit_code);
    if (!self.svc)
        return exit_code;
    settings_t *st = self.svc->settings;
    bus_sock_t *out = NULL;
    struct event *check_ev = NULL;
    char secrets[512];
    exit_code = 1;
    self.fingerprint = fingerprint_new(fingerprint_secrets_dir(st, secrets, sizeof(secrets)));
    if (!self.fingerprint)
        goto out_teardown;
    snprintf(self.duplicate_window_s, sizeof(self.duplicate_window_s), "%ld",
             settings_int(st, "triage.duplicate_window_s", 7 * 24 * 3600));
    self.prefix = settings_string(st, "redis.prefix", "duban:");
    self.redis = redis_new(self.svc->base, settings_string(st, "redis.host", "127.0.0.1"),
                           (int)settings_int(st, "redis.port", 6379));
    self.pg = pg_new(self.svc->base, self.svc->pg_conninfo);
    if (!self.pg || pg_prepare(self.pg, "triage_apply", s_apply_sql) < 0 ||
        triage_duplicate_prepare_sql(self.pg) < 0)
        goto out_teardown;
    out = bus_sock_new(self.svc->zctx, self.svc->base, ZMQ_PUSH,
                       settings_string(st, "triage.out", "tcp://127.0.0.1:7103"), true, NULL,
                       NULL);
    if (!out)
        goto out_teardown;
    self.relay = outbox_relay_new(self.svc->base, self.pg, out, "dispatch", true, st);
    self.consumer = consumer_new(self.svc->base, self.svc->zctx, self.pg,
                                 settings_string(st, "triage.in", "tcp://127.0.0.1:7101"),
                                 DUBAN__MSG_TYPE__CASE_RECEIVED, s_build, s_applied, &self,
                                 NULL /* s_applied sends what it wrote, claimed */);
    if (!self.redis || !self.relay || !self.consumer ||
        service_health_start(self.svc, NULL, s_health, &self) < 0)
        goto out_teardown;
    consumer_park_after(self.consumer, outbox_max_attempts(st));
    consumer_on_prepare(self.consumer, triage_duplicate_prepare);
    redis_on_connect(self.redis, triage_duplicate_redis_connected, &self);
    check_ev = event_new(self.svc->base, -1, EV_PERSIST, s_check_cb, &self);
    struct timeval every = {settings_int(st, "triage.fingerprint_check_s", 5), 0};
    if (!check_ev || event_add(check_ev, &every) < 0)
        goto out_teardown;
    pg_on_state(self.pg, triage_duplicate_pg_state, &self);
    service_drain(self.svc, self.pg);
    exit_code = service_run(self.svc);

out_teardown:
    /* redis first: a pending lookup completes its batch into pg's queue, which
     * pg_destroy then fails cleanly. */
    if (check_ev)
        event_free(check_ev);
    redis_destroy(&self.redis);
    pg_destroy(&self.pg);
    consumer_destroy(&self.consumer);
    outbox_relay_destroy(&self.relay);
    bus_sock_destroy(&out);
    fingerprint_destroy(&self.fingerprint);
    service_destroy(&self.svc);
    return exit_code;
}
