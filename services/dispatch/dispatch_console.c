/* Console requests on dispatch's ROUTER; see dispatch_console.h. A request
 * that is malformed, unauthenticated or names a division the staff member
 * may not see is answered with the reason. Answers to a peer that has gone
 * are dropped (ROUTER_MANDATORY reports it; the console asks again). */
#include "dispatch_console.h"

#include "bus.h"
#include "log.h"
#include "pg_time.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define CONSOLE_MAX_TASKS "2000"
#define CONSOLE_MAX_REQUEST (64 * 1024)

/* The division's open tasks by the deadline that runs now (response until
 * signed, then completion), soonest first, as the queue orders them; the
 * last column counts them all, so a console can say when the list is cut. */
static const char *s_snapshot_sql =
    "SELECT t.id, t.case_id, c.case_number, t.division, t.role, t.state,"
    " coalesce(c.category, ''), c.kind, c.subject,"
    " " PG_TIME_US("t.dispatched_at") ", c.priority,"
    " " PG_TIME_US_OR_0("t.response_warn") ", " PG_TIME_US_OR_0("t.response_due") ","
    " " PG_TIME_US_OR_0("t.completion_warn") ", " PG_TIME_US_OR_0("t.completion_due") ","
    " " PG_TIME_US_OR_0("t.paused_at") ", count(*) OVER ()"
    " FROM tasks t JOIN cases c ON c.id = t.case_id"
    " WHERE t.division = $1 AND t.state IN ('dispatched', 'signed')"
    " ORDER BY CASE WHEN t.state = 'dispatched' THEN t.response_due ELSE t.completion_due END,"
    " t.id LIMIT " CONSOLE_MAX_TASKS;

struct dispatch_console {
    bus_sock_t *sock;
    pg_t *pg;
    const org_t *org;
    auth_t *auth;
    dispatch_workflow_t *workflow;
};

/* Where an answer goes. */
typedef struct {
    dispatch_console_t *owner;
    bus_peer_t to;
    char division[64];
} peer_t;

static void s_send(peer_t *peer, const char *type, const uint8_t *payload, size_t len)
{
    bus_reply(peer->owner->sock, &peer->to, type, payload, len);
}

static void s_send_snapshot(peer_t *peer, Duban__ConsoleSnapshot *snap)
{
    size_t len = duban__console_snapshot__get_packed_size(snap);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return;
    duban__console_snapshot__pack(snap, buf);
    s_send(peer, "snapshot", buf, len);
    free(buf);
}

static void s_refuse(peer_t *peer, const char *error)
{
    Duban__ConsoleSnapshot snap = DUBAN__CONSOLE_SNAPSHOT__INIT;
    snap.division = peer->division;
    snap.error = (char *)error;
    s_send_snapshot(peer, &snap);
}

static void s_snapshot_done(pg_txn_t *txn, bool ok, void *arg)
{
    peer_t *peer = arg;
    if (!ok) {
        log_warn("could not read snapshot of division", "division=%s err=%s", peer->division,
                 pg_txn_error(txn));
        s_refuse(peer, "the task store is not reachable; try again");
        free(peer);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int n = PQntuples(res);
    Duban__ConsoleTask *tasks = calloc((size_t)n + 1, sizeof(*tasks));
    Duban__ConsoleTask **ptrs = calloc((size_t)n + 1, sizeof(*ptrs));
    if (tasks && ptrs) {
        for (int i = 0; i < n; i++) {
            Duban__ConsoleTask *t = &tasks[i];
            duban__console_task__init(t);
            t->task_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
            t->case_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
            t->case_number = PQgetvalue(res, i, 2);
            t->division = PQgetvalue(res, i, 3);
            t->role = PQgetvalue(res, i, 4);
            t->state = PQgetvalue(res, i, 5);
            t->category = PQgetvalue(res, i, 6);
            t->kind = PQgetvalue(res, i, 7);
            t->subject = PQgetvalue(res, i, 8);
            t->dispatched_us = strtoll(PQgetvalue(res, i, 9), NULL, 10);
            t->priority = PQgetvalue(res, i, 10);
            t->response_warn_us = strtoll(PQgetvalue(res, i, 11), NULL, 10);
            t->response_due_us = strtoll(PQgetvalue(res, i, 12), NULL, 10);
            t->completion_warn_us = strtoll(PQgetvalue(res, i, 13), NULL, 10);
            t->completion_due_us = strtoll(PQgetvalue(res, i, 14), NULL, 10);
            t->paused_us = strtoll(PQgetvalue(res, i, 15), NULL, 10);
            ptrs[i] = t;
        }
        Duban__ConsoleSnapshot snap = DUBAN__CONSOLE_SNAPSHOT__INIT;
        snap.division = peer->division;
        snap.n_tasks = (size_t)n;
        snap.tasks = ptrs;
        snap.total = n > 0 ? strtoll(PQgetvalue(res, 0, 16), NULL, 10) : 0;
        s_send_snapshot(peer, &snap);
        log_debug("sent snapshot", "division=%s tasks=%d", peer->division, n);
    }
    free(tasks);
    free(ptrs);
    free(peer);
}

static void s_hello_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    peer_t *peer = arg;
    if (result != AUTH_OK) {
        s_refuse(peer, result == AUTH_UNAVAILABLE ? "could not check the token; try again"
                                                  : "authentication required: the token is "
                                                    "missing, unknown or revoked");
        free(peer);
        return;
    }
    if (!auth_may_see_division(who, peer->division)) {
        log_info("refused console of division", "division=%s staff=%s", peer->division, who->staff);
        s_refuse(peer, "forbidden: a division's console is for that division's handlers");
        free(peer);
        return;
    }
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT(peer->division)};
    if (!txn || pg_txn_add(txn, true, "dispatch_snapshot", 1, params) < 0) {
        pg_txn_destroy(&txn);
        s_refuse(peer, "out of memory");
        free(peer);
        return;
    }
    pg_txn_submit(peer->owner->pg, &txn, s_snapshot_done, peer);
}

