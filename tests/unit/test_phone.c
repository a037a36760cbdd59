/* common/phone.c: the one form of a phone number that duplicates, the
 * caller's history and search compare. */
#include "phone.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void test_digits_of_any_spelling(void **state)
{
    char out[32];
    const char *same[] = {"13800001111", "138-0000 1111", "(138) 0000-1111", " 138.0000.1111 ",
                          "138０0001111x"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]) - 1; i++) {
        assert_int_equal(phone_digits(same[i], out, sizeof(out)), 11);
        assert_string_equal(out, "13800001111");
    }
    /* A full-width digit is not an ASCII digit: left out, as the SQL
     * form ('[^0-9]') leaves it out. */
    assert_int_equal(phone_digits(same[4], out, sizeof(out)), 10);
    assert_string_equal(out, "1380001111");
    assert_int_equal(phone_digits("+86 010-6512 3456", out, sizeof(out)), 13);
    assert_string_equal(out, "8601065123456");
    assert_int_equal(phone_digits("no digits", out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

static void test_digits_bounded(void **state)
{
    char small[6];
    assert_int_equal(phone_digits("12345", small, sizeof(small)), 5);
    assert_string_equal(small, "12345");
    assert_int_equal(phone_digits("123456", small, sizeof(small)), -1);
    assert_string_equal(small, "");
    assert_int_equal(phone_digits(NULL, small, sizeof(small)), -1);
    assert_int_equal(phone_digits("1", small, 0), -1);
}

static void test_looks_like(void **state)
{
    assert_true(phone_looks_like("13800001111"));
    assert_true(phone_looks_like("+86 (138) 0000-1111"));
    assert_true(phone_looks_like("6512345"));
    assert_false(phone_looks_like("651234"));     /* fewer than PHONE_MIN_DIGITS */
    assert_false(phone_looks_like("138电梯0000")); /* words: a text search */
    assert_false(phone_looks_like("DB20170301000042"));
    assert_false(phone_looks_like(""));
    assert_false(phone_looks_like(NULL));
}

static void test_sql_form(void **state)
{
    /* The expression of cases_duplicate_idx (migrations 003, 007): a
     * statement finds the index only when it spells it so. */
    assert_string_equal(PHONE_DIGITS_SQL("requester_phone"),
                        "regexp_replace(requester_phone, '[^0-9]', '', 'g')");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digits_of_any_spelling),
        cmocka_unit_test(test_digits_bounded),
        cmocka_unit_test(test_looks_like),
        cmocka_unit_test(test_sql_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
