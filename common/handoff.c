/* Hand-off sweep; see handoff.h for the contract. */
#include "handoff.h"

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "pg_array.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HANDOFF_BATCH "500"
#define HANDOFF_BATCH_ROWS 500
/* Case ids whose message the socket refused, kept for the next sweep; past
 * this many, the rest wait for resend_after like a lost message. */
#define HANDOFF_UNSENT_MAX 4096
/* A refusal's sweep waits this long for the refusals that come with it. */
#define HANDOFF_UNSENT_DELAY_US 10000
#define HANDOFF_COUNT_PERIOD_US (1000000LL)

/* Every statement below reads case_handoffs first and each of its cases by
 * key: the cases of a state are few, and the planner must not think
 * otherwise. It might (cases' statistics say almost no case is 'triaged',
 * and a table emptied and filled all the time has no count it can trust),
 * and then read every case to find them: 150-300 ms a sweep at 300,000
 * cases, holding up the statements queued on the connection behind it.
 * OFFSET 0 keeps a subquery from being merged into the outer query, so it
 * is run for each row of case_handoffs, by the key of cases. */

/* Rows whose case is gone, or off the way in by a path that does not end
 * the hand-off itself (staff closing a case not yet triaged). */
static const char *s_cleanup_sql =
    "DELETE FROM case_handoffs WHERE case_id IN (SELECT h.case_id FROM case_handoffs h"
    " WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = h.case_id"
    "  AND c.state IN ('received', 'triaged') OFFSET 0) FOR UPDATE SKIP LOCKED)";

/* The cases waiting in $1 whose message is not in the outbox (there, the
 * relay counts it) and the age of the oldest, in seconds; %s: when the case
 * got to its state (the spec's entered). */
static const char *s_count_fmt =
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(x.entered)), 0)"
    " FROM case_handoffs h CROSS JOIN LATERAL (SELECT %s AS entered FROM cases c"
    "  WHERE c.id = h.case_id AND c.state = $1 OFFSET 0) x"
    " WHERE h.outbox_state IS DISTINCT FROM $1";

/* The cases in $1, resend_after ($2, ms) after they got there (%s, the
 * spec's entered) or named in $3 (refused by the socket), whose message is
 * not in the outbox yet: id, number, then the spec's columns (%s), oldest
 * first. */
static const char *s_find_fmt =
    "SELECT x.* FROM case_handoffs h CROSS JOIN LATERAL (SELECT c.id, c.case_number, %s"
    "  FROM cases c WHERE c.id = h.case_id AND c.state = $1"
    "  AND (%s < now() - $2::int * interval '1 millisecond' OR c.id = ANY($3::bigint[]))"
    "  OFFSET 0) x"
    " WHERE h.outbox_state IS DISTINCT FROM $1 ORDER BY h.case_id LIMIT " HANDOFF_BATCH;

/* Writes the messages ($1 case ids, $2 bodies, bytea) of the cases still in
 * $3 whose message is not in the outbox yet, marking them so: the update of
 * the case's row decides between sweeps of several instances, and the
 * stage that ends the hand-off (deleting the row) decides against a message
 * no longer needed. A row locked (a stage taking the case this moment,
 * another sweep) is skipped, not waited for: a sweep never holds up the
 * commits that share its connection, nor deadlocks with a stage's batch;
 * the next sweep looks again. The message is unclaimed: the relay of $5
 * sends it when the notification wakes it at the commit. */
/* clang-format off */
static const char *s_move_sql =
    "WITH u AS (SELECT * FROM unnest($1::bigint[], $2::bytea[]) AS u(case_id, body)),"
    " l AS (SELECT h.case_id FROM case_handoffs h WHERE h.case_id = ANY($1::bigint[])"
    "  AND h.outbox_state IS DISTINCT FROM $3 ORDER BY h.case_id FOR UPDATE SKIP LOCKED),"
    " m AS (UPDATE case_handoffs h SET outbox_state = $3 FROM l, cases c"
    "  WHERE h.case_id = l.case_id AND c.id = l.case_id AND c.state = $3"
    "  RETURNING h.case_id, c.case_number),"
    " o AS (" OUTBOX_INSERT("$4", "$5", "NULL", "$6::int", "m.case_id", "m.case_number", "NULL",
                            "u.body", OUTBOX_UNCLAIMED)
    "  FROM m JOIN u ON u.case_id = m.case_id ORDER BY m.case_id RETURNING 1)"
    " SELECT count(*) FROM o";
/* clang-format on */

struct handoff {
    pg_t *pg;
    handoff_spec_t spec;
    char find_name[64]; /* the statements, prepared on every connection */
    char count_name[64];
    char resend_ms[16];
    struct event *sweep_ev; /* the periodic sweep */
    struct event *soon_ev;  /* a sweep for refused messages */
    bool busy;              /* a find or a move is in flight */
    bool again;             /* sweep once more when it is done */
    int64_t counted_mono_us;
    unsigned long waiting;
    int64_t *unsent;
    int nunsent;
    int64_t *sweeping; /* the unsent ids of the sweep in flight */
    int nsweeping;
};

