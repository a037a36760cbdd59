/* log_write writes strict logfmt: the event text and each value quoted and
 * escaped by log.c, one line per event within 2 KB; log_address keeps a
 * citizen's network, never the whole address. */
#include "log.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Runs the statement with stderr sent to a file; returns what it wrote. */
#define CAPTURE(out, stmt)                                                                         \
    do {                                                                                           \
        FILE *tmp_ = tmpfile();                                                                    \
        assert_non_null(tmp_);                                                                     \
        int saved_ = dup(STDERR_FILENO);                                                           \
        assert_true(dup2(fileno(tmp_), STDERR_FILENO) >= 0);                                       \
        stmt;                                                                                      \
        assert_true(dup2(saved_, STDERR_FILENO) >= 0);                                             \
        close(saved_);                                                                             \
        rewind(tmp_);                                                                              \
        (out) = calloc(1, 8192);                                                                   \
        assert_non_null(out);                                                                      \
        (out)[fread((out), 1, 8191, tmp_)] = '\0';                                                 \
        fclose(tmp_);                                                                              \
    } while (0)

/* The line after "ts=... level=L svc=S " (the part each test checks). */
static const char *s_after_svc(const char *line)
{
    const char *p = strstr(line, " msg=");
    assert_non_null(p);
    return p + 1;
}

/* A null string argument the compiler cannot see is one. */
static const char *volatile s_none = NULL;

static int s_setup(void **state)
{
    (void)state;
    log_init("test", LOG_DEBUG);
    return 0;
}

static void test_header_and_bare_values(void **state)
{
    char *out;
    CAPTURE(out, log_info("case accepted", "case=%s staff=%s photos=%d", "2026-000123", "op01", 2));
    assert_int_equal(0, strncmp(out, "ts=", 3));
    assert_non_null(strstr(out, "Z level=info svc=test msg="));
    assert_string_equal(s_after_svc(out),
                        "msg=\"case accepted\" case=2026-000123 staff=op01 photos=2\n");
    free(out);
    CAPTURE(out, log_warn("ready"));
    assert_string_equal(s_after_svc(out), "msg=ready\n");
    assert_non_null(strstr(out, " level=warn "));
    free(out);
    CAPTURE(out, log_write(LOG_ERROR, "stopped", NULL));
    assert_string_equal(s_after_svc(out), "msg=stopped\n");
    free(out);
}

static void test_values_quoted_and_escaped(void **state)
{
    char *out;
    /* space, quote, backslash, '=', empty: each stays one value */
    CAPTURE(out, log_info("x", "a=%s b=%s c=%s d=%s e=%s", "two words", "say \"hi\"", "C:\\dir",
                          "k=v", ""));
    assert_string_equal(s_after_svc(out), "msg=x a=\"two words\" b=\"say \\\"hi\\\"\" "
                                          "c=\"C:\\\\dir\" d=\"k=v\" e=\"\"\n");
    free(out);
    /* a forged field or line from outside stays inside the value */
    CAPTURE(out,
            log_info("refused", "field=%s status=%d", "x status=200\nts=1 level=error msg=y", 400));
    assert_string_equal(s_after_svc(out), "msg=refused field=\"x status=200\\x0ats=1 level=error "
                                          "msg=y\" status=400\n");
    free(out);
    /* C0, DEL and C1 controls are escaped; other UTF-8 passes */
    CAPTURE(out, log_info("x", "v=%s w=%s", "a\x1b[2J\x7f\xc2\x9b", "投诉"));
    assert_string_equal(s_after_svc(out), "msg=x v=\"a\\x1b[2J\\x7f\\u009b\" w=投诉\n");
    free(out);
    /* numbers, precision given by an argument, %% */
    CAPTURE(out, log_info("x", "n=%lld z=%zu f=%.1f p=%.*s pct=%d%%", -5LL, (size_t)7, 2.25, 3,
                          "abcdef", 9));
    assert_string_equal(s_after_svc(out), "msg=x n=-5 z=7 f=2.2 p=abc pct=9%\n");
    free(out);
    /* the conversions formatted without snprintf, at their edges, beside
     * snprintf's own for the rest (a width) */
    CAPTURE(out,
            log_info("x", "a=%lld b=%lld c=%d d=%d e=%ld f=%zu g=%zu h=%s i=%5d j=%s", LLONG_MIN,
                     LLONG_MAX, INT_MIN, 0, -1L, (size_t)0, SIZE_MAX, s_none, 42, ""));
    char want[256];
    snprintf(want, sizeof(want),
             "msg=x a=%lld b=%lld c=%d d=0 e=-1 f=0 g=%zu h=(null) i=\"   42\" j=\"\"\n", LLONG_MIN,
             LLONG_MAX, INT_MIN, SIZE_MAX);
    assert_string_equal(s_after_svc(out), want);
    /* ts=YYYY-MM-DDTHH:MM:SS.mmmZ, the time of the second kept per thread */
    assert_int_equal(strspn(out + 3, "0123456789"), 4);
    assert_true(out[7] == '-' && out[10] == '-' && out[13] == 'T' && out[16] == ':' &&
                out[19] == ':' && out[22] == '.');
    assert_int_equal(strspn(out + 23, "0123456789"), 3);
    assert_int_equal(0, strncmp(out + 26, "Z level=info svc=test ", 22));
    free(out);
    /* the event text itself is escaped the same way */
    CAPTURE(out, log_info("a \"b\"\n"));
    assert_string_equal(s_after_svc(out), "msg=\"a \\\"b\\\"\\x0a\"\n");
    free(out);
}

static void test_long_line_cut_whole(void **state)
{
    char big[5000];
    memset(big, '"', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char *out;
    CAPTURE(out, log_info("x", "v=%s after=%s", big, "dropped"));
    size_t len = strlen(out);
    assert_true(len < 2048);
    assert_int_equal('\n', out[len - 1]);
    assert_ptr_equal(strchr(out, '\n'), out + len - 1);
    /* cut at a whole escape, quote closed, later fields dropped */
    assert_int_equal('"', out[len - 2]);
    assert_int_equal('"', out[len - 3]);
    assert_int_equal('\\', out[len - 4]);
    assert_null(strstr(out, "after="));
    free(out);
    /* a long bare value is cut quoted, never inside a UTF-8 character */
    char wide[4000] = "";
    for (int i = 0; i < 1000; i++)
        strcat(wide, "投");
    CAPTURE(out, log_info("x", "v=%s", wide));
    len = strlen(out);
    assert_true(len < 2048);
    assert_int_equal('"', out[len - 2]);
    const char *v = strstr(out, "v=\"");
    assert_non_null(v);
    assert_int_equal(0, (out + len - 2 - (v + 3)) % 3);
    free(out);
}

static void test_level_filter(void **state)
{
    log_init("test", LOG_WARN);
    char *out;
    CAPTURE(out, log_info("hidden"));
    assert_string_equal(out, "");
    free(out);
    log_init("test", LOG_DEBUG);
}

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
    char *out;
    CAPTURE(out, log_info("rate limited", "peer=%s", log_addr("198.51.100.9")));
    assert_string_equal(s_after_svc(out), "msg=\"rate limited\" peer=198.51.100.0/24\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_header_and_bare_values, s_setup),
        cmocka_unit_test_setup(test_values_quoted_and_escaped, s_setup),
        cmocka_unit_test_setup(test_long_line_cut_whole, s_setup),
        cmocka_unit_test_setup(test_level_filter, s_setup),
        cmocka_unit_test(test_address_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
