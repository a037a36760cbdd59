/* Reading a workflow step's context (dispatch_context_t) from PostgreSQL:
 * the case, and the task the step concerns. One statement for dispatch,
 * which decides a step with it, and for intake, which asks the same rules
 * which steps a viewer may take now (the case page's buttons), so the two
 * cannot disagree. */
#ifndef DUBAN_DISPATCH_CONTEXT_H
#define DUBAN_DISPATCH_CONTEXT_H

#include "dispatch_rules.h"
#include "pg.h"

#define DISPATCH_CONTEXT_STMT "workflow_context"

/* Registers DISPATCH_CONTEXT_STMT: $1 case number, $2 task id (0: choose),
 * $3 the actor's division, $4 true to choose the task with an extension
 * waiting (decide-extension). One row, or none when no case has the number. */
int dispatch_context_prepare(pg_t *pg);

/* Fills c from row 0 of the statement's result. */
void dispatch_context_read(dispatch_context_t *c, PGresult *res);

#endif
