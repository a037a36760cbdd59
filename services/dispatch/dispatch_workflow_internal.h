/* What dispatch_workflow.c (checking the request, authenticating, reading
 * the context and asking the rules) shares with dispatch_workflow_apply.c
 * (what an allowed step does and its outcome). Not for use outside the
 * workflow. */
#ifndef DUBAN_DISPATCH_WORKFLOW_INTERNAL_H
#define DUBAN_DISPATCH_WORKFLOW_INTERNAL_H

#include "dispatch_rules.h"
#include "dispatch_workflow.h"

#include <stddef.h>
#include <stdint.h>

struct dispatch_workflow {
    redis_t *redis;
    const fingerprint_t *fingerprint;
    char prefix[64];
    char window_s[16];
    pg_t *pg;
    const org_t *org;
    auth_t *auth;
    dispatch_deadline_t *deadline;
    outbox_relay_t *relay;
};

/* One action on its way from request to answer, owned by the callbacks in
 * turn until dispatch_workflow_finish frees it. */
typedef struct {
    dispatch_workflow_t *wf;
    Duban__TaskAction *action;
    dispatch_workflow_cb cb;
    void *arg;
    auth_identity_t who;
    dispatch_context_t ctx;
    dispatch_step_t step;
    uint8_t *notice;
    size_t notice_len;
    uint8_t *dispatched;
    size_t dispatched_len;
    char new_division[64];
    char created_number[32]; /* create-workitem: the item's case number */
    int64_t problem_id;      /* file-problem, review-problem */
} run_t;

/* Answers the run's action with the step's outcome and frees the run: every
 * path ends here exactly once. */
void dispatch_workflow_finish(run_t *r, int status, const char *case_state, const char *task_state,
                              int64_t new_task, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Applies a step the rules allowed on r->ctx and finishes the run. */
void dispatch_workflow_apply(run_t *r);

#endif
