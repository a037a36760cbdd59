/* The inspection office's console endpoint: a ROUTER socket on
 * watch.console. A request is two frames after the peer's identity, a type
 * and a protobuf:
 *
 *   "alerts" + AlertsHello  ->  "snapshot" + AlertsSnapshot: the breach and
 *                               escalation alerts nobody acknowledged, from
 *                               PostgreSQL, oldest first (newest last);
 *   "ack" + AlertAck        ->  "result" + ActionResult: acknowledges the
 *                               alert (who, when, the decision taken), stops
 *                               its repeats, records an accountability
 *                               decision when one on the rung is given, and
 *                               announces the acknowledgement on the PUB;
 *                               with whole_task, also the task's older
 *                               unacknowledged breaches and escalations,
 *                               with the same decision, in one transaction
 *                               (a storm on one task is one decision).
 *
 * A snapshot echoes the hello's request_id, and a refused one carries its
 * status, so that intake's HTTP API can answer for it.
 *
 * Both need the token of an inspector or administrator. Anything malformed,
 * unauthenticated or from another role is answered with the reason (status
 * 400 / 401 / 403 in results, error in snapshots). Acknowledging twice is
 * answered 409 "already acknowledged", changing nothing. Live alerts reach
 * consoles over watch's PUB socket; a console subscribes first, then asks
 * for the snapshot, and drops what it already has (zguide's Clone). */
#ifndef DUBAN_WATCH_CONSOLE_H
#define DUBAN_WATCH_CONSOLE_H

#include "auth.h"
#include "outbox.h"
#include "pg.h"
#include "watch_sla.h"

struct event_base;

typedef struct watch_console watch_console_t;

int watch_console_prepare(pg_t *pg);

/* All borrowed; relay (may be NULL) is kicked after an acknowledgement. */
watch_console_t *watch_console_new(struct event_base *base, void *zctx, pg_t *pg, auth_t *auth,
                                   const watch_sla_t *sla, outbox_relay_t *relay,
                                   const char *endpoint);

void watch_console_destroy(watch_console_t **self_p);

/* Requests refused as malformed, for health reports. */
unsigned long watch_console_rejected(const watch_console_t *self);

#endif
