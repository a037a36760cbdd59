/* Scheduled bulletins in the service: on the first working day after a
 * period ends, at the configured local time, each scheduled kind's latest
 * ended period is produced unless it is already published. Several
 * instances may run: each computes, the unique bulletins row lets exactly one
 * publish (the others log that another instance did). A period whose time
 * came while no instance ran is produced at the next check. Runs are
 * sequential and asynchronous on the service's loop (pg.h pipeline). */
#ifndef DUBAN_BULLETIN_SCHEDULE_H
#define DUBAN_BULLETIN_SCHEDULE_H

#include "bulletin_engine.h"
#include "outbox.h"
#include "pg.h"

#include <jansson.h>
#include <stdbool.h>

struct event_base;

typedef struct bulletin_schedule bulletin_schedule_t;

/* Checks every check_ms (first check soon after start). engine, pg and
 * relay are borrowed; relay is kicked after each publication. instance
 * names this process in the record's metadata. NULL when out of memory. */
bulletin_schedule_t *bulletin_schedule_new(struct event_base *base, pg_t *pg,
                                           const bulletin_engine_t *engine, outbox_relay_t *relay,
                                           const char *instance, int check_ms);

/* Starts nothing new from now on; call before destroying pg, whose failing
 * transactions still call back into the schedule. */
void bulletin_schedule_stop(bulletin_schedule_t *self);

void bulletin_schedule_destroy(bulletin_schedule_t **self_p);

/* When period p is due: at_minute after local midnight of the first working
 * day on or after the day following p's last day. */
int64_t bulletin_schedule_due_us(const calendar_t *calendar, const bulletin_period_t *p,
                                 int64_t offset_us, int at_minute);

/* Adds counters (published, lost to another instance, failed) and the last
 * run to a health report. */
void bulletin_schedule_report(const bulletin_schedule_t *self, json_t *report);

#endif
