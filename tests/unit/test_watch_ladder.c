/* services/watch/watch_ladder.c: the wait before the next recount of the
 * ladder's violations grows with what the last one cost. */
#include "watch_ladder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

/* A cheap count (a new deployment, a few thousand violations) keeps the
 * configured interval. */
static void test_cheap_count_keeps_interval(void **state)
{
    (void)state;
    assert_int_equal(watch_ladder_interval_ms(1000, 0), 1000);
    assert_int_equal(watch_ladder_interval_ms(1000, 2000), 1000);
    assert_int_equal(watch_ladder_interval_ms(1000, 50000), 1000);
}

/* A costly one spaces the next by twenty times its own time: 82 ms (40,000
 * violations) -> 1.64 s; 2 s -> 40 s. */
static void test_costly_count_spaces_the_next(void **state)
{
    (void)state;
    assert_int_equal(watch_ladder_interval_ms(1000, 82000), 1640);
    assert_int_equal(watch_ladder_interval_ms(1000, 2000000), 40000);
    assert_int_equal(watch_ladder_interval_ms(60000, 2000000), 60000);
}

/* However long a count took (a stalled database), the next comes within the
 * hour. */
static void test_interval_bounded(void **state)
{
    (void)state;
    assert_int_equal(watch_ladder_interval_ms(1000, INT64_C(86400) * 1000000), 3600 * 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cheap_count_keeps_interval),
        cmocka_unit_test(test_costly_count_spaces_the_next),
        cmocka_unit_test(test_interval_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
