/* libpq pipeline mode on a libevent loop.
 *
 * Transactions wait in `pending` until the connection is up, then are sent
 * back to back, each closed by PQpipelineSync, and move to `inflight`. Results
 * come back in order, so the head of `inflight` owns every result read until
 * its PGRES_PIPELINE_SYNC.
 *
 * Nothing here blocks the loop, so a database host that stops answering
 * cannot stop the service's other work (HTTP, ZeroMQ): the connection is made
 * with PQconnectStartParams/PQconnectPoll, each step waiting on the socket
 * through the loop, and the registered statements and LISTENs go out as one
 * pipelined set-up transaction. The connection counts as up (pg_is_up) only
 * when that set-up has committed. Connecting and set-up share one deadline
 * (connect_timeout of the conninfo, 10 s when not given: PQconnectPoll does
 * not apply it itself); past it the attempt is abandoned and retried with
 * backoff. Transactions submitted while an attempt is under way wait for it,
 * so that a service just started (or reconnecting after a blip) turns no
 * work away for the few milliseconds of the handshake; between attempts they
 * fail at once. The one step that may still block is resolving a host name
 * (getaddrinfo inside PQconnectStartParams): give hostaddr or a numeric host. */
#include "pg.h"

#include "log.h"
#include "metrics.h"
#include "pg_internal.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define PG_BACKOFF_MIN_MS 100
#define PG_BACKOFF_MAX_MS 3000
#define PG_CONNECT_TIMEOUT_DEFAULT_MS 10000
#define PG_MAX_PREPARED 64
#define PG_MAX_LISTENERS 8

typedef struct {
    char *channel;
    pg_notify_cb cb;
    void *arg;
} pg_listener_t;

typedef struct {
    pg_txn_t *head;
    pg_txn_t *tail;
    size_t count;
} pg_queue_t;

struct pg {
    struct event_base *base;
    char *conninfo;
    int connect_timeout_ms;
    PGconn *conn;
    struct event *read_ev; /* the connection in pipeline mode */
    struct event *write_ev;
    struct event *poll_ev;    /* the socket while PQconnectPoll works */
    struct event *connect_ev; /* the next attempt */
    struct event *deadline_ev;
    struct event *fail_ev;
    bool attempting;  /* a connection attempt is under way: transactions wait for it */
    bool in_pipeline; /* connected, set-up sent or done */
    unsigned long connections; /* made so far; each after the first is a reconnect */
    bool up;          /* set-up done: transactions may be sent */
    bool setup_failed;
    int backoff_ms;
    pg_queue_t pending;
    pg_queue_t inflight;
    pg_queue_t failing;
    char *prep_names[PG_MAX_PREPARED];
    char *prep_sql[PG_MAX_PREPARED];
    int nprepared;
    pg_listener_t listeners[PG_MAX_LISTENERS];
    int nlisteners;
    pg_state_cb state_cb;
    void *state_arg;
};

static void s_queue_push(pg_queue_t *q, pg_txn_t *txn)
{
    txn->next = NULL;
    if (q->tail)
        q->tail->next = txn;
    else
        q->head = txn;
    q->tail = txn;
    q->count++;
}

static pg_txn_t *s_queue_pop(pg_queue_t *q)
{
    pg_txn_t *txn = q->head;
    if (!txn)
        return NULL;
    q->head = txn->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    txn->next = NULL;
    return txn;
}

static void s_txn_finish(pg_txn_t *txn)
{
    bool ok = !txn->failed && txn->nresults == txn->nstmts;
    if (!ok && !txn->error[0])
        snprintf(txn->error, sizeof(txn->error), "transaction did not complete");
    if (txn->cb)
        txn->cb(txn, ok, txn->arg);
    pg_txn_destroy(&txn);
}

static void s_fail_cb(evutil_socket_t fd, short what, void *arg)
{
    pg_t *self = arg;
    pg_txn_t *txn;
    while ((txn = s_queue_pop(&self->failing)))
        s_txn_finish(txn);
}

static void s_fail_later(pg_t *self, pg_txn_t *txn, const char *why)
{
    txn->failed = true;
    txn->connection_lost = true;
    snprintf(txn->error, sizeof(txn->error), "%s", why);
    s_queue_push(&self->failing, txn);
    event_active(self->fail_ev, 0, 0);
}

