/* Group commit of new cases; see intake_commit.h. */
#include "intake_commit.h"

#include "intake.h"
#include "intake_commit_sql.h"

#include "clock.h"
#include "duban.pb-c.h"
#include "fingerprint.h"
#include "gather.h"
#include "log.h"
#include "pg_array.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Batches in flight at most: the second only behind a full queue (see
 * s_may_send). */
#define INTAKE_MAX_INFLIGHT 2
/* A batch gathered for a window (intake_commit_gather_window) goes as soon
 * as it holds this many, and waits only when at least INTAKE_GATHER_GAIN
 * more would come before the window closes. The gain is smaller than the
 * pipeline's (consumer.c): intake's window is a caller's wait, kept short,
 * and at 1,000 cases/s a window of a few milliseconds holds only a few. */
#define INTAKE_GATHER_TARGET 32
#define INTAKE_GATHER_GAIN 2

static const char *s_claim_sql = INTAKE_CLAIM_SQL;
static const char *s_insert_sql = INTAKE_INSERT_SQL;
static const char *s_insert_plain_sql = INTAKE_INSERT_PLAIN_SQL;
static const char *s_lookup_sql = INTAKE_LOOKUP_SQL;

typedef struct pending {
    struct intake_commit *owner;
    intake_submission_t *sub;
    uint8_t *body;
    size_t body_len;
    intake_commit_cb cb;
    void *ctx;
    int row; /* this submission's row in its batch's results */
    struct pending *next;
} pending_t;

typedef struct batch {
    struct intake_commit *owner;
    pending_t *items;
    int count;
    bool single;     /* a retry of one case after its batch failed */
    int insert_stmt; /* the statements' indexes in the transaction */
    int lookup_stmt; /* -1 when no submission has a key or a reference */
    int number_col;  /* of the inserted rows: the new case's number */
} batch_t;

struct intake_commit {
    pg_t *pg;
    outbox_relay_t *relay;
    const fingerprint_t *fingerprint;
    struct event *flush_ev;
    struct event *gather_ev; /* the gather window closed */
    gather_t gather;
    int max_batch;
    int max_waiting;
    int waiting; /* submissions queued or in a batch in flight */
    int queued;  /* of them, not yet in a batch */
    int inflight;
    pending_t *head;
    pending_t *tail;
};

void intake_submission_destroy(intake_submission_t **sub_p)
{
    if (!sub_p || !*sub_p)
        return;
    intake_request_destroy(&(*sub_p)->req);
    free((*sub_p)->photos_json);
    free(*sub_p);
    *sub_p = NULL;
}

static void s_pending_free(pending_t *p)
{
    p->owner->waiting--;
    intake_submission_destroy(&p->sub);
    free(p->body);
    free(p);
}

static int s_pack_body(pending_t *p)
{
    const intake_request_t *r = p->sub->req;
    Duban__CaseReceived msg = DUBAN__CASE_RECEIVED__INIT;
    msg.channel = r->channel;
    msg.kind = r->kind;
    msg.category = r->category ? r->category : "";
    msg.subject = r->subject;
    msg.description = r->description;
    msg.first_responder = r->first_responder;
    msg.lead_division = r->division ? r->division : "";
    msg.priority = r->priority ? r->priority : "";
    /* Triage spots repeats by requester without personal data on the bus. */
    char fingerprint[FINGERPRINT_HEX_LEN + 1];
    fingerprint_phone(p->owner->fingerprint, r->requester_phone, fingerprint);
    msg.requester_fingerprint = fingerprint;
    p->body_len = duban__case_received__get_packed_size(&msg);
    p->body = malloc(p->body_len ? p->body_len : 1);
    if (!p->body)
        return -1;
    duban__case_received__pack(&msg, p->body);
    return 0;
}

