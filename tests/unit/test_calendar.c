/* common/calendar.c against the shipped calendar (2017, 2025, 2026 and the
 * default hours), a round-the-clock calendar, broken calendar folders and
 * the files' texts read from memory. */
#include "calendar.h"
#include "clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after the headers it needs */

#define HOUR_US (3600LL * 1000000LL)
#define MINUTE_US (60LL * 1000000LL)

static calendar_t *s_cal;
static calendar_t *s_rtc;

static int s_load(void **state)
{
    s_cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    s_rtc = calendar_new_round_the_clock();
    return s_cal && s_rtc ? 0 : -1;
}

static int s_unload(void **state)
{
    calendar_destroy(&s_cal);
    calendar_destroy(&s_rtc);
    calendar_destroy(&s_cal); /* twice is safe */
    return 0;
}

static int64_t s_at(const char *text)
{
    int64_t us = 0;
    if (calendar_parse_instant(text, &us) < 0)
        fail_msg("could not parse %s", text);
    return us;
}

/* Asserts that start + working time ends at the instant written as due. */
static void s_check_add(const char *start, int64_t working_us, const char *due)
{
    char buf[48];
    calendar_format_instant(s_cal, calendar_add_working(s_cal, s_at(start), working_us), buf,
                            sizeof(buf));
    assert_string_equal(buf, due);
}

static void test_spring_festival(void **state)
{
    calendar_window_t w;
    assert_int_equal(calendar_parse_window("3d", &w), 0);
    assert_int_equal(calendar_window_us(s_cal, &w), 3 * 7 * HOUR_US + 3 * 30 * MINUTE_US);
    /* Thursday 16:00; 27 Jan - 2 Feb holidays, 3 Feb Friday, 4 Feb make-up
     * Saturday, 5 Feb Sunday: 1.5 + 7.5 + 7.5 + 6 h */
    s_check_add("2017-01-26T16:00+08:00", calendar_window_us(s_cal, &w),
                "2017-02-06T16:00:00+08:00");
}

static void test_lunch_break_and_close(void **state)
{
    s_check_add("2017-03-07T11:30+08:00", HOUR_US, "2017-03-07T14:00:00+08:00");
    s_check_add("2017-03-07T11:00+08:00", HOUR_US, "2017-03-07T12:00:00+08:00");
    s_check_add("2017-03-07T17:00+08:00", 30 * MINUTE_US, "2017-03-07T17:30:00+08:00");
    s_check_add("2017-03-07T17:00+08:00", 31 * MINUTE_US, "2017-03-08T08:31:00+08:00");
    s_check_add("2017-03-10T17:00+08:00", 31 * MINUTE_US, "2017-03-13T08:31:00+08:00");
    s_check_add("2017-03-07T08:30+08:00", 7 * HOUR_US + 30 * MINUTE_US,
                "2017-03-07T17:30:00+08:00");
}

static void test_start_outside_working_time(void **state)
{
    s_check_add("2017-03-05T10:00+08:00", HOUR_US, "2017-03-06T09:30:00+08:00"); /* Sunday */
    s_check_add("2017-03-07T22:00+08:00", HOUR_US, "2017-03-08T09:30:00+08:00"); /* night */
    s_check_add("2017-03-07T06:00+08:00", HOUR_US, "2017-03-07T09:30:00+08:00");
    s_check_add("2017-03-07T12:00+08:00", HOUR_US, "2017-03-07T14:30:00+08:00"); /* lunch */
    s_check_add("2017-03-07T12:45+08:00", 4 * HOUR_US + 30 * MINUTE_US,
                "2017-03-08T09:00:00+08:00");
    s_check_add("2017-03-05T10:00+08:00", 0, "2017-03-05T10:00:00+08:00");
}