static void s_schedule_connect(pg_t *self, int delay_ms)
{
    struct timeval tv = {delay_ms / 1000, (delay_ms % 1000) * 1000};
    event_add(self->connect_ev, &tv);
}

static void s_free_event(struct event **ev_p)
{
    if (*ev_p) {
        event_free(*ev_p);
        *ev_p = NULL;
    }
}

/* Closes the connection (up, or still being made), fails every transaction
 * sent or waiting, and schedules the next attempt: soon after losing a
 * connection that was up, with growing backoff after a failed attempt. */
static void s_drop_connection(pg_t *self, const char *why)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", why && why[0] ? why : "unknown error");
    msg[strcspn(msg, "\n")] = '\0';
    bool was_up = self->up;
    if (was_up) {
        log_warn("postgresql connection lost", "err=%s", msg);
        self->backoff_ms = PG_BACKOFF_MIN_MS;
    } else {
        log_warn("could not connect to postgresql, retrying", "retry_ms=%d err=%s",
                 self->backoff_ms, msg);
    }
    s_free_event(&self->read_ev);
    s_free_event(&self->write_ev);
    s_free_event(&self->poll_ev);
    event_del(self->deadline_ev);
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    self->up = false;
    self->attempting = false;
    self->in_pipeline = false;
    self->setup_failed = false;
    pg_txn_t *txn;
    while ((txn = s_queue_pop(&self->inflight)))
        s_fail_later(self, txn, "connection to PostgreSQL lost");
    while ((txn = s_queue_pop(&self->pending)))
        s_fail_later(self, txn, "connection to PostgreSQL lost");
    s_schedule_connect(self, self->backoff_ms);
    if (!was_up)
        self->backoff_ms =
            self->backoff_ms * 2 > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS : self->backoff_ms * 2;
    if (was_up && self->state_cb)
        self->state_cb(self, false, self->state_arg);
}

static void s_flush(pg_t *self)
{
    int rc = PQflush(self->conn);
    if (rc < 0) {
        s_drop_connection(self, PQerrorMessage(self->conn));
        return;
    }
    if (rc == 1)
        event_add(self->write_ev, NULL);
    else
        event_del(self->write_ev);
}

static int s_send_txn(pg_t *self, pg_txn_t *txn)
{
    for (int i = 0; i < txn->nstmts; i++) {
        pg_stmt_t *s = &txn->stmts[i];
        int ok = 0;
        switch (s->kind) {
        case PG_STMT_PREPARED:
            ok = PQsendQueryPrepared(self->conn, s->stmt, s->nparams,
                                     (const char *const *)s->values, s->lengths, s->formats, 0);
            break;
        case PG_STMT_SQL:
            ok = PQsendQueryParams(self->conn, s->stmt, s->nparams, NULL,
                                   (const char *const *)s->values, s->lengths, s->formats, 0);
            break;
        case PG_STMT_PREPARE:
            ok = PQsendPrepare(self->conn, s->stmt, s->sql, 0, NULL);
            break;
        }
        if (!ok)
            return -1;
    }
    return PQpipelineSync(self->conn) ? 0 : -1;
}

/* Sends txn ahead of the pending queue, on a connection in pipeline mode
 * whether or not it is up yet (set-up, late prepares and LISTENs). */
static void s_send_now(pg_t *self, pg_txn_t *txn)
{
    s_queue_push(&self->inflight, txn);
    if (s_send_txn(self, txn) < 0) {
        s_drop_connection(self, PQerrorMessage(self->conn));
        return;
    }
    s_flush(self);
}

static void s_send_pending(pg_t *self)
{
    if (!self->up || !self->pending.head)
        return;
    pg_txn_t *txn;
    while ((txn = s_queue_pop(&self->pending))) {
        s_queue_push(&self->inflight, txn);
        if (s_send_txn(self, txn) < 0) {
            s_drop_connection(self, PQerrorMessage(self->conn));
            return;
        }
    }
    s_flush(self);
}

/* Reads every result that has arrived; the head of inflight owns them until
 * its sync point. A NULL from PQgetResult separates two statements. */
