/* libpq pipeline mode on a libevent loop.
 *
 * Transactions wait in `pending` until the connection is up, then are sent
 * back to back, each closed by PQpipelineSync, and move to `inflight`. Results
 * come back in order, so the head of `inflight` owns every result read until
 * its PGRES_PIPELINE_SYNC. The connection is made with a blocking
 * PQconnectdbParams (bounded by connect_timeout in the conninfo) from a timer, so
 * the loop never spins on a dead server. */
#include "pg.h"

#include "log.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define PG_BACKOFF_MIN_MS 100
#define PG_BACKOFF_MAX_MS 3000
#define PG_MAX_PREPARED 64
#define PG_MAX_LISTENERS 8

typedef struct {
    bool prepared;
    char *stmt;
    int nparams;
    char **values;
    int *lengths;
    int *formats;
} pg_stmt_t;

struct pg_txn {
    pg_stmt_t *stmts;
    int nstmts;
    int cap;
    PGresult **results;
    int nresults;
    bool failed;
    bool connection_lost;
    char error[512];
    pg_txn_cb cb;
    void *arg;
    pg_txn_t *next;
};

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
    PGconn *conn;
    struct event *read_ev;
    struct event *write_ev;
    struct event *connect_ev;
    struct event *fail_ev;
    bool up;
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

pg_txn_t *pg_txn_new(void)
{
    return calloc(1, sizeof(pg_txn_t));
}

void pg_txn_destroy(pg_txn_t **txn_p)
{
    if (!txn_p || !*txn_p)
        return;
    pg_txn_t *txn = *txn_p;
    for (int i = 0; i < txn->nstmts; i++) {
        pg_stmt_t *s = &txn->stmts[i];
        for (int j = 0; j < s->nparams; j++)
            free(s->values[j]);
        free(s->values);
        free(s->lengths);
        free(s->formats);
        free(s->stmt);
    }
    free(txn->stmts);
    for (int i = 0; i < txn->nresults; i++)
        PQclear(txn->results[i]);
    free(txn->results);
    free(txn);
    *txn_p = NULL;
}

int pg_txn_add(pg_txn_t *txn, bool prepared, const char *stmt, int nparams,
               const pg_param_t *params)
{
    if (txn->nstmts == txn->cap) {
        int cap = txn->cap ? txn->cap * 2 : 8;
        pg_stmt_t *grown = realloc(txn->stmts, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -1;
        txn->stmts = grown;
        txn->cap = cap;
    }
    pg_stmt_t *s = &txn->stmts[txn->nstmts];
    memset(s, 0, sizeof(*s));
    s->prepared = prepared;
    s->stmt = strdup(stmt);
    s->nparams = nparams;
    if (nparams > 0) {
        s->values = calloc((size_t)nparams, sizeof(char *));
        s->lengths = calloc((size_t)nparams, sizeof(int));
        s->formats = calloc((size_t)nparams, sizeof(int));
    }
    if (!s->stmt || (nparams > 0 && (!s->values || !s->lengths || !s->formats)))
        goto out_free_stmt;
    for (int i = 0; i < nparams; i++) {
        const pg_param_t *p = &params[i];
        if (!p->value)
            continue;
        size_t len = p->binary ? (size_t)p->len : strlen(p->value);
        s->values[i] = malloc(len + 1);
        if (!s->values[i])
            goto out_free_stmt;
        memcpy(s->values[i], p->value, len);
        s->values[i][len] = '\0';
        s->lengths[i] = (int)len;
        s->formats[i] = p->binary ? 1 : 0;
    }
    return txn->nstmts++;

out_free_stmt:
    for (int i = 0; s->values && i < nparams; i++)
        free(s->values[i]);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->stmt);
    return -1;
}

int pg_txn_count(const pg_txn_t *txn)
{
    return txn->nstmts;
}

PGresult *pg_txn_result(pg_txn_t *txn, int i)
{
    return (i >= 0 && i < txn->nresults) ? txn->results[i] : NULL;
}

