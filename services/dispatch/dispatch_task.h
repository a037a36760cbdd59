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

/* Adds the statements for env (a CASE_TRIAGED envelope) to txn: the guarded
 * transition triaged -> dispatched with the lead task, then one statement per
 * co-handling division. Each task gets a "dispatched" event and an outbox row
 * for the division's console. Deadlines follow the SLA policy from now.
 * Returns the number of statements, or -1 when the message cannot be routed
 * (nothing added; why says why, in at most why_len bytes). */
int dispatch_task_build(const org_t *org, const dispatch_deadline_t *deadline, pg_txn_t *txn,
                        const Duban__Envelope *env, char *why, size_t why_len);

/* Result columns of the first statement: acked (0/1), moved (0/1), lead task
 * id (NULL when nothing moved), lead division; then the lead task's message,
 * written claimed (OUTBOX_ROW_COLUMNS, found by name). */
enum { DISPATCH_COL_ACKED, DISPATCH_COL_MOVED, DISPATCH_COL_TASK, DISPATCH_COL_DIVISION };

#endif
