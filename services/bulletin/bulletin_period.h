/* Bulletin periods: a month (2017-03), a quarter (2017-Q2), a half-year
 * (2017-H1) or a year (2017), in local calendar months of the business
 * calendar's zone. Pure arithmetic: no clock, no I/O, no allocation. */
#ifndef DUBAN_BULLETIN_PERIOD_H
#define DUBAN_BULLETIN_PERIOD_H

#include "calendar.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    BULLETIN_MONTH = 0, /* 月检查 month-check */
    BULLETIN_QUARTER,   /* 季通报 quarter-bulletin */
    BULLETIN_HALF,      /* 半年小结 half-year summary */
    BULLETIN_YEAR,      /* 年终总评 year-end review */
} bulletin_kind_t;

#define BULLETIN_KINDS 4
#define BULLETIN_LABEL_MAX 32

typedef struct {
    bulletin_kind_t kind;
    int year;
    int first_month; /* 1..12 */
    int months;      /* 1, 3, 6 or 12 */
    char label[BULLETIN_LABEL_MAX];
} bulletin_period_t;

/* "month", "quarter", "half", "year". */
const char *bulletin_kind_str(bulletin_kind_t kind);

/* Parses a kind name; returns 0, or -1 (leaving *kind) for anything else. */
int bulletin_kind_parse(const char *text, bulletin_kind_t *kind);

/* Parses a label: YYYY-MM (month), YYYY-Qn (quarter, n 1..4), YYYY-Hn
 * (half, n 1..2) or YYYY (year), year 1900..9999; also lower-case q and h.
 * Returns 0, or -1 (leaving *out) on anything else. */
int bulletin_period_parse(const char *text, bulletin_period_t *out);

/* Like bulletin_period_parse, but the label must be of the given kind:
 * "quarter 2017-03" is refused. */
int bulletin_period_parse_kind(bulletin_kind_t kind, const char *text, bulletin_period_t *out);

/* The period of kind that contains month (1..12) of year. */
void bulletin_period_of(bulletin_kind_t kind, int year, int month, bulletin_period_t *out);

/* The period of the same kind just before p (2017-Q1 -> 2016-Q4). */
void bulletin_period_previous(const bulletin_period_t *p, bulletin_period_t *out);

/* Year and month of the i-th month of p (i from 0), i may run past the end
 * or be negative. */
void bulletin_period_month(const bulletin_period_t *p, int i, int *year, int *month);

/* Local midnight starting the first day of year-month, as microseconds
 * since the epoch, for a zone offset_us east of UTC. */
int64_t bulletin_month_start_us(int year, int month, int64_t offset_us);

/* The fixed UTC offset of the calendar's zone (e.g. 8 h for +08:00). */
int64_t bulletin_calendar_offset_us(const calendar_t *calendar);

/* The latest period of kind that has ended at or before now_us. */
void bulletin_period_last_ended(bulletin_kind_t kind, int64_t now_us, int64_t offset_us,
                                bulletin_period_t *out);

/* Chinese title, e.g. "2017年3月月检查", "2017年第二季度通报". */
void bulletin_period_title(const bulletin_period_t *p, char *buf, size_t len);

/* Chinese name of the kind: 月检查, 季通报, 半年小结, 年终总评. */
const char *bulletin_kind_name(bulletin_kind_t kind);

#endif
