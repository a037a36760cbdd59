/* PostgreSQL on the service's event loop: one libpq connection in pipeline
 * mode, transactions queued and sent without waiting for each other.
 *
 * A transaction is a list of statements sent between two pipeline syncs, so
 * PostgreSQL runs them as one implicit transaction: all commit or none do.
 * Its callback runs once, after the sync, with every statement's result.
 * When the connection is lost, every transaction in flight fails (its commit
 * state is unknown to us: callers keep their writes idempotent) and pg
 * reconnects with backoff; statements registered with pg_prepare are prepared
 * again on every new connection.
 *
 * Nothing blocks the event loop, connecting included: the connection is made
 * with PQconnectPoll on the loop and prepared in one pipelined round trip,
 * within connect_timeout of the conninfo (10 s when not given). A host name
 * in the conninfo is still resolved synchronously by libpq: production
 * settings should give hostaddr or a numeric host. */
#ifndef DUBAN_PG_H
#define DUBAN_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct event_base;

typedef struct pg pg_t;
typedef struct pg_txn pg_txn_t;

/* One statement parameter: text (value NUL-terminated, len -1) or binary. */
typedef struct {
    const char *value; /* NULL is SQL NULL */
    int len;
    int binary;
} pg_param_t;

#define PG_TEXT(s) ((pg_param_t){(s), -1, 0})
#define PG_BINARY(p, n) ((pg_param_t){(const char *)(p), (int)(n), 1})
#define PG_NULL ((pg_param_t){NULL, -1, 0})

/* Called once per transaction. ok is true when it committed; the txn and its
 * results are freed when the callback returns. */
typedef void (*pg_txn_cb)(pg_txn_t *txn, bool ok, void *arg);

/* Called whenever the connection comes up (up = true) or goes down. */
typedef void (*pg_state_cb)(pg_t *pg, bool up, void *arg);

/* Creates the connection object and starts connecting on the loop. Returns
 * NULL only when out of memory. */
pg_t *pg_new(struct event_base *base, const char *conninfo);

/* Fails every queued transaction, closes the connection, frees. */
void pg_destroy(pg_t **self_p);

void pg_on_state(pg_t *self, pg_state_cb cb, void *arg);

/* Registers a statement to prepare on every connection, best right after
 * pg_new (a connection made already prepares it at once, ahead of the
 * transactions submitted after this call). Registering a name again with the
 * same SQL is a no-op. Returns 0 / -1 (the name holds other SQL, too many
 * statements, out of memory). */
int pg_prepare(pg_t *self, const char *name, const char *sql);

/* Called for each notification on a channel listened to, with its payload
 * ("" when none), and once after every (re)connect with channel and payload
 * NULL: notifications sent while the connection was down are lost, so the
 * listener should look for itself. */
typedef void (*pg_notify_cb)(pg_t *pg, const char *channel, const char *payload, void *arg);

/* LISTENs on channel (letters, digits, '_' and '-') on every connection.
 * Returns 0 / -1 (bad name, too many listeners, out of memory). */
int pg_listen(pg_t *self, const char *channel, pg_notify_cb cb, void *arg);

bool pg_is_up(const pg_t *self);

/* Number of transactions queued or in flight. */
size_t pg_backlog(const pg_t *self);

/* A new, empty transaction. */
pg_txn_t *pg_txn_new(void);
void pg_txn_destroy(pg_txn_t **txn_p);

/* Appends a statement: a prepared statement's name when prepared is true,
 * otherwise SQL text. Parameters are copied. Returns its index, or -1. */
int pg_txn_add(pg_txn_t *txn, bool prepared, const char *stmt, int nparams,
               const pg_param_t *params);

/* Adds a stage's multi-row statement over the arrays of a batch: the
 * prepared statement name (registered with pg_prepare), run with its
 * generic plan whatever the batch's size. Planning such a statement costs
 * 1-10 ms, more than running it for most batches: planning each batch
 * made intake p99 at 1,000 cases/s offered go from 15-31 to 42-100 ms, and
 * planning only batches of 16 items or more still cost PostgreSQL more
 * CPU per case than it saved, in a closed loop (32 connections: 0.62-0.64
 * against 0.44-0.46 ms, 1,810-1,890 against 2,470-2,480 cases/s; 60
 * connections, larger batches: 0.51-0.56 against 0.37-0.40 ms, 2,200-2,440
 * against 2,820-2,970 cases/s; 400 connections, batches of hundreds: the
 * same within the runs' spread, 3,260-3,690 against 3,120-3,440). The
 * generic plan is made in a transaction that disfavours sequential scans:
 * one made while the tables were small (a young database, every dubanctl
 * bench) would otherwise read them in full for every batch as they grow
 * (seen with auto_explain: 100-290 ms a batch), since a generic plan keeps
 * the table sizes of when it was made. Returns the statement's index, or
 * -1. */
int pg_txn_add_batch(pg_txn_t *txn, const char *name, int nparams, const pg_param_t *params);
int pg_txn_count(const pg_txn_t *txn);

/* Sends the transaction (takes ownership, nulls *txn_p). While a connection
 * attempt is under way (at start, or reconnecting) it waits for the attempt,
 * at most the connect timeout; when pg is down otherwise the callback runs at
 * once from the loop with ok = false. */
void pg_txn_submit(pg_t *self, pg_txn_t **txn_p, pg_txn_cb cb, void *arg);

/* Result of statement i, valid inside the callback; NULL if it never ran. */
PGresult *pg_txn_result(pg_txn_t *txn, int i);

/* Whether res is the database's refusal of a code of the org file it lacks
 * (a foreign_key_violation named ORG_CODES_CONSTRAINT, deploy/schema/081):
 * a set-up behind the service, not the request's fault. */
bool pg_refused_unknown_code(const PGresult *res);

/* First error message of a failed transaction, "" when ok. */
const char *pg_txn_error(const pg_txn_t *txn);

/* True when the failure was the loss of the connection (retry later) rather
 * than a statement PostgreSQL refused. */
bool pg_txn_connection_lost(const pg_txn_t *txn);

/* Blocking helper for tools: runs sql (several statements allowed) on a
 * plain connection; returns 0 / -1 and logs the error. */
int pg_exec_script(PGconn *conn, const char *sql);

/* Sends what libpq reports outside a query (a server's notice, "FATAL:
 * terminating connection" when it goes away) to the log as one logfmt line,
 * instead of libpq's default of printing it raw on stderr. */
void pg_log_notices(PGconn *conn);

#endif
