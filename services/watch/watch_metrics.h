/* The watch's figures for /metrics: open overdue tasks by division (counted
 * in PostgreSQL every watch.metrics_every_s seconds, 15 by default, never
 * more than one count in flight) and the size of the deadline index in
 * Redis (read at each scrape). */
#ifndef DUBAN_WATCH_METRICS_H
#define DUBAN_WATCH_METRICS_H

#include "pg.h"
#include "watch_index.h"

struct event_base;

typedef struct watch_metrics watch_metrics_t;

/* Borrows pg and index (they must outlive it). NULL on failure. */
watch_metrics_t *watch_metrics_new(struct event_base *base, pg_t *pg, watch_index_t *index,
                                   int every_s);

void watch_metrics_destroy(watch_metrics_t **self_p);

#endif
