/* Sending what an outbox relay claimed or was given (outbox.h): one
 * message, or while corked bundles of a PUSH link's envelopes (bus.h);
 * what the socket would not take goes back to unsent, or to the hand-off. */
#include "outbox_internal.h"

#include "clock.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message the socket refuses (its consumer not connected yet, or away) is
 * retried after 10 ms, doubling up to 100 ms; refusals that last over a
 * second are logged, then once per 10 s. */
#define OUTBOX_RETRY_MIN_MS 10
#define OUTBOX_RETRY_MS 100
#define OUTBOX_REFUSED_LOG_AFTER_US (1000000LL)
#define OUTBOX_UNSENT_LOG_US (10 * 1000000LL)

static void s_release_done(pg_txn_t *txn, bool ok, void *arg)
{
    if (!ok)
        log_warn("could not release unsent outbox rows", "err=%s", pg_txn_error(txn));
}

/* Rows claimed (msg_ids, a uuid[] literal) but not taken by the socket go
 * back to unsent, to be tried again shortly rather than after the whole
 * re-send period; a send that did not happen is not counted as an attempt. */
static void s_release(outbox_relay_t *self, const char *msg_ids)
{
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT(msg_ids)};
    if (!txn || pg_txn_add(txn, false,
                           "UPDATE outbox SET sent_at = NULL, attempts = greatest(attempts - 1, 0)"
                           " WHERE msg_id = ANY($1::uuid[])"
                           " AND delivered_at IS NULL",
                           1, params) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    pg_txn_submit(self->pg, &txn, s_release_done, self);
    if (self->retry_ms < OUTBOX_RETRY_MIN_MS)
        self->retry_ms = OUTBOX_RETRY_MIN_MS;
    struct timeval tv = {0, self->retry_ms * 1000};
    event_add(self->retry_ev, &tv);
    self->retry_ms = self->retry_ms * 2 > OUTBOX_RETRY_MS ? OUTBOX_RETRY_MS : self->retry_ms * 2;
}

/* n messages were refused by the socket. */
static void s_refused(outbox_relay_t *self, int n)
{
    int64_t now = clock_mono_us();
    if (self->refused_since_us == 0)
        self->refused_since_us = now;
    if (now - self->refused_since_us < OUTBOX_REFUSED_LOG_AFTER_US ||
        (self->unsent_logged_us != 0 && now - self->unsent_logged_us < OUTBOX_UNSENT_LOG_US))
        return;
    log_warn("messages not taken by the socket (no consumer connected?); retrying",
             "messages=%d to=%s for_s=%.1f retry_ms=%d", n, self->destination,
             (double)(now - self->refused_since_us) / 1e6, OUTBOX_RETRY_MS);
    self->unsent_logged_us = now;
}

/* The socket took what was sent. */
void outbox_taken(outbox_relay_t *self)
{
    if (self->unsent_logged_us != 0)
        log_info("destination takes messages again", "to=%s", self->destination);
    self->unsent_logged_us = 0;
    self->refused_since_us = 0;
    self->retry_ms = OUTBOX_RETRY_MIN_MS;
}

/* The OUTBOX_ROW_COLUMNS: row_cols_t's field and the column's name. */
#define ROW_COLS(X)                                                                                \
    X(id, "outbox_id")                                                                             \
    X(msg_id, "outbox_msg_id")                                                                     \
    X(msg_type, "outbox_msg_type")                                                                 \
    X(case_id, "outbox_case_id")                                                                   \
    X(case_number, "outbox_case_number")                                                           \
    X(task_id, "outbox_task_id")                                                                   \
    X(topic, "outbox_topic")                                                                       \
    X(body, "outbox_body")                                                                         \
    X(created_us, "outbox_created_us")                                                             \
    X(producer, "outbox_producer")                                                                 \
    X(attempts, "outbox_attempts")

/* Finds the columns by name; -1 (logged) when a result lacks one. */
int outbox_row_cols(PGresult *res, row_cols_t *c)
{
    bool lacks = false;
#define FIND(field, name)                                                                          \
    c->field = PQfnumber(res, name);                                                               \
    lacks = lacks || c->field < 0;
    ROW_COLS(FIND)
#undef FIND
    if (lacks) {
        log_error("could not send outbox rows: the result lacks the outbox row columns");
        return -1;
    }
    return 0;
}

/* Whether the columns c found in an earlier result are where res has them. */
static bool s_cols_hold(PGresult *res, const row_cols_t *c)
{
    int n = PQnfields(res);
    bool hold = true;
#define HOLDS(field, name) hold = hold && c->field < n && strcmp(PQfname(res, c->field), name) == 0;
    ROW_COLS(HOLDS)
#undef HOLDS
    return hold;
}

/* Notes msg_id (36 characters) to be released by s_release_unsent. */
static void s_note_unsent(outbox_relay_t *self, const char *msg_id)
{
    size_t need = self->unsent_len + strlen(msg_id) + 3;
    if (need > self->unsent_cap) {
        size_t cap = self->unsent_cap ? self->unsent_cap * 2 : 1024;
        char *grown = realloc(self->unsent, cap < need ? need : cap);
        if (!grown) /* claimed, not released: the re-send sweep sends it */
            return;
        self->unsent = grown;
        self->unsent_cap = cap < need ? need : cap;
    }
    self->unsent_len +=
        (size_t)snprintf(self->unsent + self->unsent_len, self->unsent_cap - self->unsent_len,
                         "%s%s", self->unsent_len ? "," : "{", msg_id);
}

