/* Supervised work items (督办事项) in dispatch: creating one (the case, its
 * tasks and their clocks, in one statement, without triage) and the step
 * statements of progress, complete, verify, ask-reassign and reassign
 * (dispatch_apply_workitem.c). The rules are dispatch_rules_workitem.c's;
 * deadlines are common/deadline.c's and the calendar's.
 *
 * Creating is idempotent on the item's ref: a creation sent again answers
 * the item made the first time and makes nothing. Everything is stamped
 * with the service clock's instant (clock.h), so a steered clock replays a
 * plan's year. */
#ifndef DUBAN_DISPATCH_WORKITEM_H
#define DUBAN_DISPATCH_WORKITEM_H

#include "auth.h"
#include "dispatch_apply.h"
#include "dispatch_deadline.h"
#include "duban.pb-c.h"
#include "org.h"
#include "outbox.h"
#include "pg.h"

/* Called once: status as HTTP, the item's case number ("" when none) and
 * what was done or why not. */
typedef void (*dispatch_workitem_cb)(void *arg, int status, const char *case_number,
                                     const char *message);

/* Registers the creation's and the steps' statements. Returns 0 / -1. */
int dispatch_workitem_prepare(pg_t *pg);
int dispatch_apply_workitem_prepare(pg_t *pg);

/* Creates the work item spec as who (allowed by the rules already). With
 * problem_id, the rectification item of that problem, accepted with
 * review_reason in the same statement (only while the problem is open). All
 * borrowed; cb is called once, maybe before this returns. */
void dispatch_workitem_create(pg_t *pg, const org_t *org, const dispatch_deadline_t *deadline,
                              outbox_relay_t *relay, const auth_identity_t *who,
                              const Duban__WorkItemSpec *spec, int64_t problem_id,
                              const char *review_reason, dispatch_workitem_cb cb, void *arg);

/* Adds a work-item step's statements to txn, in dispatch_apply_add's shape
 * (dispatch_apply.h: the step, then the states). at_us is the step's
 * instant. Returns 0 / -1. */
int dispatch_workitem_add(pg_txn_t *txn, const dispatch_apply_t *a, int64_t at_us);

#endif
