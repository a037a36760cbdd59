/* Frozen months (bulletin_months.c): a month's figures stored and added
 * back are the same figures, cell for cell, with the census and the hot
 * topics; divisions are found by code; only months that ended an hour
 * before the read are offered for freezing, never those already frozen,
 * never from a check against the rows. */
#include "bulletin_months.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define OFFSET (8LL * 3600 * 1000000)
#define HOUR_US (3600LL * 1000000)

static bulletin_data_t *s_data(const char *const *codes, int n, const char *label)
{
    bulletin_data_t *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    bulletin_period_t p;
    assert_int_equal(bulletin_period_parse(label, &p), 0);
    bulletin_query_init(&d->q, &p, OFFSET);
    d->divisions = calloc((size_t)n + 1, sizeof(*d->divisions));
    for (int i = 0; i < n; i++) {
        d->divisions[i].code = strdup(codes[i]);
        d->divisions[i].name = strdup(codes[i]);
    }
    d->ndivisions = n;
    d->cells = calloc(2 * (size_t)(n + 1) * (size_t)d->q.nmonths, sizeof(*d->cells));
    d->overdue = calloc(1, sizeof(*d->overdue));
    d->topics = calloc(1, sizeof(*d->topics));
    return d;
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const codes[] = {"fiber", "metrology"};
    bulletin_data_t *a = s_data(codes, 2, "2017-Q1"); /* months: 2016-Q4, then 2017-Q1 */
    bulletin_counts_t *c = bulletin_data_cell(a, BULLETIN_LEAD, 1, 4); /* metrology, Feb */
    c->received = 7;
    c->response_due = 5;
    c->response_met = 4;
    c->handling_us = 123456789;
    c->replies = 3;
    c->violations = 2;
    c->alerts[0] = 1;
    c->alerts[3] = 9;
    c->satisfied = 1;
    c->wi_due = 3; /* work items (the bulletin's section) */
    c->wi_ontime = 2;
    c->wi_reports_due = 4;
    c->wi_reports_missed = 1;
    c->wi_sent_back = 1;
    c->wi_lookback_failed = 1;
    c->wi_eval_satisfied = 5;
    c->wi_eval_basically = 2;
    c->wi_eval_dissatisfied = 1;
    bulletin_data_cell(a, BULLETIN_CO, 2, 4)->returns = 1;      /* no division: the bureau */
    bulletin_data_cell(a, BULLETIN_LEAD, 0, 5)->received = 100; /* another month */
    a->overdue = realloc(a->overdue, 3 * sizeof(*a->overdue));
    a->overdue[0] = (bulletin_overdue_t){.month = 4,
                                         .case_number = "DB20170201000001",
                                         .division = 0,
                                         .role = BULLETIN_CO,
                                         .due_us = 1486000000000000,
                                         .over_us = 27000000000};
    a->overdue[1] = (bulletin_overdue_t){.month = 5, .case_number = "DB20170301000001"};
    a->noverdue = 2;
    a->topics = realloc(a->topics, 2 * sizeof(*a->topics));
    a->topics[0] = (bulletin_topic_t){4, strdup("计量"), strdup("石家庄市"), 6};
    a->ntopics = 1;

    json_t *figures = bulletin_month_figures(a, 4);
    assert_non_null(figures);
    /* only the cells with something counted */
    assert_int_equal(json_array_size(json_object_get(figures, "cells")), 2);
    assert_int_equal(json_array_size(json_object_get(figures, "overdue")), 1);

    /* added into a period with the divisions in another set */
    static const char *const later[] = {"enforcement", "fiber", "metrology"};
    bulletin_data_t *b = s_data(later, 3, "2017-03"); /* months: Feb, Mar */
    assert_int_equal(bulletin_month_add(b, 0, figures), 0);
    assert_memory_equal(bulletin_data_cell(b, BULLETIN_LEAD, 2, 0), c, sizeof(*c));
    assert_int_equal(bulletin_data_cell(b, BULLETIN_CO, 3, 0)->returns, 1);
    assert_int_equal(bulletin_data_cell(b, BULLETIN_LEAD, 1, 0)->received, 0);
    assert_int_equal(bulletin_data_cell(b, BULLETIN_LEAD, 1, 1)->received, 0);
    assert_int_equal(b->noverdue, 1);
    assert_string_equal(b->overdue[0].case_number, "DB20170201000001");
    assert_int_equal(b->overdue[0].division, 1); /* fiber, by its code */
    assert_int_equal(b->overdue[0].role, BULLETIN_CO);
    assert_true(b->overdue[0].over_us == 27000000000);
    assert_int_equal(b->overdue[0].month, 0);
    assert_int_equal(b->ntopics, 1);
    assert_string_equal(b->topics[0].category, "计量");
    assert_string_equal(b->topics[0].area, "石家庄市");
    assert_true(b->topics[0].count == 6);

    /* the sums a bulletin reads are those of the original month */
    bulletin_counts_t x, y;
    bulletin_data_sum(a, BULLETIN_LEAD, -1, 4, 5, &x);
    bulletin_data_sum(b, BULLETIN_LEAD, -1, 0, 1, &y);
    assert_memory_equal(&x, &y, sizeof(x));
    bulletin_data_sum(a, BULLETIN_CO, -1, 4, 5, &x);
    bulletin_data_sum(b, BULLETIN_CO, -1, 0, 1, &y);
    assert_memory_equal(&x, &y, sizeof(x));

    /* a stored month of another form is refused (the bulletin fails) */
    json_t *bad = json_pack("{s:[{s:s, s:s}], s:[], s:[]}", "cells", "division", "fiber",
                            "received", "seven", "overdue", "topics");
    assert_int_equal(bulletin_month_add(b, 1, bad), -1);
    json_decref(bad);
    json_decref(figures);
    bulletin_data_destroy(&a);
    bulletin_data_destroy(&b);
}

static void test_which_months_freeze(void **state)
{
    (void)state;
    static const char *const codes[] = {"fiber"};
    bulletin_data_t *d = s_data(codes, 1, "2017-Q1");
    /* read 30 minutes after the end of March: March is not final yet */
    d->read_us = d->q.bounds[6] + HOUR_US / 2;
    d->epoch = 41;
    d->frozen[1] = true; /* November came from the store */
    d->nfrozen = 1;
    assert_false(bulletin_month_final(d->q.bounds[6], d->read_us));
    assert_true(bulletin_month_final(d->q.bounds[5], d->read_us));
    int n;
    char *text = bulletin_months_to_freeze(d, &n);
    assert_int_equal(n, 4); /* October, December, January, February */
    json_t *months = json_loads(text, 0, NULL);
    assert_int_equal(json_array_size(months), 4);
    char start[24];
    snprintf(start, sizeof(start), "%lld", (long long)d->q.bounds[2]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(months, 1), "start")),
                        start);
    json_decref(months);
    free(text);
    /* an hour after the end, March too */
    d->read_us = d->q.bounds[6] + HOUR_US;
    text = bulletin_months_to_freeze(d, &n);
    assert_int_equal(n, 5);
    free(text);
    /* a check against the rows stores nothing */
    bulletin_query_from_rows(&d->q, true);
    assert_null(bulletin_months_to_freeze(d, &n));
    assert_int_equal(n, 0);
    bulletin_data_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_which_months_freeze),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
