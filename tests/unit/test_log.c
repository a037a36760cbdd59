/* log_address keeps a citizen's network, never the whole address. */
#include "log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_address_cut(void **state)
{
    char buf[64];
    assert_string_equal(log_address("203.0.113.77", buf, sizeof(buf)), "203.0.113.0/24");
    assert_string_equal(log_address("2001:db8:85a3:8d3:1319:8a2e:370:7348", buf, sizeof(buf)),
                        "2001:db8:85a3::/48");
    assert_string_equal(log_address("::1", buf, sizeof(buf)), "::/48");
    assert_string_equal(log_address("not an address\n", buf, sizeof(buf)), "-");
    assert_string_equal(log_address(NULL, buf, sizeof(buf)), "-");
    assert_string_equal(log_addr("10.1.2.3"), "10.1.2.0/24");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_address_cut)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
