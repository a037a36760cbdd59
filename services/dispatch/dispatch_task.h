/* Turning a triaged case into tasks: the statements dispatch runs for one
 * CaseTriaged message, and what it does once they committed. */
#ifndef DUBAN_DISPATCH_TASK_H
#define DUBAN_DISPATCH_TASK_H

#include "bus.h"
#include "dispatch_deadline.h"
#include "org.h"
#include "pg.h"

/* Registers the statements with pg. */
int dispatch_task_prepare(pg_t *pg);

/* What a batch of CaseTriaged messages will write, gathered message by
 * message, then added to the transaction as two multi-row statements. */
typedef struct dispatch_batch dispatch_batch_t;

dispatch_batch_t *dispatch_batch_new(void);
void dispatch_batch_destroy(dispatch_batch_t **self_p);

/* Gathers env (a CASE_TRIAGED envelope) into batch: the guarded transition
 * triaged -> dispatched with the lead task, and a task for each co-handling
 * division. Each task gets a "dispatched" event and an outbox row for the
 * division's console. Deadlines follow the SLA policy from now. Returns 0,
 * or -1 when the message cannot be routed (nothing gathered; why says why,
 * in at most why_len bytes). */
int dispatch_task_gather(const org_t *org, const dispatch_deadline_t *deadline,
                         dispatch_batch_t *batch, const Duban__Envelope *env, char *why,
                         size_t why_len);

/* Adds what batch gathered to txn (the lead tasks' statement first, then
 * the co-handling tasks' when there are any) and empties batch. Returns the
 * lead tasks' statement's index (its result has a row per message), or -1
 * (out of memory). */
int dispatch_task_flush(dispatch_batch_t *batch, pg_txn_t *txn);

/* Result columns of the first statement, a row per message in the order
 * gathered: acked (0/1), moved (0/1), lead task id (NULL when nothing
 * moved), lead division; then the lead task's message, written claimed
 * (OUTBOX_ROW_COLUMNS, found by name). */
enum { DISPATCH_COL_ACKED, DISPATCH_COL_MOVED, DISPATCH_COL_TASK, DISPATCH_COL_DIVISION };

#endif
