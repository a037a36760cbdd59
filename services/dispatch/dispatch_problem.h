/* The problem list (问题清单) in dispatch: filing a problem (idempotent on its
 * ref) and the inspection office's review, which rejects it with a reason
 * or accepts it by making its rectification item (整改事项), a work item of
 * source problem (dispatch_workitem_create), in the same statement. The
 * rules are dispatch_rules_workitem.c's. */
#ifndef DUBAN_DISPATCH_PROBLEM_H
#define DUBAN_DISPATCH_PROBLEM_H

#include "dispatch_workitem.h"

/* Called once: status as HTTP, the problem, the rectification item's case
 * number ("" for none) and what was done or why not. */
typedef void (*dispatch_problem_cb)(void *arg, int status, int64_t problem_id,
                                    const char *case_number, const char *message);

int dispatch_problem_prepare(pg_t *pg);

/* Files spec as who. All borrowed; cb called once. */
void dispatch_problem_file(pg_t *pg, const org_t *org, const auth_identity_t *who,
                           const Duban__ProblemSpec *spec, dispatch_problem_cb cb, void *arg);

/* Reviews problem_id as who: accepted with its rectification item
 * (rectification: lead division, person responsible, measure, deadline;
 * title and content default to the problem's), or rejected with reason.
 * pg, org, deadline, relay and who borrowed; rectification and reason are
 * copied when needed. cb called once. */
void dispatch_problem_review(pg_t *pg, const org_t *org, const dispatch_deadline_t *deadline,
                             outbox_relay_t *relay, const auth_identity_t *who,
                             int64_t problem_id, bool accept, const char *reason,
                             const Duban__WorkItemSpec *rectification, dispatch_problem_cb cb,
                             void *arg);

#endif