static void s_read_results(pg_t *self)
{
    while (self->conn && self->inflight.head && !PQisBusy(self->conn)) {
        PGresult *res = PQgetResult(self->conn);
        if (!res)
            continue;
        pg_txn_t *txn = self->inflight.head;
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            s_queue_pop(&self->inflight);
            s_txn_finish(txn);
            continue;
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (!txn->failed && st != PGRES_PIPELINE_ABORTED)
                snprintf(txn->error, sizeof(txn->error), "%s", PQresultErrorMessage(res));
            txn->failed = true;
            size_t len = strlen(txn->error);
            while (len > 0 && txn->error[len - 1] == '\n')
                txn->error[--len] = '\0';
        }
        if (txn->nresults < txn->nstmts) {
            if (!txn->results)
                txn->results = calloc((size_t)txn->nstmts, sizeof(PGresult *));
            if (txn->results) {
                txn->results[txn->nresults++] = res;
                continue;
            }
        }
        PQclear(res);
    }
}

static void s_deliver_notifications(pg_t *self)
{
    PGnotify *n;
    while (self->conn && (n = PQnotifies(self->conn))) {
        for (int i = 0; i < self->nlisteners; i++)
            if (strcmp(self->listeners[i].channel, n->relname) == 0)
                self->listeners[i].cb(self, n->relname, n->extra, self->listeners[i].arg);
        PQfreemem(n);
    }
}

static void s_read_cb(evutil_socket_t fd, short what, void *arg)
{
    pg_t *self = arg;
    if (!PQconsumeInput(self->conn)) {
        s_drop_connection(self, PQerrorMessage(self->conn));
        return;
    }
    s_read_results(self);
    if (self->setup_failed) {
        s_drop_connection(self, "could not prepare the statements or listen");
        return;
    }
    s_deliver_notifications(self);
    if (self->conn && PQstatus(self->conn) != CONNECTION_OK)
        s_drop_connection(self, "connection status bad");
}

static void s_write_cb(evutil_socket_t fd, short what, void *arg)
{
    s_flush(arg);
}

static void s_listen_sql(const char *channel, char *sql, size_t size)
{
    snprintf(sql, size, "LISTEN \"%s\"", channel);
}

/* The set-up transaction committed (or failed): the connection is up. */
static void s_setup_done(pg_txn_t *txn, bool ok, void *arg)
{
    pg_t *self = arg;
    if (!ok) {
        /* A lost connection is being handled already; a refused statement
         * drops this one once the read callback is done with it. */
        if (!pg_txn_connection_lost(txn)) {
            log_error("could not prepare statements or listen on postgresql", "err=%s",
                      pg_txn_error(txn));
            self->setup_failed = true;
        }
        return;
    }
    event_del(self->deadline_ev);
    self->up = true;
    self->attempting = false;
    self->backoff_ms = PG_BACKOFF_MIN_MS;
    log_info("connected to postgresql");
    if (self->connections++ > 0)
        metrics_add(metrics_reconnects(), 1, "postgresql");
    if (self->state_cb)
        self->state_cb(self, true, self->state_arg);
    for (int i = 0; self->up && i < self->nlisteners; i++)
        self->listeners[i].cb(self, NULL, NULL, self->listeners[i].arg);
    s_send_pending(self);
}

/* PQconnectPoll says OK: pipeline mode, then every registered statement and
 * LISTEN in one round trip. */
static void s_connected(pg_t *self)
{
    s_free_event(&self->poll_ev);
    /* Errors without DETAIL or CONTEXT: they end up in logs, and a DETAIL can
     * quote a failing row, personal data and all. */
    PQsetErrorVerbosity(self->conn, PQERRORS_TERSE);
    int fd = PQsocket(self->conn);
    pg_txn_t *setup = pg_txn_new();
    self->read_ev = event_new(self->base, fd, EV_READ | EV_PERSIST, s_read_cb, self);
    self->write_ev = event_new(self->base, fd, EV_WRITE, s_write_cb, self);
    bool built = setup != NULL;
    for (int i = 0; built && i < self->nprepared; i++)
        built = pg_txn_add_prepare(setup, self->prep_names[i], self->prep_sql[i]) >= 0;
    for (int i = 0; built && i < self->nlisteners; i++) {
        char sql[128];
        s_listen_sql(self->listeners[i].channel, sql, sizeof(sql));
        built = pg_txn_add(setup, false, sql, 0, NULL) >= 0;
    }
    if (!built || !self->read_ev || !self->write_ev || PQsetnonblocking(self->conn, 1) != 0 ||
        !PQenterPipelineMode(self->conn) || event_add(self->read_ev, NULL) < 0) {
        pg_txn_destroy(&setup);
        s_drop_connection(self, "out of memory or pipeline mode refused");
        return;
    }
    self->in_pipeline = true;
    setup->cb = s_setup_done;
    setup->arg = self;
    if (pg_txn_count(setup) == 0) {
        pg_txn_destroy(&setup);
        pg_txn_t empty = {.cb = NULL};
        s_setup_done(&empty, true, self);
        return;
    }
    s_send_now(self, setup);
}

