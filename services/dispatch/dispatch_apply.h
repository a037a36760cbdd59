/* Applying a workflow step in PostgreSQL: one statement per step, whose
 * guards repeat the rules (state, window, arbitration), so that a step
 * refused by a race changes nothing. Each applied step writes its event
 * row and its notices (outbox, to the first responder, the divisions and
 * the inspection office) in the same statement. */
#ifndef DUBAN_DISPATCH_APPLY_H
#define DUBAN_DISPATCH_APPLY_H

#include "deadline.h"
#include "dispatch_rules.h"
#include "pg.h"

#include <stddef.h>
#include <stdint.h>

/* Deadlines of a task created now (or moved), microseconds UTC. */
typedef struct {
    int64_t response_due;
    int64_t completion_due;
    int64_t response_warn;
    int64_t completion_warn;
} dispatch_dues_t;

/* The four instants a task row keeps, from its clocks as they are now. */
void dispatch_dues_from(const deadline_task_t *t, dispatch_dues_t *out);

/* Everything a step's statement needs besides the context. */
typedef struct {
    const dispatch_context_t *ctx;
    const dispatch_step_t *step;
    const char *actor;          /* staff code */
    const uint8_t *notice;      /* packed CaseNotice for the first responder and others */
    size_t notice_len;
    const uint8_t *dispatched;  /* packed TaskDispatched for a new task, or NULL */
    size_t dispatched_len;
    const char *new_division;   /* division of a new task, or NULL */
    dispatch_dues_t dues;       /* a new task's deadlines, or the moved ones */
    deadline_change_t clocks;   /* what the step does to the task's clocks (deadline.h) */
    const char *priority;       /* triage: the priority decided */
    int64_t shift_us;           /* material-arrived: working time paused */
} dispatch_apply_t;

/* The notice to the first responder (topic $4, body $5) that every applied
 * step writes, as a CTE over the guarded transition g (needs outbox.h). */
#define DISPATCH_APPLY_NOTICE_FR                                                                   \
    " nf AS (" OUTBOX_INSERT("'dispatch'", "'console'", "$4", OUTBOX_MSG(CASE_NOTICE), "$1", "$6", \
                             "nullif($2::bigint, 0)", "$5::bytea", OUTBOX_UNCLAIMED) " FROM g)"

/* A step adds two statements: the step (columns: applied 0/1, new task id
 * or NULL, new task's division or NULL, then the clock states it recorded)
 * and then the states after it (columns: case state, task state or NULL). */
enum { APPLY_COL_APPLIED, APPLY_COL_NEW_TASK, APPLY_COL_NEW_DIVISION };
enum { APPLY_COL_CASE_STATE, APPLY_COL_TASK_STATE };
/* A manual triage adds a third: the requester's phone (for the keyed
 * fingerprint), category and case number (no row when the requester left no
 * phone). */
enum { APPLY_COL_FP_PHONE, APPLY_COL_FP_CATEGORY, APPLY_COL_FP_CASE_NUMBER };

int dispatch_apply_prepare(pg_t *pg);

/* Adds the step's statements to txn. Returns 0 / -1. */
int dispatch_apply_add(pg_txn_t *txn, const dispatch_apply_t *a);

/* For dispatch_apply_case.c: the case steps (and return), and the six
 * parameters every step shares ($1..$6, see dispatch_apply.c). */
int dispatch_apply_case_prepare(pg_t *pg);
int dispatch_apply_case_add(pg_txn_t *txn, const dispatch_apply_t *a, char (*buf)[32],
                            pg_param_t *p);
void dispatch_apply_common(const dispatch_apply_t *a, char (*buf)[32], pg_param_t *p);

/* Parameters $first..$first+3 of a step's clock record (DEADLINE_SQL_STEP),
 * written into buf[14..15]. */
void dispatch_apply_clocks(const dispatch_apply_t *a, char (*buf)[32], pg_param_t *p, int first);

#endif
