/* The business calendar (see calendar.h). Days are counted as whole local
 * days since 1970-01-01 in the calendar's fixed offset; each function walks
 * those days one at a time and, within a day, the few working-hours segments,
 * so its cost grows with the calendar days crossed and nothing finer. Dates
 * are proleptic Gregorian; instants are supported for years 0000 to 9999. */
#include "calendar.h"

#include "log.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALENDAR_SECOND_US 1000000LL
#define CALENDAR_DAY_US (86400LL * CALENDAR_SECOND_US)
#define CALENDAR_MAX_SEGMENTS 8
#define CALENDAR_YEARS 10000 /* years 0000..9999 */
#define CALENDAR_DEFAULT_ZONE "Asia/Shanghai"
#define CALENDAR_UNIT_LETTERS "smhd" /* in calendar_unit_t order */

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

/* Zones taken as a fixed offset. China kept daylight saving in 1986-1991,
 * which this calendar ignores; other zones need utc_offset. */
static const struct {
    const char *name;
    int offset_s;
} s_zones[] = {{"Asia/Shanghai", 8 * 3600}, {"PRC", 8 * 3600}, {"UTC", 0}, {"Etc/UTC", 0}};

/* ---- dates ------------------------------------------------------------- */

static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool s_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_is_leap(y) ? 29 : days[m - 1];
}

static bool s_date_valid(int y, int m, int d)
{
    return y >= 0 && y < CALENDAR_YEARS && m >= 1 && m <= 12 && d >= 1 && d <= s_month_days(y, m);
}

/* Leap years among years [0, y), negative counts for negative y. */
static int64_t s_leaps_before(int64_t y)
{
    return s_floor_div(y + 3, 4) - s_floor_div(y + 99, 100) + s_floor_div(y + 399, 400);
}

static int64_t s_days_from_year(int64_t y)
{
    return 365 * (y - 1970) + s_leaps_before(y) - s_leaps_before(1970);
}

static int64_t s_days_from_date(int64_t y, int m, int d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t days = s_days_from_year(y) + before[m - 1] + d - 1;
    return (m > 2 && s_is_leap(y)) ? days + 1 : days;
}

/* The date of a day count; *yday is the day of the year, 0 = 1 January. */
static void s_date_from_days(int64_t days, int64_t *y, int *m, int *d, int *yday)
{
    int64_t year = 1970 + s_floor_div(days * 400, 146097);
    while (s_days_from_year(year) > days)
        year--;
    while (s_days_from_year(year + 1) <= days)
        year++;
    int rest = (int)(days - s_days_from_year(year));
    *yday = rest;
    int month = 1;
    while (rest >= s_month_days(year, month))
        rest -= s_month_days(year, month++);
    *y = year;
    *m = month;
    *d = rest + 1;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int s_weekday(int64_t days)
{
    return (int)(days - 7 * s_floor_div(days + 4, 7) + 4);
}

/* Reads exactly n digits. */
static int s_digits(const char *p, int n, int *out)
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

/* "YYYY-MM-DD", nothing after. */
static int s_parse_date(const char *text, int *y, int *m, int *d)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' || s_digits(text, 4, y) < 0 ||
        s_digits(text + 5, 2, m) < 0 || s_digits(text + 8, 2, d) < 0)
        return -1;
    return s_date_valid(*y, *m, *d) ? 0 : -1;
}

/* First and last local day the calendar computes on. */
static int64_t s_first_day(void)
{
    return s_days_from_year(0);
}

static int64_t s_last_day(void)
{
    return s_days_from_year(CALENDAR_YEARS) - 1;
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
        log_warn("no calendar for year=%d, using plain weekdays", (int)year);
}

static calendar_day_t s_kind(const calendar_t *self, int64_t days)
{
    if (self->round_the_clock)
        return CALENDAR_DAY_WORKING;
    int64_t y;
    int m, d, yday;
    s_date_from_days(days, &y, &m, &d, &yday);
    const calendar_year_t *year = s_year_find(self, y);
    if (!year)
        s_warn_year(self, y);
    else if (year->mark[yday] == CALENDAR_MARK_HOLIDAY)
        return CALENDAR_DAY_HOLIDAY;
    else if (year->mark[yday] == CALENDAR_MARK_MAKEUP)
        return CALENDAR_DAY_MAKEUP;
    int wd = s_weekday(days);
    return (wd == 0 || wd == 6) ? CALENDAR_DAY_WEEKEND : CALENDAR_DAY_WORKING;
}

static bool s_working(const calendar_t *self, int64_t days)
{
    calendar_day_t kind = s_kind(self, days);
    return kind == CALENDAR_DAY_WORKING || kind == CALENDAR_DAY_MAKEUP;
}

/* ---- reading the files ------------------------------------------------- */

/* Refuses settings other than the allowed names, so that a misspelt
 * "holiday = [...]" is an error rather than a calendar without holidays. */