static void s_poll_cb(evutil_socket_t fd, short what, void *arg);

/* Acts on what PQconnectPoll asked for: wait for the socket (which may change
 * between calls, so the event is made anew), or finish. */
static void s_poll_step(pg_t *self, PostgresPollingStatusType st)
{
    s_free_event(&self->poll_ev);
    switch (st) {
    case PGRES_POLLING_OK:
        s_connected(self);
        return;
    case PGRES_POLLING_READING:
    case PGRES_POLLING_WRITING:
        self->poll_ev =
            event_new(self->base, PQsocket(self->conn),
                      st == PGRES_POLLING_READING ? EV_READ : EV_WRITE, s_poll_cb, self);
        if (self->poll_ev && event_add(self->poll_ev, NULL) == 0)
            return;
        s_drop_connection(self, "could not wait on the connection's socket");
        return;
    case PGRES_POLLING_FAILED:
    default:
        s_drop_connection(self, PQerrorMessage(self->conn));
        return;
    }
}

static void s_poll_cb(evutil_socket_t fd, short what, void *arg)
{
    pg_t *self = arg;
    s_poll_step(self, PQconnectPoll(self->conn));
}

static void s_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    pg_t *self = arg;
    char why[96];
    snprintf(why, sizeof(why), "no answer within %d ms", self->connect_timeout_ms);
    s_drop_connection(self, why);
}

static void s_connect_cb(evutil_socket_t fd, short what, void *arg)
{
    pg_t *self = arg;
    /* Named after the service, so pg_stat_activity tells whose each
     * connection is; a name in the conninfo itself comes later and wins. */
    char name[64];
    snprintf(name, sizeof(name), "duban-%s", log_service());
    const char *const keys[] = {"application_name", "dbname", NULL};
    const char *const values[] = {name, self->conninfo, NULL};
    self->attempting = true;
    self->conn = PQconnectStartParams(keys, values, 1);
    if (self->conn)
        pg_log_notices(self->conn);
    if (!self->conn || PQstatus(self->conn) == CONNECTION_BAD) {
        s_drop_connection(self, self->conn ? PQerrorMessage(self->conn) : "out of memory");
        return;
    }
    struct timeval tv = {self->connect_timeout_ms / 1000, (self->connect_timeout_ms % 1000) * 1000};
    event_add(self->deadline_ev, &tv);
    /* Before the first PQconnectPoll, wait as if it had asked to write. */
    s_poll_step(self, PGRES_POLLING_WRITING);
}

/* connect_timeout of conninfo in ms (libpq's minimum of 2 s applies), or the
 * default when it is absent, zero or unreadable. */
static int s_connect_timeout_ms(const char *conninfo)
{
    int ms = PG_CONNECT_TIMEOUT_DEFAULT_MS;
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && atoi(o->val) > 0)
            ms = (atoi(o->val) < 2 ? 2 : atoi(o->val)) * 1000;
    }
    PQconninfoFree(opts);
    return ms;
}

pg_t *pg_new(struct event_base *base, const char *conninfo)
{
    pg_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    metrics_reconnects(); /* listed in /metrics before the first reconnect */
    self->base = base;
    self->conninfo = strdup(conninfo);
    self->connect_timeout_ms = s_connect_timeout_ms(conninfo);
    self->connect_ev = evtimer_new(base, s_connect_cb, self);
    self->deadline_ev = evtimer_new(base, s_deadline_cb, self);
    self->fail_ev = event_new(base, -1, 0, s_fail_cb, self);
    if (!self->conninfo || !self->connect_ev || !self->deadline_ev || !self->fail_ev) {
        pg_destroy(&self);
        return NULL;
    }
    self->backoff_ms = PG_BACKOFF_MIN_MS;
    self->attempting = true; /* the first attempt starts with the loop */
    s_schedule_connect(self, 0);
    return self;
}

