/* The inspection office's console endpoint; see watch_console.h. Every
 * request ends in exactly one answer; answers to a peer that has gone are
 * dropped (ROUTER_MANDATORY reports it; the console asks again). */
#include "watch_console.h"

#include "bus.h"
#include "clock.h"
#include "log.h"
#include "watch_alert.h"
#include "watch_task.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define CONSOLE_MAX_ALERTS "2000"
#define CONSOLE_MAX_REQUEST (64 * 1024)
#define CONSOLE_MAX_DECISION 2000

/* Unacknowledged breaches and escalations, newest first (reversed when
 * sent); $1 ladder period in us for the handler's count. */
static const char *s_snapshot_sql =
    "SELECT a.id, a.task_id, c.case_number, left(c.subject, 120), a.division,"
    " coalesce(a.handler, ''), a.deadline, a.kind, a.level, " PG_TIME_US_OR_0("a.due_at") ","
    " " PG_TIME_US_OR_0("a.raised_at") ", a.violations, coalesce(a.rung, ''), a.repeats,"
    " coalesce(a.handler_violations, (SELECT count(*) FROM violations v"
    "  WHERE a.handler IS NOT NULL AND v.handler = a.handler"
    "  AND v.at > now() - $1::bigint * interval '1 microsecond'))" /* rows from before 008 */
    " FROM alerts a JOIN cases c ON c.id = a.case_id"
    " WHERE a.acknowledged_at IS NULL AND a.kind <> 'warning'"
    " ORDER BY a.raised_at DESC, a.id DESC LIMIT " CONSOLE_MAX_ALERTS;

/* $1 alert, $2 staff, $3 decision, $4 rung decision (NULL: none), $5 the
 * AlertAcknowledged body, $6 now (us). The first three columns say what
 * happened: found, acknowledged now, and who had acknowledged it before. */
static const char *s_ack_sql =
    "WITH cur AS (SELECT id, kind, coalesce(acknowledged_by, '') AS by,"
    "  " PG_TIME_US_OR_0("acknowledged_at") " AS at FROM alerts WHERE id = $1::bigint),"
    " u AS (UPDATE alerts SET acknowledged_at = " PG_TIME_TS(6) ", acknowledged_by = $2,"
    "  decision = $3, next_repeat_at = NULL"
    "  WHERE id = $1::bigint AND acknowledged_at IS NULL AND kind <> 'warning'"
    "  RETURNING id, task_id, case_id, division, handler, rung),"
    " d AS (INSERT INTO accountability_decisions (alert_id, division, handler, recommended_rung,"
    "  decision, decided_by, decided_at) SELECT id, division, handler, rung, $4, $2, "
    PG_TIME_TS(6) " FROM u WHERE $4::text IS NOT NULL),"
    " o AS (" OUTBOX_INSERT("'watch'", "'watch-pub'", "'inspection|'",
                            OUTBOX_MSG(ALERT_ACKNOWLEDGED), "u.case_id", "c.case_number",
                            "u.task_id", "$5::bytea", OUTBOX_UNCLAIMED)
    "  FROM u JOIN cases c ON c.id = u.case_id)"
    " SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM u), (SELECT kind FROM cur),"
    "  (SELECT by FROM cur), (SELECT at FROM cur)";

/* $1 alert: the breaches and escalations of the same task raised before
 * it and not acknowledged, while $1 itself is not (a whole-task ack). */
static const char *s_older_sql =
    "SELECT o.id FROM alerts a JOIN alerts o ON o.task_id = a.task_id AND o.id < a.id"
    " WHERE a.id = $1::bigint AND a.acknowledged_at IS NULL AND o.acknowledged_at IS NULL"
    " AND o.kind <> 'warning' ORDER BY o.id LIMIT 1000";

struct watch_console {
    bus_sock_t *sock;
    pg_t *pg;
    auth_t *auth;
    const watch_sla_t *sla;
    outbox_relay_t *relay;
    char period[24];
    unsigned long rejected;
};

/* One request and where its answer goes. */
typedef struct {
    watch_console_t *owner;
    bus_peer_t to;
    bool is_ack;          /* an ack request (answered with a result) */
    Duban__AlertAck *ack; /* its body, once unpacked */
    auth_identity_t who;
    char request_id[64];  /* a snapshot request's, echoed */
    int older;            /* whole_task: the task's older alerts acknowledged with it */
} peer_t;

static void s_send(peer_t *peer, const char *type, const uint8_t *payload, size_t len)
{
    bus_reply(peer->owner->sock, &peer->to, type, payload, len);
}

static void s_peer_free(peer_t *peer)
{
    if (peer->ack)
        duban__alert_ack__free_unpacked(peer->ack, NULL);
    free(peer);
}

