/* common/pg_array.c: the array literals a batch's multi-row statements
 * read with unnest. */
#include "pg_array.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_empty(void **state)
{
    pg_array_t a;
    pg_array_init(&a);
    assert_string_equal(pg_array_text(&a), "{}");
    pg_array_free(&a);
}

static void test_text_quoted_and_escaped(void **state)
{
    pg_array_t a;
    pg_array_init(&a);
    pg_array_add_text(&a, "metrology");
    pg_array_add_text(&a, "a \"quoted\", {braced} \\ back");
    pg_array_add_text(&a, NULL);
    pg_array_add_text(&a, "");
    pg_array_add_text(&a, "电子秤");
    assert_string_equal(pg_array_text(&a),
                        "{\"metrology\",\"a \\\"quoted\\\", {braced} \\\\ back\",NULL,\"\","
                        "\"电子秤\"}");
    /* still open: more may follow the text read so far */
    pg_array_add_text(&a, "NULL");
    assert_string_equal(pg_array_text(&a) + strlen(pg_array_text(&a)) - 8, ",\"NULL\"}");
    assert_int_equal(a.count, 6);
    pg_array_free(&a);
}

static void test_numbers_and_bytes(void **state)
{
    pg_array_t n, h;
    pg_array_init(&n);
    pg_array_init(&h);
    pg_array_add_i64(&n, 0);
    pg_array_add_i64(&n, -1);
    pg_array_add_i64(&n, INT64_MAX);
    pg_array_add_i64(&n, INT64_MIN);
    pg_array_add_i64(&n, 1000000);
    pg_array_add_i64(&n, -9);
    assert_string_equal(pg_array_text(&n),
                        "{0,-1,9223372036854775807,-9223372036854775808,1000000,-9}");
    const uint8_t bytes[] = {0x00, 0x0a, 0xff, 0x7f};
    pg_array_add_hex(&h, bytes, sizeof(bytes));
    pg_array_add_hex(&h, bytes, 0);
    assert_string_equal(pg_array_text(&h), "{\"000aff7f\",\"\"}");
    pg_array_free(&n);
    pg_array_free(&h);
}

/* A batch's worth: the buffer grows as needed. */
static void test_grows(void **state)
{
    pg_array_t a;
    pg_array_init(&a);
    for (int i = 0; i < 1000; i++)
        pg_array_add_text(&a, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    const char *text = pg_array_text(&a);
    assert_non_null(text);
    assert_int_equal(strlen(text), 2 + 1000 * 38 + 999);
    assert_int_equal(a.count, 1000);
    pg_array_free(&a);
    assert_null(a.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_text_quoted_and_escaped),
        cmocka_unit_test(test_numbers_and_bytes),
        cmocka_unit_test(test_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
