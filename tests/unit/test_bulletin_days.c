/* Frozen days (bulletin_days.c, bulletin_closures.c): which days are final
 * and read, the closures a month-check draws from (a case once, by its
 * latest closure; those no division's reply closed left out), and the
 * stored form of a day read, only of the days that ended an hour before
 * the read, in order. */
#include "bulletin_closures.h"
#include "bulletin_days.h"
#include "bulletin_months.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define OFFSET (8LL * 3600 * 1000000)
#define HOUR_US (3600LL * 1000000)
/* 2017-03-01T00:00:00+08:00 */
#define MARCH_US (1488297600LL * 1000000)

static void test_days_final(void **state)
{
    (void)state;
    bulletin_days_plan_t plan;
    /* 11 March, 01:30: ten days ended an hour ago or more */
    bulletin_days_latest(MARCH_US + 10 * BULLETIN_DAY_US + 90 * 60 * 1000000LL, OFFSET, &plan);
    assert_string_equal(plan.month.label, "2017-03");
    assert_true(plan.month_start_us == MARCH_US);
    assert_true(plan.final_end_us == MARCH_US + 10 * BULLETIN_DAY_US);
    /* 11 March, 00:30: only nine */
    bulletin_days_latest(MARCH_US + 10 * BULLETIN_DAY_US + 30 * 60 * 1000000LL, OFFSET, &plan);
    assert_true(plan.final_end_us == MARCH_US + 9 * BULLETIN_DAY_US);
    /* 1 April, 00:30: the month before's last day is not final yet, its
     * 30 March is */
    int64_t april = MARCH_US + 31 * BULLETIN_DAY_US;
    bulletin_days_latest(april + 30 * 60 * 1000000LL, OFFSET, &plan);
    assert_string_equal(plan.month.label, "2017-03");
    assert_true(plan.final_end_us == april - BULLETIN_DAY_US);
    /* a month asked for by name: its final days, never past its end */
    bulletin_period_t march;
    assert_int_equal(bulletin_period_parse("2017-03", &march), 0);
    assert_int_equal(bulletin_days_of_month(&march, april + 5 * BULLETIN_DAY_US, OFFSET, &plan), 0);
    assert_true(plan.final_end_us == april);
    assert_int_equal(bulletin_days_of_month(&march, MARCH_US + HOUR_US, OFFSET, &plan), -1);
    /* a read of the days after those stored, none when all are */
    assert_int_equal(bulletin_days_of_month(&march, april + 5 * BULLETIN_DAY_US, OFFSET, &plan), 0);
    bulletin_query_t q;
    assert_int_equal(bulletin_days_query(&q, &plan, MARCH_US + 20 * BULLETIN_DAY_US, OFFSET), 11);
    assert_true(q.days && q.from_rows);
    assert_true(q.bounds[0] == MARCH_US + 20 * BULLETIN_DAY_US && q.bounds[11] == april);
    assert_string_equal(q.params[3], "2017-03-21T00:00:00+08:00");
    assert_string_equal(q.params[2], "2017-04-01T00:00:00+08:00");
    assert_non_null(strstr(q.params[0], ",2017-03-22T00:00:00+08:00,"));
    assert_int_equal(bulletin_days_query(&q, &plan, april, OFFSET), 0);
}

static bulletin_data_t *s_data(int ndays)
{
    bulletin_data_t *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    bulletin_period_t march;
    assert_int_equal(bulletin_period_parse("2017-03", &march), 0);
    bulletin_query_init_days(&d->q, &march, MARCH_US, ndays, OFFSET);
    static const char *const codes[] = {"fiber", "metrology"};
    d->divisions = calloc(3, sizeof(*d->divisions));
    for (int i = 0; i < 2; i++) {
        d->divisions[i].code = strdup(codes[i]);
        d->divisions[i].name = strdup(codes[i]);
    }
    d->ndivisions = 2;
    d->cells = calloc(2 * 3 * (size_t)ndays, sizeof(*d->cells));
    d->overdue = calloc(1, sizeof(*d->overdue));
    d->topics = calloc(1, sizeof(*d->topics));
    return d;
}

