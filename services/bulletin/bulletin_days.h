/* Frozen days (deploy/schema/079_bulletin_days.sql; deploy/bulletin/README.md,
 * "Frozen days"): each day's figures stored once the day has ended for good,
 * so that the month-check, produced when its month has ended, adds its
 * month's stored days instead of reading their rows. A day read is the
 * engine's own read (bulletin_query_init_days) with days for months; the
 * figures of each day are what the fold makes of its rows, in the stored
 * form of a month (bulletin_months.h) with the census left to the month,
 * and its closures. The bulletin service stores the days as they end
 * (bulletin_schedule.c); dubanctl bulletin days MONTH stores those of any
 * month. */
#ifndef DUBAN_BULLETIN_DAYS_H
#define DUBAN_BULLETIN_DAYS_H

#include "bulletin_figures.h"
#include "bulletin_period.h"
#include "pg_time.h"

#include <stdint.h>

/* The days of a month that may be stored at some instant. */
typedef struct {
    bulletin_period_t month;
    int64_t month_start_us;
    int64_t final_end_us; /* the end of its last day that has ended for good */
} bulletin_days_plan_t;

/* The month whose day ended last for good at now_us (a day is final as a
 * month is, bulletin_month_final) and that day's end. */
void bulletin_days_latest(int64_t now_us, int64_t offset_us, bulletin_days_plan_t *plan);

/* The days of month final at now_us. Returns 0, or -1 when none is. */
int bulletin_days_of_month(const bulletin_period_t *month, int64_t now_us, int64_t offset_us,
                           bulletin_days_plan_t *plan);

/* Where the stored days of the month starting at $1 (microseconds) end:
 * one row, NULL when it has none. */
#define BULLETIN_DAYS_STORED_SQL                                                                   \
    "SELECT " PG_TIME_US("max(day_end)") " FROM bulletin_days WHERE month_start = " PG_TIME_TS(1)

/* Fills q to read plan's days from stored_end_us (where its stored days end;
 * the month's start when none is). Returns the number of days to read, 0
 * when every final day is stored. */
int bulletin_days_query(bulletin_query_t *q, const bulletin_days_plan_t *plan,
                        int64_t stored_end_us, int64_t offset_us);

/* The days of d, a day read, that have ended for good by its read, as the
 * JSON array bulletin_days_freeze takes (malloc'd text); NULL when there
 * are none or memory ran out. *count gets their number. */
char *bulletin_days_to_freeze(const bulletin_data_t *d, int64_t month_start_us, int *count);

/* $1 the epoch read (d->epoch, as text), $2 the array. */
#define BULLETIN_DAYS_FREEZE_SQL "SELECT bulletin_days_freeze($1::bigint, $2::json)"

#endif
