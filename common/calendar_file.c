/* Reading the business calendar's folder (see calendar.h): hours.conf for
 * the zone and working hours, and one YYYY.conf per year for its holidays
 * and make-up working days, all read with libconfig into a calendar_t that
 * calendar.c then computes on. calendar_new_from_texts reads the same files'
 * texts from memory through the same functions. */
#include "calendar_internal.h"
#include "settings.h"

#include "log.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALENDAR_DEFAULT_ZONE "Asia/Shanghai"

/* Zones taken as a fixed offset. China kept daylight saving in 1986-1991,
 * which this calendar ignores; other zones need utc_offset. */
static const struct {
    const char *name;
    int offset_s;
} s_zones[] = {{"Asia/Shanghai", 8 * 3600}, {"PRC", 8 * 3600}, {"UTC", 0}, {"Etc/UTC", 0}};

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
            log_error("calendar file: a setting is not one of this file's settings",
                      "file=%s setting=%s", path, name);
            return -1;
        }
    }
    return 0;
}

/* Reads one file's text from f (a file, or a text in memory through
 * fmemopen): libconfig's config_read is what config_read_file does once it
 * has opened the file, so the folder and calendar_new_from_texts parse alike. */
static int s_read_file(config_t *cfg, FILE *f, const char *path, const char *const *names)
{
    if (config_read(cfg, f) != CONFIG_TRUE) {
        log_error("could not read calendar file", "file=%s line=%d err=%s", path,
                  config_error_line(cfg), config_error_text(cfg));
        return -1;
    }
    return s_check_names(cfg, path, names);
}

/* "+HH:MM" or "-HH:MM", at most 14 hours. */
int calendar_parse_offset(const char *text, int *offset_s)
{
    int h, m;
    if (strlen(text) != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
        calendar_read_digits(text + 1, 2, &h) < 0 || calendar_read_digits(text + 4, 2, &m) < 0 ||
        m > 59 || h * 60 + m > 14 * 60)
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
    if (offset && calendar_parse_offset(offset, &offset_s) < 0) {
        log_error("calendar file: utc_offset is not of the form +HH:MM", "file=%s utc_offset=%s",
                  path, offset);
        return -1;
    }
    if (!offset && zone_s == INT_MIN) {
        log_error("calendar file: zone has no built-in offset; add utc_offset = \"+HH:MM\"",
                  "file=%s zone=%s", path, zone);
        return -1;
    }
    if (offset && zone_s != INT_MIN && zone_s != offset_s) {
        log_error("calendar file: utc_offset contradicts zone", "file=%s utc_offset=%s zone=%s",
                  path, offset, zone);
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
        calendar_read_digits(text, 2, &h1) < 0 || calendar_read_digits(text + 3, 2, &m1) < 0 ||
        calendar_read_digits(text + 6, 2, &h2) < 0 || calendar_read_digits(text + 9, 2, &m2) < 0 ||
        m1 > 59 || m2 > 59)
        return -1;
    int start = h1 * 60 + m1, end = h2 * 60 + m2;
    if (start >= end || end > 24 * 60)
        return -1;
    seg->start_us = start * 60 * CALENDAR_SECOND_US;
    seg->end_us = end * 60 * CALENDAR_SECOND_US;
    return 0;
}

