/* Violations that are not missed deadlines, for the accountability ladder:
 * a return that arbitration found groundless (the divisions listed in an
 * 'arbitrated' event's detail->'groundless_returns') and a reopen after an
 * unsatisfied callback (a 'reopened' event, charged to the division whose
 * reply it was). Each is recorded once per task and kind (the violations
 * table's unique key), so the scan may read an event any number of times:
 * it re-reads an overlap window behind its last position, and starts a
 * look-back period in the past when watch starts. */
#ifndef DUBAN_WATCH_VIOLATION_H
#define DUBAN_WATCH_VIOLATION_H

#include "pg.h"

struct event_base;

typedef struct watch_violation watch_violation_t;

int watch_violation_prepare(pg_t *pg);

/* Scans every interval_ms, from lookback_s ago at first. pg borrowed. */
watch_violation_t *watch_violation_new(struct event_base *base, pg_t *pg, int interval_ms,
                                       int overlap_ms, int lookback_s);

void watch_violation_destroy(watch_violation_t **self_p);

/* Violations recorded by this process. */
unsigned long watch_violation_recorded(const watch_violation_t *self);

#endif
