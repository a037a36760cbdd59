/* The console endpoint of dispatch: a ROUTER socket where division
 * consoles and intake's HTTP API talk to the workflow. A request is two
 * frames after the peer's identity: a type ("hello" or "action") and a
 * protobuf (ConsoleHello or TaskAction); the answer is "snapshot" with a
 * ConsoleSnapshot of the division's open tasks (from PostgreSQL), or
 * "result" with an ActionResult. Live tasks reach consoles over the PUB
 * socket fed by the outbox relay; a console subscribes first, then asks for
 * the snapshot, and drops live tasks it already has (zguide's Clone
 * pattern). Both requests carry the staff member's token: a division sees
 * only its own tasks. */
#ifndef DUBAN_DISPATCH_CONSOLE_H
#define DUBAN_DISPATCH_CONSOLE_H

#include "auth.h"
#include "dispatch_workflow.h"
#include "org.h"
#include "pg.h"

struct event_base;

typedef struct dispatch_console dispatch_console_t;

int dispatch_console_prepare(pg_t *pg);

/* All borrowed. */
dispatch_console_t *dispatch_console_new(struct event_base *base, void *zctx, pg_t *pg,
                                         const org_t *org, auth_t *auth,
                                         dispatch_workflow_t *workflow, const char *endpoint);

void dispatch_console_destroy(dispatch_console_t **self_p);

#endif