/* Appends p's values to the insert's columns. */
static void s_gather(pg_array_t *col, const pending_t *p)
{
    const intake_submission_t *s = p->sub;
    const intake_request_t *r = s->req;
    pg_array_add_text(&col[COL_QUERY_CODE], s->query_code);
    pg_array_add_text(&col[COL_CHANNEL], r->channel);
    pg_array_add_text(&col[COL_KIND], r->kind);
    pg_array_add_text(&col[COL_CATEGORY], r->category);
    pg_array_add_text(&col[COL_DIVISION], r->division);
    pg_array_add_text(&col[COL_SUBJECT], r->subject);
    pg_array_add_text(&col[COL_DESCRIPTION], r->description);
    pg_array_add_text(&col[COL_NAME], r->requester_name);
    pg_array_add_text(&col[COL_PHONE], r->requester_phone);
    pg_array_add_text(&col[COL_EMAIL], r->requester_email);
    pg_array_add_text(&col[COL_ANONYMOUS], r->anonymous ? "true" : "false");
    pg_array_add_text(&col[COL_CALLBACK], r->callback_phone);
    pg_array_add_text(&col[COL_PLACE], r->place);
    pg_array_add_text(&col[COL_ENTERPRISE], r->enterprise);
    pg_array_add_text(&col[COL_PRODUCT], r->product);
    pg_array_add_text(&col[COL_LATITUDE], r->latitude);
    pg_array_add_text(&col[COL_LONGITUDE], r->longitude);
    pg_array_add_text(&col[COL_EXTERNAL_REF], r->external_ref);
    pg_array_add_text(&col[COL_SOURCE], s->source);
    pg_array_add_text(&col[COL_FIRST_RESPONDER], r->first_responder);
    pg_array_add_text(&col[COL_RECORDED_BY], s->recorded_by);
    pg_array_add_text(&col[COL_RECEIVED_AT], r->received_at);
    pg_array_add_text(&col[COL_PEER], s->peer);
    pg_array_add_text(&col[COL_IDEM_SCOPE], s->idem_scope);
    pg_array_add_text(&col[COL_IDEM_KEY], s->idem_key);
    pg_array_add_text(&col[COL_REQUEST_SHA256], s->request_sha256);
    pg_array_add_bytes(&col[COL_BODY], p->body, p->body_len);
    pg_array_add_text(&col[COL_CONFIDENTIAL], r->confidential ? "true" : "false");
    pg_array_add_text(&col[COL_PHOTOS], s->photos_json);
    pg_array_add_text(&col[COL_PRIORITY], r->priority);
}

/* Adds b's statements: the insert, and the lookups when a submission has a
 * key or a reference. */
static int s_add(pg_txn_t *txn, batch_t *b)
{
    pg_array_t col[INSERT_COLS];
    pg_array_t look[LOOKUP_COLS];
    for (int i = 0; i < INSERT_COLS; i++)
        pg_array_init(&col[i]);
    for (int i = 0; i < LOOKUP_COLS; i++)
        pg_array_init(&look[i]);
    bool keys = false, lookups = false, photos = false;
    int row = 0;
    for (pending_t *p = b->items; p; p = p->next) {
        const intake_submission_t *s = p->sub;
        p->row = row++;
        s_gather(col, p);
        pg_array_add_text(&look[0], s->idem_scope);
        pg_array_add_text(&look[1], s->idem_key);
        pg_array_add_text(&look[2], s->request_sha256);
        pg_array_add_text(&look[3], s->req->external_ref);
        keys = keys || s->idem_scope[0] != '\0';
        lookups = lookups || s->idem_scope[0] != '\0' || s->req->external_ref != NULL;
        photos = photos || s->photos_json != NULL;
    }
    int rc = 0;
    if (keys && pg_txn_add_arrays(txn, "intake_claim_keys", look, 3) < 0)
        rc = -1;
    const char *insert = lookups || photos ? "intake_insert_cases" : "intake_insert_plain";
    b->insert_stmt = rc < 0 ? -1 : pg_txn_add_arrays(txn, insert, col, INSERT_COLS);
    b->lookup_stmt = -1;
    if (b->insert_stmt < 0)
        rc = -1;
    if (rc == 0 && lookups) {
        b->lookup_stmt = pg_txn_add_arrays(txn, "intake_lookup", look, LOOKUP_COLS);
        rc = b->lookup_stmt >= 0 ? 0 : -1;
    }
    for (int i = 0; i < INSERT_COLS; i++)
        pg_array_free(&col[i]);
    for (int i = 0; i < LOOKUP_COLS; i++)
        pg_array_free(&look[i]);
    return rc;
}

/* The new cases' messages to triage, before the answers: one bus message
 * for the batch (or, the socket refusing it, the outbox: handoff.h). */
static void s_relay_created(const batch_t *b, pg_txn_t *txn, const intake_commit_t *owner)
{
    PGresult *inserted = pg_txn_result(txn, b->insert_stmt);
    outbox_relay_cork(owner->relay);
    for (int row = 0; row < PQntuples(inserted); row++)
        if (!PQgetisnull(inserted, row, 0))
            outbox_relay_send_claimed(owner->relay, inserted, row);
    outbox_relay_uncork(owner->relay);
}

