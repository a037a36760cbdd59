/* Workflow steps over HTTP: POST /api/v1/cases/{number}/steps/{step} with a
 * JSON body, forwarded with the caller's bearer token to dispatch's console
 * endpoint (the same TaskAction a division console sends), and answered
 * with dispatch's result: 200 with the new states, or the status and the
 * rule that refused the step. dispatch authenticates and authorises. */
#ifndef DUBAN_INTAKE_STEPS_H
#define DUBAN_INTAKE_STEPS_H

#include "intake.h"

struct event_base;

typedef struct intake_steps intake_steps_t;

/* Connects a DEALER to endpoint (dispatch.console). NULL on failure. */
intake_steps_t *intake_steps_new(struct event_base *base, void *zctx, intake_t *in,
                                 const char *endpoint);

/* Answers what is still waiting with 503 and frees. */
void intake_steps_destroy(intake_steps_t **self_p);

/* Handles one step request; step is the last path segment. With
 * case_number NULL, a work item to create (step create-workitem, the body
 * read by intake_workitem.h). */
void intake_steps_handle(intake_steps_t *self, struct evhttp_request *req,
                         const char *case_number, const char *step);

/* POST /api/v1/problems/{id}/review: {"accept": false, "text": reason} or
 * {"accept": true, "text": ..., "rectification": {work item JSON with
 * "responsible_staff" and "measure"}}. */
void intake_steps_review_problem(intake_steps_t *self, struct evhttp_request *req,
                                 int64_t problem_id);

#endif