const char *pg_txn_error(const pg_txn_t *txn)
{
    return txn->error;
}

bool pg_txn_connection_lost(const pg_txn_t *txn)
{
    return txn->connection_lost;
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

static void s_connection_lost(pg_t *self, const char *why)
{
    log_warn("postgresql connection lost: %s", why);
    if (self->read_ev) {
        event_free(self->read_ev);
        self->read_ev = NULL;
    }
    if (self->write_ev) {
        event_free(self->write_ev);
        self->write_ev = NULL;
    }
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    bool was_up = self->up;
    self->up = false;
    pg_txn_t *txn;
    while ((txn = s_queue_pop(&self->inflight)))
        s_fail_later(self, txn, "connection to PostgreSQL lost");
    while ((txn = s_queue_pop(&self->pending)))
        s_fail_later(self, txn, "connection to PostgreSQL lost");
    self->backoff_ms = PG_BACKOFF_MIN_MS;
    s_schedule_connect(self, self->backoff_ms);
    if (was_up && self->state_cb)
        self->state_cb(self, false, self->state_arg);
}

static void s_flush(pg_t *self)
{
    int rc = PQflush(self->conn);
    if (rc < 0) {
        s_connection_lost(self, PQerrorMessage(self->conn));
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
        int ok;
        if (s->prepared)
            ok = PQsendQueryPrepared(self->conn, s->stmt, s->nparams,
                                     (const char *const *)s->values, s->lengths, s->formats, 0);
        else
            ok = PQsendQueryParams(self->conn, s->stmt, s->nparams, NULL,
                                   (const char *const *)s->values, s->lengths, s->formats, 0);
        if (!ok)
            return -1;
    }
    return PQpipelineSync(self->conn) ? 0 : -1;
}

static void s_send_pending(pg_t *self)
{
    if (!self->up || !self->pending.head)
        return;
    pg_txn_t *txn;
    while ((txn = s_queue_pop(&self->pending))) {
        s_queue_push(&self->inflight, txn);
        if (s_send_txn(self, txn) < 0) {
            s_connection_lost(self, PQerrorMessage(self->conn));
            return;
        }
    }
    s_flush(self);
}

/* Reads every result that has arrived; the head of inflight owns them until
 * its sync point. A NULL from PQgetResult separates two statements. */
static void s_read_results(pg_t *self)
{
    while (self->inflight.head && !PQisBusy(self->conn)) {
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
                self->listeners[i].cb(self, n->relname, self->listeners[i].arg);
        PQfreemem(n);
    }
}

static void s_read_cb(evutil_socket_t fd, short what, void *arg)
{
    pg_t *self = arg;
    if (!PQconsumeInput(self->conn)) {
        s_connection_lost(self, PQerrorMessage(self->conn));
        return;
    }
    s_read_results(self);
    s_deliver_notifications(self);
    if (self->conn && PQstatus(self->conn) != CONNECTION_OK)
        s_connection_lost(self, "connection status bad");
}

static void s_write_cb(evutil_socket_t fd, short what, void *arg)
{
    s_flush(arg);
}

static int s_prepare_all(pg_t *self)
{
    for (int i = 0; i < self->nprepared; i++) {
        PGresult *res = PQprepare(self->conn, self->prep_names[i], self->prep_sql[i], 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            log_error("could not prepare statement %s: %s", self->prep_names[i],
                      PQresultErrorMessage(res));
            PQclear(res);
            return -1;
        }
        PQclear(res);
    }
    return 0;
}

static void s_listen_sql(const char *channel, char *sql, size_t size)
{
    snprintf(sql, size, "LISTEN \"%s\"", channel);
}

static int s_listen_all(pg_t *self)
{
    for (int i = 0; i < self->nlisteners; i++) {
        char sql[128];
        s_listen_sql(self->listeners[i].channel, sql, sizeof(sql));
        PGresult *res = PQexec(self->conn, sql);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            log_error("could not listen on %s: %s", self->listeners[i].channel,
                      PQresultErrorMessage(res));
        PQclear(res);
        if (!ok)
            return -1;
    }
    return 0;
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
    self->conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(self->conn));
        msg[strcspn(msg, "\n")] = '\0';
        log_warn("could not connect to postgresql, retrying in %d ms: %s", self->backoff_ms, msg);
        goto out_retry;
    }
    if (s_prepare_all(self) < 0 || s_listen_all(self) < 0 || PQsetnonblocking(self->conn, 1) != 0 ||
        !PQenterPipelineMode(self->conn))
        goto out_retry;
    self->read_ev = event_new(self->base, PQsocket(self->conn), EV_READ | EV_PERSIST, s_read_cb,
                              self);
    self->write_ev = event_new(self->base, PQsocket(self->conn), EV_WRITE, s_write_cb, self);
    if (!self->read_ev || !self->write_ev || event_add(self->read_ev, NULL) < 0)
        goto out_retry;
    self->up = true;
    self->backoff_ms = PG_BACKOFF_MIN_MS;
    log_info("connected to postgresql");
    if (self->state_cb)
        self->state_cb(self, true, self->state_arg);
    for (int i = 0; i < self->nlisteners; i++)
        self->listeners[i].cb(self, NULL, self->listeners[i].arg);
    s_send_pending(self);
    return;

