/* The month so far runs the month-check's own statements with the period
 * cut at now: only the last bound and the statements' "to" move. */
#include "bulletin_to_date.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define HOUR_US (3600LL * 1000000LL)
#define OFFSET (8 * HOUR_US)

static void test_cut_at_the_end_changes_nothing_but_the_spelling(void **state)
{
    bulletin_period_t p;
    assert_int_equal(bulletin_period_parse("2017-03", &p), 0);
    bulletin_query_t whole, cut;
    bulletin_query_init(&whole, &p, OFFSET);
    cut = whole;
    bulletin_to_date_cut(&cut, whole.bounds[whole.nmonths]);
    assert_int_equal(memcmp(cut.bounds, whole.bounds, sizeof(whole.bounds)), 0);
    assert_string_equal(cut.params[1], whole.params[1]);
    assert_string_equal(cut.params[3], whole.params[3]);
    /* the same instant, written in UTC: 2017-04-01T00:00+08:00 */
    assert_string_equal(cut.params[2], "2017-03-31T16:00:00.000Z");
    assert_non_null(strstr(cut.params[0], ",2017-03-01T00:00:00+08:00,2017-03-31T16:00:00.000Z}"));
}

static void test_cut_mid_month(void **state)
{
    bulletin_period_t p;
    assert_int_equal(bulletin_period_parse("2017-03", &p), 0);
    bulletin_query_t q, whole;
    bulletin_query_init(&q, &p, OFFSET);
    whole = q;
    int64_t now = whole.bounds[whole.first_current] + 10 * 24 * HOUR_US + 3 * HOUR_US;
    bulletin_to_date_cut(&q, now);
    assert_true(q.bounds[q.nmonths] == now);
    for (int i = 0; i < q.nmonths; i++)
        assert_true(q.bounds[i] == whole.bounds[i]);
    assert_string_equal(q.params[2], "2017-03-10T19:00:00.000Z");
    assert_string_equal(q.params[1], whole.params[1]); /* composing, as the whole month */
    assert_string_equal(q.params[3], whole.params[3]); /* the period's start */
    /* the statements are the engine's, unchanged */
    for (int i = 0; i < BQ_COUNT; i++) {
        int a, b;
        assert_string_equal(bulletin_query_sql(&q, i, &a), bulletin_query_sql(&whole, i, &b));
        assert_int_equal(a, b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_at_the_end_changes_nothing_but_the_spelling),
        cmocka_unit_test(test_cut_mid_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
