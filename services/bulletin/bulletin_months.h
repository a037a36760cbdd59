/* Frozen months: a month's folded figures, stored once the month has ended
 * (bulletin_months, deploy/schema/026_bulletin_months.sql) and added
 * instead of its rows by every later bulletin that covers it. A month's
 * figures are its count cells per division and role (sums of counts and of
 * working time), the overdue tasks of the census at its end (with their
 * working time over) and its hot-topic counts: exactly what the fold
 * (bulletin_figures.c) makes of its rows, so a period composed of frozen
 * months is byte for byte the one read from the rows
 * (deploy/bulletin/README.md, "Frozen months"). */
#ifndef DUBAN_BULLETIN_MONTHS_H
#define DUBAN_BULLETIN_MONTHS_H

#include "bulletin_figures.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* How long after a month's end its figures are taken as final: the rows a
 * month counts are dated before its end, but a transaction that took its
 * time before the end may still be committing just after it. */
#define BULLETIN_MONTH_SETTLE_US (3600LL * 1000000LL)

/* The freezing rule, its one home: a month ending at end_us may be frozen
 * by a read whose snapshot was taken at read_us. */
bool bulletin_month_final(int64_t end_us, int64_t read_us);

/* The figures of month m of d as stored: {"cells": [...], "overdue": [...],
 * "topics": [...]}; NULL when out of memory. */
json_t *bulletin_month_figures(const bulletin_data_t *d, int m);

/* Adds stored figures to month m of d (cells, overdue tasks, topics), the
 * divisions found by code (one no longer known counts for the bureau only).
 * Returns 0, or -1 when the figures are not of this form or memory ran out
 * (logged). */
int bulletin_month_add(bulletin_data_t *d, int m, const json_t *figures);

/* The months of d read from the rows that the rule lets freeze, as the JSON
 * array bulletin_months_freeze() takes (malloc'd text), or NULL when there
 * are none or memory ran out; *count gets their number. */
char *bulletin_months_to_freeze(const bulletin_data_t *d, int *count);

/* The statement that stores them: $1 the epoch read (d->epoch, as text),
 * $2 the array. */
#define BULLETIN_MONTHS_FREEZE_SQL "SELECT bulletin_months_freeze($1::bigint, $2::json)"

#endif
