/* Group commit of new cases; see intake_commit.h. */
#include "intake_commit.h"

#include "intake.h"

#include "duban.pb-c.h"
#include "fingerprint.h"
#include "log.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define INTAKE_MAX_INFLIGHT 2

static const char *s_claim_key_sql =
    "INSERT INTO idempotency_keys (scope, key, request_sha256) VALUES ($1, $2, decode($3, 'hex'))"
    " ON CONFLICT (scope, key) DO NOTHING";

/* Case number: "DB" + date (China time) + that day's counter, from
 * case_number_next() (deploy/schema/011_case_numbers.sql). It carries no personal
 * data; the query code (kept only as a hash) unlocks the public status page.
 * The case is inserted only when its idempotency key (if any) was claimed by
 * this transaction for this body, and only once per external reference. */
static const char *s_insert_sql =
    "WITH c AS ("
    " INSERT INTO cases (case_number, query_code_sha256, channel, kind, category, lead_hint,"
    "  subject, description, requester_name, requester_phone, requester_email,"
    "  requester_anonymous, callback_phone, place, enterprise, product, latitude, longitude,"
    "  external_ref, source, first_responder, recorded_by, flagged, created_at, updated_at,"
    "  confidential, priority)"
    " SELECT case_number_next(coalesce($22::timestamptz, now())),"
    "  sha256(convert_to($1, 'UTF8')), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::boolean, $12,"
    "  $13, $14, $15, $16::float8, $17::float8, $18, $19, $20, nullif($21, ''),"
    "  EXISTS (SELECT 1 FROM watchlist w WHERE w.removed_at IS NULL AND ("
    "   (w.kind = 'phone' AND w.value IN ($9, $12)) OR (w.kind = 'email' AND w.value = $10)"
    "   OR (w.kind = 'ip' AND w.value = $23))),"
    "  coalesce($22::timestamptz, now()), coalesce($22::timestamptz, now()), $28::boolean,"
    "  coalesce($30, 'normal')"
    " WHERE ($24 = '' OR EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.scope = $24"
    "   AND k.key = $25 AND k.case_id IS NULL AND k.request_sha256 = decode($26, 'hex')))"
    " ON CONFLICT (external_ref) DO NOTHING"
    " RETURNING id, case_number, state, created_at, flagged),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail, at)"
    "  SELECT id, 'received', $20, jsonb_strip_nulls(jsonb_build_object('channel', $2::text,"
    "   'source', $19::text, 'recorded_by', nullif($21, ''), 'flagged', nullif(flagged, false))),"
    "   created_at FROM c),"
    " ph AS (INSERT INTO case_photos (case_id, file_id, content_type, bytes, width, height, sha256)"
    "  SELECT c.id, p.file_id, p.content_type, p.bytes, p.width, p.height, decode(p.sha256, 'hex')"
    "  FROM c, jsonb_to_recordset(coalesce($29::jsonb, '[]'::jsonb)) AS p(file_id text,"
    "   content_type text, bytes integer, width integer, height integer, sha256 text)),"
    " o AS (" OUTBOX_INSERT("'intake'", "'triage'", "NULL", OUTBOX_MSG(CASE_RECEIVED), "id",
                            "case_number", "NULL", "$27::bytea", OUTBOX_CLAIMED)
    "  FROM c RETURNING " OUTBOX_ROW_COLUMNS "),"
    " r AS (SELECT id, jsonb_build_object('case_number', case_number, 'query_code', $1::text,"
    "  'state', state, 'first_responder', $20::text, 'channel', $2::text, 'kind', $3::text,"
    "  'received_at', to_char(created_at AT TIME ZONE 'Asia/Shanghai',"
    "   'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')) AS response FROM c),"
    " k AS (UPDATE idempotency_keys SET case_id = r.id, response = r.response - 'query_code'"
    "  FROM r"
    "  WHERE scope = $24 AND key = $25)"
    " SELECT r.response::text AS response, o.* FROM r LEFT JOIN o ON true";

/* After the insert, in the same transaction: what the key already answered.
 * The query code was shown once, in the first answer; it is not kept, so a
 * retry learns the case number and that the code is not shown again. */
static const char *s_replay_sql =
    "SELECT coalesce((response - 'query_code' || jsonb_build_object('query_code', NULL::text,"
    "  'query_code_notice', '" INTAKE_QUERY_CODE_NOTICE "'))::text, ''),"
    " request_sha256 = decode($3, 'hex')"
    " FROM idempotency_keys WHERE scope = $1 AND key = $2";

