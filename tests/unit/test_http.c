/* http: the query helpers the public pages share. */
#include "http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void test_query_code(void **state)
{
    char out[12];
    http_query_code("number=DB2026000123&code=ab-c_9", "number", out, sizeof(out));
    assert_string_equal(out, "");                         /* 12 characters do not fit in 12 */
    http_query_code("number=DB202600012&code=ab-c_9", "number", out, sizeof(out));
    assert_string_equal(out, "DB202600012");
    http_query_code("number=DB1&code=ab-c_9", "code", out, sizeof(out));
    assert_string_equal(out, "ab-c_9");
    http_query_code("number=%20%20DB1%20", "number", out, sizeof(out)); /* copied with blanks */
    assert_string_equal(out, "DB1");
    strcpy(out, "left over");
    http_query_code("number=DB1%3Cscript%3E", "number", out, sizeof(out));
    assert_string_equal(out, "");                         /* not a code */
    strcpy(out, "left over");
    http_query_code("number=DB1", "code", out, sizeof(out));
    assert_string_equal(out, "");                         /* not given */
    http_query_code(NULL, "code", out, sizeof(out));
    assert_string_equal(out, "");
    http_query_code("number=DB1%20DB2", "number", out, sizeof(out));
    assert_string_equal(out, "DB1");                      /* the first word */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
