/* Group commit of new cases; see intake_commit.h. */
#include "intake_commit.h"

#include "duban.pb-c.h"
#include "log.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define INTAKE_MAX_INFLIGHT 2

/* Case number: "DB" + date (China time) + sequence. It carries no personal
 * data; the query code, not the number, unlocks the public status page. */
static const char *s_insert_sql =
    "WITH c AS ("
    " INSERT INTO cases (case_number, query_code, channel, kind, category, lead_hint, subject,"
    "  description, requester_name, requester_phone, first_responder)"
    " VALUES ('DB' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"
    "  || lpad(nextval('case_number_seq')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, $8, $9,"
    "  $10)"
    " RETURNING id, case_number, state, created_at),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT id, 'received', $10, jsonb_build_object('channel', $2::text) FROM c),"
    " o AS (INSERT INTO outbox (producer, destination, msg_type, case_id, case_number, body)"
    "  SELECT 'intake', 'triage', $11::int, id, case_number, $12::bytea FROM c)"
    " SELECT id, case_number, state, (extract(epoch FROM created_at) * 1000000)::bigint FROM c";

typedef struct pending {
    intake_request_t *req;
    char query_code[16];
    uint8_t *body;
    size_t body_len;
    intake_commit_cb cb;
    void *ctx;
    struct pending *next;
} pending_t;

typedef struct batch {
    intake_commit_t *owner;
    pending_t *items;
    int count;
    bool single; /* a retry of one case after its batch failed */
    struct batch *prev;
    struct batch *next;
} batch_t;

struct intake_commit {
    pg_t *pg;
    outbox_relay_t *relay;
    struct event *flush_ev;
    int max_batch;
    int inflight;
    pending_t *head;
    pending_t *tail;
    batch_t *sent; /* batches in flight, for cancel */
};

static void s_pending_free(pending_t *p)
{
    intake_request_destroy(&p->req);
    free(p->body);
    free(p);
}

static int s_pack_body(pending_t *p)
{
    Duban__CaseReceived msg = DUBAN__CASE_RECEIVED__INIT;
    msg.channel = p->req->channel;
    msg.kind = p->req->kind;
    msg.category = p->req->category ? p->req->category : "";
    msg.subject = p->req->subject;
    msg.description = p->req->description;
    msg.first_responder = p->req->first_responder;
    msg.lead_division = p->req->division ? p->req->division : "";
    p->body_len = duban__case_received__get_packed_size(&msg);
    p->body = malloc(p->body_len ? p->body_len : 1);
    if (!p->body)
        return -1;
    duban__case_received__pack(&msg, p->body);
    return 0;
}

static int s_add_insert(pg_txn_t *txn, pending_t *p)
{
    intake_request_t *r = p->req;
    char type[8];
    snprintf(type, sizeof(type), "%d", DUBAN__MSG_TYPE__CASE_RECEIVED);
    pg_param_t params[12] = {
        PG_TEXT(p->query_code),      PG_TEXT(r->channel),
        PG_TEXT(r->kind),            PG_TEXT(r->category),
        PG_TEXT(r->division),        PG_TEXT(r->subject),
        PG_TEXT(r->description),     PG_TEXT(r->requester_name),
        PG_TEXT(r->requester_phone), PG_TEXT(r->first_responder),
        PG_TEXT(type),               PG_BINARY(p->body, p->body_len),
    };
    return pg_txn_add(txn, true, "intake_insert_case", 12, params);
}