/* Reads p's outcome from the committed transaction's results. */
static void s_answer(pending_t *p, const batch_t *b, pg_txn_t *txn)
{
    PGresult *inserted = pg_txn_result(txn, b->insert_stmt);
    if (PQntuples(inserted) > p->row && !PQgetisnull(inserted, p->row, 0)) {
        const char *number =
            b->number_col >= 0 ? PQgetvalue(inserted, p->row, b->number_col) : NULL;
        p->cb(p->ctx, INTAKE_CREATED, PQgetvalue(inserted, p->row, 0), number, NULL);
        return;
    }
    PGresult *look = b->lookup_stmt >= 0 ? pg_txn_result(txn, b->lookup_stmt) : NULL;
    bool have = look && PQntuples(look) > p->row;
    if (have && p->sub->idem_scope[0] &&
        strcmp(PQgetvalue(look, p->row, LOOKUP_KEYED), "t") == 0) {
        if (strcmp(PQgetvalue(look, p->row, LOOKUP_SAME_BODY), "f") == 0) {
            p->cb(p->ctx, INTAKE_CONFLICT, NULL, NULL, &INTAKE_PROBLEM_KEY_REUSED);
            return;
        }
        if (PQgetvalue(look, p->row, LOOKUP_REPLAY)[0]) {
            p->cb(p->ctx, INTAKE_REPLAYED, PQgetvalue(look, p->row, LOOKUP_REPLAY), NULL, NULL);
            return;
        }
    }
    if (have && p->sub->req->external_ref && !PQgetisnull(look, p->row, LOOKUP_IMPORTED)) {
        p->cb(p->ctx, INTAKE_ALREADY_IMPORTED, PQgetvalue(look, p->row, LOOKUP_IMPORTED), NULL,
              NULL);
        return;
    }
    log_error("could not insert case: it was neither created nor found", "source=%s",
              p->sub->source);
    p->cb(p->ctx, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL);
}

static void s_send_batch(intake_commit_t *self, batch_t *b);
static void s_flush(intake_commit_t *self, bool may_wait);

static void s_retry_singly(intake_commit_t *self, batch_t *b)
{
    pending_t *p = b->items;
    while (p) {
        pending_t *next = p->next;
        batch_t *one = calloc(1, sizeof(*one));
        p->next = NULL;
        if (!one) {
            p->cb(p->ctx, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL);
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
}

static void s_batch_done(pg_txn_t *txn, bool ok, void *arg)
{
    batch_t *b = arg;
    intake_commit_t *self = b->owner;
    self->inflight--;
    if (!ok && !pg_txn_connection_lost(txn) && !b->single && b->count > 1) {
        char what[64];
        snprintf(what, sizeof(what), "insert a batch of %d cases (retrying one by one)",
                 b->count);
        intake_problem_of_txn(txn, INTAKE_PROBLEM_WRITE, what);
        s_retry_singly(self, b);
        return;
    }
    /* The next batch first: PostgreSQL commits it while this one is answered. */
    s_flush(self, true);
    /* One mapping of PostgreSQL's refusal for all, logged once. */
    const intake_problem_t *problem =
        ok ? NULL : intake_problem_of_txn(txn, INTAKE_PROBLEM_WRITE, "insert case");
    intake_outcome_t failed = problem && problem->status == 503 ? INTAKE_UNAVAILABLE
                                                                : INTAKE_FAILED;
    if (ok) {
        s_relay_created(b, txn, self);
        b->number_col = PQfnumber(pg_txn_result(txn, b->insert_stmt), "outbox_case_number");
    }
    for (pending_t *p = b->items, *next; p; p = next) {
        next = p->next;
        if (ok)
            s_answer(p, b, txn);
        else
            p->cb(p->ctx, failed, NULL, NULL, problem);
        s_pending_free(p);
    }
    free(b);
}

static void s_send_batch(intake_commit_t *self, batch_t *b)
{
    pg_txn_t *txn = pg_txn_new();
    bool built = txn != NULL && s_add(txn, b) >= 0;
    if (!built) {
        pg_txn_destroy(&txn);
        for (pending_t *p = b->items, *next; p; p = next) {
            next = p->next;
            p->cb(p->ctx, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL);
            s_pending_free(p);
        }
        free(b);
        return;
    }
    self->inflight++;
    pg_txn_submit(self->pg, &txn, s_batch_done, b);
}

/* The group commit's window adapts to the database, without a timer: a
 * submission that finds no batch in flight goes out at once (at the end of
 * the loop turn that read it, with what else that turn read), so a lone
 * case waits for nothing; while a batch is in flight submissions queue, and
 * when it commits they all go out as the next batch, sent before the
 * committed one is answered. So a batch holds what arrived during one
 * commit: few cases when commits are quick, many in a burst or while the
 * database is slow, each paying one commit's fixed cost (the WAL flush, and
 * under load the wait for a CPU), which is most of a small batch's time.
 * The intake statements of a batch draw the day's case numbers, so two
 * batches commit one after the other whatever the connections: a second
 * batch pipelined behind the first as soon as one case came (as intake did
 * before) was mostly one case that took a commit of its own while the
 * queue behind it waited for both (open loop at 300 cases/s, load 13:
 * intake p50 113-242 ms, p99 398-489 ms; one batch in flight: p50 58-75 ms,
 * p99 153-185 ms). A second batch is pipelined only behind a full queue
 * (max_batch cases waiting): then the database is the bottleneck, and the
 * round trip between two commits is worth saving. */
static bool s_may_send(const intake_commit_t *self)
{
    return self->head && (self->inflight == 0 || (self->inflight < INTAKE_MAX_INFLIGHT &&
                                                  self->queued >= self->max_batch));
}

/* may_wait: the queue may wait for more (the gather window), when nothing
 * is in flight and it is not full. */
static void s_flush(intake_commit_t *self, bool may_wait)
{
    if (may_wait && self->inflight == 0 && self->head) {
        int64_t wait_us = gather_wait_us(&self->gather, clock_mono_us(), self->queued);
        if (wait_us > 0) {
            if (!evtimer_pending(self->gather_ev, NULL)) {
                struct timeval tv = {wait_us / 1000000, wait_us % 1000000};
                evtimer_add(self->gather_ev, &tv);
            }
            return;
        }
    }
    if (self->inflight == 0)
        evtimer_del(self->gather_ev);
    while (s_may_send(self)) {
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
            self->queued--;
        }
        if (!self->head)
            self->tail = NULL;
        s_send_batch(self, b);
    }
}

static void s_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    s_flush(arg, true);
}

