/* duban-triage: classifies each received case (category, priority) and
 * passes it to dispatch, or parks it in the manual triage queue; a batch of
 * messages at a time, in one multi-row statement. */
#include "consumer.h"
#include "log.h"
#include "outbox.h"
#include "pg.h"
#include "pg_array.h"
#include "phone.h"
#include "redis.h"
#include "service.h"
#include "triage.h"
#include "triage_duplicate.h"
#include "triage_handoff.h"
#include "triage_rule.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* A batch of CaseReceived messages in one statement: parallel arrays, one
 * element per message in the order received ($1 msg_id, $2 case id, $3
 * outcome: triaged or needs_triage, $4 category, $5 priority, $6 rule, $7
 * CaseTriaged body (bytea), $8 whether Redis holds the requester's
 * fingerprint for that category), $9 the duplicate window in seconds.
 * A message the outbox holds (one its hand-off wrote there, common/handoff.h)
 * is acknowledged. Each case named (by the first of its messages in the
 * batch) makes the guarded transition received -> triaged (or
 * needs_triage) if it is still received: that is what makes a message sent
 * again change nothing. With it the duplicate check: the same
 * requester (phone) about the same matter (category) while an earlier case
 * is open and younger than the duplicate window links the new case to it
 * (merged) instead of dispatching it again; both timelines record the link.
 * PostgreSQL confirms only when Redis holds the fingerprint, which keeps the
 * common case (a first report) cheap; dup is MATERIALIZED so that it is
 * computed once for the batch, not again for each of its cases (inlined,
 * the planner's estimate of one row made it a nested loop). A case merged
 * or left for triage by hand is off the way in: its hand-off row goes; a
 * triaged one keeps it until dispatch takes it. A row per message, in
 * their order: acked, moved, the case it duplicates, then its message to
 * dispatch, sent from these results and not stored (OUTBOX_ROW_COLUMNS,
 * NULL when none). */
/* clang-format off */
static const char *s_apply_sql =
    "WITH i AS (SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[],"
    "  $5::text[], $6::text[], $7::bytea[], $8::boolean[]) WITH ORDINALITY"
    "  AS i(msg_id, case_id, outcome, category, priority, rule, body, hit, ord)),"
    " ack AS (" OUTBOX_ACK_MANY_SQL("$1::uuid[]") "),"
    " a AS (SELECT DISTINCT ON (msg_id) ord FROM i WHERE msg_id IN (SELECT msg_id FROM ack)"
    "  ORDER BY msg_id, ord),"
    " d AS (SELECT DISTINCT ON (i.case_id) i.* FROM i ORDER BY i.case_id, i.ord),"
    " dup AS MATERIALIZED (SELECT d.case_id, x.id, x.case_number FROM d"
    "  JOIN cases cur ON cur.id = d.case_id"
    "  CROSS JOIN LATERAL (SELECT x.id, x.case_number FROM cases x WHERE d.outcome = 'triaged'"
    "   AND d.hit AND cur.requester_phone ~ '[0-9]' AND " PHONE_DIGITS_SQL("x.requester_phone")
    "   = " PHONE_DIGITS_SQL("cur.requester_phone")
    "   AND x.category = d.category AND x.id <> cur.id"
    "   AND x.state NOT IN ('closed', 'merged', 'received', 'needs_triage')"
    "   AND x.created_at > now() - $9::int * interval '1 second' ORDER BY x.id LIMIT 1) x),"
    " c AS (UPDATE cases SET state = CASE WHEN dup.id IS NOT NULL THEN 'merged'"
    "  ELSE d.outcome END, duplicate_of = dup.id, category = coalesce(d.category, cases.category),"
    "  priority = d.priority, updated_at = now()"
    "  FROM d LEFT JOIN dup ON dup.case_id = d.case_id"
    "  WHERE cases.id = d.case_id AND cases.state = 'received'"
    "  RETURNING cases.id, cases.case_number, cases.state, d.ord, d.category, d.priority,"
    "  d.rule, d.body, dup.id AS dup_id, dup.case_number AS dup_number),"
    " h AS (DELETE FROM case_handoffs WHERE case_id IN (SELECT id FROM c WHERE state <> 'triaged')),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT id, CASE WHEN state = 'merged' THEN 'duplicate' ELSE state END, 'triage',"
    "   jsonb_strip_nulls(jsonb_build_object('category', category, 'priority', priority,"
    "   'rule', rule, 'duplicate_of', dup_number)) FROM c ORDER BY ord),"
    " el AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT dup_id, 'duplicate_linked', 'triage', jsonb_build_object('case_number',"
    "   case_number) FROM c WHERE state = 'merged' ORDER BY ord),"
    " o AS (SELECT " OUTBOX_UNSTORED_COLUMNS("'triage'", "NULL", OUTBOX_MSG(CASE_TRIAGED), "id",
                                             "case_number", "NULL", "body")
    "  FROM c WHERE state = 'triaged')"
    " SELECT (a.ord IS NOT NULL)::int AS acked, (c.id IS NOT NULL)::int AS moved,"
    "  c.dup_number AS duplicate_of, o.*"
    " FROM i LEFT JOIN a ON a.ord = i.ord LEFT JOIN c ON c.id = i.case_id AND c.ord = i.ord"
    " LEFT JOIN o ON o.outbox_case_id = c.id ORDER BY i.ord";
/* clang-format on */

/* The columns of s_apply_sql's row before the outbox row's. */
enum { TRIAGE_COL_ACKED, TRIAGE_COL_MOVED, TRIAGE_COL_DUPLICATE_OF };

/* Its parameters, the arrays gathered message by message. */
enum { ARG_MSG_ID, ARG_CASE, ARG_OUTCOME, ARG_CATEGORY, ARG_PRIORITY, ARG_RULE, ARG_BODY, ARG_HIT };
#define TRIAGE_ARRAYS 8

/* How long (ms) a batch may wait to gather more cases (triage.gather_ms,
 * consumer_gather_window). Measured with dubanctl bench --rate 1000:
 * PostgreSQL CPU per case 1.10-1.18 ms with no window, 0.84-0.94 ms with 20
 * or 40; intake's p99 20-32 ms -> 13-18 ms, the CPU it had to queue for
 * being freed; end to end p50 15-26 -> 30-33 ms. */
#define TRIAGE_GATHER_MS 40

static pg_array_t s_arrays[TRIAGE_ARRAYS];
static int s_gathered;

static void s_arrays_reset(void)
{
    for (int i = 0; i < TRIAGE_ARRAYS; i++) {
        pg_array_free(&s_arrays[i]);
        pg_array_init(&s_arrays[i]);
    }
    s_gathered = 0;
}

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
    pg_array_add_text(&s_arrays[ARG_MSG_ID], env->msg_id);
    pg_array_add_text(&s_arrays[ARG_CASE], case_id);
    pg_array_add_text(&s_arrays[ARG_OUTCOME],
                      d.outcome == TRIAGE_ROUTED ? "triaged" : "needs_triage");
    pg_array_add_text(&s_arrays[ARG_CATEGORY], d.category ? d.category->code : NULL);
    pg_array_add_text(&s_arrays[ARG_PRIORITY], d.priority);
    pg_array_add_text(&s_arrays[ARG_RULE], d.rule);
    pg_array_add_bytes(&s_arrays[ARG_BODY], body, len);
    pg_array_add_text(&s_arrays[ARG_HIT],
                      triage_duplicate_hit(self, env->msg_id) ? "true" : "false");
    s_gathered++;
    log_debug("triage decided", "case=%s msg_id=%s outcome=%s rule=%s", env->case_number,
              env->msg_id, triage_outcome_str(d.outcome), d.rule);
    free(body);
    duban__case_received__free_unpacked(msg, NULL);
    return 0;

out_free_msg:
    duban__case_received__free_unpacked(msg, NULL);
    return -1;
}