static void test_working_time_boundaries(void **state)
{
    assert_true(calendar_is_working_time(s_cal, s_at("2017-03-07T08:30+08:00")));
    assert_false(calendar_is_working_time(s_cal, s_at("2017-03-07T08:30+08:00") - 1));
    assert_true(calendar_is_working_time(s_cal, s_at("2017-03-07T12:00+08:00") - 1));
    assert_false(calendar_is_working_time(s_cal, s_at("2017-03-07T12:00+08:00")));
    assert_true(calendar_is_working_time(s_cal, s_at("2017-03-07T13:30+08:00")));
    assert_false(calendar_is_working_time(s_cal, s_at("2017-03-07T17:30+08:00")));
    assert_false(calendar_is_working_time(s_cal, s_at("2017-03-05T10:00+08:00")));
    assert_int_equal(calendar_day_length_us(s_cal), 7 * HOUR_US + 30 * MINUTE_US);
}

static void s_check_kind(int y, int m, int d, calendar_day_t want)
{
    calendar_day_t kind;
    assert_int_equal(calendar_day_kind(s_cal, y, m, d, &kind), 0);
    if (kind != want)
        fail_msg("%04d-%02d-%02d is %s, want %s", y, m, d, calendar_day_str(kind),
                 calendar_day_str(want));
    assert_int_equal(calendar_is_working_day(s_cal, y, m, d),
                     want == CALENDAR_DAY_WORKING || want == CALENDAR_DAY_MAKEUP);
}

static void test_makeup_days_count(void **state)
{
    s_check_kind(2017, 1, 22, CALENDAR_DAY_MAKEUP); /* Sunday */
    s_check_kind(2017, 2, 4, CALENDAR_DAY_MAKEUP);  /* Saturday */
    s_check_kind(2025, 2, 8, CALENDAR_DAY_MAKEUP);  /* Saturday */
    s_check_kind(2017, 1, 29, CALENDAR_DAY_HOLIDAY);
    s_check_kind(2017, 3, 5, CALENDAR_DAY_WEEKEND);
    s_check_kind(2017, 3, 6, CALENDAR_DAY_WORKING);
    assert_true(calendar_is_working_time(s_cal, s_at("2017-01-22T10:00+08:00")));
    s_check_add("2017-01-21T10:00+08:00", HOUR_US, "2017-01-22T09:30:00+08:00");
}

static void test_holidays_2025_2026(void **state)
{
    s_check_kind(2025, 1, 1, CALENDAR_DAY_HOLIDAY);
    s_check_kind(2025, 9, 28, CALENDAR_DAY_MAKEUP);  /* Sunday */
    s_check_kind(2025, 10, 8, CALENDAR_DAY_HOLIDAY); /* Wednesday */
    s_check_kind(2025, 10, 9, CALENDAR_DAY_WORKING);
    s_check_kind(2025, 10, 11, CALENDAR_DAY_MAKEUP); /* Saturday */
    s_check_kind(2025, 10, 12, CALENDAR_DAY_WEEKEND);
    s_check_kind(2026, 1, 4, CALENDAR_DAY_MAKEUP); /* Sunday */
    s_check_kind(2026, 2, 14, CALENDAR_DAY_MAKEUP);
    s_check_kind(2026, 2, 23, CALENDAR_DAY_HOLIDAY); /* Monday */
    s_check_kind(2026, 2, 28, CALENDAR_DAY_MAKEUP);
    s_check_kind(2026, 10, 8, CALENDAR_DAY_WORKING);
    /* back and forth across the new year: the year found last is kept
     * (per thread) and must serve no day outside it */
    s_check_kind(2025, 12, 31, CALENDAR_DAY_WORKING);
    s_check_kind(2026, 1, 1, CALENDAR_DAY_HOLIDAY);
    s_check_kind(2025, 10, 8, CALENDAR_DAY_HOLIDAY);
    s_check_kind(2026, 1, 4, CALENDAR_DAY_MAKEUP);
    s_check_kind(2025, 1, 1, CALENDAR_DAY_HOLIDAY);
    s_check_kind(2026, 12, 31, CALENDAR_DAY_WORKING);
    calendar_day_t kind = CALENDAR_DAY_WORKING;
    assert_int_equal(calendar_day_kind(s_cal, 2025, 2, 29, &kind), -1);
    assert_false(calendar_is_working_day(s_cal, 2025, 13, 1));
}