static void s_sweep(handoff_t *self, bool count);

/* The sweep in flight is over; another follows at once if one was asked
 * for meanwhile (ok: this one did not fail, which the periodic sweep will
 * try again instead). */
static void s_done(handoff_t *self, bool ok)
{
    self->busy = false;
    self->nsweeping = 0;
    if (self->again && ok) {
        self->again = false;
        s_sweep(self, false);
    }
}

/* Refused ids of a sweep that failed go back into the queue. */
static void s_requeue(handoff_t *self)
{
    for (int i = 0; i < self->nsweeping && self->nunsent < HANDOFF_UNSENT_MAX; i++)
        self->unsent[self->nunsent++] = self->sweeping[i];
}

/* A step of the sweep (step: "find" or "move") that PostgreSQL refused:
 * its refused ids wait for the next sweep, unless the connection went
 * (the cases are found again by their age). */
static void s_failed(handoff_t *self, pg_txn_t *txn, const char *step)
{
    log_warn("could not hand waiting cases to the outbox", "step=%s state=%s to=%s err=%s", step,
             self->spec.state, self->spec.destination, pg_txn_error(txn));
    if (!pg_txn_connection_lost(txn))
        s_requeue(self);
    s_done(self, false);
}

static void s_moved(pg_txn_t *txn, bool ok, void *arg)
{
    handoff_t *self = arg;
    if (!ok) {
        s_failed(self, txn, "move");
        return;
    }
    long n = strtol(PQgetvalue(pg_txn_result(txn, 0), 0, 0), NULL, 10);
    if (n > 0)
        log_info("cases not taken yet by the next stage; their messages go through the outbox",
                 "cases=%ld state=%s to=%s", n, self->spec.state, self->spec.destination);
    s_done(self, true);
}

/* Builds the messages of the cases found and writes them to the outbox. */
static int s_move(handoff_t *self, PGresult *found)
{
    pg_array_t ids, bodies;
    pg_array_init(&ids);
    pg_array_init(&bodies);
    int rows = PQntuples(found), built = 0;
    for (int i = 0; i < rows; i++) {
        uint8_t *body = NULL;
        size_t len = 0;
        if (self->spec.build(found, i, &body, &len, self->spec.arg) < 0) {
            log_warn("could not build a case's message; tried again at the next sweep",
                     "case=%s state=%s to=%s", PQgetvalue(found, i, 1), self->spec.state,
                     self->spec.destination);
            free(body);
            continue;
        }
        pg_array_add_text(&ids, PQgetvalue(found, i, 0));
        pg_array_add_bytes(&bodies, body, len);
        free(body);
        built++;
    }
    int rc = -1;
    pg_txn_t *txn = built > 0 ? pg_txn_new() : NULL;
    pg_param_t params[] = {PG_NULL,
                           PG_NULL,
                           PG_TEXT(self->spec.state),
                           PG_TEXT(self->spec.producer),
                           PG_TEXT(self->spec.destination),
                           PG_TEXT(self->spec.msg_type)};
    if (txn && pg_array_param(&ids, &params[0]) == 0 && pg_array_param(&bodies, &params[1]) == 0) {
        if (pg_txn_add(txn, true, "handoff_move", 6, params) == 0 &&
            outbox_txn_notify(txn, self->spec.destination) == 0) {
            pg_txn_submit(self->pg, &txn, s_moved, self);
            rc = 0;
        }
    }
    pg_txn_destroy(&txn);
    pg_array_free(&ids);
    pg_array_free(&bodies);
    return rc;
}

static void s_found(pg_txn_t *txn, bool ok, void *arg)
{
    handoff_t *self = arg;
    if (!ok) {
        s_failed(self, txn, "find");
        return;
    }
    int n = pg_txn_count(txn);
    if (n == 3) { /* counted too */
        PGresult *count = pg_txn_result(txn, 1);
        self->waiting = strtoul(PQgetvalue(count, 0, 0), NULL, 10);
        metrics_set(metrics_gauge("duban_handoff_waiting",
                                  "Cases waiting in a state for the next stage to take them, "
                                  "their message not in the outbox.",
                                  "state"),
                    (double)self->waiting, self->spec.state);
        metrics_set(metrics_gauge("duban_handoff_oldest_age_seconds",
                                  "Age of the oldest case waiting in a state, by state.", "state"),
                    strtod(PQgetvalue(count, 0, 1), NULL), self->spec.state);
    }
    PGresult *found = pg_txn_result(txn, n - 1);
    if (PQntuples(found) == 0 || s_move(self, found) < 0) {
        if (PQntuples(found) > 0)
            s_requeue(self);
        s_done(self, PQntuples(found) == 0);
        return;
    }
    if (PQntuples(found) == HANDOFF_BATCH_ROWS)
        self->again = true;
}

/* Starts a sweep: cleanup, count (when count and due) and find in one
 * transaction; the move follows from s_found. */
