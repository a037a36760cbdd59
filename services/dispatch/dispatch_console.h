/* The division console endpoint: a ROUTER socket where a console says hello
 * (ConsoleHello) and gets the snapshot of its division's pending tasks from
 * PostgreSQL (ConsoleSnapshot). Live tasks reach consoles over the PUB socket
 * fed by the outbox relay; a console subscribes first, then asks for the
 * snapshot, and drops live tasks it already has (zguide's Clone pattern). */
#ifndef DUBAN_DISPATCH_CONSOLE_H
#define DUBAN_DISPATCH_CONSOLE_H

#include "org.h"
#include "pg.h"

struct event_base;

typedef struct dispatch_console dispatch_console_t;

int dispatch_console_prepare(pg_t *pg);

dispatch_console_t *dispatch_console_new(struct event_base *base, void *zctx, pg_t *pg,
                                         const org_t *org, const char *endpoint);

void dispatch_console_destroy(dispatch_console_t **self_p);

#endif