static void s_hello(peer_t *peer, const uint8_t *payload, size_t len)
{
    Duban__ConsoleHello *hello = duban__console_hello__unpack(NULL, len, payload);
    if (!hello) {
        log_warn("dropped malformed console hello", "bytes=%zu", len);
        s_refuse(peer, "malformed hello");
        free(peer);
        return;
    }
    snprintf(peer->division, sizeof(peer->division), "%s", hello->division);
    if (!org_division_find(peer->owner->org, hello->division)) {
        log_info("refused console for unknown division", "division=%.64s", hello->division);
        s_refuse(peer, "unknown division");
        duban__console_hello__free_unpacked(hello, NULL);
        free(peer);
        return;
    }
    char token[160];
    snprintf(token, sizeof(token), "%s", hello->token ? hello->token : "");
    duban__console_hello__free_unpacked(hello, NULL);
    auth_verify(peer->owner->auth, token, s_hello_authed, peer);
}

static void s_result(const Duban__ActionResult *result, void *arg)
{
    peer_t *peer = arg;
    size_t len = duban__action_result__get_packed_size(result);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        duban__action_result__pack(result, buf);
        s_send(peer, "result", buf, len);
        free(buf);
    }
    free(peer);
}

static void s_action(peer_t *peer, const uint8_t *payload, size_t len)
{
    Duban__TaskAction *action = duban__task_action__unpack(NULL, len, payload);
    if (!action) {
        log_warn("dropped malformed task action", "bytes=%zu", len);
        Duban__ActionResult res = DUBAN__ACTION_RESULT__INIT;
        res.status = 400;
        res.message = "malformed action";
        s_result(&res, peer);
        return;
    }
    dispatch_workflow_handle(peer->owner->workflow, &action, s_result, peer);
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    dispatch_console_t *self = arg;
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
            log_warn("dropped console message from a peer that cannot be answered");
        } else if (rc == 1 && strcmp(req.type, "hello") == 0) {
            s_hello(peer, req.body, req.body_len);
        } else if (rc == 1 && strcmp(req.type, "action") == 0) {
            s_action(peer, req.body, req.body_len);
        } else {
            s_refuse(peer, "malformed request: send a type frame (hello or action) and a body");
            free(peer);
        }
        bus_request_clear(&req);
    }
}

int dispatch_console_prepare(pg_t *pg)
{
    return pg_prepare(pg, "dispatch_snapshot", s_snapshot_sql);
}

dispatch_console_t *dispatch_console_new(struct event_base *base, void *zctx, pg_t *pg,
                                         const org_t *org, auth_t *auth,
                                         dispatch_workflow_t *workflow, const char *endpoint)
{
    dispatch_console_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->org = org;
    self->auth = auth;
    self->workflow = workflow;
    self->sock = bus_sock_bind(zctx, base, ZMQ_ROUTER, "dispatch.console", endpoint, s_readable, self);
    if (!self->sock) {
        free(self);
        return NULL;
    }
    return self;
}

void dispatch_console_destroy(dispatch_console_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_console_t *self = *self_p;
    bus_sock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}