static int s_check_names(config_t *cfg, const char *path, const char *const *names)
{
    config_setting_t *root = config_root_setting(cfg);
    for (int i = 0; i < config_setting_length(root); i++) {
        const char *name = config_setting_name(config_setting_get_elem(root, (unsigned)i));
        bool known = false;
        for (int j = 0; names[j]; j++)
            known = known || strcmp(name, names[j]) == 0;
        if (!known) {
            log_error("calendar file=%s: setting %s is not one of this file's settings", path,
                      name);
            return -1;
        }
    }
    return 0;
}

static int s_read_file(config_t *cfg, const char *path, const char *const *names)
{
    if (config_read_file(cfg, path) != CONFIG_TRUE) {
        log_error("could not read calendar file=%s line=%d: %s", path, config_error_line(cfg),
                  config_error_text(cfg));
        return -1;
    }
    return s_check_names(cfg, path, names);
}

/* "+HH:MM" or "-HH:MM", at most 14 hours. */
static int s_parse_offset(const char *text, int *offset_s)
{
    int h, m;
    if (strlen(text) != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
        s_digits(text + 1, 2, &h) < 0 || s_digits(text + 4, 2, &m) < 0 || m > 59 ||
        h * 60 + m > 14 * 60)
        return -1;
    *offset_s = (text[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return 0;
}

static int s_read_zone(calendar_t *self, config_t *cfg, const char *path)
{
    const char *zone = CALENDAR_DEFAULT_ZONE, *offset = NULL;
    config_lookup_string(cfg, "zone", &zone);
    config_lookup_string(cfg, "utc_offset", &offset);
    int zone_s = INT_MIN, offset_s = 0;
    for (size_t i = 0; i < sizeof(s_zones) / sizeof(s_zones[0]); i++)
        if (strcmp(zone, s_zones[i].name) == 0)
            zone_s = s_zones[i].offset_s;
    if (offset && s_parse_offset(offset, &offset_s) < 0) {
        log_error("calendar file=%s: utc_offset %s is not of the form +HH:MM", path, offset);
        return -1;
    }
    if (!offset && zone_s == INT_MIN) {
        log_error("calendar file=%s: zone %s has no built-in offset; add utc_offset = \"+HH:MM\"",
                  path, zone);
        return -1;
    }
    if (offset && zone_s != INT_MIN && zone_s != offset_s) {
        log_error("calendar file=%s: utc_offset %s contradicts zone %s", path, offset, zone);
        return -1;
    }
    self->offset_us = (int64_t)(offset ? offset_s : zone_s) * CALENDAR_SECOND_US;
    return 0;
}

/* "HH:MM-HH:MM" within 00:00-24:00, start before end. */
static int s_parse_segment(const char *text, calendar_segment_t *seg)
{
    int h1, m1, h2, m2;
    if (strlen(text) != 11 || text[2] != ':' || text[5] != '-' || text[8] != ':' ||
        s_digits(text, 2, &h1) < 0 || s_digits(text + 3, 2, &m1) < 0 ||
        s_digits(text + 6, 2, &h2) < 0 || s_digits(text + 9, 2, &m2) < 0 || m1 > 59 || m2 > 59)
        return -1;
    int start = h1 * 60 + m1, end = h2 * 60 + m2;
    if (start >= end || end > 24 * 60)
        return -1;
    seg->start_us = start * 60 * CALENDAR_SECOND_US;
    seg->end_us = end * 60 * CALENDAR_SECOND_US;
    return 0;
}

static int s_read_hours(calendar_t *self, const char *dir)
{
    static const char *const names[] = {"zone", "utc_offset", "hours", NULL};
    static const char *const defaults[] = {"08:30-12:00", "13:30-17:30"};
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/hours.conf", dir);
    config_t cfg;
    config_init(&cfg);
    int rc = -1;
    config_setting_t *hours = NULL;
    if (access(path, F_OK) == 0) {
        if (s_read_file(&cfg, path, names) < 0)
            goto out_config;
        hours = config_lookup(&cfg, "hours");
    }
    if (s_read_zone(self, &cfg, path) < 0)
        goto out_config;
    if (hours && !config_setting_is_array(hours)) {
        log_error("calendar file=%s: hours must be an array of \"HH:MM-HH:MM\"", path);
        goto out_config;
    }
    int n = hours ? config_setting_length(hours) : 2;
    if (n < 1 || n > CALENDAR_MAX_SEGMENTS) {
        log_error("calendar file=%s: hours must hold 1 to %d segments", path,
                  CALENDAR_MAX_SEGMENTS);
        goto out_config;
    }
    for (int i = 0; i < n; i++) {
        const char *text = hours ? config_setting_get_string_elem(hours, i) : defaults[i];
        calendar_segment_t *seg = &self->segments[i];
        if (!text || s_parse_segment(text, seg) < 0) {
            log_error("calendar file=%s: hours segment %d is not HH:MM-HH:MM with start before end",
                      path, i + 1);
            goto out_config;
        }
        if (i > 0 && seg->start_us < self->segments[i - 1].end_us) {
            log_error("calendar file=%s: hours segment %s starts before the previous one ends",
                      path, text);
            goto out_config;
        }
        self->day_us += seg->end_us - seg->start_us;
    }
    self->nsegments = n;
    rc = 0;
out_config:
    config_destroy(&cfg);
    return rc;
}

static int s_read_dates(calendar_year_t *year, config_t *cfg, const char *path, const char *list,
                        unsigned char mark)
{
    config_setting_t *array = config_lookup(cfg, list);
    if (!array)
        return 0;
    if (!config_setting_is_array(array)) {
        log_error("calendar file=%s: %s must be an array of \"YYYY-MM-DD\"", path, list);
        return -1;
    }
    for (int i = 0; i < config_setting_length(array); i++) {
        const char *text = config_setting_get_string_elem(array, i);
        int y, m, d;
        if (!text || s_parse_date(text, &y, &m, &d) < 0) {
            log_error("calendar file=%s: %s entry %d is not a date YYYY-MM-DD", path, list, i + 1);
            return -1;
        }
        if (y != year->year) {
            log_error("calendar file=%s: %s %s is not in year %d; list it in %d.conf", path, list,
                      text, year->year, y);
            return -1;
        }
        int64_t days = s_days_from_date(y, m, d);
        int yday = (int)(days - s_days_from_year(y));
        int wd = s_weekday(days);
        if (mark == CALENDAR_MARK_MAKEUP && wd != 0 && wd != 6) {
            log_error("calendar file=%s: make-up working day %s is a weekday, which works anyway",
                      path, text);
            return -1;
        }
        if (year->mark[yday] != CALENDAR_MARK_NONE && year->mark[yday] != mark) {
            log_error("calendar file=%s: %s is both a holiday and a make-up working day", path,
                      text);
            return -1;
        }
        year->mark[yday] = mark;
    }
    return 0;
}

static int s_read_year(calendar_t *self, const char *dir, int file_year)
{
    static const char *const names[] = {"year", "holidays", "makeup_workdays", NULL};
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%04d.conf", dir, file_year);
    config_t cfg;
    config_init(&cfg);
    int rc = -1, year = -1;
    calendar_year_t *grown = realloc(self->years, sizeof(*grown) * ((size_t)self->nyears + 1));
    if (!grown)
        goto out_config;
    self->years = grown;
    calendar_year_t *entry = &self->years[self->nyears];
    memset(entry, 0, sizeof(*entry));
    if (s_read_file(&cfg, path, names) < 0)
        goto out_config;
    if (config_lookup_int(&cfg, "year", &year) != CONFIG_TRUE || year != file_year) {
        log_error("calendar file=%s: needs year = %d;", path, file_year);
        goto out_config;
    }
    entry->year = year;
    if (s_read_dates(entry, &cfg, path, "holidays", CALENDAR_MARK_HOLIDAY) < 0 ||
        s_read_dates(entry, &cfg, path, "makeup_workdays", CALENDAR_MARK_MAKEUP) < 0)
        goto out_config;
    self->nyears++;
    rc = 0;
out_config:
    config_destroy(&cfg);
    return rc;
}

/* The year of a file named exactly YYYY.conf, else -1. */
static int s_year_of_name(const char *name)
{
    int year;
    if (strlen(name) != 9 || strcmp(name + 4, ".conf") != 0 || s_digits(name, 4, &year) < 0)
        return -1;
    return year;
}

calendar_t *calendar_new(const char *dir)
{
    assert(dir);
    calendar_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    DIR *d = opendir(dir);
    if (!d) {
        log_error("could not open calendar folder=%s: %s", dir, strerror(errno));
        goto out_free_self;
    }
    if (s_read_hours(self, dir) < 0)
        goto out_closedir;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        int year = s_year_of_name(entry->d_name);
        if (year >= 0 && s_read_year(self, dir, year) < 0)
            goto out_closedir;
    }
    closedir(d);
    log_debug("calendar folder=%s years=%d day_length_s=%lld", dir, self->nyears,
              (long long)(self->day_us / CALENDAR_SECOND_US));
    return self;

out_closedir:
    closedir(d);
out_free_self:
    calendar_destroy(&self);
    return NULL;
}

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
    *kind = s_kind(self, s_days_from_date(year, month, day));
    return 0;
}

bool calendar_is_working_day(const calendar_t *self, int year, int month, int day)
{
    assert(self);
    return s_date_valid(year, month, day) && s_working(self, s_days_from_date(year, month, day));
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
    *day = s_floor_div(local, CALENDAR_DAY_US);
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
    if (s_parse_date(date, &y, &mo, &d) < 0 || s_digits(text + 11, 2, &h) < 0 || text[13] != ':' ||
        s_digits(text + 14, 2, &mi) < 0 || h > 23 || mi > 59)
        return -1;
    const char *p = text + 16;
    if (*p == ':') {
        if (s_digits(p + 1, 2, &s) < 0 || s > 59)
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
    else if (s_parse_offset(p, &off_s) == 0)
        p += 6;
    else
        return -1;
    if (*p != '\0')
        return -1;
    int64_t secs = s_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off_s;
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
