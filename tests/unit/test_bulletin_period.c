/* services/bulletin/bulletin_period.c and the schedule's due instant
 * (bulletin_schedule.c): parsing 2017-03 / 2017-Q2 / 2017-H1 / 2017, the
 * period before, month bounds in the calendar's zone, the latest ended
 * period, Chinese titles, and the first working day after a period ends on
 * the shipped 2017 calendar (holidays and make-up days). */
#include "bulletin_period.h"
#include "bulletin_schedule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#define S 1000000LL
#define H (3600LL * S)

static calendar_t *s_cal;

static int s_setup(void **state)
{
    s_cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    return s_cal ? 0 : -1;
}

static int s_teardown(void **state)
{
    calendar_destroy(&s_cal);
    return 0;
}

static void s_expect(const char *text, bulletin_kind_t kind, int year, int first, int months,
                     const char *label)
{
    bulletin_period_t p;
    assert_int_equal(bulletin_period_parse(text, &p), 0);
    assert_int_equal(p.kind, kind);
    assert_int_equal(p.year, year);
    assert_int_equal(p.first_month, first);
    assert_int_equal(p.months, months);
    assert_string_equal(p.label, label);
}

static void test_parse(void **state)
{
    s_expect("2017-03", BULLETIN_MONTH, 2017, 3, 1, "2017-03");
    s_expect("2017-12", BULLETIN_MONTH, 2017, 12, 1, "2017-12");
    s_expect("2017-Q2", BULLETIN_QUARTER, 2017, 4, 3, "2017-Q2");
    s_expect("2017-q4", BULLETIN_QUARTER, 2017, 10, 3, "2017-Q4");
    s_expect("2017-H1", BULLETIN_HALF, 2017, 1, 6, "2017-H1");
    s_expect("2017-h2", BULLETIN_HALF, 2017, 7, 6, "2017-H2");
    s_expect("2017", BULLETIN_YEAR, 2017, 1, 12, "2017");
}

static void test_parse_refuses(void **state)
{
    static const char *bad[] = {"",        "2017-13",  "2017-00", "2017-3",   "2017-Q0", "2017-Q5",
                                "2017-H0", "2017-H3",  "17-03",   "2017-03x", "2017-",   "1899",
                                "2017/03", "２０１７", "2017-Q",  " 2017",    "2017-W1", NULL};
    bulletin_period_t p;
    memset(&p, 0x5a, sizeof(p));
    for (int i = 0; bad[i]; i++)
        assert_int_equal(bulletin_period_parse(bad[i], &p), -1);
    assert_int_equal(bulletin_period_parse(NULL, &p), -1);
    assert_int_equal(p.year, 0x5a5a5a5a); /* left alone */
    /* The kind must match the label. */
    assert_int_equal(bulletin_period_parse_kind(BULLETIN_QUARTER, "2017-03", &p), -1);
    assert_int_equal(bulletin_period_parse_kind(BULLETIN_MONTH, "2017-Q1", &p), -1);
    assert_int_equal(bulletin_period_parse_kind(BULLETIN_YEAR, "2017-H1", &p), -1);
    assert_int_equal(bulletin_period_parse_kind(BULLETIN_HALF, "2017-H1", &p), 0);
    bulletin_kind_t kind;
    assert_int_equal(bulletin_kind_parse("quarter", &kind), 0);
    assert_int_equal(kind, BULLETIN_QUARTER);
    assert_int_equal(bulletin_kind_parse("week", &kind), -1);
}