/* Releases, in one statement, the stored rows noted since the last time. */
void outbox_release_unsent(outbox_relay_t *self)
{
    if (self->unsent_len == 0)
        return;
    snprintf(self->unsent + self->unsent_len, self->unsent_cap - self->unsent_len, "}");
    s_release(self, self->unsent);
    self->unsent_len = 0;
}

/* The socket would not take the first n held messages (no consumer
 * connected yet, or its queue is full): stored rows are noted, to go back
 * to unsent (s_release_unsent), the hand-off writes unstored ones to the
 * outbox (a PUB's are gone, as they would be at its high-water mark). */
static void s_not_taken(outbox_relay_t *self, int n)
{
    s_refused(self, n);
    self->corked_refused += n;
    for (int i = 0; i < n; i++) {
        if (self->held[i].stored)
            s_note_unsent(self, self->held[i].msg_id);
        else if (self->handoff)
            handoff_unsent(self->handoff, self->held[i].case_id);
    }
}

/* Sends what the bundle holds as one message. Returns the messages the
 * socket would not take. */
int outbox_flush(outbox_relay_t *self)
{
    int n = self->bundle.count;
    if (n == 0)
        return 0;
    if (bus_bundle_send(self->sock, &self->bundle) == 0) {
        self->sent += (unsigned long)n;
        self->bus_sent++;
        return 0;
    }
    s_not_taken(self, n);
    return n;
}

/* Sends one claimed row, or holds it for the bundle while the relay is
 * corked. Returns the messages the socket would not take (this one, or
 * those of a bundle it completed). */
int outbox_send_row(outbox_relay_t *self, PGresult *res, int row, const row_cols_t *c)
{
    size_t body_len = 0;
    unsigned char *body =
        PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, c->body), &body_len);
    if (!body) {
        log_error("could not decode outbox row", "row=%s", PQgetvalue(res, row, c->id));
        return 0;
    }
    Duban__Envelope env = DUBAN__ENVELOPE__INIT;
    env.msg_id = PQgetvalue(res, row, c->msg_id);
    env.type = (Duban__MsgType)atoi(PQgetvalue(res, row, c->msg_type));
    env.case_id = strtoll(PQgetvalue(res, row, c->case_id), NULL, 10);
    env.case_number = PQgetvalue(res, row, c->case_number);
    env.task_id = strtoll(PQgetvalue(res, row, c->task_id), NULL, 10);
    env.producer = PQgetvalue(res, row, c->producer);
    env.seq = strtoull(PQgetvalue(res, row, c->id), NULL, 10);
    env.time_us = strtoll(PQgetvalue(res, row, c->created_us), NULL, 10);
    env.body.data = body;
    env.body.len = body_len;
    int refused = 0;
    const char *topic = PQgetisnull(res, row, c->topic) ? NULL : PQgetvalue(res, row, c->topic);
    /* a subscriber's message is its topic and one envelope: what is held
     * goes out first, so that messages keep their order */
    bool single = topic || !self->bundles;
    if (single || self->bundle.count == BUS_BUNDLE_MAX)
        refused += outbox_flush(self);
    int at = self->bundle.count;
    self->held[at].case_id = env.case_id;
    self->held[at].stored = env.seq != 0;
    snprintf(self->held[at].msg_id, sizeof(self->held[at].msg_id), "%s", env.msg_id);
    if (single) {
        if (bus_send_envelope(self->sock, topic, &env) == 0) {
            self->sent++;
            self->bus_sent++;
        } else {
            s_not_taken(self, 1);
            refused++;
        }
    } else if (bus_bundle_add(&self->bundle, &env) < 0) {
        /* out of memory: sent again as a message not taken */
        refused += outbox_flush(self);
        self->held[0] = self->held[at];
        s_not_taken(self, 1);
        refused++;
    } else if (!self->corked) {
        refused += outbox_flush(self);
    }
    PQfreemem(body);
    return refused;
}

/* What the socket took since the cork (a message, and none refused) shows
 * that the destination takes messages again. */
static void s_maybe_taken(outbox_relay_t *self, unsigned long bus_sent_before)
{
    if (self->bus_sent > bus_sent_before && self->corked_refused == 0 &&
        self->refused_since_us != 0 && !event_pending(self->retry_ev, EV_TIMEOUT, NULL))
        outbox_taken(self);
}

void outbox_relay_cork(outbox_relay_t *self)
{
    if (!self)
        return;
    self->corked = true;
    self->corked_refused = 0;
    self->bus_sent_at_cork = self->bus_sent;
}

void outbox_relay_uncork(outbox_relay_t *self)
{
    if (!self)
        return;
    self->corked = false;
    outbox_flush(self);
    outbox_release_unsent(self);
    s_maybe_taken(self, self->bus_sent_at_cork);
}

void outbox_relay_send_claimed(outbox_relay_t *self, PGresult *res, int row)
{
    if (!self)
        return;
    /* Called for every row of a result: the columns are looked up by name
     * once (a lookup is a scan of the result's names) and checked, cheaply,
     * for the rows and results that follow. */
    if (!self->cols_known || !s_cols_hold(res, &self->cols)) {
        self->cols_known = outbox_row_cols(res, &self->cols) == 0;
        if (!self->cols_known)
            return;
    }
    const row_cols_t *cols = &self->cols;
    if (PQgetisnull(res, row, cols->id))
        return;
    if (self->corked) {
        outbox_send_row(self, res, row, cols);
        return;
    }
    /* alone: a bundle of one */
    outbox_relay_cork(self);
    outbox_send_row(self, res, row, cols);
    outbox_relay_uncork(self);
}

void outbox_relay_handoff(outbox_relay_t *self, handoff_t *handoff)
{
    self->handoff = handoff;
}