static void test_year_boundary_without_file(void **state)
{
    /* no 2016 file: plain weekdays; 2017-01-01 and 02 are holidays */
    assert_true(calendar_is_working_day(s_cal, 2016, 12, 30));
    assert_false(calendar_is_working_day(s_cal, 2016, 12, 31));
    s_check_add("2016-12-30T17:00+08:00", 2 * HOUR_US, "2017-01-03T10:00:00+08:00");
    s_check_add("2016-12-30T17:00+08:00", 90 * MINUTE_US, "2017-01-03T09:30:00+08:00");
}

static void test_between_inverts_add(void **state)
{
    static const char *starts[] = {"2016-12-30T17:00+08:00",      "2017-01-26T16:00+08:00",
                                   "2017-01-21T23:59:59.5+08:00", "2017-03-07T12:00+08:00",
                                   "2017-03-07T11:59+08:00",      "2017-03-05T03:00Z",
                                   "2025-09-30T17:29:59+08:00",   "2025-12-31T12:00+08:00"};
    static const int64_t windows[] = {0,
                                      1,
                                      1000000,
                                      59 * MINUTE_US,
                                      HOUR_US,
                                      210 * MINUTE_US,
                                      450 * MINUTE_US,
                                      1350 * MINUTE_US,
                                      100 * HOUR_US,
                                      75 * HOUR_US + 7};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
        for (size_t j = 0; j < sizeof(windows) / sizeof(windows[0]); j++) {
            int64_t a = s_at(starts[i]);
            int64_t b = calendar_add_working(s_cal, a, windows[j]);
            assert_true(b >= a);
            assert_int_equal(calendar_working_between(s_cal, a, b), windows[j]);
            assert_int_equal(calendar_working_between(s_cal, b, a), 0);
            /* earliest: a microsecond earlier is not enough */
            if (windows[j] > 0)
                assert_int_equal(calendar_working_between(s_cal, a, b - 1), windows[j] - 1);
        }
    int64_t a = s_at("2017-03-06T00:00+08:00");
    assert_int_equal(calendar_working_between(s_cal, a, a), 0);
    assert_int_equal(calendar_working_between(s_cal, a, s_at("2017-03-13T00:00+08:00")),
                     5 * 450 * MINUTE_US);
    assert_int_equal(calendar_working_between(s_cal, s_at("2017-01-26T16:00+08:00"),
                                              s_at("2017-02-06T16:00+08:00")),
                     1350 * MINUTE_US);
}

static void test_days_from_next_working_day(void **state)
{
    char buf[48];
    int64_t due = calendar_add_days_from_next(s_cal, s_at("2017-01-26T14:00+08:00"), 3);
    calendar_format_instant(s_cal, due, buf, sizeof(buf));
    assert_string_equal(buf, "2017-02-06T17:30:00+08:00");
    due = calendar_add_days_from_next(s_cal, s_at("2017-01-26T07:00+08:00"), 3);
    calendar_format_instant(s_cal, due, buf, sizeof(buf));
    assert_string_equal(buf, "2017-02-06T17:30:00+08:00");
    due = calendar_add_days_from_next(s_cal, s_at("2017-03-10T15:00+08:00"), 1); /* Friday */
    calendar_format_instant(s_cal, due, buf, sizeof(buf));
    assert_string_equal(buf, "2017-03-13T17:30:00+08:00");
    int64_t start = s_at("2017-03-10T15:00+08:00");
    assert_int_equal(calendar_add_days_from_next(s_cal, start, 0), start);
}

static void test_long_span_is_fast(void **state)
{
    calendar_window_t w;
    assert_int_equal(calendar_parse_window("10000d", &w), 0);
    int64_t a = s_at("2017-01-26T16:00+08:00"), t0 = clock_mono_us();
    int64_t b = calendar_add_working(s_cal, a, calendar_window_us(s_cal, &w));
    assert_int_equal(calendar_working_between(s_cal, a, b), calendar_window_us(s_cal, &w));
    assert_true(clock_mono_us() - t0 < 2000000);
    int64_t far = calendar_add_days_from_next(s_cal, a, 10000);
    assert_true(far > b && far != CALENDAR_NEVER);
    assert_int_equal(calendar_add_working(s_cal, s_at("9999-12-31T17:00+08:00"), HOUR_US),
                     CALENDAR_NEVER);
}

