/* Outbox relay: claims, sweeps and prunes (sending is outbox_send.c); see
 * outbox.h for the delivery contract. */
#include "outbox_internal.h"

#include "clock.h"
#include "log.h"
#include "metrics.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define OUTBOX_BATCH "500"
#define OUTBOX_BATCH_ROWS 500

/* New rows: those never sent ($2 is unused but keeps one parameter list). */
static const char *s_claim_new_sql =
    "WITH claimed AS ("
    " UPDATE outbox o SET sent_at = now(), attempts = o.attempts + 1,"
    "  delivered_at = CASE WHEN $4::boolean THEN NULL ELSE now() END"
    " WHERE o.msg_id IN (SELECT msg_id FROM outbox WHERE destination = $1 AND sent_at IS NULL"
    "  AND parked_at IS NULL AND $2::int IS NOT NULL ORDER BY id LIMIT $3::int"
    "  FOR UPDATE SKIP LOCKED)"
    " RETURNING " OUTBOX_ROW_COLUMNS ")"
    " SELECT * FROM claimed ORDER BY outbox_id";

/* Rows sent but not acknowledged within the re-send period (parked ones
 * are not: they wait for dubanctl outbox retry). */
static const char *s_claim_stale_sql =
    "WITH claimed AS ("
    " UPDATE outbox o SET sent_at = now(), attempts = o.attempts + 1"
    " WHERE o.msg_id IN (SELECT msg_id FROM outbox WHERE destination = $1 AND delivered_at IS NULL"
    "  AND parked_at IS NULL AND sent_at < now() - $2::int * interval '1 millisecond'"
    "  AND $4::boolean ORDER BY sent_at LIMIT $3::int FOR UPDATE SKIP LOCKED)"
    " RETURNING " OUTBOX_ROW_COLUMNS ")"
    " SELECT * FROM claimed ORDER BY outbox_id";

/* Delivered rows older than the retention, oldest first, a batch at a time
 * (outbox_delivered_idx reads exactly them), once a minute. */
#define OUTBOX_PRUNE_ROWS 10000
#define OUTBOX_PRUNE_PERIOD_US (60 * 1000000LL)
/* Parked messages (outbox_parked_idx), for /healthz and /metrics, with the
 * backlog (rows not yet delivered nor parked, outbox_undelivered_idx) and
 * the age of its oldest row in seconds, for /metrics. */
#define OUTBOX_PARKED_COUNT_PERIOD_US (1000000LL)
static const char *s_parked_count_sql =
    "SELECT p.n, b.n, b.age FROM"
    " (SELECT count(*) AS n FROM outbox WHERE destination = $1 AND parked_at IS NOT NULL"
    "  AND delivered_at IS NULL AND dropped_at IS NULL) p,"
    " (SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age"
    "  FROM outbox WHERE destination = $1 AND delivered_at IS NULL AND parked_at IS NULL) b";

static const char *s_prune_sql =
    "WITH gone AS (DELETE FROM outbox WHERE msg_id IN (SELECT msg_id FROM outbox"
    " WHERE destination = $1 AND delivered_at IS NOT NULL"
    " AND created_at < now() - $2::bigint * interval '1 second'"
    " ORDER BY created_at LIMIT $3::int FOR UPDATE SKIP LOCKED) RETURNING 1)"
    " SELECT count(*) FROM gone";

/* A re-sent row that its consumer neither acknowledged nor refused all this
 * time: logged at 2, 3, 4 ... x max_attempts sends (not parked: it cannot
 * be told from a consumer away). */
static void s_warn_unanswered(outbox_relay_t *self, PGresult *res, int row, const row_cols_t *c)
{
    long attempts = strtol(PQgetvalue(res, row, c->attempts), NULL, 10);
    if (attempts < 2L * self->max_attempts || attempts % self->max_attempts != 0)
        return;
    log_warn(
        "message sent many times, neither acknowledged nor refused (consumer away, or failing on it without a word?); still re-sending",
        "msg_id=%s case=%s to=%s attempts=%ld", PQgetvalue(res, row, c->msg_id),
        PQgetvalue(res, row, c->case_number), self->destination, attempts);
}

static void s_claim_done(pg_txn_t *txn, bool ok, void *arg)
{
    outbox_relay_t *self = arg;
    self->busy = false;
    if (!ok) {
        log_warn("could not claim outbox rows", "to=%s err=%s", self->destination,
                 pg_txn_error(txn));
        return;
    }
    int rows = 0;
    int nunsent = 0, claimed = 0;
    outbox_relay_cork(self); /* uncorked below, on every path */
    for (int r = 0; r < pg_txn_count(txn); r++) {
        PGresult *res = pg_txn_result(txn, r);
        int n = PQntuples(res);
        row_cols_t cols;
        if (n > 0 && outbox_row_cols(res, &cols) < 0)
            continue;
        if (r > 0 && n > 0)
            log_info("re-sending unacknowledged messages", "messages=%d to=%s", n,
                     self->destination);
        for (int i = 0; i < n; i++) {
            if (r > 0)
                s_warn_unanswered(self, res, i, &cols);
            nunsent += outbox_send_row(self, res, i, &cols);
        }
        rows = r == 0 ? n : rows;
        claimed += n;
    }
    self->corked = false;
    nunsent += outbox_flush(self);
    outbox_release_unsent(self);
    if (nunsent > 0)
        return;
    if (claimed > 0)
        outbox_taken(self);
    if (rows == OUTBOX_BATCH_ROWS || self->again) {
        self->again = false;
        outbox_relay_kick(self);
    }
}

