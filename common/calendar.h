/* The business calendar: which instants are working time, and deadline
 * arithmetic in working time (time limits such as "5 working days").
 *
 * Guarantees: a calendar is immutable once made, so one may be shared by any
 * number of threads (the only state it changes is its once-per-year warning
 * flags, which are atomic). Every function is exact to the microsecond and
 * costs at most one step per calendar day it crosses, never one per minute.
 * Local time is UTC plus a fixed offset (no daylight saving); see
 * deploy/config/calendar/README.md for the files and what a window means. */
#ifndef DUBAN_CALENDAR_H
#define DUBAN_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct calendar calendar_t;

/* What a date is in the calendar. */
typedef enum {
    CALENDAR_DAY_WORKING = 0, /* Monday to Friday, not a holiday */
    CALENDAR_DAY_MAKEUP,      /* weekend day worked in exchange for a holiday (调休) */
    CALENDAR_DAY_WEEKEND,
    CALENDAR_DAY_HOLIDAY,
} calendar_day_t;

/* The unit a window was written in. */
typedef enum {
    CALENDAR_UNIT_SECONDS = 0,
    CALENDAR_UNIT_MINUTES,
    CALENDAR_UNIT_HOURS,
    CALENDAR_UNIT_DAYS, /* standard working days: amount x calendar_day_length_us */
} calendar_unit_t;

/* A time limit as written, e.g. "3d" is { CALENDAR_UNIT_DAYS, 3 }. */
typedef struct {
    calendar_unit_t unit;
    int64_t amount;
} calendar_window_t;

/* The largest amount calendar_parse_window accepts, whatever the unit; it
 * keeps every window's microseconds far from overflow. */
#define CALENDAR_MAX_AMOUNT 1000000

/* Returned by the add functions when the end would fall after 9999-12-31. */
#define CALENDAR_NEVER INT64_MAX

/* Reads dir/hours.conf (working hours and zone; defaults when the file is
 * absent) and every dir/YYYY.conf (holidays and make-up working days of year
 * YYYY). Returns NULL and logs file and reason when dir cannot be read or a
 * file is malformed (bad date, date outside its year, date both a holiday and
 * a make-up day, make-up day on a weekday, bad or overlapping hours, unknown
 * zone without utc_offset). Caller frees with calendar_destroy. */
calendar_t *calendar_new(const char *dir);

/* One year's file held in memory: the text of YYYY.conf for year. */
typedef struct {
    int year; /* 0 to 9999 */
    const char *text;
    size_t len; /* bytes of text, which need not end in NUL */
} calendar_text_t;

/* calendar_new on the files' texts instead of a folder: hours is the text of
 * hours.conf (hours_len bytes; NULL when there is no such file) and years[i]
 * the text of one YYYY.conf. The same parser and checks read both (the files
 * of a folder are streams, these texts streams in memory); the fuzz target
 * reads each input this way without a file. NULL (logged) on the same
 * faults. */
calendar_t *calendar_new_from_texts(const char *hours, size_t hours_len,
                                    const calendar_text_t *years, size_t nyears);

/* A calendar in which every instant is working time (offset UTC, working day
 * 24 h), for natural-time limits and tests: adding 3 s adds 3 s. Returns NULL
 * only when out of memory. */
calendar_t *calendar_new_round_the_clock(void);

/* Frees the calendar and sets *self_p to NULL; accepts NULL and *self_p NULL. */
void calendar_destroy(calendar_t **self_p);

/* "working day", "make-up working day", "weekend" or "holiday". */
const char *calendar_day_str(calendar_day_t kind);

/* Sets *kind for the date; returns -1 (and leaves *kind) when the date does
 * not exist. A year without a file counts as plain weekdays and logs
 * "no calendar for year=..." once per year. */
int calendar_day_kind(const calendar_t *self, int year, int month, int day, calendar_day_t *kind);

/* True for working and make-up days; false for other days and for dates that
 * do not exist. */
bool calendar_is_working_day(const calendar_t *self, int year, int month, int day);

/* True when us lies in a working-hours segment [start, end) of a working day:
 * 08:30 is working time, 12:00 and 17:30 are not. */
bool calendar_is_working_time(const calendar_t *self, int64_t us);

/* Sets the local date of instant us in the calendar's zone; returns -1 (and
 * sets nothing) when that date falls outside years 0000 to 9999. */
int calendar_local_date(const calendar_t *self, int64_t us, int *year, int *month, int *day);

/* Length of one standard working day (7.5 h with the default hours). */
int64_t calendar_day_length_us(const calendar_t *self);

/* The earliest instant at which working_us of working time has passed since
 * start_us: a start outside working time counts from the next working
 * instant, and a window used up at 12:00 or 17:30 ends there, not at the next
 * segment's start. working_us <= 0 returns start_us. Returns CALENDAR_NEVER
 * when the end would fall after year 9999 or start_us lies outside years
 * 0000 to 9999. */
int64_t calendar_add_working(const calendar_t *self, int64_t start_us, int64_t working_us);

/* The close (end of the last hours segment) of the days-th working day after
 * the local date of start_us, whatever the time of day of start_us. days <= 0
 * returns start_us. Returns CALENDAR_NEVER past year 9999. */
int64_t calendar_add_days_from_next(const calendar_t *self, int64_t start_us, int days);

/* Working time in [a_us, b_us), both clamped to years 0000 to 9999; 0 when
 * b_us <= a_us. For working_us >= 0,
 * calendar_working_between(a, calendar_add_working(a, w)) == w. */
int64_t calendar_working_between(const calendar_t *self, int64_t a_us, int64_t b_us);

/* Parses a window "<digits><unit>", unit one of s, m, h, d, amount 0 to
 * CALENDAR_MAX_AMOUNT; no sign, spaces or fractions. Returns 0, or -1 and
 * leaves *window on anything else. */
int calendar_parse_window(const char *text, calendar_window_t *window);

/* The working time a window amounts to in this calendar (days times the
 * standard day length). */
int64_t calendar_window_us(const calendar_t *self, const calendar_window_t *window);

/* Parses RFC 3339 "YYYY-MM-DDTHH:MM[:SS[.fraction]]" followed by "Z" or
 * "+HH:MM"/"-HH:MM" (the offset is required, at most 14 hours; "T" may also
 * be "t" or a space; fractions beyond microseconds are cut; no leap second).
 * Returns 0, or -1 and leaves *us on anything else. */
int calendar_parse_instant(const char *text, int64_t *us);

/* Writes us as local time with the calendar's offset, e.g.
 * "2017-02-06T16:00:00+08:00" (".ffffff" added when us has a fraction of a
 * second, "Z" for offset zero); "never" for CALENDAR_NEVER and "out-of-range"
 * outside years 0000 to 9999. Truncates to len; 40 bytes always suffice. */
void calendar_format_instant(const calendar_t *self, int64_t us, char *buf, size_t len);

struct settings;

/* The working calendar a service uses: round-the-clock when the setting
 * calendar.round_the_clock is 1 (tests), else the folder in calendar_dir
 * (default: calendar/ beside the org file). NULL (logged) when invalid. */
calendar_t *calendar_from_settings(struct settings *settings);

#endif