/* hours.conf read from f, or the default hours when f is NULL (no file). */
static int s_read_hours(calendar_t *self, FILE *f, const char *path)
{
    static const char *const names[] = {"zone", "utc_offset", "hours", NULL};
    static const char *const defaults[] = {"08:30-12:00", "13:30-17:30"};
    config_t cfg;
    config_init(&cfg);
    int rc = -1;
    config_setting_t *hours = NULL;
    if (f) {
        if (s_read_file(&cfg, f, path, names) < 0)
            goto out_config;
        hours = config_lookup(&cfg, "hours");
    }
    if (s_read_zone(self, &cfg, path) < 0)
        goto out_config;
    if (hours && !config_setting_is_array(hours)) {
        log_error("calendar file: hours must be an array of \"HH:MM-HH:MM\"", "file=%s", path);
        goto out_config;
    }
    int n = hours ? config_setting_length(hours) : 2;
    if (n < 1 || n > CALENDAR_MAX_SEGMENTS) {
        log_error("calendar file: hours must hold 1 to max segments", "file=%s max=%d", path,
                  CALENDAR_MAX_SEGMENTS);
        goto out_config;
    }
    for (int i = 0; i < n; i++) {
        const char *text = hours ? config_setting_get_string_elem(hours, i) : defaults[i];
        calendar_segment_t *seg = &self->segments[i];
        if (!text || s_parse_segment(text, seg) < 0) {
            log_error("calendar file: hours segment is not HH:MM-HH:MM with start before end",
                      "file=%s segment=%d", path, i + 1);
            goto out_config;
        }
        if (i > 0 && seg->start_us < self->segments[i - 1].end_us) {
            log_error("calendar file: hours segment starts before the previous one ends",
                      "file=%s segment=%s", path, text);
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
        log_error("calendar file: a list must be an array of \"YYYY-MM-DD\"", "file=%s list=%s",
                  path, list);
        return -1;
    }
    for (int i = 0; i < config_setting_length(array); i++) {
        const char *text = config_setting_get_string_elem(array, i);
        int y, m, d;
        if (!text || calendar_parse_date(text, &y, &m, &d) < 0) {
            log_error("calendar file: an entry is not a date YYYY-MM-DD",
                      "file=%s list=%s entry=%d", path, list, i + 1);
            return -1;
        }
        if (y != year->year) {
            log_error(
                "calendar file: a date is not in the file's year; list it in that year's file",
                "file=%s list=%s date=%s year=%d date_year=%d", path, list, text, year->year, y);
            return -1;
        }
        int64_t days = calendar_days_from_date(y, m, d);
        int yday = (int)(days - calendar_days_from_year(y));
        int wd = calendar_weekday(days);
        if (mark == CALENDAR_MARK_MAKEUP && wd != 0 && wd != 6) {
            log_error("calendar file: make-up working day is a weekday, which works anyway",
                      "file=%s date=%s", path, text);
            return -1;
        }
        if (year->mark[yday] != CALENDAR_MARK_NONE && year->mark[yday] != mark) {
            log_error("calendar file: a date is both a holiday and a make-up working day",
                      "file=%s date=%s", path, text);
            return -1;
        }
        year->mark[yday] = mark;
    }
    return 0;
}

/* The file of year file_year (named path in the logs), read from f. */
static int s_read_year(calendar_t *self, FILE *f, const char *path, int file_year)
{
    static const char *const names[] = {"year", "holidays", "makeup_workdays", NULL};
    config_t cfg;
    config_init(&cfg);
    int rc = -1, year = -1;
    calendar_year_t *grown = realloc(self->years, sizeof(*grown) * ((size_t)self->nyears + 1));
    if (!grown)
        goto out_config;
    self->years = grown;
    calendar_year_t *entry = &self->years[self->nyears];
    memset(entry, 0, sizeof(*entry));
    if (s_read_file(&cfg, f, path, names) < 0)
        goto out_config;
    if (config_lookup_int(&cfg, "year", &year) != CONFIG_TRUE || year != file_year) {
        log_error("calendar file: needs year", "file=%s year=%d", path, file_year);
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
    if (strlen(name) != 9 || strcmp(name + 4, ".conf") != 0 ||
        calendar_read_digits(name, 4, &year) < 0)
        return -1;
    return year;
}

/* Opens path for s_read_hours or s_read_year: NULL (logged) when it cannot. */
static FILE *s_open(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        log_error("could not read calendar file", "file=%s err=%s", path, strerror(errno));
    return f;
}

/* hours.conf in dir, the default hours when there is none. */
static int s_read_hours_in(calendar_t *self, const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/hours.conf", dir);
    if (access(path, F_OK) != 0)
        return s_read_hours(self, NULL, path);
    FILE *f = s_open(path);
    int rc = f ? s_read_hours(self, f, path) : -1;
    if (f)
        fclose(f);
    return rc;
}

static int s_read_year_in(calendar_t *self, const char *dir, int file_year)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%04d.conf", dir, file_year);
    FILE *f = s_open(path);
    int rc = f ? s_read_year(self, f, path, file_year) : -1;
    if (f)
        fclose(f);
    return rc;
}

calendar_t *calendar_new(const char *dir)
{
    assert(dir);
    calendar_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    DIR *d = opendir(dir);
    if (!d) {
        log_error("could not open calendar folder", "dir=%s err=%s", dir, strerror(errno));
        goto out_free_self;
    }
    if (s_read_hours_in(self, dir) < 0)
        goto out_closedir;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        int year = s_year_of_name(entry->d_name);
        if (year >= 0 && s_read_year_in(self, dir, year) < 0)
            goto out_closedir;
    }
    closedir(d);
    log_debug("calendar loaded", "dir=%s years=%d day_length_s=%lld", dir, self->nyears,
              (long long)(self->day_us / CALENDAR_SECOND_US));
    return self;

out_closedir:
    closedir(d);
out_free_self:
    calendar_destroy(&self);
    return NULL;
}

/* A text in memory as a stream for libconfig; fmemopen takes a length, so
 * a NUL inside the text reaches the parser as it would from a file. */
static FILE *s_open_text(const char *text, size_t len)
{
    FILE *f = fmemopen((void *)(len ? text : ""), len, "r");
    if (!f)
        log_error("could not read calendar text", "err=%s", strerror(errno));
    return f;
}

calendar_t *calendar_new_from_texts(const char *hours, size_t hours_len,
                                    const calendar_text_t *years, size_t nyears)
{
    calendar_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    FILE *f = hours ? s_open_text(hours, hours_len) : NULL;
    int rc = hours && !f ? -1 : s_read_hours(self, f, "hours.conf");
    if (f)
        fclose(f);
    for (size_t i = 0; rc == 0 && i < nyears; i++) {
        char name[32];
        snprintf(name, sizeof(name), "%04d.conf", years[i].year);
        if (years[i].year < 0 || years[i].year >= CALENDAR_YEARS) {
            log_error("calendar text: a year outside 0000 to 9999", "year=%d", years[i].year);
            rc = -1;
            break;
        }
        if (!(f = s_open_text(years[i].text, years[i].len))) {
            rc = -1;
            break;
        }
        rc = s_read_year(self, f, name, years[i].year);
        fclose(f);
    }
    if (rc < 0)
        calendar_destroy(&self);
    return self;
}

calendar_t *calendar_from_settings(struct settings *settings)
{
    char dir[4096];
    if (settings_int(settings, "calendar.round_the_clock", 0))
        return calendar_new_round_the_clock();
    return calendar_new(settings_file(settings, "calendar_dir", "calendar", dir, sizeof(dir)));
}