static void s_kick_cb(evutil_socket_t fd, short what, void *arg);

static void s_pruned(pg_txn_t *txn, bool ok, void *arg)
{
    outbox_relay_t *self = arg;
    self->pruning = false;
    if (!ok) {
        log_warn("could not delete old outbox rows", "to=%s err=%s", self->destination,
                 pg_txn_error(txn));
        return;
    }
    long n = strtol(PQgetvalue(pg_txn_result(txn, 0), 0, 0), NULL, 10);
    self->pruned += (unsigned long)n;
    if (n > 0)
        log_info("deleted delivered outbox rows", "rows=%ld to=%s older_than_s=%s", n,
                 self->destination, self->keep_s);
    if (n == OUTBOX_PRUNE_ROWS) /* more to go: another batch on the next turn */
        event_active(self->prune_ev, 0, 0);
}

static void s_prune_cb(evutil_socket_t fd, short what, void *arg)
{
    outbox_relay_t *self = arg;
    if (self->pruning || strcmp(self->keep_s, "0") == 0 || !pg_is_up(self->pg))
        return;
    pg_txn_t *txn = pg_txn_new();
    char limit[16];
    snprintf(limit, sizeof(limit), "%d", OUTBOX_PRUNE_ROWS);
    pg_param_t params[] = {PG_TEXT(self->destination), PG_TEXT(self->keep_s), PG_TEXT(limit)};
    if (!txn || pg_txn_add(txn, self->prepared, self->prepared ? "outbox_prune" : s_prune_sql, 3,
                           params) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    self->pruning = true;
    self->pruned_mono_us = clock_mono_us();
    pg_txn_submit(self->pg, &txn, s_pruned, self);
}

static void s_counted(pg_txn_t *txn, bool ok, void *arg)
{
    outbox_relay_t *self = arg;
    self->counting = false;
    if (!ok) {
        log_warn("could not count parked messages", "to=%s err=%s", self->destination,
                 pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    unsigned long n = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    metrics_set(metrics_gauge("duban_outbox_parked", "Messages parked after refusals, by destination.",
                              "destination"),
                (double)n, self->destination);
    metrics_set(metrics_gauge("duban_outbox_backlog",
                              "Messages committed and not yet delivered (nor parked), by destination.",
                              "destination"),
                strtod(PQgetvalue(res, 0, 1), NULL), self->destination);
    self->backlog = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    metrics_set(metrics_gauge("duban_outbox_oldest_age_seconds",
                              "Age of the oldest message not yet delivered, by destination.",
                              "destination"),
                strtod(PQgetvalue(res, 0, 2), NULL), self->destination);
    if (n != self->parked)
        log_info("parked messages (dubanctl outbox parked)", "messages=%lu to=%s", n,
                 self->destination);
    self->parked = n;
}

/* Counts the parked rows and the backlog of a destination, once a second
 * (a destination that does not acknowledge has no parked rows; its backlog
 * is what is not sent yet). */
static void s_count_parked(outbox_relay_t *self)
{
    int64_t now = clock_mono_us();
    if (self->counting || !pg_is_up(self->pg) ||
        (self->counted_mono_us != 0 && now - self->counted_mono_us < OUTBOX_PARKED_COUNT_PERIOD_US))
        return;
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[] = {PG_TEXT(self->destination)};
    if (!txn || pg_txn_add(txn, self->prepared, self->prepared ? "outbox_parked_count"
                                                               : s_parked_count_sql,
                           1, params) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    self->counting = true;
    self->counted_mono_us = now;
    pg_txn_submit(self->pg, &txn, s_counted, self);
}

static void s_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
    outbox_relay_t *self = arg;
    self->stale_due = true;
    s_kick_cb(fd, what, arg);
    s_count_parked(self);
    if (self->pruned_mono_us == 0 || clock_mono_us() - self->pruned_mono_us >= self->prune_period_us)
        s_prune_cb(fd, what, arg);
}

static void s_kick_cb(evutil_socket_t fd, short what, void *arg)
{
    outbox_relay_t *self = arg;
    if (self->busy) {
        self->again = true;
        return;
    }
    if (!pg_is_up(self->pg))
        return;
    pg_txn_t *txn = pg_txn_new();
    if (!txn)
        return;
    pg_param_t params[] = {PG_TEXT(self->destination), PG_TEXT(self->resend_ms),
                           PG_TEXT(OUTBOX_BATCH), PG_TEXT(self->acked ? "true" : "false")};
    if (pg_txn_add(txn, self->prepared, self->prepared ? "outbox_claim_new" : s_claim_new_sql, 4,
                   params) < 0 ||
        (self->stale_due && self->acked &&
         pg_txn_add(txn, self->prepared, self->prepared ? "outbox_claim_stale" : s_claim_stale_sql,
                    4, params) < 0)) {
        pg_txn_destroy(&txn);
        return;
    }
    self->stale_due = false;
    self->busy = true;
    self->again = false;
    pg_txn_submit(self->pg, &txn, s_claim_done, self);
}

/* Every relay listens on "outbox_<destination>". */
static void s_channel(const char *destination, char *channel, size_t size)
{
    snprintf(channel, size, "outbox_%s", destination);
}

static void s_notified(pg_t *pg, const char *channel, const char *payload, void *arg)
{
    outbox_relay_kick(arg);
}

int outbox_txn_notify(pg_txn_t *txn, const char *destination)
{
    char channel[96];
    s_channel(destination, channel, sizeof(channel));
    pg_param_t params[] = {PG_TEXT(channel)};
    return pg_txn_add(txn, false, "SELECT pg_notify($1, '')", 1, params) < 0 ? -1 : 0;
}

outbox_relay_t *outbox_relay_new(struct event_base *base, pg_t *pg, bus_sock_t *sock,
                                 const char *destination, bool acked, settings_t *st)
{
    int resend_after_ms = (int)settings_int(st, "outbox.resend_after_ms", 10000);
    int max_attempts = outbox_max_attempts(st);
    long keep_s = settings_int(st, "outbox.keep_s", 3 * 24 * 3600);
    outbox_relay_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->sock = sock;
    int type = 0;
    size_t type_len = sizeof(type);
    self->bundles =
        zmq_getsockopt(bus_sock_handle(sock), ZMQ_TYPE, &type, &type_len) == 0 && type == ZMQ_PUSH;
    self->acked = acked;
    self->max_attempts = max_attempts;
    snprintf(self->destination, sizeof(self->destination), "%s", destination);
    snprintf(self->resend_ms, sizeof(self->resend_ms), "%d", resend_after_ms);
    /* planned once per connection rather than at every claim; a relay made
     * after the connection is up sends its statements unprepared */
    self->prepared = !pg_is_up(pg) && pg_prepare(pg, "outbox_claim_new", s_claim_new_sql) == 0 &&
                     pg_prepare(pg, "outbox_claim_stale", s_claim_stale_sql) == 0 &&
                     pg_prepare(pg, "outbox_prune", s_prune_sql) == 0 &&
                     pg_prepare(pg, "outbox_parked_count", s_parked_count_sql) == 0;
    snprintf(self->keep_s, sizeof(self->keep_s), "%ld", keep_s < 0 ? 0 : keep_s);
    /* a short retention (tests) is honoured at the sweep's pace */
    self->prune_period_us = keep_s * 1000000LL < OUTBOX_PRUNE_PERIOD_US ? 0 : OUTBOX_PRUNE_PERIOD_US;
    self->prune_ev = event_new(base, -1, 0, s_prune_cb, self);
    self->kick_ev = event_new(base, -1, 0, s_kick_cb, self);
    self->sweep_ev = event_new(base, -1, EV_PERSIST, s_sweep_cb, self);
    self->retry_ev = evtimer_new(base, s_kick_cb, self);
    int period_ms = resend_after_ms / 2 < 100 ? 100 : resend_after_ms / 2;
    struct timeval tv = {period_ms / 1000, (period_ms % 1000) * 1000};
    char channel[96];
    s_channel(destination, channel, sizeof(channel));
    if (!self->kick_ev || !self->sweep_ev || !self->retry_ev || !self->prune_ev ||
        event_add(self->sweep_ev, &tv) < 0 ||
        pg_listen(pg, channel, s_notified, self) < 0) {
        outbox_relay_destroy(&self);
        return NULL;
    }
    return self;
}

void outbox_relay_destroy(outbox_relay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outbox_relay_t *self = *self_p;
    if (self->kick_ev)
        event_free(self->kick_ev);
    if (self->sweep_ev)
        event_free(self->sweep_ev);
    if (self->retry_ev)
        event_free(self->retry_ev);
    if (self->prune_ev)
        event_free(self->prune_ev);
    /* (never corked here: cork and uncork pair within one callback) */
    bus_bundle_clear(&self->bundle);
    free(self->unsent);
    free(self);
    *self_p = NULL;
}

void outbox_relay_kick(outbox_relay_t *self)
{
    event_active(self->kick_ev, 0, 0);
}

unsigned long outbox_relay_sent(const outbox_relay_t *self)
{
    return self->sent;
}

unsigned long outbox_relay_pruned(const outbox_relay_t *self)
{
    return self->pruned;
}

unsigned long outbox_relay_parked(const outbox_relay_t *self)
{
    return self->parked;
}

void outbox_relay_health(const outbox_relay_t *self, json_t *report)
{
    json_object_set_new(report, "outbox_sent", json_integer((json_int_t)self->sent));
    json_object_set_new(report, "outbox_bus_messages", json_integer((json_int_t)self->bus_sent));
    json_object_set_new(report, "outbox_parked", json_integer((json_int_t)self->parked));
    json_object_set_new(report, "outbox_backlog", json_integer((json_int_t)self->backlog));
}