/* The batch's one statement over what s_build gathered. */
static int s_flush(pg_txn_t *txn, void *arg)
{
    triage_t *self = arg;
    pg_param_t params[TRIAGE_ARRAYS + 1];
    int rc = s_gathered > 0 ? 0 : -1;
    for (int i = 0; rc == 0 && i < TRIAGE_ARRAYS; i++)
        rc = pg_array_param(&s_arrays[i], &params[i]);
    params[TRIAGE_ARRAYS] = PG_TEXT(self->duplicate_window_s);
    int stmt = rc == 0 ? pg_txn_add_batch(txn, "triage_apply", TRIAGE_ARRAYS + 1, params)
                       : -1;
    s_arrays_reset();
    return stmt;
}

static void s_applied(const Duban__Envelope *env, PGresult *res, int row, void *arg)
{
    triage_t *self = arg;
    bool acked = strcmp(PQgetvalue(res, row, TRIAGE_COL_ACKED), "1") == 0;
    bool moved = strcmp(PQgetvalue(res, row, TRIAGE_COL_MOVED), "1") == 0;
    if (!moved && !acked)
        log_info("ignored duplicate", "msg_id=%s case=%s", env->msg_id, env->case_number);
    else if (!moved)
        log_info("case was not in state received (its message came twice); nothing changed",
                 "case=%s msg_id=%s", env->case_number, env->msg_id);
    else if (!PQgetisnull(res, row, TRIAGE_COL_DUPLICATE_OF))
        log_info("case merged as a duplicate", "case=%s duplicate_of=%s msg_id=%s",
                 env->case_number, PQgetvalue(res, row, TRIAGE_COL_DUPLICATE_OF), env->msg_id);
    else
        log_info("case triaged", "case=%s msg_id=%s", env->case_number, env->msg_id);
    if (moved && PQgetisnull(res, row, TRIAGE_COL_DUPLICATE_OF))
        triage_duplicate_remember(self, env);
    outbox_relay_send_claimed(self->relay, res, row); /* the case, to dispatch */
}