out_retry:
    if (self->read_ev)
        event_free(self->read_ev);
    if (self->write_ev)
        event_free(self->write_ev);
    self->read_ev = self->write_ev = NULL;
    PQfinish(self->conn);
    self->conn = NULL;
    s_schedule_connect(self, self->backoff_ms);
    self->backoff_ms = self->backoff_ms * 2 > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS
                                                                 : self->backoff_ms * 2;
}

pg_t *pg_new(struct event_base *base, const char *conninfo)
{
    pg_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->base = base;
    self->conninfo = strdup(conninfo);
    self->connect_ev = evtimer_new(base, s_connect_cb, self);
    self->fail_ev = event_new(base, -1, 0, s_fail_cb, self);
    if (!self->conninfo || !self->connect_ev || !self->fail_ev) {
        pg_destroy(&self);
        return NULL;
    }
    self->backoff_ms = PG_BACKOFF_MIN_MS;
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
    if (self->read_ev)
        event_free(self->read_ev);
    if (self->write_ev)
        event_free(self->write_ev);
    if (self->connect_ev)
        event_free(self->connect_ev);
    if (self->fail_ev)
        event_free(self->fail_ev);
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
    return 0;
}

static void s_listen_done(pg_txn_t *txn, bool ok, void *arg)
{
    if (!ok)
        log_error("could not listen: %s", pg_txn_error(txn));
}

int pg_listen(pg_t *self, const char *channel, pg_notify_cb cb, void *arg)
{
    size_t len = strlen(channel);
    if (len == 0 || len > 63 || strspn(channel, "abcdefghijklmnopqrstuvwxyz"
                                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len ||
        self->nlisteners == PG_MAX_LISTENERS)
        return -1;
    pg_listener_t *l = &self->listeners[self->nlisteners];
    if (!(l->channel = strdup(channel)))
        return -1;
    l->cb = cb;
    l->arg = arg;
    self->nlisteners++;
    if (self->up) { /* connected already: LISTEN through the pipeline */
        char sql[128];
        s_listen_sql(channel, sql, sizeof(sql));
        pg_txn_t *txn = pg_txn_new();
        if (!txn || pg_txn_add(txn, false, sql, 0, NULL) < 0) {
            pg_txn_destroy(&txn);
            return -1;
        }
        pg_txn_submit(self, &txn, s_listen_done, NULL);
    }
    return 0;
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
    if (!self->up) {
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
        log_error("could not run sql: %s", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}
