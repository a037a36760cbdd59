/* The bulletin service's console endpoint: a ROUTER socket on
 * bulletin.console through which the staff API (intake) reaches the bulletin
 * engine, so that the web console and dubanctl see one set of figures:
 *
 *   "request" + BulletinRequest  ->  "reply" + BulletinReply
 *
 * with action
 *   list           the published bulletins, newest period first (JSON)
 *   show PERIOD    one's stored record (JSON, byte for byte as published)
 *   html PERIOD    one's page (bulletin_render_html of the stored record)
 *   run KIND PERIOD [replace]  produce and publish an ended period on demand
 *                  (bulletin_run, as dubanctl bulletin does)
 *   rechecks [PERIOD] [all]    look-back re-checks waiting (or all)
 *   recheck ID pass|fail NOTE  decide one (bulletin_recheck_decide)
 *   to_date        the month so far: the engine's own statements and record
 *                  for the current month, cut at now (bulletin_to_date.h)
 *
 * The caller's token or session is checked here (auth.c): every staff
 * member may read the published bulletins; the inspection office and the
 * leaders read the month so far; only the inspection office (and
 * administrators) runs bulletins and decides re-checks. The engine works on
 * a plain libpq connection of its own in a worker thread, one request at a
 * time, never on the event loop; at most BULLETIN_CONSOLE_QUEUE wait, the
 * rest are answered 503 at once. Every request ends in one reply. */
#ifndef DUBAN_BULLETIN_CONSOLE_H
#define DUBAN_BULLETIN_CONSOLE_H

#include "auth.h"
#include "bulletin_engine.h"
#include "outbox.h"
#include "pg.h"

struct event_base;

#define BULLETIN_CONSOLE_QUEUE 16

typedef struct bulletin_console bulletin_console_t;

/* Binds endpoint; conninfo is the worker's connection (the service's own).
 * All borrowed; relay is kicked after a publication or a reopened case.
 * NULL (logged) on failure. */
bulletin_console_t *bulletin_console_new(struct event_base *base, void *zctx, auth_t *auth,
                                         const bulletin_engine_t *engine, outbox_relay_t *relay,
                                         const char *conninfo, const char *endpoint);

/* Stops the worker (after the request it is running) and answers what
 * still waits with 503. */
void bulletin_console_destroy(bulletin_console_t **self_p);

/* Requests answered and refused, for /healthz. */
void bulletin_console_report(const bulletin_console_t *self, json_t *report);

#endif
