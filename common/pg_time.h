/* Instants between C and SQL: C holds microseconds since the epoch (UTC,
 * int64, see clock.h), PostgreSQL timestamptz, whose resolution is the same
 * microsecond. These are the only conversions statements use, both exact
 * (no float8 on the way: to_timestamp(us / 1e6) can be a microsecond off,
 * and a deadline read back must compare equal to the one written). */
#ifndef DUBAN_PG_TIME_H
#define DUBAN_PG_TIME_H

/* Parameter $n (bigint microseconds) as a timestamptz: PG_TIME_TS(6). */
#define PG_TIME_TS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"

/* A bigint expression (microseconds; NULL stays NULL) as a timestamptz: for
 * values from arrays and records, PG_TIME_TS_OF("x.due"). */
#define PG_TIME_TS_OF(expr) "('epoch'::timestamptz + (" expr ")::bigint * interval '1 microsecond')"

/* A timestamptz expression as bigint microseconds (NULL stays NULL). */
#define PG_TIME_US(expr) "(extract(epoch FROM " expr ") * 1000000)::bigint"

/* The same with 0 for NULL, for readers that keep "none" as 0. */
#define PG_TIME_US_OR_0(expr) "coalesce(" PG_TIME_US(expr) ", 0)"

#endif
