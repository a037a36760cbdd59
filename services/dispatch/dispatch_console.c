/* Console snapshots; see dispatch_console.h. A hello that is malformed or
 * names an unknown division gets a snapshot with `error` set. */
#include "dispatch_console.h"

#include "bus.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define CONSOLE_MAX_TASKS "2000"
#define CONSOLE_MAX_IDENTITY 256

static const char *s_snapshot_sql =
    "SELECT t.id, t.case_id, c.case_number, t.division, t.role, t.state,"
    " coalesce(c.category, ''), c.kind, c.subject,"
    " (extract(epoch FROM t.dispatched_at) * 1000000)::bigint"
    " FROM tasks t JOIN cases c ON c.id = t.case_id"
    " WHERE t.division = $1 AND t.state = 'dispatched' ORDER BY t.id LIMIT " CONSOLE_MAX_TASKS;

struct dispatch_console {
    bus_sock_t *sock;
    pg_t *pg;
    const org_t *org;
    int outstanding; /* snapshot queries in flight, kept for destroy order */
};

typedef struct {
    dispatch_console_t *owner;
    uint8_t identity[CONSOLE_MAX_IDENTITY];
    size_t identity_len;
    char division[64];
} hello_t;

static void s_reply(dispatch_console_t *self, const uint8_t *identity, size_t identity_len,
                    Duban__ConsoleSnapshot *snap)
{
    size_t len = duban__console_snapshot__get_packed_size(snap);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return;
    duban__console_snapshot__pack(snap, buf);
    const void *frames[2] = {identity, buf};
    size_t lengths[2] = {identity_len, len};
    if (bus_send_frames(self->sock, frames, lengths, 2) < 0)
        log_warn("could not send snapshot of division %s: %s", snap->division,
                 zmq_strerror(zmq_errno()));
    free(buf);
}

static void s_refuse(dispatch_console_t *self, const uint8_t *identity, size_t identity_len,
                     const char *division, const char *error)
{
    Duban__ConsoleSnapshot snap = DUBAN__CONSOLE_SNAPSHOT__INIT;
    snap.division = (char *)division;
    snap.error = (char *)error;
    s_reply(self, identity, identity_len, &snap);
}

static void s_snapshot_done(pg_txn_t *txn, bool ok, void *arg)
{
    hello_t *h = arg;
    dispatch_console_t *self = h->owner;
    self->outstanding--;
    if (!ok) {
        log_warn("could not read snapshot of division %s: %s", h->division, pg_txn_error(txn));
        s_refuse(self, h->identity, h->identity_len, h->division,
                 "the task store is not reachable; try again");
        free(h);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int n = PQntuples(res);
    Duban__ConsoleTask *tasks = calloc((size_t)n + 1, sizeof(*tasks));
    Duban__ConsoleTask **ptrs = calloc((size_t)n + 1, sizeof(*ptrs));
    if (!tasks || !ptrs)
        goto out_free;
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
        ptrs[i] = t;
    }
    Duban__ConsoleSnapshot snap = DUBAN__CONSOLE_SNAPSHOT__INIT;
    snap.division = h->division;
    snap.n_tasks = (size_t)n;
    snap.tasks = ptrs;
    s_reply(self, h->identity, h->identity_len, &snap);
    log_info("sent snapshot division=%s tasks=%d", h->division, n);
out_free:
    free(tasks);
    free(ptrs);
    free(h);
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    dispatch_console_t *self = arg;
    for (int budget = 0; budget < 64; budget++) {
        void *frames[2];
        size_t lengths[2];
        int n = bus_recv_frames(sock, frames, lengths, 2);
        if (n <= 0)
            return;
        if (n != 2 || lengths[0] > CONSOLE_MAX_IDENTITY) {
            log_warn("dropped console message with %d frames", n);
            goto out_next;
        }
        Duban__ConsoleHello *hello =
            duban__console_hello__unpack(NULL, lengths[1], frames[1]);
        if (!hello) {
            log_warn("dropped malformed console hello (%zu bytes)", lengths[1]);
            s_refuse(self, frames[0], lengths[0], "", "malformed hello");
            goto out_next;
        }
        if (!org_division_find(self->org, hello->division)) {
            log_info("refused console for unknown division %.64s", hello->division);
            s_refuse(self, frames[0], lengths[0], hello->division, "unknown division");
            duban__console_hello__free_unpacked(hello, NULL);
            goto out_next;
        }
        hello_t *h = calloc(1, sizeof(*h));
        pg_txn_t *txn = pg_txn_new();
        if (h && txn) {
            h->owner = self;
            memcpy(h->identity, frames[0], lengths[0]);
            h->identity_len = lengths[0];
            snprintf(h->division, sizeof(h->division), "%s", hello->division);
            pg_param_t params[1] = {PG_TEXT(h->division)};
            pg_txn_add(txn, true, "dispatch_snapshot", 1, params);
            self->outstanding++;
            pg_txn_submit(self->pg, &txn, s_snapshot_done, h);
        } else {
            free(h);
            pg_txn_destroy(&txn);
        }
        duban__console_hello__free_unpacked(hello, NULL);
    out_next:
        for (int i = 0; i < n; i++)
            free(frames[i]);
    }
}

int dispatch_console_prepare(pg_t *pg)
{
    return pg_prepare(pg, "dispatch_snapshot", s_snapshot_sql);
}

dispatch_console_t *dispatch_console_new(struct event_base *base, void *zctx, pg_t *pg,
                                         const org_t *org, const char *endpoint)
{
    dispatch_console_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->org = org;
    self->sock = bus_sock_new(zctx, base, ZMQ_ROUTER, endpoint, true, s_readable, self);
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
