/* The business calendar's arithmetic (see calendar.h): day kinds, working
 * time, and the text forms of windows and instants; reading the calendar
 * folder is in calendar_file.c. Days are counted as whole local days since
 * 1970-01-01 in the calendar's fixed offset; each function walks those days
 * one at a time and, within a day, the few working-hours segments, so its
 * cost grows with the calendar days crossed and nothing finer. Dates are
 * proleptic Gregorian; instants are supported for years 0000 to 9999. */
#include "calendar_internal.h"

#include "log.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALENDAR_DAY_US (86400LL * CALENDAR_SECOND_US)
#define CALENDAR_UNIT_LETTERS "smhd" /* in calendar_unit_t order */

/* ---- dates ------------------------------------------------------------- */

static int s_month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && calendar_is_leap(y) ? 29 : days[m - 1];
}

static bool s_date_valid(int y, int m, int d)
{
    return y >= 0 && y < CALENDAR_YEARS && m >= 1 && m <= 12 && d >= 1 && d <= s_month_days(y, m);
}

/* The year of a day count and the day of that year, 0 = 1 January: all a
 * day's kind needs, asked for every day a deadline walks over (about fifty
 * a task), so without the month. */
static int64_t s_year_of_days(int64_t days, int *yday)
{
    /* The last year found, per thread: a walk stays in one year. */
    static _Thread_local int64_t last_year, last_start = 1, last_end = 0;
    if (days >= last_start && days < last_end) {
        *yday = (int)(days - last_start);
        return last_year;
    }
    int64_t year = 1970 + calendar_floor_div(days * 400, 146097);
    int64_t start = calendar_days_from_year(year);
    while (start > days)
        start = calendar_days_from_year(--year);
    for (int64_t next = calendar_days_from_year(year + 1); next <= days;
         next = calendar_days_from_year(year + 1)) {
        start = next;
        year++;
    }
    *yday = (int)(days - start);
    last_year = year;
    last_start = start;
    last_end = calendar_days_from_year(year + 1);
    return year;
}

/* The date of a day count; *yday is the day of the year, 0 = 1 January. */
static void s_date_from_days(int64_t days, int64_t *y, int *m, int *d, int *yday)
{
    int64_t year = s_year_of_days(days, yday);
    int rest = *yday;
    int month = 1;
    while (rest >= s_month_days(year, month))
        rest -= s_month_days(year, month++);
    *y = year;
    *m = month;
    *d = rest + 1;
}

/* "YYYY-MM-DD", nothing after. */
int calendar_parse_date(const char *text, int *y, int *m, int *d)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        calendar_read_digits(text, 4, y) < 0 || calendar_read_digits(text + 5, 2, m) < 0 ||
        calendar_read_digits(text + 8, 2, d) < 0)
        return -1;
    return s_date_valid(*y, *m, *d) ? 0 : -1;
}

/* First and last local day the calendar computes on. */
static int64_t s_first_day(void)
{
    return calendar_days_from_year(0);
}

static int64_t s_last_day(void)
{
    return calendar_days_from_year(CALENDAR_YEARS) - 1;
}

/* ---- day kinds --------------------------------------------------------- */

static const calendar_year_t *s_year_find(const calendar_t *self, int64_t year)
{
    for (int i = 0; i < self->nyears; i++)
        if (self->years[i].year == year)
            return &self->years[i];
    return NULL;
}

static void s_warn_year(const calendar_t *self, int64_t year)
{
    if (year < 0 || year >= CALENDAR_YEARS)
        return;
    calendar_t *mut = (calendar_t *)self; /* only the atomic warning bits change */
    uint32_t bit = 1u << (year % 32);
    if (!(atomic_fetch_or_explicit(&mut->warned[year / 32], bit, memory_order_relaxed) & bit))
        log_warn("no calendar for the year, using plain weekdays", "year=%d", (int)year);
}

static calendar_day_t s_kind(const calendar_t *self, int64_t days)
{
    if (self->round_the_clock)
        return CALENDAR_DAY_WORKING;
    int yday;
    int64_t y = s_year_of_days(days, &yday);
    const calendar_year_t *year = s_year_find(self, y);
    if (!year)
        s_warn_year(self, y);
    else if (year->mark[yday] == CALENDAR_MARK_HOLIDAY)
        return CALENDAR_DAY_HOLIDAY;
    else if (year->mark[yday] == CALENDAR_MARK_MAKEUP)
        return CALENDAR_DAY_MAKEUP;
    int wd = calendar_weekday(days);
    return (wd == 0 || wd == 6) ? CALENDAR_DAY_WEEKEND : CALENDAR_DAY_WORKING;
}

