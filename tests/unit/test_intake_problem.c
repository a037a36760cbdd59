/* services/intake/intake_problem.c: every SQLSTATE maps to a problem in
 * Chinese with the status its class deserves, and none carries
 * PostgreSQL's words. */
#include "intake_problem.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static int s_status(const char *sqlstate, bool lost, intake_problem_op_t op)
{
    const intake_problem_t *p = intake_problem_of_sqlstate(sqlstate, lost, op);
    assert_non_null(p);
    return p->status;
}

static void test_classes_map_to_statuses(void **state)
{
    for (int op = INTAKE_PROBLEM_WRITE; op <= INTAKE_PROBLEM_READ; op++) {
        assert_int_equal(s_status("22008", false, op), 400); /* datetime out of range */
        assert_int_equal(s_status("22P02", false, op), 400); /* invalid text representation */
        assert_int_equal(s_status("23505", false, op), 409); /* unique violation */
        assert_int_equal(s_status("23503", false, op), 409); /* foreign key violation */
        assert_int_equal(s_status("08006", false, op), 503); /* connection failure */
        assert_int_equal(s_status("57P01", false, op), 503); /* admin shutdown */
        assert_int_equal(s_status("53300", false, op), 503); /* too many connections */
        assert_int_equal(s_status("40001", false, op), 503); /* serialization failure */
        assert_int_equal(s_status("40P01", false, op), 503); /* deadlock */
        assert_int_equal(s_status("42P01", false, op), 500); /* undefined table */
        assert_int_equal(s_status("XX000", false, op), 500); /* internal error */
        assert_int_equal(s_status(NULL, false, op), 500);
        assert_int_equal(s_status(NULL, true, op), 503);
        assert_int_equal(s_status("23505", true, op), 503); /* a lost connection wins */
    }
}

/* Chinese: every title and detail holds a CJK character (UTF-8 lead byte
 * 0xE4..0xE9) and no English word PostgreSQL uses. */
static void test_problems_are_chinese_without_internals(void **state)
{
    static const char *const states[] = {"22008", "23505", "08006", "42P01", NULL};
    static const char *const internal[] = {"constraint", "duplicate", "violates", "relation",
                                           "ERROR", "postgres", "SQL"};
    for (int op = INTAKE_PROBLEM_WRITE; op <= INTAKE_PROBLEM_READ; op++)
        for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
            const intake_problem_t *p = intake_problem_of_sqlstate(states[i], false, op);
            const char *texts[2] = {p->title, p->detail};
            for (int t = 0; t < 2; t++) {
                bool cjk = false;
                for (const unsigned char *c = (const unsigned char *)texts[t]; *c; c++)
                    cjk = cjk || (*c >= 0xE4 && *c <= 0xE9);
                assert_true(cjk);
                for (size_t w = 0; w < sizeof(internal) / sizeof(internal[0]); w++)
                    if (strstr(texts[t], internal[w]))
                        fail_msg("%s in %s", internal[w], texts[t]);
            }
        }
}

/* A write failure says nothing was stored; a read failure does not. */
static void test_writes_say_nothing_was_stored(void **state)
{
    assert_non_null(strstr(intake_problem_of_sqlstate("22008", false, INTAKE_PROBLEM_WRITE)->detail,
                           "未保存"));
    assert_non_null(strstr(intake_problem_of_sqlstate("23505", false, INTAKE_PROBLEM_WRITE)->detail,
                           "未保存"));
    assert_null(strstr(intake_problem_of_sqlstate("22008", false, INTAKE_PROBLEM_READ)->detail,
                       "未保存"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_map_to_statuses),
        cmocka_unit_test(test_problems_are_chinese_without_internals),
        cmocka_unit_test(test_writes_say_nothing_was_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