static void s_send_snapshot(peer_t *peer, Duban__AlertsSnapshot *snap)
{
    size_t len = duban__alerts_snapshot__get_packed_size(snap);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        duban__alerts_snapshot__pack(snap, buf);
        s_send(peer, "snapshot", buf, len);
        free(buf);
    }
}

/* Answers a request (snapshot or ack) with a refusal and frees the peer. */
static void s_refuse(peer_t *peer, int status, const char *fmt, ...)
{
    char message[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (peer->is_ack) {
        Duban__ActionResult res = DUBAN__ACTION_RESULT__INIT;
        res.request_id = peer->ack ? peer->ack->request_id : "";
        res.status = status;
        res.message = message;
        size_t len = duban__action_result__get_packed_size(&res);
        uint8_t *buf = malloc(len ? len : 1);
        if (buf) {
            duban__action_result__pack(&res, buf);
            s_send(peer, "result", buf, len);
            free(buf);
        }
        if (status != 200)
            log_info("refused alert ack", "alert=%lld staff=%s status=%d reason=%s",
                     (long long)(peer->ack ? peer->ack->alert_id : 0),
                     peer->who.staff[0] ? peer->who.staff : "-", status, message);
    } else {
        Duban__AlertsSnapshot snap = DUBAN__ALERTS_SNAPSHOT__INIT;
        snap.error = message;
        snap.status = status;
        snap.request_id = peer->request_id;
        s_send_snapshot(peer, &snap);
    }
    s_peer_free(peer);
}

static void s_snapshot_read(pg_txn_t *txn, bool ok, void *arg)
{
    peer_t *peer = arg;
    if (!ok) {
        log_warn("could not read the alerts snapshot", "err=%s", pg_txn_error(txn));
        s_refuse(peer, 503, "the alert store is not reachable; try again");
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int n = PQntuples(res);
    Duban__EscalationAlert *items = calloc((size_t)n + 1, sizeof(*items));
    Duban__EscalationAlert **ptrs = calloc((size_t)n + 1, sizeof(*ptrs));
    if (items && ptrs) {
        for (int i = 0; i < n; i++) {
            int row = n - 1 - i; /* oldest first */
            watch_alert_t a = {0};
            a.alert_id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
            a.task_id = strtoll(PQgetvalue(res, row, 1), NULL, 10);
            a.case_number = PQgetvalue(res, row, 2);
            a.subject = PQgetvalue(res, row, 3);
            a.division = PQgetvalue(res, row, 4);
            a.handler = PQgetvalue(res, row, 5);
            if (watch_deadline_parse(PQgetvalue(res, row, 6), &a.deadline) < 0)
                a.deadline = WATCH_RESPONSE;
            a.kind = PQgetvalue(res, row, 7);
            a.level = atoi(PQgetvalue(res, row, 8));
            a.due_us = strtoll(PQgetvalue(res, row, 9), NULL, 10);
            a.raised_us = strtoll(PQgetvalue(res, row, 10), NULL, 10);
            a.violations = atoi(PQgetvalue(res, row, 11));
            a.rung = PQgetvalue(res, row, 12);
            a.repeat = atoi(PQgetvalue(res, row, 13));
            a.handler_violations = atoi(PQgetvalue(res, row, 14));
            duban__escalation_alert__init(&items[i]);
            watch_alert_fill(&items[i], &a, watch_sla_get(peer->owner->sla));
            ptrs[i] = &items[i];
        }
        Duban__AlertsSnapshot snap = DUBAN__ALERTS_SNAPSHOT__INIT;
        snap.n_alerts = (size_t)n;
        snap.alerts = ptrs;
        snap.request_id = peer->request_id;
        s_send_snapshot(peer, &snap);
        log_debug("sent alerts snapshot", "staff=%s alerts=%d", peer->who.staff, n);
    }
    free(items);
    free(ptrs);
    s_peer_free(peer);
}

static void s_acked(pg_txn_t *txn, bool ok, void *arg)
{
    peer_t *peer = arg;
    Duban__AlertAck *ack = peer->ack;
    if (!ok) {
        log_warn("could not acknowledge alert", "alert=%lld err=%s", (long long)ack->alert_id,
                 pg_txn_error(txn));
        s_refuse(peer, pg_txn_connection_lost(txn) ? 503 : 500,
                 "the alert store is not reachable; nothing changed, try again");
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    long long id = (long long)ack->alert_id;
    int older = 0;
    for (int i = 1; i < pg_txn_count(txn); i++)
        older += strcmp(PQgetvalue(pg_txn_result(txn, i), 0, 1), "1") == 0;
    if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
        s_refuse(peer, 404, "no alert has the id %lld", id);
    } else if (strcmp(PQgetvalue(res, 0, 2), "warning") == 0) {
        s_refuse(peer, 422, "alert %lld is a warning to the division; only breaches and "
                            "escalations are acknowledged", id);
    } else if (strcmp(PQgetvalue(res, 0, 1), "1") != 0) {
        char at[48];
        calendar_format_instant(watch_sla_calendar(peer->owner->sla),
                                strtoll(PQgetvalue(res, 0, 4), NULL, 10), at, sizeof(at));
        s_refuse(peer, 409, "alert %lld already acknowledged by %s at %s", id,
                 PQgetvalue(res, 0, 3), at);
    } else {
        log_info("alert acknowledged",
                 "alert=%lld older=%d staff=%s decision=%.80s rung_decision=%.80s", id, older,
                 peer->who.staff, ack->decision, ack->rung_decision[0] ? ack->rung_decision : "-");
        if (peer->owner->relay)
            outbox_relay_kick(peer->owner->relay);
        char more[96] = "";
        if (older)
            snprintf(more, sizeof(more), ", with %d earlier alert(s) of the same task", older);
        s_refuse(peer, 200, ack->rung_decision[0]
                                ? "alert %lld acknowledged%s; accountability decision recorded"
                                : "alert %lld acknowledged%s",
                 id, more);
    }
}

/* Adds the acknowledgement of alert id to txn: its AlertAcknowledged body
 * names it; the accountability decision goes with the alert asked for only. */
static int s_add_ack(pg_txn_t *txn, peer_t *peer, int64_t alert_id, const char *rung,
                     int64_t now)
{
    Duban__AlertAck *ack = peer->ack;
    uint8_t *body = NULL;
    size_t len = 0;
    if (watch_ack_pack(alert_id, peer->who.staff, ack->decision, rung, now, &body, &len) < 0)
        return -1;
    char id[32], at[32];
    snprintf(id, sizeof(id), "%lld", (long long)alert_id);
    snprintf(at, sizeof(at), "%lld", (long long)now);
    pg_param_t p[6] = {PG_TEXT(id),   PG_TEXT(peer->who.staff), PG_TEXT(ack->decision),
                       PG_TEXT(rung), PG_BINARY(body, len),     PG_TEXT(at)};
    int rc = pg_txn_add(txn, true, "watch_ack", 6, p);
    free(body);
    return rc < 0 ? -1 : 0;
}

/* Acknowledges the alert asked for and the older ones given (ids, n), all
 * in one transaction. */
static void s_ack_all(peer_t *peer, PGresult *older)
{
    Duban__AlertAck *ack = peer->ack;
    int64_t now = clock_now_us();
    const char *rung = ack->rung_decision[0] ? ack->rung_decision : NULL;
    pg_txn_t *txn = pg_txn_new();
    bool ok = txn && s_add_ack(txn, peer, ack->alert_id, rung, now) == 0;
    for (int i = 0; ok && older && i < PQntuples(older); i++)
        ok = s_add_ack(txn, peer, strtoll(PQgetvalue(older, i, 0), NULL, 10), NULL, now) == 0;
    if (!ok) {
        pg_txn_destroy(&txn);
        s_refuse(peer, 500, "out of memory");
        return;
    }
    pg_txn_submit(peer->owner->pg, &txn, s_acked, peer);
}

static void s_older_read(pg_txn_t *txn, bool ok, void *arg)
{
    peer_t *peer = arg;
    if (!ok) {
        log_warn("could not read the older alerts", "alert=%lld err=%s",
                 (long long)peer->ack->alert_id, pg_txn_error(txn));
        s_refuse(peer, 503, "the alert store is not reachable; nothing changed, try again");
        return;
    }
    s_ack_all(peer, pg_txn_result(txn, 0));
}

static void s_ack(peer_t *peer)
{
    if (!peer->ack->whole_task) {
        s_ack_all(peer, NULL);
        return;
    }
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)peer->ack->alert_id);
    pg_param_t p[1] = {PG_TEXT(id)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "watch_ack_older", 1, p) < 0) {
        pg_txn_destroy(&txn);
        s_refuse(peer, 500, "out of memory");
        return;
    }
    pg_txn_submit(peer->owner->pg, &txn, s_older_read, peer);
}

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    peer_t *peer = arg;
    if (result == AUTH_UNAVAILABLE) {
        s_refuse(peer, 503, "could not check the token; try again");
        return;
    }
    if (result != AUTH_OK) {
        s_refuse(peer, 401, "authentication required: the token is missing, unknown or revoked");
        return;
    }
    peer->who = *who;
    if (strcmp(who->role, "inspector") != 0 && strcmp(who->role, "admin") != 0) {
        log_info("refused alerts console", "staff=%s role=%s", who->staff, who->role);
        s_refuse(peer, 403, "forbidden: alerts are for the inspection office (inspectors and "
                            "administrators), not for role %s", who->role);
        return;
    }
    if (peer->is_ack) {
        s_ack(peer);
        return;
    }
    pg_param_t p[1] = {PG_TEXT(peer->owner->period)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "watch_snapshot", 1, p) < 0) {
        pg_txn_destroy(&txn);
        s_refuse(peer, 500, "out of memory");
        return;
    }
    pg_txn_submit(peer->owner->pg, &txn, s_snapshot_read, peer);
}

