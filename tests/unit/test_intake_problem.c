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

static intake_error_t s_error(int status, const char *title, const char *field, const char *detail)
{
    intake_error_t err = {.status = status};
    snprintf(err.title, sizeof(err.title), "%s", title);
    snprintf(err.field, sizeof(err.field), "%s", field);
    snprintf(err.detail, sizeof(err.detail), "%s", detail);
    return err;
}

/* The validator's refusals said in Chinese, with the field as the caller
 * named it and the facts of the English detail. */
static void test_refusals_in_chinese(void **state)
{
    intake_refusal_t out;
    intake_error_t err = s_error(400, "field too long", "subject",
                                 "subject is longer than 200 characters");
    intake_problem_describe(&err, NULL, &out);
    assert_int_equal(out.status, 400);
    assert_string_equal(out.title, "内容过长");
    assert_string_equal(out.detail, "subject 最多 200 个字，请精简后再提交");
    err = s_error(400, "control character", "description",
                  "description contains the control character U+001B at byte 3; only newlines "
                  "and tabs are allowed");
    intake_problem_describe(&err, "具体情况", &out);
    assert_non_null(strstr(out.detail, "具体情况 含有不可见的控制字符 U+001B"));
    err = s_error(400, "missing field", "subject", "subject is required");
    intake_problem_describe(&err, "标题", &out);
    assert_string_equal(out.detail, "请填写 标题，它不能为空");
    err = s_error(400, "invalid field", "requester.phone",
                  "requester.phone may hold only digits, spaces and + - ( )");
    intake_problem_describe(&err, "phone", &out);
    assert_string_equal(out.detail, "phone 只能包含数字、空格和 + - ( )");
    err = s_error(422, "unknown kind", "kind", "kind praise is not one of ...");
    intake_problem_describe(&err, NULL, &out);
    assert_int_equal(out.status, 422);
    assert_non_null(strstr(out.detail, "report（举报）"));
    err = s_error(500, "out of memory", "", "try again");
    intake_problem_describe(&err, NULL, &out);
    assert_string_equal(out.detail, INTAKE_PROBLEM_INTERNAL.detail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_map_to_statuses),
        cmocka_unit_test(test_problems_are_chinese_without_internals),
        cmocka_unit_test(test_writes_say_nothing_was_stored),
        cmocka_unit_test(test_refusals_in_chinese),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
