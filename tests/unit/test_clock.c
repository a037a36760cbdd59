/* common/clock.c: tests can pin and advance the clock; formatting is UTC. */
#include "clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void test_fixed_and_advanced(void **state)
{
    clock_set_fixed(1485417600LL * 1000000LL); /* 2017-01-26T08:00:00Z */
    assert_int_equal(clock_now_us(), 1485417600LL * 1000000LL);
    clock_advance(90);
    assert_int_equal(clock_now_us(), (1485417600LL + 90) * 1000000LL);
    char buf[40];
    clock_format_utc(clock_now_us() + 123000, buf, sizeof(buf));
    assert_string_equal(buf, "2017-01-26T08:01:30.123Z");
    clock_advance(-90);
    clock_set_fixed(0);
    assert_true(clock_now_us() > 1700000000LL * 1000000LL);
}

static void test_monotonic_never_goes_back(void **state)
{
    int64_t a = clock_mono_us();
    int64_t b = clock_mono_us();
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_and_advanced),
        cmocka_unit_test(test_monotonic_never_goes_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