void pg_destroy(pg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pg_t *self = *self_p;
    pg_txn_t *txn;
    while ((txn = s_queue_pop(&self->inflight)) || (txn = s_queue_pop(&self->pending)) ||
           (txn = s_queue_pop(&self->failing))) {
        txn->failed = txn->connection_lost = true;
        snprintf(txn->error, sizeof(txn->error), "shutting down");
        s_txn_finish(txn);
    }
    s_free_event(&self->read_ev);
    s_free_event(&self->write_ev);
    s_free_event(&self->poll_ev);
    s_free_event(&self->connect_ev);
    s_free_event(&self->deadline_ev);
    s_free_event(&self->fail_ev);
    if (self->conn)
        PQfinish(self->conn);
    for (int i = 0; i < self->nprepared; i++) {
        free(self->prep_names[i]);
        free(self->prep_sql[i]);
    }
    for (int i = 0; i < self->nlisteners; i++)
        free(self->listeners[i].channel);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

void pg_on_state(pg_t *self, pg_state_cb cb, void *arg)
{
    self->state_cb = cb;
    self->state_arg = arg;
}

static void s_late_setup_done(pg_txn_t *txn, bool ok, void *arg)
{
    if (!ok && !pg_txn_connection_lost(txn))
        log_error("could not prepare or listen", "err=%s", pg_txn_error(txn));
}

/* A statement or LISTEN registered while a connection is in pipeline mode
 * already goes out on it now; later connections include it in their set-up. */
static int s_send_late(pg_t *self, const char *name, const char *sql)
{
    if (!self->in_pipeline)
        return 0;
    pg_txn_t *txn = pg_txn_new();
    if (!txn ||
        (name ? pg_txn_add_prepare(txn, name, sql) : pg_txn_add(txn, false, sql, 0, NULL)) < 0) {
        pg_txn_destroy(&txn);
        return -1;
    }
    txn->cb = s_late_setup_done;
    s_send_now(self, txn);
    return 0;
}

int pg_prepare(pg_t *self, const char *name, const char *sql)
{
    for (int i = 0; i < self->nprepared; i++) /* two users of one statement */
        if (strcmp(self->prep_names[i], name) == 0)
            return strcmp(self->prep_sql[i], sql) == 0 ? 0 : -1;
    if (self->nprepared == PG_MAX_PREPARED)
        return -1;
    self->prep_names[self->nprepared] = strdup(name);
    self->prep_sql[self->nprepared] = strdup(sql);
    if (!self->prep_names[self->nprepared] || !self->prep_sql[self->nprepared]) {
        free(self->prep_names[self->nprepared]);
        free(self->prep_sql[self->nprepared]);
        return -1;
    }
    self->nprepared++;
    return s_send_late(self, name, sql);
}

int pg_listen(pg_t *self, const char *channel, pg_notify_cb cb, void *arg)
{
    size_t len = strlen(channel);
    if (len == 0 || len > 63 ||
        strspn(channel, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len ||
        self->nlisteners == PG_MAX_LISTENERS)
        return -1;
    pg_listener_t *l = &self->listeners[self->nlisteners];
    if (!(l->channel = strdup(channel)))
        return -1;
    l->cb = cb;
    l->arg = arg;
    self->nlisteners++;
    char sql[128];
    s_listen_sql(channel, sql, sizeof(sql));
    return s_send_late(self, NULL, sql);
}

bool pg_is_up(const pg_t *self)
{
    return self->up;
}

size_t pg_backlog(const pg_t *self)
{
    return self->pending.count + self->inflight.count;
}

void pg_txn_submit(pg_t *self, pg_txn_t **txn_p, pg_txn_cb cb, void *arg)
{
    pg_txn_t *txn = *txn_p;
    *txn_p = NULL;
    txn->cb = cb;
    txn->arg = arg;
    if (!self->up && !self->attempting) {
        s_fail_later(self, txn, "PostgreSQL is not reachable");
        return;
    }
    s_queue_push(&self->pending, txn);
    s_send_pending(self);
}

int pg_exec_script(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : -1;
    if (rc < 0)
        log_error("could not run sql", "err=%s", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

static void s_notice_cb(void *arg, const char *message)
{
    (void)arg;
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        len--;
    log_warn("postgresql notice", "err=%.*s", (int)len, message);
}

void pg_log_notices(PGconn *conn)
{
    PQsetNoticeProcessor(conn, s_notice_cb, NULL);
}