static void s_add(bulletin_data_t *d, int day, const char *json)
{
    json_t *list = json_loads(json, 0, NULL);
    assert_non_null(list);
    assert_int_equal(bulletin_closures_add_stored(d, day, list), 0);
    json_decref(list);
}

static void test_closures_latest_once(void **state)
{
    (void)state;
    bulletin_data_t *d = s_data(3);
    s_add(d, 0,
          "[[\"C1\", \"fiber\", false], [\"C2\", \"metrology\", false], [\"C3\", \"\", false]]");
    /* C1 reopened and closed again by metrology; C2 closed again by no reply */
    s_add(d, 2,
          "[[\"C2\", \"\", false], [\"C1\", \"metrology\", false], [\"W1\", \"fiber\", true]]");
    assert_int_equal(bulletin_closures_settle(d), 0);
    assert_int_equal(d->nclosed, 2);
    const bulletin_sample_item_t *c1 =
        strcmp(d->closed[0].case_number, "C1") == 0 ? &d->closed[0] : &d->closed[1];
    const bulletin_sample_item_t *w1 = c1 == &d->closed[0] ? &d->closed[1] : &d->closed[0];
    assert_string_equal(c1->case_number, "C1");
    assert_int_equal(c1->division, 1); /* metrology, its latest */
    assert_false(c1->workitem);
    assert_string_equal(w1->case_number, "W1");
    assert_true(w1->workitem);
    /* a stored day's closures are of that form, or refused */
    json_t *bad = json_loads("[[\"C9\", 7, false]]", 0, NULL);
    assert_int_equal(bulletin_closures_add_stored(d, 1, bad), -1);
    json_decref(bad);
    bulletin_data_destroy(&d);
}

static void test_to_freeze(void **state)
{
    (void)state;
    bulletin_data_t *d = s_data(3);
    bulletin_data_cell(d, BULLETIN_LEAD, 0, 0)->received = 4;
    bulletin_data_cell(d, BULLETIN_LEAD, 1, 2)->replies = 2;
    s_add(d, 0, "[[\"C1\", \"fiber\", false]]");
    s_add(d, 2, "[[\"C2\", \"\", false]]");
    /* read an hour and a half after the third day ended: all three */
    d->read_us = MARCH_US + 3 * BULLETIN_DAY_US + 90 * 60 * 1000000LL;
    int count;
    char *text = bulletin_days_to_freeze(d, MARCH_US, &count);
    assert_int_equal(count, 3);
    json_t *days = json_loads(text, 0, NULL);
    free(text);
    assert_int_equal(json_array_size(days), 3);
    json_t *first = json_array_get(days, 0), *third = json_array_get(days, 2);
    assert_string_equal(json_string_value(json_object_get(first, "month")), "1488297600000000");
    assert_string_equal(json_string_value(json_object_get(third, "start")), "1488470400000000");
    assert_int_equal(
        json_integer_value(json_object_get(
            json_array_get(json_object_get(json_object_get(first, "figures"), "cells"), 0),
            "received")),
        4);
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(json_object_get(first, "closed"), 0), 0)),
        "C1");
    assert_int_equal(json_array_size(json_object_get(json_array_get(days, 1), "closed")), 0);
    /* the closure closed by no reply is kept with its day: the month drops it */
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(json_object_get(third, "closed"), 0), 1)),
        "");
    json_decref(days);
    /* half an hour after: the third day is not final, and the days stored
     * stay a prefix */
    d->read_us = MARCH_US + 3 * BULLETIN_DAY_US + 30 * 60 * 1000000LL;
    text = bulletin_days_to_freeze(d, MARCH_US, &count);
    assert_int_equal(count, 2);
    free(text);
    d->read_us = MARCH_US + 30 * 60 * 1000000LL;
    assert_null(bulletin_days_to_freeze(d, MARCH_US, &count));
    assert_int_equal(count, 0);
    bulletin_data_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_final),
        cmocka_unit_test(test_closures_latest_once),
        cmocka_unit_test(test_to_freeze),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
