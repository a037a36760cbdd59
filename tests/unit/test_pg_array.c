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

static void test_numbers(void **state)
{
    pg_array_t n;
    pg_array_init(&n);
    pg_array_add_i64(&n, 0);
    pg_array_add_i64(&n, -1);
    pg_array_add_i64(&n, INT64_MAX);
    pg_array_add_i64(&n, INT64_MIN);
    pg_array_add_i64(&n, 1000000);
    pg_array_add_i64(&n, -9);
    assert_string_equal(pg_array_text(&n),
                        "{0,-1,9223372036854775807,-9223372036854775808,1000000,-9}");
    pg_array_free(&n);
}

/* Bytes go as a bytea[] in PostgreSQL's binary form (array_recv reads it):
 * one dimension, no NULLs, element type bytea (17), the count, lower bound
 * 1, then each element's length and bytes, every integer 32-bit big-endian. */
static void test_bytes_binary(void **state)
{
    pg_array_t a;
    pg_array_init(&a);
    const uint8_t bytes[] = {0x00, 0x0a, 0xff, 0x7f};
    pg_array_add_bytes(&a, bytes, sizeof(bytes));
    pg_array_add_bytes(&a, bytes, 0);
    pg_array_add_bytes(&a, bytes + 2, 1);
    pg_param_t p;
    assert_int_equal(pg_array_param(&a, &p), 0);
    const uint8_t expected[] = {0,    0,    0, 1, 0, 0, 0, 0, 0, 0, 0,   17,   0,
                                0,    0,    3, 0, 0, 0, 1, 0, 0, 0, 4,   0x00, 0x0a,
                                0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
    assert_int_equal(p.binary, 1);
    assert_int_equal(p.len, sizeof(expected));
    assert_memory_equal(p.value, expected, sizeof(expected));
    assert_null(pg_array_text(&a));
    /* More after a parameter was taken: the header counts them. */
    pg_array_add_bytes(&a, bytes, 2);
    assert_int_equal(pg_array_param(&a, &p), 0);
    assert_int_equal(p.len, sizeof(expected) + 6);
    assert_int_equal(((const uint8_t *)p.value)[15], 4);
    pg_array_free(&a);

    /* Text and numbers stay a literal, a text parameter. */
    pg_array_init(&a);
    pg_array_add_i64(&a, 7);
    assert_int_equal(pg_array_param(&a, &p), 0);
    assert_int_equal(p.binary, 0);
    assert_string_equal(p.value, "{7}");
    pg_array_free(&a);
}

/* An array holds one kind: bytes after text, or text after bytes, fail it,
 * so that a column never reaches the server half in each form. */
static void test_kinds_not_mixed(void **state)
{
    const uint8_t byte = 1;
    pg_param_t p;
    pg_array_t a;
    pg_array_init(&a);
    pg_array_add_text(&a, "x");
    pg_array_add_bytes(&a, &byte, 1);
    assert_int_equal(pg_array_param(&a, &p), -1);
    assert_null(pg_array_text(&a));
    pg_array_free(&a);

    pg_array_init(&a);
    pg_array_add_bytes(&a, &byte, 1);
    pg_array_add_i64(&a, 1);
    assert_int_equal(pg_array_param(&a, &p), -1);
    pg_array_free(&a);

    pg_array_init(&a);
    pg_array_add_bytes(&a, &byte, 1);
    pg_array_add_text(&a, NULL);
    assert_int_equal(pg_array_param(&a, &p), -1);
    pg_array_free(&a);
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
        cmocka_unit_test(test_empty),           cmocka_unit_test(test_text_quoted_and_escaped),
        cmocka_unit_test(test_numbers),         cmocka_unit_test(test_bytes_binary),
        cmocka_unit_test(test_kinds_not_mixed), cmocka_unit_test(test_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