static void test_previous_and_months(void **state)
{
    static const char *pairs[][2] = {{"2017-01", "2016-12"}, {"2017-03", "2017-02"},
                                     {"2017-Q1", "2016-Q4"}, {"2017-Q3", "2017-Q2"},
                                     {"2017-H1", "2016-H2"}, {"2017-H2", "2017-H1"},
                                     {"2017", "2016"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        bulletin_period_t p, prev;
        assert_int_equal(bulletin_period_parse(pairs[i][0], &p), 0);
        bulletin_period_previous(&p, &prev);
        assert_string_equal(prev.label, pairs[i][1]);
        assert_int_equal(prev.kind, p.kind);
    }
    bulletin_period_t q;
    bulletin_period_parse("2017-Q4", &q);
    int y, m;
    bulletin_period_month(&q, 3, &y, &m); /* the month after the quarter */
    assert_int_equal(y, 2018);
    assert_int_equal(m, 1);
    bulletin_period_month(&q, -10, &y, &m);
    assert_int_equal(y, 2016);
    assert_int_equal(m, 12);
}

static void test_bounds_and_zone(void **state)
{
    int64_t offset = bulletin_calendar_offset_us(s_cal);
    assert_int_equal(offset, 8 * H);
    /* 2017-03-01T00:00+08:00 is 2017-02-28T16:00Z. */
    assert_int_equal(bulletin_month_start_us(2017, 3, offset), 1488297600LL * S);
    assert_int_equal(bulletin_month_start_us(2017, 3, 0), (1488297600LL + 8 * 3600) * S);
    calendar_t *rtc = calendar_new_round_the_clock();
    assert_int_equal(bulletin_calendar_offset_us(rtc), 0);
    calendar_destroy(&rtc);
}

static void test_last_ended(void **state)
{
    int64_t offset = 8 * H;
    bulletin_period_t p;
    /* 2017-04-01T00:30+08:00: March and the first quarter have just ended. */
    int64_t t = bulletin_month_start_us(2017, 4, offset) + H / 2;
    bulletin_period_last_ended(BULLETIN_MONTH, t, offset, &p);
    assert_string_equal(p.label, "2017-03");
    bulletin_period_last_ended(BULLETIN_QUARTER, t, offset, &p);
    assert_string_equal(p.label, "2017-Q1");
    bulletin_period_last_ended(BULLETIN_HALF, t, offset, &p);
    assert_string_equal(p.label, "2016-H2");
    bulletin_period_last_ended(BULLETIN_YEAR, t, offset, &p);
    assert_string_equal(p.label, "2016");
    /* One minute before local midnight (already April in UTC terms? no:
     * 2017-03-31T23:59+08:00 is 15:59Z): March has not ended. */
    t = bulletin_month_start_us(2017, 4, offset) - 60 * S;
    bulletin_period_last_ended(BULLETIN_MONTH, t, offset, &p);
    assert_string_equal(p.label, "2017-02");
    bulletin_period_last_ended(BULLETIN_QUARTER, t, offset, &p);
    assert_string_equal(p.label, "2016-Q4");
}

static void test_titles(void **state)
{
    static const char *cases[][2] = {{"2017-03", "2017年3月月检查"},
                                     {"2017-Q2", "2017年第二季度通报"},
                                     {"2017-H1", "2017年上半年小结"},
                                     {"2017-H2", "2017年下半年小结"},
                                     {"2017", "2017年年终总评"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bulletin_period_t p;
        char title[96];
        bulletin_period_parse(cases[i][0], &p);
        bulletin_period_title(&p, title, sizeof(title));
        assert_string_equal(title, cases[i][1]);
    }
}

/* Due: at 09:00 on the first working day after the period's last day. */
static void s_due(const char *label, int64_t want_s)
{
    bulletin_period_t p;
    assert_int_equal(bulletin_period_parse(label, &p), 0);
    assert_int_equal(bulletin_schedule_due_us(s_cal, &p, 8 * H, 9 * 60), want_s * S);
}

static void test_schedule_due(void **state)
{
    s_due("2017-Q1", 1491008400); /* Sat 2017-04-01 is a make-up working day */
    s_due("2017-03", 1491008400);
    s_due("2017-01", 1486083600); /* Feb 1-2 are Spring Festival: Fri 2017-02-03 */
    s_due("2017-04", 1493686800); /* May 1 is Labour Day: Tue 2017-05-02 */
    s_due("2017-09", 1507510800); /* Oct 1-8 National Day: Mon 2017-10-09 */
    s_due("2016", 1483405200);    /* Jan 1-2 2017 are holidays: Tue 2017-01-03 */
    s_due("2016-H2", 1483405200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_previous_and_months),
        cmocka_unit_test(test_bounds_and_zone),
        cmocka_unit_test(test_last_ended),
        cmocka_unit_test(test_titles),
        cmocka_unit_test(test_schedule_due),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