static bool s_working(const calendar_t *self, int64_t days)
{
    calendar_day_t kind = s_kind(self, days);
    return kind == CALENDAR_DAY_WORKING || kind == CALENDAR_DAY_MAKEUP;
}

/* ---- making and freeing ------------------------------------------------ */

calendar_t *calendar_new_round_the_clock(void)
{
    calendar_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->round_the_clock = true;
    self->nsegments = 1;
    self->segments[0].end_us = CALENDAR_DAY_US;
    self->day_us = CALENDAR_DAY_US;
    return self;
}

void calendar_destroy(calendar_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->years);
    free(*self_p);
    *self_p = NULL;
}

/* ---- queries ----------------------------------------------------------- */

const char *calendar_day_str(calendar_day_t kind)
{
    static const char *names[] = {"working day", "make-up working day", "weekend", "holiday"};
    return kind >= 0 && kind <= CALENDAR_DAY_HOLIDAY ? names[kind] : "?";
}

int calendar_day_kind(const calendar_t *self, int year, int month, int day, calendar_day_t *kind)
{
    assert(self && kind);
    if (!s_date_valid(year, month, day))
        return -1;
    *kind = s_kind(self, calendar_days_from_date(year, month, day));
    return 0;
}

bool calendar_is_working_day(const calendar_t *self, int year, int month, int day)
{
    assert(self);
    return s_date_valid(year, month, day) &&
           s_working(self, calendar_days_from_date(year, month, day));
}

int64_t calendar_day_length_us(const calendar_t *self)
{
    assert(self);
    return self->day_us;
}

/* Splits an instant into local day and microseconds since local midnight;
 * false outside years 0000..9999. */
static bool s_split(const calendar_t *self, int64_t us, int64_t *day, int64_t *pos)
{
    int64_t first = s_first_day() * CALENDAR_DAY_US, end = (s_last_day() + 1) * CALENDAR_DAY_US;
    if (us < first - self->offset_us || us >= end - self->offset_us)
        return false;
    int64_t local = us + self->offset_us;
    *day = calendar_floor_div(local, CALENDAR_DAY_US);
    *pos = local - *day * CALENDAR_DAY_US;
    return true;
}

bool calendar_is_working_time(const calendar_t *self, int64_t us)
{
    assert(self);
    int64_t day, pos;
    if (!s_split(self, us, &day, &pos) || !s_working(self, day))
        return false;
    for (int i = 0; i < self->nsegments; i++)
        if (pos >= self->segments[i].start_us && pos < self->segments[i].end_us)
            return true;
    return false;
}

int calendar_local_date(const calendar_t *self, int64_t us, int *year, int *month, int *day)
{
    assert(self && year && month && day);
    int64_t days, pos, y;
    int yday;
    if (!s_split(self, us, &days, &pos))
        return -1;
    s_date_from_days(days, &y, month, day, &yday);
    *year = (int)y;
    return 0;
}

int64_t calendar_add_working(const calendar_t *self, int64_t start_us, int64_t working_us)
{
    assert(self);
    if (working_us <= 0)
        return start_us;
    int64_t day, pos, left = working_us;
    if (!s_split(self, start_us, &day, &pos))
        return CALENDAR_NEVER;
    for (int64_t last = s_last_day(); day <= last; day++, pos = 0) {
        if (!s_working(self, day))
            continue;
        if (pos == 0 && left > self->day_us) {
            left -= self->day_us; /* strictly more than a day: cannot end today */
            continue;
        }
        for (int i = 0; i < self->nsegments; i++) {
            const calendar_segment_t *seg = &self->segments[i];
            int64_t from = pos > seg->start_us ? pos : seg->start_us;
            if (from >= seg->end_us)
                continue;
            /* "<=": a window used up exactly at a segment's end ends there */
            if (left <= seg->end_us - from)
                return day * CALENDAR_DAY_US + from + left - self->offset_us;
            left -= seg->end_us - from;
        }
    }
    return CALENDAR_NEVER;
}

int64_t calendar_add_days_from_next(const calendar_t *self, int64_t start_us, int days)
{
    assert(self);
    if (days <= 0)
        return start_us;
    int64_t day, pos;
    if (!s_split(self, start_us, &day, &pos))
        return CALENDAR_NEVER;
    int64_t last = s_last_day();
    for (int counted = 0; counted < days;) {
        if (++day > last)
            return CALENDAR_NEVER;
        if (s_working(self, day))
            counted++;
    }
    return day * CALENDAR_DAY_US + self->segments[self->nsegments - 1].end_us - self->offset_us;
}

