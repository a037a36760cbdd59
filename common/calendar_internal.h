/* Internals shared by the two halves of the business calendar: calendar.c
 * (date and working-time arithmetic) and calendar_file.c (reading the
 * calendar folder). Not installed; include it only from those two files.
 * Days are counted as whole local days since 1970-01-01, proleptic
 * Gregorian. */
#ifndef DUBAN_CALENDAR_INTERNAL_H
#define DUBAN_CALENDAR_INTERNAL_H

#include "calendar.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define CALENDAR_SECOND_US 1000000LL
#define CALENDAR_MAX_SEGMENTS 8
#define CALENDAR_YEARS 10000 /* years 0000..9999 */

enum { CALENDAR_MARK_NONE = 0, CALENDAR_MARK_HOLIDAY, CALENDAR_MARK_MAKEUP };

typedef struct {
    int year;
    unsigned char mark[366]; /* by day of the year, 0 = 1 January */
} calendar_year_t;

typedef struct {
    int64_t start_us; /* since local midnight */
    int64_t end_us;
} calendar_segment_t;

struct calendar {
    int64_t offset_us; /* local time minus UTC */
    bool round_the_clock;
    int nsegments;
    calendar_segment_t segments[CALENDAR_MAX_SEGMENTS];
    int64_t day_us; /* sum of the segments */
    int nyears;
    calendar_year_t *years;
    /* One bit per year already warned about; atomic because the calendar is
     * otherwise read-only and shared between threads. */
    _Atomic uint32_t warned[(CALENDAR_YEARS + 31) / 32];
};

/* ---- dates both halves need -------------------------------------------- */

static inline int64_t calendar_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline bool calendar_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years among years [0, y), negative counts for negative y. */
static inline int64_t calendar_leaps_before(int64_t y)
{
    return calendar_floor_div(y + 3, 4) - calendar_floor_div(y + 99, 100) +
           calendar_floor_div(y + 399, 400);
}

static inline int64_t calendar_days_from_year(int64_t y)
{
    return 365 * (y - 1970) + calendar_leaps_before(y) - calendar_leaps_before(1970);
}

static inline int64_t calendar_days_from_date(int64_t y, int m, int d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t days = calendar_days_from_year(y) + before[m - 1] + d - 1;
    return (m > 2 && calendar_is_leap(y)) ? days + 1 : days;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static inline int calendar_weekday(int64_t days)
{
    return (int)(days - 7 * calendar_floor_div(days + 4, 7) + 4);
}

/* Reads exactly n digits. */
static inline int calendar_read_digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

/* "YYYY-MM-DD" of an existing date in years 0000 to 9999, nothing after.
 * Returns 0, or -1 on anything else (calendar.c). */
int calendar_parse_date(const char *text, int *y, int *m, int *d);

/* "+HH:MM" or "-HH:MM", at most 14 hours. Returns 0, or -1 and leaves
 * *offset_s on anything else (calendar_file.c). */
int calendar_parse_offset(const char *text, int *offset_s);

#endif
