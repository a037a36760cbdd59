/* Violations counted for the accountability ladder, per division and per
 * handler over the rolling ladder period, kept in memory so that raising
 * an alert does not count index entries in PostgreSQL each time (a burst
 * of breaches in one division would make that quadratic).
 *
 * The counts are read afresh from PostgreSQL every refresh interval and
 * raised locally for each violation this process records in between, so
 * they are exact up to the interval (violations other instances record
 * meanwhile show at the next refresh). The interval grows with what a
 * recount costs (watch_ladder_interval_ms): a count over the whole period
 * took 82 ms at 40,000 violations, and done every second it kept 8 % of a
 * core busy in PostgreSQL. Before the first read completes,
 * watch_ladder_ready is false and callers count in SQL instead. */
#ifndef DUBAN_WATCH_LADDER_H
#define DUBAN_WATCH_LADDER_H

#include "pg.h"

#include <stdbool.h>
#include <stdint.h>

struct event_base;

typedef struct watch_ladder watch_ladder_t;

int watch_ladder_prepare(pg_t *pg);

/* Starts refreshing every refresh_ms (pg borrowed). NULL when out of memory. */
watch_ladder_t *watch_ladder_new(struct event_base *base, pg_t *pg, int64_t period_us,
                                 int refresh_ms);

void watch_ladder_destroy(watch_ladder_t **self_p);

/* The wait (ms) before the next recount, after one that took took_us:
 * refresh_ms, or LADDER_SPACING (watch_ladder.c) times the recount's time
 * when that is longer, so that recounting keeps PostgreSQL busy at most a
 * twentieth of the time; an hour at most. */
int watch_ladder_interval_ms(int refresh_ms, int64_t took_us);

bool watch_ladder_ready(const watch_ladder_t *self);

/* Violations of the division / handler over the period (0 when none). */
int watch_ladder_division(const watch_ladder_t *self, const char *division);
int watch_ladder_handler(const watch_ladder_t *self, const char *handler);

/* Counts a violation just recorded (handler may be NULL or ""). */
void watch_ladder_add(watch_ladder_t *self, const char *division, const char *handler);

#endif