static void s_sweep(handoff_t *self, bool count)
{
    if (self->busy) {
        self->again = true;
        return;
    }
    if (!pg_is_up(self->pg))
        return;
    int64_t now = clock_mono_us();
    count = count && (self->counted_mono_us == 0 ||
                      now - self->counted_mono_us >= HANDOFF_COUNT_PERIOD_US);
    pg_array_t unsent;
    pg_array_init(&unsent);
    for (int i = 0; i < self->nunsent; i++) {
        pg_array_add_i64(&unsent, self->unsent[i]);
        self->sweeping[i] = self->unsent[i];
    }
    pg_txn_t *txn = pg_txn_new();
    const char *unsent_text = pg_array_text(&unsent);
    pg_param_t state[] = {PG_TEXT(self->spec.state)};
    pg_param_t find[] = {PG_TEXT(self->spec.state), PG_TEXT(self->resend_ms), PG_TEXT(unsent_text)};
    if (!txn || !unsent_text ||
        (count && (pg_txn_add(txn, true, "handoff_cleanup", 0, NULL) < 0 ||
                   pg_txn_add(txn, true, self->count_name, 1, state) < 0)) ||
        pg_txn_add(txn, true, self->find_name, 3, find) < 0) {
        pg_txn_destroy(&txn);
        pg_array_free(&unsent);
        return;
    }
    pg_array_free(&unsent);
    self->nsweeping = self->nunsent;
    self->nunsent = 0;
    if (count)
        self->counted_mono_us = now;
    self->busy = true;
    pg_txn_submit(self->pg, &txn, s_found, self);
}

static void s_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
    s_sweep(arg, true);
}

static void s_soon_cb(evutil_socket_t fd, short what, void *arg)
{
    s_sweep(arg, false);
}

int handoff_body_pack(const ProtobufCMessage *msg, uint8_t **body, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    *body = malloc(*len ? *len : 1);
    if (!*body)
        return -1;
    protobuf_c_message_pack(msg, *body);
    return 0;
}

void handoff_unsent(handoff_t *self, int64_t case_id)
{
    if (!self || case_id <= 0 || self->nunsent >= HANDOFF_UNSENT_MAX)
        return;
    self->unsent[self->nunsent++] = case_id;
    if (!event_pending(self->soon_ev, EV_TIMEOUT, NULL)) {
        struct timeval tv = {0, HANDOFF_UNSENT_DELAY_US};
        event_add(self->soon_ev, &tv);
    }
}

/* Registers fmt, completed with the arguments, as statement name with pg;
 * planned once per connection, not at every sweep (10 ms of planning each,
 * idle: a stall of the statements queued behind, under load). */
__attribute__((format(printf, 3, 4))) static int s_prepare(pg_t *pg, const char *name,
                                                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = NULL;
    int rc = vasprintf(&sql, fmt, ap) < 0 ? -1 : pg_prepare(pg, name, sql);
    va_end(ap);
    free(sql);
    return rc;
}

handoff_t *handoff_new(struct event_base *base, pg_t *pg, const handoff_spec_t *spec,
                       settings_t *st)
{
    int resend_after_ms = (int)settings_int(st, "outbox.resend_after_ms", 10000);
    handoff_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->spec = *spec;
    snprintf(self->resend_ms, sizeof(self->resend_ms), "%d", resend_after_ms);
    self->unsent = calloc(HANDOFF_UNSENT_MAX, sizeof(*self->unsent));
    self->sweeping = calloc(HANDOFF_UNSENT_MAX, sizeof(*self->sweeping));
    self->sweep_ev = event_new(base, -1, EV_PERSIST, s_sweep_cb, self);
    self->soon_ev = evtimer_new(base, s_soon_cb, self);
    int period_ms = resend_after_ms / 2 < 100 ? 100 : resend_after_ms / 2;
    struct timeval tv = {period_ms / 1000, (period_ms % 1000) * 1000};
    snprintf(self->find_name, sizeof(self->find_name), "handoff_find_%s", spec->state);
    snprintf(self->count_name, sizeof(self->count_name), "handoff_count_%s", spec->state);
    if (s_prepare(pg, self->find_name, s_find_fmt, spec->columns, spec->entered) < 0 ||
        s_prepare(pg, self->count_name, s_count_fmt, spec->entered) < 0 ||
        s_prepare(pg, "handoff_cleanup", "%s", s_cleanup_sql) < 0 ||
        s_prepare(pg, "handoff_move", "%s", s_move_sql) < 0 || !self->unsent || !self->sweeping ||
        !self->sweep_ev || !self->soon_ev || event_add(self->sweep_ev, &tv) < 0) {
        handoff_destroy(&self);
        return NULL;
    }
    return self;
}

void handoff_destroy(handoff_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    handoff_t *self = *self_p;
    if (self->sweep_ev)
        event_free(self->sweep_ev);
    if (self->soon_ev)
        event_free(self->soon_ev);
    free(self->unsent);
    free(self->sweeping);
    free(self);
    *self_p = NULL;
}

void handoff_health(const handoff_t *self, json_t *report)
{
    json_object_set_new(report, "handoff_waiting", json_integer((json_int_t)self->waiting));
}
