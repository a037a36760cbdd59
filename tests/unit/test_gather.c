/* common/gather.c: when a batch that could go waits for more. */
#include "gather.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#define MS 1000LL

/* n arrivals every gap_us from at_us into a batch that held held; returns
 * the time of the last. */
static int64_t s_arrive(gather_t *g, int64_t at_us, int64_t gap_us, int n, int held)
{
    for (int i = 0; i < n; i++, at_us += gap_us)
        gather_arrived(g, at_us, held + i);
    return at_us - gap_us;
}

static void test_no_window_never_waits(void **state)
{
    gather_t g;
    gather_init(&g, 0, 32, 2);
    int64_t t = s_arrive(&g, 10 * MS, 100, 20, 0);
    assert_int_equal(gather_wait_us(&g, t, 20), 0);
}

static void test_first_after_a_quiet_spell_goes_at_once(void **state)
{
    gather_t g;
    gather_init(&g, 5, 32, 2);
    /* the very first arrival, and one after a pause longer than the window */
    gather_arrived(&g, 1000 * MS, 0);
    assert_int_equal(gather_wait_us(&g, 1000 * MS, 1), 0);
    gather_arrived(&g, 1006 * MS, 0);
    assert_int_equal(gather_wait_us(&g, 1006 * MS, 1), 0);
}

static void test_steady_stream_waits_while_it_pays(void **state)
{
    gather_t g;
    gather_init(&g, 5, 32, 2);
    /* a long stream every 1 ms settles the mean gap near 1 ms (it starts
     * from a second, so that the rule trusts no rate it has not seen) */
    int64_t t = s_arrive(&g, 1000 * MS, MS, 150, 0);
    /* a new batch starts with the next arrival, not after a pause */
    t += MS;
    gather_arrived(&g, t, 0);
    int64_t wait = gather_wait_us(&g, t, 1);
    assert_true(wait > 3 * MS && wait <= 5 * MS);
    /* 2 ms later two more would still come in the 3 ms left: it waits */
    gather_arrived(&g, t + MS, 1);
    gather_arrived(&g, t + 2 * MS, 2);
    assert_int_equal(gather_wait_us(&g, t + 2 * MS, 3), 3 * MS);
    /* with under 2 ms left, fewer than two would: it goes */
    gather_arrived(&g, t + 3 * MS, 3);
    gather_arrived(&g, t + 4 * MS, 4);
    assert_int_equal(gather_wait_us(&g, t + 4 * MS, 5), 0);
}

static void test_slow_stream_does_not_wait(void **state)
{
    gather_t g;
    gather_init(&g, 5, 32, 2);
    /* every 4 ms: within the window, but one more at most would come */
    int64_t t = s_arrive(&g, 1000 * MS, 4 * MS, 150, 0);
    t += 4 * MS;
    gather_arrived(&g, t, 0);
    assert_int_equal(gather_wait_us(&g, t, 1), 0);
}

static void test_full_batch_goes(void **state)
{
    gather_t g;
    gather_init(&g, 30000, 32, 4);
    int64_t t = s_arrive(&g, 1000 * MS, 100, 31, 0);
    t = s_arrive(&g, t + 100, 100, 31, 0);
    assert_true(gather_wait_us(&g, t, 31) > 0);
    gather_arrived(&g, t + 100, 31);
    assert_int_equal(gather_wait_us(&g, t + 100, 32), 0);
}

static void test_window_closes(void **state)
{
    gather_t g;
    gather_init(&g, 30000, 32, 4);
    int64_t t = s_arrive(&g, 1000 * MS, 100, 10, 0);
    t = s_arrive(&g, t + 100, 100, 3, 0);
    int64_t first = t - 200;
    assert_int_equal(gather_wait_us(&g, t, 3), first + 30000 * MS - t);
    assert_int_equal(gather_wait_us(&g, first + 30000 * MS, 3), 0);
}

static void test_callers_that_wait_need_company(void **state)
{
    gather_t g;
    gather_init(&g, 5, 32, 2);
    gather_callers_wait(&g);
    /* a lone caller every 1 ms, each alone when it arrives: never waits */
    int64_t t = 1000 * MS;
    for (int i = 0; i < 150; i++, t += MS) {
        gather_arrived_among(&g, t, 0, 0);
        assert_int_equal(gather_wait_us(&g, t, 1), 0);
    }
    /* callers arriving while three others wait: the batch waits for more */
    for (int i = 0; i < 30; i++, t += MS)
        gather_arrived_among(&g, t, i, 3);
    t += MS;
    gather_arrived_among(&g, t, 0, 3);
    assert_true(gather_wait_us(&g, t, 1) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_window_never_waits),
        cmocka_unit_test(test_first_after_a_quiet_spell_goes_at_once),
        cmocka_unit_test(test_steady_stream_waits_while_it_pays),
        cmocka_unit_test(test_slow_stream_does_not_wait),
        cmocka_unit_test(test_full_batch_goes),
        cmocka_unit_test(test_window_closes),
        cmocka_unit_test(test_callers_that_wait_need_company),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
