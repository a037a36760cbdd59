/* Group commit for new cases: submissions that arrive together are written
 * in one PostgreSQL transaction (case row, "received" event and outbox row
 * for triage per case), and each is answered only after that commit.
 *
 * While a batch is in flight new submissions wait; when it completes they go
 * out as the next batch, so batches grow with load and a lone request waits
 * no longer than one round trip. If a batch fails on a statement (not on the
 * connection), its cases are retried one per transaction so that one bad
 * case cannot refuse the others. */
#ifndef DUBAN_INTAKE_COMMIT_H
#define DUBAN_INTAKE_COMMIT_H

#include "intake_request.h"
#include "outbox.h"
#include "pg.h"

#include <stdint.h>

struct event_base;

typedef struct intake_commit intake_commit_t;

typedef struct {
    int64_t id;
    const char *case_number;
    const char *state;
    int64_t created_us;
} intake_case_t;

/* Called once per submission. status is 201 (created: c is set), 503 (the
 * database is unreachable) or 500 (it refused the row: error says why). */
typedef void (*intake_commit_cb)(void *ctx, int status, const intake_case_t *c,
                                 const char *error);

/* Registers the statements it needs with pg (call before the loop runs). */
int intake_commit_prepare(pg_t *pg);

intake_commit_t *intake_commit_new(struct event_base *base, pg_t *pg, outbox_relay_t *relay,
                                   int max_batch);

/* Fails what is still waiting (callbacks with 503) and frees. */
void intake_commit_destroy(intake_commit_t **self_p);

/* Queues a submission; takes ownership of *req_p. query_code is copied. */
void intake_commit_submit(intake_commit_t *self, intake_request_t **req_p, const char *query_code,
                          intake_commit_cb cb, void *ctx);

/* Forgets ctx: its callback will not be called (the client went away). */
void intake_commit_cancel(intake_commit_t *self, void *ctx);

#endif