static void test_round_the_clock(void **state)
{
    char buf[48];
    int64_t a = s_at("2017-01-28T23:59:59+08:00"); /* a holiday Saturday */
    assert_int_equal(calendar_add_working(s_rtc, a, 3000000), a + 3000000);
    assert_int_equal(calendar_working_between(s_rtc, a, a + 7 * 24 * HOUR_US), 7 * 24 * HOUR_US);
    assert_true(calendar_is_working_time(s_rtc, a));
    assert_true(calendar_is_working_day(s_rtc, 2017, 1, 28));
    calendar_window_t w;
    assert_int_equal(calendar_parse_window("3d", &w), 0);
    assert_int_equal(calendar_window_us(s_rtc, &w), 72 * HOUR_US);
    calendar_format_instant(s_rtc, a + 3000000, buf, sizeof(buf));
    assert_string_equal(buf, "2017-01-28T16:00:02Z");
}

static void test_parse_window(void **state)
{
    static const struct {
        const char *text;
        calendar_unit_t unit;
        int64_t amount;
    } good[] = {{"5h", CALENDAR_UNIT_HOURS, 5},     {"3d", CALENDAR_UNIT_DAYS, 3},
                {"90m", CALENDAR_UNIT_MINUTES, 90}, {"30s", CALENDAR_UNIT_SECONDS, 30},
                {"0h", CALENDAR_UNIT_HOURS, 0},     {"1000000d", CALENDAR_UNIT_DAYS, 1000000}};
    static const char *bad[] = {"",    "h",        "5",         "5x",   "-5h", "+5h",
                                "5 h", " 5h",      "5h ",       "1.5h", "5H",  "5hh",
                                "d5",  "1000001d", "99999999h", "3days"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        calendar_window_t w = {0};
        assert_int_equal(calendar_parse_window(good[i].text, &w), 0);
        assert_int_equal(w.unit, good[i].unit);
        assert_int_equal(w.amount, good[i].amount);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        calendar_window_t w = {0};
        if (calendar_parse_window(bad[i], &w) == 0)
            fail_msg("window \"%s\" was accepted", bad[i]);
    }
    calendar_window_t w = {CALENDAR_UNIT_MINUTES, 90};
    assert_int_equal(calendar_window_us(s_cal, &w), 90 * MINUTE_US);
}

static void test_parse_and_format_instant(void **state)
{
    int64_t us = 1;
    assert_int_equal(calendar_parse_instant("1970-01-01T00:00Z", &us), 0);
    assert_int_equal(us, 0);
    assert_int_equal(s_at("2000-03-01T00:00:00Z"), 951868800LL * 1000000LL);
    assert_int_equal(s_at("1969-12-31T23:59:59Z"), -1000000LL);
    int64_t t = s_at("2017-01-26T16:00+08:00");
    assert_int_equal(s_at("2017-01-26T08:00Z"), t);
    assert_int_equal(s_at("2017-01-26t08:00:00z"), t);
    assert_int_equal(s_at("2017-01-26 03:00:00-05:00"), t);
    assert_int_equal(s_at("2017-01-26T16:00:00.000+08:00"), t);
    assert_int_equal(s_at("2017-01-26T16:00:00.5+08:00"), t + 500000);
    assert_int_equal(s_at("2017-01-26T16:00:00.123456789+08:00"), t + 123456);
    char buf[48];
    calendar_format_instant(s_cal, t + 500000, buf, sizeof(buf));
    assert_string_equal(buf, "2017-01-26T16:00:00.500000+08:00");
    calendar_format_instant(s_cal, CALENDAR_NEVER, buf, sizeof(buf));
    assert_string_equal(buf, "never");
    static const char *bad[] = {"",
                                "junk",
                                "2017-01-26",
                                "2017-01-26T16:00",
                                "2017-01-26T16:00:00",
                                "2017-02-29T10:00Z",
                                "2017-13-01T10:00Z",
                                "2017-01-26T24:00Z",
                                "2017-01-26T16:60Z",
                                "2017-01-26T16:00:61Z",
                                "2017-01-26T16:00+8:00",
                                "2017-01-26T16:00+0800",
                                "2017-01-26T16:00+08:00x",
                                "2017-01-26T16:00:00.Z",
                                "2017-01-26T16:00.5Z",
                                "17-01-26T16:00Z",
                                "2017-01-26X16:00Z",
                                "2017-01-26T16:00+15:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        us = 7;
        if (calendar_parse_instant(bad[i], &us) == 0)
            fail_msg("instant \"%s\" was accepted", bad[i]);
        assert_int_equal(us, 7);
    }
    int y, m, d;
    assert_int_equal(calendar_local_date(s_cal, s_at("2017-01-26T20:00Z"), &y, &m, &d), 0);
    assert_true(y == 2017 && m == 1 && d == 27);
    assert_int_equal(calendar_local_date(s_cal, CALENDAR_NEVER, &y, &m, &d), -1);
}

