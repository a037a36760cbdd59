/* The division workflow's engine: takes a TaskAction (from a console or
 * from intake's HTTP API), authenticates who acts, reads the case and the
 * task concerned, checks the rules (dispatch_rules), computes deadlines of
 * new or moved tasks, applies the step in one guarded transaction
 * (dispatch_apply) and answers with an ActionResult. */
#ifndef DUBAN_DISPATCH_WORKFLOW_H
#define DUBAN_DISPATCH_WORKFLOW_H

#include "auth.h"
#include "dispatch_deadline.h"
#include "duban.pb-c.h"
#include "org.h"
#include "outbox.h"
#include "pg.h"
#include "fingerprint.h"
#include "redis.h"

typedef struct dispatch_workflow dispatch_workflow_t;

/* Called once per action with its result (valid during the call). */
typedef void (*dispatch_workflow_cb)(const Duban__ActionResult *result, void *arg);

int dispatch_workflow_prepare(pg_t *pg);

/* All borrowed. */
dispatch_workflow_t *dispatch_workflow_new(pg_t *pg, const org_t *org, auth_t *auth,
                                           dispatch_deadline_t *deadline, outbox_relay_t *relay);
void dispatch_workflow_destroy(dispatch_workflow_t **self_p);

/* Lets manual triage record the requester's fingerprint in Redis (key
 * <prefix>dup:<fingerprint>:<category>, TTL window_s) as triage does, so a
 * repeat of a manually triaged case is recognised too. redis and
 * fingerprint borrowed. */
void dispatch_workflow_use_redis(dispatch_workflow_t *self, redis_t *redis,
                                 const fingerprint_t *fingerprint, const char *prefix,
                                 long window_s);

/* Runs action (ownership taken; freed when done) and calls cb once. */
void dispatch_workflow_handle(dispatch_workflow_t *self, Duban__TaskAction **action_p,
                              dispatch_workflow_cb cb, void *arg);

#endif
