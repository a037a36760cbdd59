/* Group commit for new cases: submissions that arrive together are written
 * in one PostgreSQL transaction, in one multi-row statement (case rows,
 * their numbers drawn at once, "received" events, outbox rows for triage),
 * and each is answered only after that commit.
 *
 * While a batch is in flight new submissions wait; when it commits they go
 * out as the next batch, so batches grow with load and a lone request waits
 * for no window (a second batch is pipelined only behind a full queue; see
 * s_may_send). If a batch fails on a statement (not on the
 * connection), its cases are retried one per transaction so that one bad
 * case cannot refuse the others.
 *
 * Retries are safe: a submission with an idempotency key claims the key in
 * the same transaction as the case, so the key maps to exactly one case and
 * a retry gets the first response again, without the query code (another
 * body under the same key is a conflict); a submission with an external
 * reference (imports) creates at most one case per reference.
 *
 * The query code leaves intake once, in the first answer: cases keep its
 * hash and idempotency keys the answer without it, so a replayed answer
 * says instead that the code is shown only once. */
#ifndef DUBAN_INTAKE_COMMIT_H
#define DUBAN_INTAKE_COMMIT_H

#include "fingerprint.h"
#include "handoff.h"
#include "intake_problem.h"
#include "intake_request.h"
#include "outbox.h"
#include "pg.h"

struct event_base;

typedef struct intake_commit intake_commit_t;

/* What a replayed answer says instead of the query code. */
#define INTAKE_QUERY_CODE_NOTICE                                                                   \
    "查询码只在首次受理时显示一次，重复提交不再显示；如已遗失，请凭案件编号拨打受理热线"

typedef struct {
    intake_request_t *req;  /* owned by the submission */
    char query_code[16];
    char recorded_by[48];   /* staff who entered it; "" for the public */
    char source[64];        /* "api", "web-form", "open311:<client>", "import" */
    char peer[64];          /* client address, matched against the watch list */
    char idem_scope[64];    /* "" when no idempotency key was given; "staff:<code>", or
                               "public:<hash of the client's address>" */
    char idem_key[128];
    char request_sha256[65];
    char *photos_json;      /* the report form's stored photos (intake_photo_store_json), or NULL */
} intake_submission_t;

typedef enum {
    INTAKE_CREATED,          /* 201: response is the new case */
    INTAKE_REPLAYED,         /* 201 again: response is the first answer to this key */
    INTAKE_CONFLICT,         /* 409: the key was used with another body */
    INTAKE_ALREADY_IMPORTED, /* 200: response names the case of this external_ref */
    INTAKE_UNAVAILABLE,      /* 503: the database could not be reached */
    INTAKE_FAILED,           /* the database refused the case: problem says how to answer */
} intake_outcome_t;

/* Called once per submission. response is JSON text for CREATED, REPLAYED
 * and ALREADY_IMPORTED (NULL otherwise), PostgreSQL's own; case_number is
 * the new case's for CREATED (NULL otherwise: it is in response), so that
 * the answer is sent without being parsed; problem is what to answer for
 * the other outcomes (NULL for those three), never PostgreSQL's text. All
 * are valid during the call. */
typedef void (*intake_commit_cb)(void *ctx, intake_outcome_t outcome, const char *response,
                                 const char *case_number, const intake_problem_t *problem);

/* Registers the statements it needs with pg (call before the loop runs). */
int intake_commit_prepare(pg_t *pg);

/* fingerprint (borrowed) makes the requester fingerprint each CaseReceived
 * carries to triage; relay sends it (and its hand-off writes it to the
 * outbox when the socket does not take it: outbox_relay_handoff), a batch's
 * messages together. At most max_waiting submissions wait for a commit
 * (queued or in flight); beyond, a submission is answered INTAKE_UNAVAILABLE
 * at once, so that a database that stalls holds a bounded number of clients
 * and memory. */
intake_commit_t *intake_commit_new(struct event_base *base, pg_t *pg, outbox_relay_t *relay,
                                   const fingerprint_t *fingerprint, int max_batch,
                                   int max_waiting);

/* While cases keep coming in, a batch that could go waits up to ms (0, the
 * default: never) for more (gather.h), so that each statement's fixed cost
 * is shared by more cases. */
void intake_commit_gather_window(intake_commit_t *self, int ms);

/* Fails what is still waiting (callbacks with INTAKE_UNAVAILABLE) and frees. */
void intake_commit_destroy(intake_commit_t **self_p);

/* Queues a submission; takes ownership of *sub_p (and of its request). */
void intake_commit_submit(intake_commit_t *self, intake_submission_t **sub_p,
                          intake_commit_cb cb, void *ctx);

/* Submissions waiting for their commit (queued or in a batch in flight). */
int intake_commit_waiting(const intake_commit_t *self);

/* Frees a submission that was never submitted. */
void intake_submission_destroy(intake_submission_t **sub_p);

#endif