static void s_hello(peer_t *peer, const uint8_t *payload, size_t len)
{
    Duban__AlertsHello *hello = duban__alerts_hello__unpack(NULL, len, payload);
    if (!hello) {
        peer->owner->rejected++;
        log_warn("dropped malformed alerts hello", "bytes=%zu", len);
        s_refuse(peer, 400, "malformed alerts request: the body is not an AlertsHello");
        return;
    }
    char token[160];
    snprintf(token, sizeof(token), "%s", hello->token);
    snprintf(peer->request_id, sizeof(peer->request_id), "%s", hello->request_id);
    duban__alerts_hello__free_unpacked(hello, NULL);
    auth_verify(peer->owner->auth, token, s_authed, peer);
}

static void s_ack_request(peer_t *peer, const uint8_t *payload, size_t len)
{
    peer->is_ack = true;
    peer->ack = duban__alert_ack__unpack(NULL, len, payload);
    Duban__AlertAck *ack = peer->ack;
    if (!ack) {
        peer->owner->rejected++;
        log_warn("dropped malformed alert ack", "bytes=%zu", len);
        s_refuse(peer, 400, "malformed ack: the body is not an AlertAck");
        return;
    }
    if (ack->alert_id <= 0) {
        peer->owner->rejected++;
        s_refuse(peer, 400, "an alert id is required (a positive number)");
    } else if (!ack->decision[0] || strlen(ack->decision) > CONSOLE_MAX_DECISION ||
               strlen(ack->rung_decision) > CONSOLE_MAX_DECISION) {
        peer->owner->rejected++;
        s_refuse(peer, 422, "a decision is required (at most %d bytes, also for the rung "
                            "decision): say what the inspection office did", CONSOLE_MAX_DECISION);
    } else {
        char token[160];
        snprintf(token, sizeof(token), "%s", ack->token);
        auth_verify(peer->owner->auth, token, s_authed, peer);
    }
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    watch_console_t *self = arg;
    for (int budget = 0; budget < 64; budget++) {
        bus_request_t req;
        int rc = bus_request_recv(sock, &req, CONSOLE_MAX_REQUEST);
        if (rc == 0)
            return;
        peer_t *peer = req.peer.identity_len ? calloc(1, sizeof(*peer)) : NULL;
        if (peer) {
            peer->owner = self;
            peer->to = req.peer;
        }
        if (!peer) {
            self->rejected++;
            log_warn("dropped alerts console message from a peer that cannot be answered");
        } else if (rc == 1 && strcmp(req.type, "alerts") == 0) {
            s_hello(peer, req.body, req.body_len);
        } else if (rc == 1 && strcmp(req.type, "ack") == 0) {
            s_ack_request(peer, req.body, req.body_len);
        } else {
            self->rejected++;
            peer->is_ack = strcmp(req.type, "ack") == 0;
            log_warn("dropped alerts console message: expected alerts or ack");
            s_refuse(peer, 400, "malformed request: send a type frame (alerts or ack) and a body");
        }
        bus_request_clear(&req);
    }
}

int watch_console_prepare(pg_t *pg)
{
    return pg_prepare(pg, "watch_snapshot", s_snapshot_sql) |
           pg_prepare(pg, "watch_ack", s_ack_sql) | pg_prepare(pg, "watch_ack_older", s_older_sql);
}

watch_console_t *watch_console_new(struct event_base *base, void *zctx, pg_t *pg, auth_t *auth,
                                   const watch_sla_t *sla, outbox_relay_t *relay,
                                   const char *endpoint)
{
    watch_console_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->auth = auth;
    self->sla = sla;
    self->relay = relay;
    snprintf(self->period, sizeof(self->period), "%lld",
             (long long)sla_ladder_period_us(watch_sla_get(sla)));
    self->sock = bus_sock_bind(zctx, base, ZMQ_ROUTER, "watch.console", endpoint, s_readable, self);
    if (!self->sock) {
        free(self);
        return NULL;
    }
    return self;
}

void watch_console_destroy(watch_console_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_console_t *self = *self_p;
    bus_sock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}

unsigned long watch_console_rejected(const watch_console_t *self)
{
    return self->rejected;
}
