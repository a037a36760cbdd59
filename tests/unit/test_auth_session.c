/* common/auth.c and common/auth_http.c for console sessions: password
 * hashing (argon2id), session ids, CSRF tokens, the cookie, the origin check
 * and the scope of live topics. The session store's SQL (expiry, idle time,
 * revocation) runs against PostgreSQL in tests/integration/web_session.sh. */
#include "auth.h"
#include "auth_http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void test_password_hash_and_verify(void **state)
{
    char hash[AUTH_PASSWORD_HASH_MAX], again[AUTH_PASSWORD_HASH_MAX];
    assert_int_equal(auth_password_hash("correct horse", hash), 0);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_true(auth_password_verify(hash, "correct horse"));
    assert_false(auth_password_verify(hash, "correct horsE"));
    assert_false(auth_password_verify(hash, ""));
    /* salted: the same password hashes differently every time */
    assert_int_equal(auth_password_hash("correct horse", again), 0);
    assert_string_not_equal(hash, again);
    assert_true(auth_password_verify(again, "correct horse"));
    /* bounds and malformed hashes */
    assert_int_equal(auth_password_hash("short", hash), -1);
    char longpw[AUTH_PASSWORD_MAX + 2];
    memset(longpw, 'x', sizeof(longpw) - 1);
    longpw[sizeof(longpw) - 1] = '\0';
    assert_int_equal(auth_password_hash(longpw, hash), -1);
    assert_false(auth_password_verify(NULL, "correct horse"));
    assert_false(auth_password_verify("plain-text", "plain-text"));
    assert_false(auth_password_verify("$argon2id$v=19$garbage", "correct horse"));
}

static void test_session_ids(void **state)
{
    char a[AUTH_SESSION_LEN + 1], b[AUTH_SESSION_LEN + 1];
    assert_int_equal(auth_session_new(a), 0);
    assert_int_equal(auth_session_new(b), 0);
    assert_int_equal(strlen(a), AUTH_SESSION_LEN);
    assert_true(auth_is_session(a));
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a + 4, "0123456789abcdef"), AUTH_SESSION_LEN - 4);
    char token[AUTH_TOKEN_LEN + 1];
    assert_int_equal(auth_token_new(token), 0);
    assert_false(auth_is_session(token));
    assert_false(auth_is_session(NULL));
}

static void test_csrf_token(void **state)
{
    char a[AUTH_SESSION_LEN + 1], b[AUTH_SESSION_LEN + 1], ta[AUTH_CSRF_HEX], tb[AUTH_CSRF_HEX];
    auth_session_new(a);
    auth_session_new(b);
    auth_csrf_token(a, ta);
    auth_csrf_token(b, tb);
    assert_int_equal(strlen(ta), 64);
    assert_string_not_equal(ta, tb);
    assert_true(auth_csrf_matches(a, ta));
    assert_false(auth_csrf_matches(b, ta));
    assert_false(auth_csrf_matches(a, NULL));
    assert_false(auth_csrf_matches(a, ""));
    ta[10] = ta[10] == 'a' ? 'b' : 'a';
    assert_false(auth_csrf_matches(a, ta));
    /* not the session's own hash (what the database keeps) */
    char stored[AUTH_HASH_HEX];
    auth_token_hash(a, stored);
    assert_false(auth_csrf_matches(a, stored));
}

static void test_cookie(void **state)
{
    char v[AUTH_MAX_CREDENTIAL + 1];
    assert_true(auth_http_cookie("a=1; duban_session=dbs_abc; b=2", "duban_session", v, sizeof(v)));
    assert_string_equal(v, "dbs_abc");
    assert_true(auth_http_cookie("duban_session=x", "duban_session", v, sizeof(v)));
    assert_string_equal(v, "x");
    assert_false(auth_http_cookie("xduban_session=y; other=z", "duban_session", v, sizeof(v)));
    assert_false(auth_http_cookie("", "duban_session", v, sizeof(v)));
    assert_false(auth_http_cookie("duban_session", "duban_session", v, sizeof(v)));
    char small[5];
    assert_true(auth_http_cookie("duban_session=0123456789", "duban_session", small, sizeof(small)));
    assert_string_equal(small, "0123");
}