/* Writes name in dir with text, or removes it when text is NULL. */
static void s_put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!text) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* True when dir holding only hours.conf (or none) and one year file loads;
 * the same texts from memory (calendar_new_from_texts) must load alike. */
static bool s_loads(const char *dir, const char *hours, const char *name, const char *year)
{
    s_put(dir, "hours.conf", hours);
    if (name)
        s_put(dir, name, year);
    calendar_t *cal = calendar_new(dir);
    bool ok = cal != NULL;
    calendar_destroy(&cal);
    s_put(dir, "hours.conf", NULL);
    if (name)
        s_put(dir, name, NULL);
    calendar_text_t text = {name ? atoi(name) : 0, year, year ? strlen(year) : 0};
    cal = calendar_new_from_texts(hours, hours ? strlen(hours) : 0, &text, name ? 1 : 0);
    assert_int_equal(cal != NULL, ok);
    calendar_destroy(&cal);
    return ok;
}

static void test_refuses_malformed_files(void **state)
{
    char dir[] = "/tmp/duban-calendar-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *h = "zone = \"Asia/Shanghai\"; hours = [\"08:30-12:00\", \"13:30-17:30\"];\n";
    assert_true(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [\"2018-01-01\"];\n"));
    assert_true(s_loads(dir, NULL, NULL, NULL)); /* default hours */
    assert_true(s_loads(dir, "zone = \"Europe/Paris\"; utc_offset = \"+01:00\";\n", NULL, NULL));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [\"2018-02-30\"];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [\"2018-1-5\"];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [\"junk\"];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [2018];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2017; holidays = [];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "holidays = [];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [\"2017-12-30\"];\n"));
    assert_false(
        s_loads(dir, h, "2018.conf", "year = 2018; makeup_workdays = [\"2018-01-03\"];\n"));
    assert_false(s_loads(dir, h, "2018.conf",
                         "year = 2018; holidays = [\"2018-02-11\"]; makeup_workdays = "
                         "[\"2018-02-11\"];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holiday = [\"2018-01-01\"];\n"));
    assert_false(s_loads(dir, h, "2018.conf", "year = 2018; holidays = [\"2018-01-01\"\n"));
    assert_false(s_loads(dir, "hours = [\"08:30-12:00\", \"11:00-17:30\"];\n", NULL, NULL));
    assert_false(s_loads(dir, "hours = [\"17:30-08:30\"];\n", NULL, NULL));
    assert_false(s_loads(dir, "hours = [\"8:30-12:00\"];\n", NULL, NULL));
    assert_false(s_loads(dir, "hours = [\"08:30-24:30\"];\n", NULL, NULL));
    assert_false(s_loads(dir, "hours = [];\n", NULL, NULL));
    assert_false(s_loads(dir, "zone = \"Europe/Paris\";\n", NULL, NULL));
    assert_false(s_loads(dir, "zone = \"Asia/Shanghai\"; utc_offset = \"+09:00\";\n", NULL, NULL));
    assert_false(s_loads(dir, "utc_offset = \"8\";\n", NULL, NULL));
    rmdir(dir);
    assert_null(calendar_new("/nonexistent/duban-calendar"));
}