int64_t calendar_working_between(const calendar_t *self, int64_t a_us, int64_t b_us)
{
    assert(self);
    int64_t first = s_first_day() * CALENDAR_DAY_US - self->offset_us;
    int64_t end = (s_last_day() + 1) * CALENDAR_DAY_US - self->offset_us - 1;
    a_us = a_us < first ? first : a_us > end ? end : a_us;
    b_us = b_us < first ? first : b_us > end ? end : b_us;
    if (b_us <= a_us)
        return 0;
    int64_t da, pa, db, pb, total = 0;
    s_split(self, a_us, &da, &pa);
    s_split(self, b_us, &db, &pb);
    for (int64_t day = da; day <= db; day++) {
        int64_t lo = day == da ? pa : 0, hi = day == db ? pb : CALENDAR_DAY_US;
        if (lo >= hi || !s_working(self, day))
            continue;
        if (lo == 0 && hi == CALENDAR_DAY_US) {
            total += self->day_us;
            continue;
        }
        for (int i = 0; i < self->nsegments; i++) {
            int64_t s = lo > self->segments[i].start_us ? lo : self->segments[i].start_us;
            int64_t e = hi < self->segments[i].end_us ? hi : self->segments[i].end_us;
            if (s < e)
                total += e - s;
        }
    }
    return total;
}

/* ---- text -------------------------------------------------------------- */

int calendar_parse_window(const char *text, calendar_window_t *window)
{
    assert(text && window);
    size_t n = strlen(text);
    if (n < 2 || n > 9)
        return -1;
    int64_t amount = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        amount = amount * 10 + (text[i] - '0');
    }
    if (amount > CALENDAR_MAX_AMOUNT)
        return -1;
    const char *unit = strchr(CALENDAR_UNIT_LETTERS, text[n - 1]);
    if (!unit || !*unit)
        return -1;
    window->unit = (calendar_unit_t)(unit - CALENDAR_UNIT_LETTERS);
    window->amount = amount;
    return 0;
}

int64_t calendar_window_us(const calendar_t *self, const calendar_window_t *window)
{
    assert(self && window);
    static const int64_t scale_s[] = {1, 60, 3600};
    if (window->unit == CALENDAR_UNIT_DAYS)
        return window->amount * self->day_us;
    return window->amount * scale_s[window->unit] * CALENDAR_SECOND_US;
}

int calendar_parse_instant(const char *text, int64_t *us)
{
    assert(text && us);
    int y, mo, d, h, mi, s = 0, frac = 0, off_s = 0;
    char date[11];
    if (strlen(text) < 17 || (text[10] != 'T' && text[10] != 't' && text[10] != ' '))
        return -1;
    memcpy(date, text, 10);
    date[10] = '\0';
    if (calendar_parse_date(date, &y, &mo, &d) < 0 || calendar_read_digits(text + 11, 2, &h) < 0 ||
        text[13] != ':' || calendar_read_digits(text + 14, 2, &mi) < 0 || h > 23 || mi > 59)
        return -1;
    const char *p = text + 16;
    if (*p == ':') {
        if (calendar_read_digits(p + 1, 2, &s) < 0 || s > 59)
            return -1;
        p += 3;
        if (*p == '.') {
            int scale = 100000, digits = 0;
            for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
                frac += (*p - '0') * scale;
                scale /= 10;
            }
            if (digits == 0)
                return -1;
        }
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (calendar_parse_offset(p, &off_s) == 0)
        p += 6;
    else
        return -1;
    if (*p != '\0')
        return -1;
    int64_t secs = calendar_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off_s;
    *us = secs * CALENDAR_SECOND_US + frac;
    return 0;
}

void calendar_format_instant(const calendar_t *self, int64_t us, char *buf, size_t len)
{
    assert(self && buf);
    int64_t day, pos;
    if (!s_split(self, us, &day, &pos)) {
        snprintf(buf, len, "%s", us == CALENDAR_NEVER ? "never" : "out-of-range");
        return;
    }
    int64_t y;
    int m, d, yday;
    s_date_from_days(day, &y, &m, &d, &yday);
    int64_t secs = pos / CALENDAR_SECOND_US;
    int frac = (int)(pos % CALENDAR_SECOND_US);
    char fraction[16] = "", offset[16] = "Z";
    if (frac)
        snprintf(fraction, sizeof(fraction), ".%06d", frac);
    if (self->offset_us) {
        int64_t off_min = (self->offset_us < 0 ? -self->offset_us : self->offset_us) / 60000000;
        snprintf(offset, sizeof(offset), "%c%02d:%02d", self->offset_us < 0 ? '-' : '+',
                 (int)(off_min / 60), (int)(off_min % 60));
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", (int)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60), fraction, offset);
}