static void s_track(intake_commit_t *self, batch_t *b, bool on)
{
    if (on) {
        b->prev = NULL;
        b->next = self->sent;
        if (self->sent)
            self->sent->prev = b;
        self->sent = b;
        return;
    }
    if (b->prev)
        b->prev->next = b->next;
    else
        self->sent = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

static void s_send_batch(intake_commit_t *self, batch_t *b);

static void s_batch_done(pg_txn_t *txn, bool ok, void *arg)
{
    batch_t *b = arg;
    intake_commit_t *self = b->owner;
    s_track(self, b, false);
    self->inflight--;
    if (!ok && !pg_txn_connection_lost(txn) && !b->single && b->count > 1) {
        /* One case may have been refused; give each its own transaction. */
        log_warn("batch of %d cases failed, retrying one by one: %s", b->count,
                 pg_txn_error(txn));
        pending_t *p = b->items;
        while (p) {
            pending_t *next = p->next;
            batch_t *one = calloc(1, sizeof(*one));
            p->next = NULL;
            if (!one) {
                if (p->cb)
                    p->cb(p->ctx, 500, NULL, "out of memory");
                s_pending_free(p);
            } else {
                one->owner = self;
                one->items = p;
                one->count = 1;
                one->single = true;
                s_send_batch(self, one);
            }
            p = next;
        }
        free(b);
        return;
    }
    int i = 0;
    for (pending_t *p = b->items, *next; p; p = next, i++) {
        next = p->next;
        if (p->cb) {
            if (ok) {
                PGresult *res = pg_txn_result(txn, i);
                intake_case_t c = {strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                                   PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
                                   strtoll(PQgetvalue(res, 0, 3), NULL, 10)};
                p->cb(p->ctx, 201, &c, NULL);
            } else if (pg_txn_connection_lost(txn)) {
                p->cb(p->ctx, 503, NULL, pg_txn_error(txn));
            } else {
                log_error("could not insert case: %s", pg_txn_error(txn));
                p->cb(p->ctx, 500, NULL, pg_txn_error(txn));
            }
        }
        s_pending_free(p);
    }
    free(b);
    if (ok)
        outbox_relay_kick(self->relay);
    if (self->head)
        event_active(self->flush_ev, 0, 0);
}

static void s_send_batch(intake_commit_t *self, batch_t *b)
{
    pg_txn_t *txn = pg_txn_new();
    bool built = txn != NULL;
    for (pending_t *p = b->items; built && p; p = p->next)
        built = s_add_insert(txn, p) >= 0;
    if (!built) {
        pg_txn_destroy(&txn);
        for (pending_t *p = b->items, *next; p; p = next) {
            next = p->next;
            if (p->cb)
                p->cb(p->ctx, 500, NULL, "out of memory");
            s_pending_free(p);
        }
        free(b);
        return;
    }
    self->inflight++;
    s_track(self, b, true);
    pg_txn_submit(self->pg, &txn, s_batch_done, b);
}

static void s_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    intake_commit_t *self = arg;
    while (self->head && self->inflight < INTAKE_MAX_INFLIGHT) {
        batch_t *b = calloc(1, sizeof(*b));
        if (!b)
            return;
        b->owner = self;
        pending_t **link = &b->items;
        while (self->head && b->count < self->max_batch) {
            pending_t *p = self->head;
            self->head = p->next;
            p->next = NULL;
            *link = p;
            link = &p->next;
            b->count++;
        }
        if (!self->head)
            self->tail = NULL;
        s_send_batch(self, b);
    }
}

int intake_commit_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_insert_case", s_insert_sql);
}

intake_commit_t *intake_commit_new(struct event_base *base, pg_t *pg, outbox_relay_t *relay,
                                   int max_batch)
{
    intake_commit_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->relay = relay;
    self->max_batch = max_batch > 0 ? max_batch : 1;
    self->flush_ev = event_new(base, -1, 0, s_flush_cb, self);
    if (!self->flush_ev) {
        free(self);
        return NULL;
    }
    return self;
}

void intake_commit_destroy(intake_commit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_commit_t *self = *self_p;
    for (pending_t *p = self->head, *next; p; p = next) {
        next = p->next;
        if (p->cb)
            p->cb(p->ctx, 503, NULL, "intake is shutting down");
        s_pending_free(p);
    }
    event_free(self->flush_ev);
    free(self);
    *self_p = NULL;
}

void intake_commit_submit(intake_commit_t *self, intake_request_t **req_p, const char *query_code,
                          intake_commit_cb cb, void *ctx)
{
    pending_t *p = calloc(1, sizeof(*p));
    if (!p) {
        intake_request_destroy(req_p);
        cb(ctx, 500, NULL, "out of memory");
        return;
    }
    p->req = *req_p;
    *req_p = NULL;
    snprintf(p->query_code, sizeof(p->query_code), "%s", query_code);
    p->cb = cb;
    p->ctx = ctx;
    if (s_pack_body(p) < 0) {
        s_pending_free(p);
        cb(ctx, 500, NULL, "out of memory");
        return;
    }
    if (self->tail)
        self->tail->next = p;
    else
        self->head = p;
    self->tail = p;
    /* Flush on the next loop turn, so requests read in this turn share it. */
    event_active(self->flush_ev, 0, 0);
}

void intake_commit_cancel(intake_commit_t *self, void *ctx)
{
    for (pending_t *p = self->head; p; p = p->next)
        if (p->ctx == ctx)
            p->cb = NULL;
    for (batch_t *b = self->sent; b; b = b->next)
        for (pending_t *p = b->items; p; p = p->next)
            if (p->ctx == ctx)
                p->cb = NULL;
}