static const char *s_by_ref_sql =
    "SELECT jsonb_build_object('case_number', case_number, 'state', state,"
    " 'already_imported', true)::text FROM cases WHERE external_ref = $1";

typedef struct pending {
    struct intake_commit *owner;
    intake_submission_t *sub;
    uint8_t *body;
    size_t body_len;
    intake_commit_cb cb;
    void *ctx;
    int first_stmt; /* index of this submission's first statement in its batch */
    struct pending *next;
} pending_t;

typedef struct batch {
    struct intake_commit *owner;
    pending_t *items;
    int count;
    bool single; /* a retry of one case after its batch failed */
} batch_t;

struct intake_commit {
    pg_t *pg;
    outbox_relay_t *relay;
    const fingerprint_t *fingerprint;
    struct event *flush_ev;
    int max_batch;
    int max_waiting;
    int waiting; /* submissions queued or in a batch in flight */
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

/* Adds p's statements: [claim key] insert [replay] [by reference]. */
static int s_add(pg_txn_t *txn, pending_t *p)
{
    const intake_submission_t *s = p->sub;
    const intake_request_t *r = s->req;
    p->first_stmt = pg_txn_count(txn);
    if (s->idem_scope[0]) {
        pg_param_t key[3] = {PG_TEXT(s->idem_scope), PG_TEXT(s->idem_key),
                             PG_TEXT(s->request_sha256)};
        if (pg_txn_add(txn, true, "intake_claim_key", 3, key) < 0)
            return -1;
    }
    pg_param_t params[30] = {
        PG_TEXT(s->query_code),       PG_TEXT(r->channel),
        PG_TEXT(r->kind),             PG_TEXT(r->category),
        PG_TEXT(r->division),         PG_TEXT(r->subject),
        PG_TEXT(r->description),      PG_TEXT(r->requester_name),
        PG_TEXT(r->requester_phone),  PG_TEXT(r->requester_email),
        PG_TEXT(r->anonymous ? "true" : "false"),
        PG_TEXT(r->callback_phone),   PG_TEXT(r->place),
        PG_TEXT(r->enterprise),       PG_TEXT(r->product),
        PG_TEXT(r->latitude),         PG_TEXT(r->longitude),
        PG_TEXT(r->external_ref),     PG_TEXT(s->source),
        PG_TEXT(r->first_responder),  PG_TEXT(s->recorded_by),
        PG_TEXT(r->received_at),      PG_TEXT(s->peer),
        PG_TEXT(s->idem_scope),       PG_TEXT(s->idem_key),
        PG_TEXT(s->request_sha256),   PG_BINARY(p->body, p->body_len),
        PG_TEXT(r->confidential ? "true" : "false"),
        PG_TEXT(s->photos_json),
        PG_TEXT(r->priority),
    };
    if (pg_txn_add(txn, true, "intake_insert_case", 30, params) < 0)
        return -1;
    if (s->idem_scope[0]) {
        pg_param_t key[3] = {PG_TEXT(s->idem_scope), PG_TEXT(s->idem_key),
                             PG_TEXT(s->request_sha256)};
        if (pg_txn_add(txn, true, "intake_replay", 3, key) < 0)
            return -1;
    }
    if (r->external_ref) {
        pg_param_t ref[1] = {PG_TEXT(r->external_ref)};
        if (pg_txn_add(txn, true, "intake_by_ref", 1, ref) < 0)
            return -1;
    }
    return 0;
}

/* Reads p's outcome from the committed transaction's results; a new case's
 * message to triage (written claimed) goes out before the answer. */
static void s_answer(pending_t *p, pg_txn_t *txn, outbox_relay_t *relay)
{
    int i = p->first_stmt + (p->sub->idem_scope[0] ? 1 : 0);
    PGresult *inserted = pg_txn_result(txn, i++);
    if (PQntuples(inserted) == 1) {
        outbox_relay_send_claimed(relay, inserted, 0);
        p->cb(p->ctx, INTAKE_CREATED, PQgetvalue(inserted, 0, PQfnumber(inserted, "response")),
              NULL);
        return;
    }
    if (p->sub->idem_scope[0]) {
        PGresult *replay = pg_txn_result(txn, i++);
        if (PQntuples(replay) == 1 && strcmp(PQgetvalue(replay, 0, 1), "f") == 0) {
            p->cb(p->ctx, INTAKE_CONFLICT, NULL, &INTAKE_PROBLEM_KEY_REUSED);
            return;
        }
        if (PQntuples(replay) == 1 && PQgetvalue(replay, 0, 0)[0]) {
            p->cb(p->ctx, INTAKE_REPLAYED, PQgetvalue(replay, 0, 0), NULL);
            return;
        }
    }
    if (p->sub->req->external_ref) {
        PGresult *ref = pg_txn_result(txn, i);
        if (PQntuples(ref) == 1) {
            p->cb(p->ctx, INTAKE_ALREADY_IMPORTED, PQgetvalue(ref, 0, 0), NULL);
            return;
        }
    }
    log_error("could not insert case: it was neither created nor found", "source=%s",
              p->sub->source);
    p->cb(p->ctx, INTAKE_FAILED, NULL, &INTAKE_PROBLEM_INTERNAL);
}

static void s_send_batch(intake_commit_t *self, batch_t *b);

static void s_retry_singly(intake_commit_t *self, batch_t *b)
{
    pending_t *p = b->items;
    while (p) {
        pending_t *next = p->next;
        batch_t *one = calloc(1, sizeof(*one));
        p->next = NULL;
        if (!one) {
            p->cb(p->ctx, INTAKE_FAILED, NULL, &INTAKE_PROBLEM_INTERNAL);
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
    /* One mapping of PostgreSQL's refusal for all, logged once. */
    const intake_problem_t *problem =
        ok ? NULL : intake_problem_of_txn(txn, INTAKE_PROBLEM_WRITE, "insert case");
    intake_outcome_t failed = problem && problem->status == 503 ? INTAKE_UNAVAILABLE
                                                                : INTAKE_FAILED;
    for (pending_t *p = b->items, *next; p; p = next) {
        next = p->next;
        if (ok)
            s_answer(p, txn, self->relay);
        else
            p->cb(p->ctx, failed, NULL, problem);
        s_pending_free(p);
    }
    free(b);
    if (self->head)
        event_active(self->flush_ev, 0, 0);
}

static void s_send_batch(intake_commit_t *self, batch_t *b)
{
    pg_txn_t *txn = pg_txn_new();
    bool built = txn != NULL;
    for (pending_t *p = b->items; built && p; p = p->next)
        built = s_add(txn, p) >= 0;
    if (!built) {
        pg_txn_destroy(&txn);
        for (pending_t *p = b->items, *next; p; p = next) {
            next = p->next;
            p->cb(p->ctx, INTAKE_FAILED, NULL, &INTAKE_PROBLEM_INTERNAL);
            s_pending_free(p);
        }
        free(b);
        return;
    }
    self->inflight++;
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
    return pg_prepare(pg, "intake_claim_key", s_claim_key_sql) |
           pg_prepare(pg, "intake_insert_case", s_insert_sql) |
           pg_prepare(pg, "intake_replay", s_replay_sql) |
           pg_prepare(pg, "intake_by_ref", s_by_ref_sql);
}

intake_commit_t *intake_commit_new(struct event_base *base, pg_t *pg, outbox_relay_t *relay,
                                   const fingerprint_t *fingerprint, int max_batch,
                                   int max_waiting)
{
    intake_commit_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->relay = relay;
    self->fingerprint = fingerprint;
    self->max_batch = max_batch > 0 ? max_batch : 1;
    self->max_waiting = max_waiting > 0 ? max_waiting : 1;
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
        p->cb(p->ctx, INTAKE_UNAVAILABLE, NULL, &INTAKE_PROBLEM_UNAVAILABLE);
        s_pending_free(p);
    }
    event_free(self->flush_ev);
    free(self);
    *self_p = NULL;
}

void intake_commit_submit(intake_commit_t *self, intake_submission_t **sub_p,
                          intake_commit_cb cb, void *ctx)
{
    if (self->waiting >= self->max_waiting) {
        intake_submission_destroy(sub_p);
        cb(ctx, INTAKE_UNAVAILABLE, NULL, &INTAKE_PROBLEM_BUSY);
        return;
    }
    pending_t *p = calloc(1, sizeof(*p));
    if (!p) {
        intake_submission_destroy(sub_p);
        cb(ctx, INTAKE_FAILED, NULL, &INTAKE_PROBLEM_INTERNAL);
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
        cb(ctx, INTAKE_FAILED, NULL, &INTAKE_PROBLEM_INTERNAL);
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
