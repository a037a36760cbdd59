/* services/dispatch/dispatch_route.c: the routing table and the operator's
 * choice of lead division. */
#include "dispatch_route.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include <unistd.h>

static void test_routes_by_category(void **state)
{
    org_t *org = org_new(DUBAN_SOURCE_DIR "/deploy/config/org.conf");
    dispatch_route_t r;
    assert_int_equal(dispatch_route_find(org, "recall", NULL, &r), 0);
    assert_string_equal(r.lead, "supervision");
    assert_int_equal(r.nco, 0);
    assert_int_equal(dispatch_route_find(org, "recall", "metrology", &r), 0);
    assert_string_equal(r.lead, "metrology");
    assert_int_equal(dispatch_route_find(org, "weather", NULL, &r), -1);
    assert_int_equal(dispatch_route_find(org, "recall", "ministry", &r), -1);
    assert_int_equal(dispatch_route_find(org, NULL, NULL, &r), -1);
    org_destroy(&org);
}

static void test_co_handling_without_the_lead(void **state)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/duban-route-%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("divisions = ({ code = \"a\"; name = \"A\"; }, { code = \"b\"; name = \"B\"; },"
          " { code = \"c\"; name = \"C\"; });\n"
          "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; co = [\"b\", \"c\"]; });\n"
          "kinds = (); channels = (); staff = ();\n",
          f);
    fclose(f);
    org_t *org = org_new(path);
    unlink(path);
    assert_non_null(org);
    dispatch_route_t r;
    assert_int_equal(dispatch_route_find(org, "x", NULL, &r), 0);
    assert_int_equal(r.nco, 2);
    assert_int_equal(dispatch_route_find(org, "x", "b", &r), 0);
    assert_string_equal(r.lead, "b");
    assert_int_equal(r.nco, 1);
    assert_string_equal(r.co[0], "c");
    org_destroy(&org);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_by_category),
        cmocka_unit_test(test_co_handling_without_the_lead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
