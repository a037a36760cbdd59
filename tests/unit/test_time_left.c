/* common/time_left.c: the traffic light and the working time left as
 * people read it, on the working calendar and on the natural clock. */
#include "time_left.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#define HOUR 3600000000LL
#define MINUTE 60000000LL
/* 2017-02-06 (a Monday) 09:00 in China */
#define MON_0900 1486342800000000LL

static void test_format(void **state)
{
    char buf[64];
    time_left_format(7 * HOUR + 30 * MINUTE + 3 * HOUR, 7 * HOUR + 30 * MINUTE, false, buf, sizeof(buf));
    assert_string_equal(buf, "1个工作日3小时");
    time_left_format(2 * (7 * HOUR + 30 * MINUTE), 7 * HOUR + 30 * MINUTE, false, buf, sizeof(buf));
    assert_string_equal(buf, "2个工作日");
    time_left_format(45 * MINUTE, 7 * HOUR + 30 * MINUTE, false, buf, sizeof(buf));
    assert_string_equal(buf, "45分钟");
    time_left_format(2 * HOUR + 5 * MINUTE, 7 * HOUR + 30 * MINUTE, false, buf, sizeof(buf));
    assert_string_equal(buf, "2小时5分钟");
    time_left_format(30 * HOUR, 24 * HOUR, true, buf, sizeof(buf));
    assert_string_equal(buf, "1天6小时");
    time_left_format(10000000LL, 24 * HOUR, true, buf, sizeof(buf));
    assert_string_equal(buf, "不足1分钟");
}

static void test_lights_on_the_working_calendar(void **state)
{
    calendar_t *cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    assert_non_null(cal);
    time_left_t t;
    /* due Monday 17:30, warned at 15:30, seen at 09:00: 7 working hours left */
    int64_t due = MON_0900 + 8 * HOUR + 30 * MINUTE, warn = due - 2 * HOUR;
    time_left_compute(cal, false, MON_0900, warn, due, 0, &t);
    assert_int_equal(t.light, TIME_LEFT_GREEN);
    assert_string_equal(t.text, "剩余 7小时");
    time_left_compute(cal, false, warn, warn, due, 0, &t);
    assert_int_equal(t.light, TIME_LEFT_AMBER);
    /* overdue by a working day and three hours: Tuesday's close plus 3 h of Wednesday */
    int64_t wed_1130 = MON_0900 + 48 * HOUR + 2 * HOUR + 30 * MINUTE;
    time_left_compute(cal, false, wed_1130, warn, due, 0, &t);
    assert_int_equal(t.light, TIME_LEFT_RED);
    assert_string_equal(t.text, "已超期 1个工作日3小时");
    assert_true(t.left_us < 0);
    assert_string_equal(time_left_light_str(t.light), "red");
    /* paused at 10:00: the count stands there, whatever the hour now */
    time_left_compute(cal, false, wed_1130, warn, due, MON_0900 + HOUR, &t);
    assert_int_equal(t.light, TIME_LEFT_GREEN);
    assert_true(t.paused);
    assert_string_equal(t.text, "剩余 6小时");
    calendar_destroy(&cal);
}

static void test_natural_clock(void **state)
{
    calendar_t *natural = calendar_new_round_the_clock();
    time_left_t t;
    time_left_compute(natural, true, 0, 0, 26 * HOUR, 0, &t);
    assert_string_equal(t.text, "剩余 1天2小时");
    calendar_destroy(&natural);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_lights_on_the_working_calendar),
        cmocka_unit_test(test_natural_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
