/* Unit tests for common/text.c (the check every intake path applies to
 * outside text, and the escape of what reaches a terminal or a log) and for
 * the escaping in common/log.c. */
#include "log.h"
#include "text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_check_accepts_text(void **state)
{
    (void)state;
    assert_int_equal(TEXT_OK, text_check("小区3号楼电梯运行时异响 abc 123", false, NULL, NULL));
    assert_int_equal(TEXT_OK, text_check("", false, NULL, NULL));
    assert_int_equal(TEXT_OK, text_check("第一行\n第二行\t缩进", true, NULL, NULL));
    assert_int_equal(TEXT_OK, text_check("emoji \xf0\x9f\x98\x80 and U+00A0\xc2\xa0", false, NULL,
                                         NULL));
}

static void test_check_refuses_controls(void **state)
{
    (void)state;
    size_t at = 99;
    uint32_t cp = 0;
    assert_int_equal(TEXT_CONTROL, text_check("ab\x1b[2Jcd", true, &at, &cp));
    assert_int_equal(2, at);
    assert_int_equal(0x1b, cp);
    assert_int_equal(TEXT_CONTROL, text_check("bell\x07", true, &at, &cp));
    assert_int_equal(0x07, cp);
    assert_int_equal(TEXT_CONTROL, text_check("line\rrewritten", true, &at, &cp));
    assert_int_equal(0x0d, cp);
    assert_int_equal(TEXT_CONTROL, text_check("del\x7f", false, &at, &cp));
    assert_int_equal(0x7f, cp);
    /* C1: U+009B is CSI on terminals that honour 8-bit controls. */
    assert_int_equal(TEXT_CONTROL, text_check("电\xc2\x9b" "2J", false, &at, &cp));
    assert_int_equal(3, at);
    assert_int_equal(0x9b, cp);
    /* Newline and tab only where the field is multi-line. */
    assert_int_equal(TEXT_CONTROL, text_check("one\ntwo", false, &at, &cp));
    assert_int_equal(0x0a, cp);
    assert_int_equal(TEXT_CONTROL, text_check("a\tb", false, &at, &cp));
}

static void test_check_refuses_invalid_utf8(void **state)
{
    (void)state;
    size_t at = 0;
    assert_int_equal(TEXT_INVALID_UTF8, text_check("ab\xff", true, &at, NULL));
    assert_int_equal(2, at);
    /* Overlong "/" and overlong NUL. */
    assert_int_equal(TEXT_INVALID_UTF8, text_check("\xc0\xaf", true, NULL, NULL));
    assert_int_equal(TEXT_INVALID_UTF8, text_check("\xc0\x80", true, NULL, NULL));
    assert_int_equal(TEXT_INVALID_UTF8, text_check("\xe0\x80\xaf", true, NULL, NULL));
    /* A surrogate, and a code point above U+10FFFF. */
    assert_int_equal(TEXT_INVALID_UTF8, text_check("\xed\xa0\x80", true, NULL, NULL));
    assert_int_equal(TEXT_INVALID_UTF8, text_check("\xf4\x90\x80\x80", true, NULL, NULL));
    /* Cut short by the end of the string. */
    assert_int_equal(TEXT_INVALID_UTF8, text_check("电\xe6\xa2", true, &at, NULL));
    assert_int_equal(3, at);
}

static void test_normalize_newlines(void **state)
{
    (void)state;
    char s[] = "a\r\nb\r\n\r\nc\rd\r";
    text_normalize_newlines(s);
    assert_string_equal("a\nb\n\nc\rd\r", s);
}

static void test_describe(void **state)
{
    (void)state;
    char buf[96];
    assert_string_equal("contains the control character U+001B at byte 4",
                        text_describe(TEXT_CONTROL, 4, 0x1b, buf, sizeof(buf)));
    assert_string_equal("is not valid UTF-8 (byte 7)",
                        text_describe(TEXT_INVALID_UTF8, 7, 0, buf, sizeof(buf)));
}

static void test_escape(void **state)
{
    (void)state;
    char out[128];
    const char *in = "a\x1b[2J\x07\r\n\tb\xc2\x9b\x7f中";
    text_escape(in, strlen(in), out, sizeof(out), false);
    assert_string_equal("a\\x1b[2J\\x07\\x0d\\x0a\\x09b\\u009b\\x7f中", out);
    text_escape(in, strlen(in), out, sizeof(out), true);
    assert_string_equal("a\\x1b[2J\\x07\\x0d\n\tb\\u009b\\x7f中", out);
    /* U+00A0 (C2 A0) is not a control. */
    text_escape("\xc2\xa0", 2, out, sizeof(out), false);
    assert_string_equal("\xc2\xa0", out);
    /* Too small: cut at a whole escape or character, always terminated. */
    size_t n = text_escape("ab\x1b", 3, out, 5, false);
    assert_int_equal(2, n);
    assert_string_equal("ab", out);
    n = text_escape("a中", 4, out, 3, false);
    assert_string_equal("a", out);
    assert_int_equal(1, n);
}

