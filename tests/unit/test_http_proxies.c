/* http_proxies: whose X-Forwarded-For is believed, and how far. */
#include "http_proxies.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static http_proxies_t s_proxies(const char *list)
{
    http_proxies_t p;
    char why[160];
    assert_int_equal(http_proxies_parse(&p, list, why, sizeof(why)), 0);
    return p;
}

static void test_parse(void **state)
{
    (void)state;
    http_proxies_t p;
    char why[160];
    assert_int_equal(http_proxies_parse(&p, "", why, sizeof(why)), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(http_proxies_parse(&p, NULL, why, sizeof(why)), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(http_proxies_parse(&p, " 10.0.1.11, 10.0.9.0/24  fd00::/8,", why, sizeof(why)), 0);
    assert_int_equal(p.n, 3);
    assert_true(http_proxies_trust(&p, "10.0.1.11"));
    assert_false(http_proxies_trust(&p, "10.0.1.12"));
    assert_true(http_proxies_trust(&p, "10.0.9.200"));
    assert_false(http_proxies_trust(&p, "10.0.10.1"));
    assert_true(http_proxies_trust(&p, "fd12:3456::1"));
    assert_false(http_proxies_trust(&p, "fe80::1"));
    assert_true(http_proxies_trust(&p, "::ffff:10.0.1.11")); /* a dual-stack listener's view */
    assert_false(http_proxies_trust(&p, "not an address"));
    assert_false(http_proxies_trust(&p, NULL));

    const char *bad[] = {"10.0.1", "10.0.1.11/33", "10.0.0.0/", "10.0.0.0/8x", "fd00::/129",
                         "localhost", "10.0.1.11;10.0.1.12"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(http_proxies_parse(&p, bad[i], why, sizeof(why)), -1);
        assert_non_null(strstr(why, "not an address or network"));
    }
    /* an odd prefix length compares only its bits */
    p = s_proxies("192.168.64.0/19");
    assert_true(http_proxies_trust(&p, "192.168.95.255"));
    assert_false(http_proxies_trust(&p, "192.168.96.0"));
    assert_false(http_proxies_trust(&p, "192.168.63.255"));
    p = s_proxies("0.0.0.0/0");
    assert_true(http_proxies_trust(&p, "203.0.113.9"));
    assert_false(http_proxies_trust(&p, "2001:db8::1")); /* families apart */

    char many[32 * 12 + 16] = "";
    for (int i = 0; i < 33; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.0.%d,", i);
    assert_int_equal(http_proxies_parse(&p, many, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "more than 32"));
}

static const char *s_client(const http_proxies_t *p, const char *peer, const char *const *xff,
                            int n)
{
    static char out[HTTP_ADDR_MAX];
    http_client_of(p, peer, xff, n, out, sizeof(out));
    return out;
}

static void test_client(void **state)
{
    (void)state;
    http_proxies_t p = s_proxies("10.0.1.11, 10.0.2.0/24");
    /* an untrusted peer is the client, whatever it claims */
    const char *claim[] = {"198.51.100.7"};
    assert_string_equal(s_client(&p, "203.0.113.5", claim, 1), "203.0.113.5");
    /* a trusted peer's last entry */
    assert_string_equal(s_client(&p, "10.0.1.11", claim, 1), "198.51.100.7");
    /* without the header, the proxy itself */
    assert_string_equal(s_client(&p, "10.0.1.11", NULL, 0), "10.0.1.11");
    /* a client's own entries to the left of the first untrusted one are ignored */
    const char *spoof[] = {"1.1.1.1, 198.51.100.7, 10.0.2.5"};
    assert_string_equal(s_client(&p, "10.0.1.11", spoof, 1), "198.51.100.7");
    /* several headers read as one list, last header nearest */
    const char *split[] = {"1.1.1.1, 198.51.100.7", "10.0.2.5"};
    assert_string_equal(s_client(&p, "10.0.1.11", split, 2), "198.51.100.7");
    /* every hop trusted: the farthest one */
    const char *inside[] = {"10.0.2.9, 10.0.2.5"};
    assert_string_equal(s_client(&p, "10.0.1.11", inside, 1), "10.0.2.9");
    /* garbage ends the walk at the trusted hop that passed it on */
    const char *garbage[] = {"198.51.100.7, <script>, 10.0.2.5"};
    assert_string_equal(s_client(&p, "10.0.1.11", garbage, 1), "10.0.2.5");
    const char *empty[] = {"198.51.100.7,,"};
    assert_string_equal(s_client(&p, "10.0.1.11", empty, 1), "10.0.1.11");
    /* ports and brackets some balancers write; canonical text out */
    const char *ports[] = {"198.51.100.7:53211"};
    assert_string_equal(s_client(&p, "10.0.1.11", ports, 1), "198.51.100.7");
    const char *v6[] = {"[2001:DB8:0:0::1]:443"};
    assert_string_equal(s_client(&p, "10.0.1.11", v6, 1), "2001:db8::1");
    const char *v6bare[] = {" 2001:db8::2 "};
    assert_string_equal(s_client(&p, "10.0.1.11", v6bare, 1), "2001:db8::2");
    const char *badport[] = {"198.51.100.7:http", "[2001:db8::1]x", "[198.51.100.7]"};
    for (int i = 0; i < 3; i++)
        assert_string_equal(s_client(&p, "10.0.1.11", badport + i, 1), "10.0.1.11");
    /* the peer as a dual-stack listener reports it */
    assert_string_equal(s_client(&p, "::ffff:10.0.1.11", claim, 1), "198.51.100.7");
    /* a trusted list of nobody believes nobody */
    http_proxies_t none = s_proxies("");
    assert_string_equal(s_client(&none, "10.0.1.11", claim, 1), "10.0.1.11");
    /* an overlong entry is not an address */
    char long_entry[200];
    memset(long_entry, '1', sizeof(long_entry) - 1);
    long_entry[sizeof(long_entry) - 1] = '\0';
    const char *overlong[] = {long_entry};
    assert_string_equal(s_client(&p, "10.0.1.11", overlong, 1), "10.0.1.11");
    /* a short buffer is cut, never overrun */
    char tiny[8];
    http_client_of(&p, "10.0.1.11", claim, 1, tiny, sizeof(tiny));
    assert_string_equal(tiny, "198.51.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