static void s_gathered_cb(evutil_socket_t fd, short what, void *arg)
{
    s_flush(arg, false);
}

int intake_commit_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_claim_keys", s_claim_sql) |
           pg_prepare(pg, "intake_insert_cases", s_insert_sql) |
           pg_prepare(pg, "intake_insert_plain", s_insert_plain_sql) |
           pg_prepare(pg, "intake_lookup", s_lookup_sql);
}

intake_commit_t *intake_commit_new(struct event_base *base, pg_t *pg, outbox_relay_t *relay,
                                   const fingerprint_t *fingerprint, int max_batch, int max_waiting)
{
    intake_commit_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->relay = relay;
    self->fingerprint = fingerprint;
    self->max_batch = max_batch > 0 ? max_batch : 1;
    self->max_waiting = max_waiting > 0 ? max_waiting : 1;
    gather_init(&self->gather, 0, INTAKE_GATHER_TARGET, INTAKE_GATHER_GAIN);
    gather_callers_wait(&self->gather);
    self->flush_ev = event_new(base, -1, 0, s_flush_cb, self);
    self->gather_ev = evtimer_new(base, s_gathered_cb, self);
    if (!self->flush_ev || !self->gather_ev) {
        if (self->flush_ev)
            event_free(self->flush_ev);
        if (self->gather_ev)
            event_free(self->gather_ev);
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
        p->cb(p->ctx, INTAKE_UNAVAILABLE, NULL, NULL, &INTAKE_PROBLEM_UNAVAILABLE);
        s_pending_free(p);
    }
    event_free(self->flush_ev);
    event_free(self->gather_ev);
    free(self);
    *self_p = NULL;
}

int intake_commit_waiting(const intake_commit_t *self)
{
    return self ? self->waiting : 0;
}

void intake_commit_submit(intake_commit_t *self, intake_submission_t **sub_p,
                          intake_commit_cb cb, void *ctx)
{
    if (self->waiting >= self->max_waiting) {
        intake_submission_destroy(sub_p);
        cb(ctx, INTAKE_UNAVAILABLE, NULL, NULL, &INTAKE_PROBLEM_BUSY);
        return;
    }
    pending_t *p = calloc(1, sizeof(*p));
    if (!p) {
        intake_submission_destroy(sub_p);
        cb(ctx, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    p->owner = self;
    self->waiting++;
    p->sub = *sub_p;
    *sub_p = NULL;
    p->cb = cb;
    p->ctx = ctx;
    if (s_pack_body(p) < 0) {
        s_pending_free(p);
        cb(ctx, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    gather_arrived_among(&self->gather, clock_mono_us(), self->queued, self->waiting - 1);
    if (self->tail)
        self->tail->next = p;
    else
        self->head = p;
    self->tail = p;
    self->queued++;
    /* Flush on the next loop turn, so requests read in this turn share it. */
    event_active(self->flush_ev, 0, 0);
}

void intake_commit_gather_window(intake_commit_t *self, int ms)
{
    gather_init(&self->gather, ms, INTAKE_GATHER_TARGET, INTAKE_GATHER_GAIN);
    gather_callers_wait(&self->gather);
}