typedef struct {
    char buf[256];
    size_t len;
} sink_t;

static void s_sink(const char *bytes, size_t len, void *arg)
{
    sink_t *s = arg;
    assert_true(s->len + len < sizeof(s->buf));
    memcpy(s->buf + s->len, bytes, len);
    s->len += len;
    s->buf[s->len] = '\0';
}

static void test_escape_stream_split_c1(void **state)
{
    (void)state;
    sink_t sink = {0};
    unsigned char st = 0;
    /* A C1 character split between two writes is still escaped ... */
    text_escape_stream("x\xc2", 2, true, &st, s_sink, &sink);
    text_escape_stream("\x9b" "y", 2, true, &st, s_sink, &sink);
    /* ... and a held C2 that starts an ordinary character passes unchanged. */
    text_escape_stream("\xc2", 1, true, &st, s_sink, &sink);
    text_escape_stream("\xa0z\n", 3, true, &st, s_sink, &sink);
    text_escape_stream("\xc2", 1, true, &st, s_sink, &sink);
    text_escape_stream(NULL, 0, true, &st, s_sink, &sink); /* flush at close */
    assert_string_equal("x\\u009by\xc2\xa0z\n\xc2", sink.buf);
}

/* Runs log_write with stderr on a temporary file; returns what it wrote. */
static char *s_capture_log(const char *value)
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    log_info("refused submission", "subject=%s", value);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    char *out = calloc(1, 4096);
    assert_non_null(out);
    size_t n = fread(out, 1, 4095, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

static void test_log_one_line_per_event(void **state)
{
    (void)state;
    log_init("test", LOG_INFO);
    char *out = s_capture_log("x\nts=2017-01-01T00:00:00.000Z level=error svc=intake forged\x1b[2J");
    /* Exactly one line: the forged one is part of the first, escaped. */
    assert_non_null(strstr(out, "subject=\"x\\x0ats=2017-01-01T00:00:00.000Z level=error "
                                "svc=intake forged\\x1b[2J\"\n"));
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    assert_null(strchr(out, '\x1b'));
    free(out);
    /* A long value is cut, and the line still ends with its newline. */
    char big[5000];
    memset(big, '\x07', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    out = s_capture_log(big);
    assert_true(strlen(out) < 2048);
    assert_int_equal('\n', out[strlen(out) - 1]);
    assert_null(strchr(out, '\x07'));
    free(out);
}

/* A JSON parse error is described without the bytes at fault: they can be
 * a requester's phone number or a terminal's escape sequence. */
static void test_json_error_quotes_nothing(void **state)
{
    (void)state;
    const char *bodies[] = {"{\"phone\":\"13912345678\" 13912345678}",
                            "{\"a\":1,\n \"b\": 13912345678x}",
                            "{\"a\":\"\x1b[2J13912345678\"}",
                            "[13912345678"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        json_error_t err;
        json_t *root = json_loads(bodies[i], 0, &err);
        assert_null(root);
        assert_non_null(strstr(err.text, "near")); /* jansson quotes the input ... */
        char out[TEXT_JSON_ERROR_MAX];
        assert_ptr_equal(text_json_error(&err, out, sizeof(out)), out);
        assert_null(strstr(out, "139"));          /* ... the description does not */
        assert_null(strchr(out, '\x1b'));
        assert_non_null(strstr(out, "(line "));
        assert_non_null(strstr(out, ", column "));
    }
    json_error_t err;
    assert_null(json_loads("{\"a\":1,\n \"b\": x}", 0, &err));
    char out[TEXT_JSON_ERROR_MAX];
    text_json_error(&err, out, sizeof(out));
    assert_non_null(strstr(out, "(line 2, column "));
    char tiny[6];
    text_json_error(&err, tiny, sizeof(tiny)); /* cut, never overrun */
    assert_int_equal(strlen(tiny), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_accepts_text),
        cmocka_unit_test(test_check_refuses_controls),
        cmocka_unit_test(test_check_refuses_invalid_utf8),
        cmocka_unit_test(test_normalize_newlines),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_escape_stream_split_c1),
        cmocka_unit_test(test_log_one_line_per_event),
        cmocka_unit_test(test_json_error_quotes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