static bool s_health(json_t *report, void *arg)
{
    triage_t *self = arg;
    bool up = pg_is_up(self->pg);
    json_object_set_new(report, "postgres", json_boolean(up));
    json_object_set_new(report, "redis", json_boolean(redis_is_up(self->redis)));
    consumer_health(self->consumer, report);
    outbox_relay_health(self->relay, report);
    handoff_health(self->handoff, report);
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
    s_arrays_reset();
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
    out = bus_sock_bind(self.svc->zctx, self.svc->base, ZMQ_PUSH, "triage.out",
                        settings_string(st, "triage.out", "tcp://127.0.0.1:7103"), NULL, NULL);
    if (!out)
        goto out_teardown;
    self.relay = outbox_relay_new(self.svc->base, self.pg, out, "dispatch", true, st);
    self.handoff = triage_handoff_new(self.svc->base, self.pg, st);
    self.consumer = consumer_new(self.svc->base, self.svc->zctx, self.pg,
                                 settings_string(st, "triage.in", "tcp://127.0.0.1:7101"),
                                 DUBAN__MSG_TYPE__CASE_RECEIVED, s_build, s_applied, &self,
                                 NULL /* s_applied sends what it wrote, claimed */);
    if (!self.redis || !self.relay || !self.handoff || !self.consumer ||
        service_health_start(self.svc, NULL, s_health, &self) < 0)
        goto out_teardown;
    outbox_relay_handoff(self.relay, self.handoff);
    consumer_cork(self.consumer, self.relay);
    consumer_park_after(self.consumer, outbox_max_attempts(st));
    /* Triage, first after intake, re-forms intake's small commits (a few
     * cases each at a moderate rate, since intake answers at once) into
     * batches, which dispatch takes as they come: one or two statements per
     * batch of triage's (closed loop: 872 for 609), so it has no window of
     * its own. */
    consumer_gather_window(self.consumer,
                           (int)settings_int(st, "triage.gather_ms", TRIAGE_GATHER_MS));
    consumer_on_prepare(self.consumer, triage_duplicate_prepare);
    consumer_on_flush(self.consumer, s_flush);
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
    handoff_destroy(&self.handoff); /* after pg: see handoff.h */
    bus_sock_destroy(&out);
    fingerprint_destroy(&self.fingerprint);
    for (int i = 0; i < TRIAGE_ARRAYS; i++)
        pg_array_free(&s_arrays[i]);
    service_destroy(&self.svc);
    return exit_code;
}