/* The texts of the files, in memory, make the calendar the folder makes: the
 * default hours without hours.conf, a year's holidays and make-up days, and a
 * NUL in a text read as a file's NUL byte is (refused), not as its end. */
static void test_calendar_from_texts(void **state)
{
    static const char y2017[] = "year = 2017;\nholidays = [\"2017-01-27\", \"2017-01-30\"];\n"
                                "makeup_workdays = [\"2017-01-22\"];\n";
    calendar_text_t years[] = {{2017, y2017, sizeof(y2017) - 1}};
    calendar_t *cal = calendar_new_from_texts(NULL, 0, years, 1);
    assert_non_null(cal);
    assert_int_equal(calendar_day_length_us(cal), 7 * HOUR_US + 30 * MINUTE_US);
    calendar_day_t kind;
    assert_int_equal(calendar_day_kind(cal, 2017, 1, 27, &kind), 0);
    assert_int_equal(kind, CALENDAR_DAY_HOLIDAY);
    assert_int_equal(calendar_day_kind(cal, 2017, 1, 22, &kind), 0);
    assert_int_equal(kind, CALENDAR_DAY_MAKEUP);
    calendar_destroy(&cal);

    static const char utc[] = "zone = \"UTC\"; hours = [\"09:00-17:00\"];\n";
    cal = calendar_new_from_texts(utc, sizeof(utc) - 1, NULL, 0);
    assert_non_null(cal);
    assert_int_equal(calendar_day_length_us(cal), 8 * HOUR_US);
    calendar_destroy(&cal);
    /* The length counts, not a terminating NUL: a cut text is refused. */
    assert_null(calendar_new_from_texts(utc, 20, NULL, 0));
    static const char nul[] = "year = 2017;\0holidays = [];\n";
    calendar_text_t with_nul = {2017, nul, sizeof(nul) - 1};
    assert_null(calendar_new_from_texts("", 0, &with_nul, 1));
    calendar_text_t bad_year = {10000, "year = 10000;\n", 14};
    assert_null(calendar_new_from_texts(NULL, 0, &bad_year, 1));
}

static void test_custom_hours_and_offset(void **state)
{
    char dir[] = "/tmp/duban-calendar-XXXXXX";
    assert_non_null(mkdtemp(dir));
    s_put(dir, "hours.conf", "zone = \"UTC\"; hours = [\"09:00-17:00\"];\n");
    calendar_t *cal = calendar_new(dir);
    assert_non_null(cal);
    assert_int_equal(calendar_day_length_us(cal), 8 * HOUR_US);
    char buf[48];
    int64_t due = calendar_add_working(cal, s_at("2017-03-07T16:00Z"), 2 * HOUR_US);
    calendar_format_instant(cal, due, buf, sizeof(buf));
    assert_string_equal(buf, "2017-03-08T10:00:00Z");
    calendar_destroy(&cal);
    s_put(dir, "hours.conf", NULL);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spring_festival),
        cmocka_unit_test(test_lunch_break_and_close),
        cmocka_unit_test(test_start_outside_working_time),
        cmocka_unit_test(test_working_time_boundaries),
        cmocka_unit_test(test_makeup_days_count),
        cmocka_unit_test(test_holidays_2025_2026),
        cmocka_unit_test(test_year_boundary_without_file),
        cmocka_unit_test(test_between_inverts_add),
        cmocka_unit_test(test_days_from_next_working_day),
        cmocka_unit_test(test_long_span_is_fast),
        cmocka_unit_test(test_round_the_clock),
        cmocka_unit_test(test_parse_window),
        cmocka_unit_test(test_parse_and_format_instant),
        cmocka_unit_test(test_refuses_malformed_files),
        cmocka_unit_test(test_custom_hours_and_offset),
        cmocka_unit_test(test_calendar_from_texts),
    };
    return cmocka_run_group_tests(tests, s_load, s_unload);
}