static void test_same_origin(void **state)
{
    assert_true(auth_http_same_origin("http://127.0.0.1:7112", NULL, "127.0.0.1:7112"));
    assert_true(auth_http_same_origin("https://duban.example", NULL, "duban.example"));
    assert_false(auth_http_same_origin("http://evil.example", NULL, "127.0.0.1:7112"));
    assert_false(auth_http_same_origin("null", NULL, "127.0.0.1:7112"));
    assert_false(auth_http_same_origin("http://127.0.0.1:7112", NULL, NULL));
    assert_true(auth_http_same_origin(NULL, NULL, "h"));
    assert_true(auth_http_same_origin(NULL, "same-origin", "h"));
    assert_false(auth_http_same_origin(NULL, "cross-site", "h"));
}

static void test_topic_scope(void **state)
{
    auth_identity_t metrology = {"h-metrology", "handler", "metrology"};
    auth_identity_t op = {"op001", "operator", ""};
    auth_identity_t insp = {"insp001", "inspector", "inspection"};
    auth_identity_t admin = {"admin", "admin", ""};
    assert_true(auth_may_see_topic(&metrology, "div.metrology|"));
    assert_false(auth_may_see_topic(&metrology, "div.metrology-x|"));
    assert_false(auth_may_see_topic(&metrology, "div.fiber|"));
    assert_false(auth_may_see_topic(&metrology, "inspection|"));
    assert_false(auth_may_see_topic(&op, "div.metrology|"));
    assert_true(auth_may_see_topic(&op, "staff.op001|"));
    assert_false(auth_may_see_topic(&op, "staff.op0011|"));
    assert_false(auth_may_see_topic(&op, "staff.op002|"));
    assert_true(auth_may_see_topic(&insp, "inspection|"));
    assert_true(auth_may_see_topic(&insp, "div.fiber|"));
    assert_false(auth_may_see_topic(&insp, "staff.op001|"));
    assert_true(auth_may_see_topic(&admin, "staff.op001|"));
    assert_false(auth_may_see_topic(&metrology, "something-else"));
    assert_true(auth_may_see_division(&metrology, "metrology"));
    assert_false(auth_may_see_division(&op, "metrology"));
    /* The bureau's leaders read every division and the inspection office's
     * stream, not what one staff member is told. */
    auth_identity_t leader = {"leader001", "leader", ""};
    assert_true(auth_may_see_division(&leader, "fiber"));
    assert_true(auth_may_see_topic(&leader, "div.metrology|"));
    assert_true(auth_may_see_topic(&leader, "inspection|"));
    assert_false(auth_may_see_topic(&leader, "staff.op001|"));
}

/* Who sees which cases in lists, and whose requester data. */
static void test_case_scope(void **state)
{
    auth_identity_t op = {"op001", "operator", ""}, clerk = {"clerk001", "clerk", ""};
    auth_identity_t h = {"h-metrology", "handler", "metrology"};
    auth_identity_t insp = {"insp001", "inspector", "inspection"}, admin = {"admin", "admin", ""};
    assert_true(auth_may_see_all_cases(&op));
    assert_true(auth_may_see_all_cases(&clerk));
    assert_true(auth_may_see_all_cases(&insp));
    assert_true(auth_may_see_all_cases(&admin));
    assert_false(auth_may_see_all_cases(&h));
    auth_identity_t leader = {"leader001", "leader", ""};
    assert_true(auth_may_see_all_cases(&leader));
    assert_false(auth_may_see_requester(&leader, "op001", false)); /* leaders read, not handle */
    /* The desk sees every case, but the requester only of its own. */
    assert_true(auth_may_see_requester(&op, "op001", false));
    assert_false(auth_may_see_requester(&op, "op002", false));
    assert_false(auth_may_see_requester(&clerk, "op001", false));
    /* A division only while it holds a task of the case. */
    assert_true(auth_may_see_requester(&h, "op001", true));
    assert_false(auth_may_see_requester(&h, "op001", false));
    assert_true(auth_may_see_requester(&insp, "op001", false));
    assert_true(auth_may_see_requester(&admin, "op001", false));
    assert_false(auth_may_see_requester(&op, NULL, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_and_verify), cmocka_unit_test(test_session_ids),
        cmocka_unit_test(test_csrf_token),               cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_same_origin),              cmocka_unit_test(test_topic_scope),
        cmocka_unit_test(test_case_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
