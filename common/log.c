/* Structured logging to stderr in strict logfmt. Lines are written with one
 * write(2) so that lines from several processes sharing a log file never
 * interleave. The event text and every field value are quoted and escaped
 * here, not by the caller: a value carrying a space, a quote, an '=' or a
 * control character (a newline or an escape sequence from outside) stays
 * one value, so one event is always one line, no value can forge another
 * field or line, and none can act on the terminal that shows the log. */
#include "log.h"

#include "decimal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static char s_service[32] = "duban";
static log_level_t s_level = LOG_INFO;

/* A line being built: at most 2047 bytes with its newline, which always
 * has room. full is set once something did not fit: nothing more is added. */
typedef struct {
    char buf[LOG_LINE_MAX];
    size_t n;
    bool full;
} s_line_t;

#define S_LINE_CAP (LOG_LINE_MAX - 2)

void log_init(const char *service, log_level_t level)
{
    snprintf(s_service, sizeof(s_service), "%s", service);
    s_level = level;
}

const char *log_service(void)
{
    return s_service;
}

int log_level_parse(const char *text, log_level_t *level)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *level = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

const char *log_level_str(log_level_t level)
{
    switch (level) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    case LOG_ERROR:
        return "error";
    }
    return "?";
}

const char *log_address(const char *addr, char *out, size_t len)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    snprintf(out, len, "-");
    if (addr && inet_pton(AF_INET, addr, a) == 1) {
        a[3] = 0;
        if (inet_ntop(AF_INET, a, text, sizeof(text)))
            snprintf(out, len, "%s/24", text);
    } else if (addr && inet_pton(AF_INET6, addr, a) == 1) {
        memset(a + 6, 0, 10);
        if (inet_ntop(AF_INET6, a, text, sizeof(text)))
            snprintf(out, len, "%s/48", text);
    }
    return out;
}

/* Appends len bytes whole, or nothing (and marks the line full). */
static bool s_put(s_line_t *line, const char *bytes, size_t len, size_t keep_free)
{
    if (line->full || line->n + len + keep_free > S_LINE_CAP) {
        line->full = true;
        return false;
    }
    memcpy(line->buf + line->n, bytes, len);
    line->n += len;
    return true;
}

static bool s_is_c1(const unsigned char *p, size_t i, size_t len)
{
    return p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F;
}

/* A value needs quotes when a reader could not tell where it ends or
 * would read it differently: empty, or holding a space, '=', '"', '\' or a
 * control character (C0, DEL, C1). */
static bool s_needs_quotes(const unsigned char *p, size_t len)
{
    if (len == 0)
        return true;
    for (size_t i = 0; i < len; i++) {
        if (p[i] <= ' ' || p[i] == 0x7F || p[i] == '"' || p[i] == '=' || p[i] == '\\' ||
            s_is_c1(p, i, len))
            return true;
    }
    return false;
}

/* Bytes of the UTF-8 character starting at p[i] (1 when it is not one),
 * so that a cut value never ends inside a character. */
static size_t s_char_width(const unsigned char *p, size_t i, size_t len)
{
    size_t w = p[i] >= 0xF0 && p[i] <= 0xF7 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC0 ? 2 : 1;
    if (w == 1 || p[i] >= 0xF8 || i + w > len)
        return 1;
    for (size_t k = 1; k < w; k++)
        if ((p[i + k] & 0xC0) != 0x80)
            return 1;
    return w;
}

/* Appends one value, bare or quoted; a quoted value that does not fit is
 * cut at a whole escape or character and its quote closed. */
static void s_put_value(s_line_t *line, const char *value, size_t len)
{
    const unsigned char *p = (const unsigned char *)value;
    if (!s_needs_quotes(p, len) && s_put(line, value, len, 0))
        return;
    line->full = false; /* a bare value too long for the line is cut quoted */
    if (!s_put(line, "\"", 1, 1))
        return;
    size_t i = 0;
    while (i < len) {
        char esc[8];
        const char *unit = esc;
        size_t unit_len, width = 1;
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            unit_len = 2;
        } else if (c < 0x20 || c == 0x7F) {
            unit_len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)c);
        } else if (s_is_c1(p, i, len)) {
            unit_len = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)p[i + 1]);
            width = 2;
        } else {
            unit = value + i;
            width = unit_len = s_char_width(p, i, len);
        }
        if (!s_put(line, unit, unit_len, 1))
            break;
        i += width;
    }
    bool cut = line->full;
    line->full = false;
    s_put(line, "\"", 1, 0); /* room was kept for it */
    line->full = cut;
}

/* Formats the one conversion at *fmt (just past its '%') with its argument
 * into out; advances *fmt past it. Returns -1 for a conversion this module
 * does not know (a programmer error: the arguments can no longer be read). */
static int s_format_one(const char **fmt, va_list *ap, char *out, size_t cap)
{
    const char *f = *fmt;
    char spec[48];
    size_t sn = 0;
    spec[sn++] = '%';
    while (*f && strchr("-+ #0", *f) && sn < 8)
        spec[sn++] = *f++;
    if (*f == '*') {
        sn += (size_t)snprintf(spec + sn, sizeof(spec) - sn, "%d", va_arg(*ap, int));
        f++;
    } else {
        while (*f >= '0' && *f <= '9' && sn < 20)
            spec[sn++] = *f++;
    }
    if (*f == '.') {
        f++;
        if (*f == '*') {
            int precision = va_arg(*ap, int);
            if (precision >= 0)
                sn += (size_t)snprintf(spec + sn, sizeof(spec) - sn, ".%d", precision);
            f++;
        } else {
            spec[sn++] = '.';
            while (*f >= '0' && *f <= '9' && sn < 34)
                spec[sn++] = *f++;
        }
    }
    char length[3] = {0};
    if ((f[0] == 'h' && f[1] == 'h') || (f[0] == 'l' && f[1] == 'l')) {
        length[0] = f[0];
        length[1] = f[1];
        f += 2;
    } else if (*f && strchr("hlzjtL", *f)) {
        length[0] = *f++;
    }
    for (size_t k = 0; length[k]; k++)
        spec[sn++] = length[k];
    char conv = *f;
    if (!conv)
        return -1;
    spec[sn++] = conv;
    spec[sn] = '\0';
    *fmt = f + 1;
    char l = length[0], ll = length[1];
    switch (conv) {
    case 'd':
    case 'i':
        if (ll == 'l')
            return snprintf(out, cap, spec, va_arg(*ap, long long));
        if (l == 'l')
            return snprintf(out, cap, spec, va_arg(*ap, long));
        if (l == 'z')
            return snprintf(out, cap, spec, va_arg(*ap, ssize_t));
        if (l == 'j')
            return snprintf(out, cap, spec, va_arg(*ap, intmax_t));
        if (l == 't')
            return snprintf(out, cap, spec, va_arg(*ap, ptrdiff_t));
        return snprintf(out, cap, spec, va_arg(*ap, int));
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        if (ll == 'l')
            return snprintf(out, cap, spec, va_arg(*ap, unsigned long long));
        if (l == 'l')
            return snprintf(out, cap, spec, va_arg(*ap, unsigned long));
        if (l == 'z')
            return snprintf(out, cap, spec, va_arg(*ap, size_t));
        if (l == 'j')
            return snprintf(out, cap, spec, va_arg(*ap, uintmax_t));
        if (l == 't')
            return snprintf(out, cap, spec, va_arg(*ap, ptrdiff_t));
        return snprintf(out, cap, spec, va_arg(*ap, unsigned int));
    case 'c':
        return snprintf(out, cap, spec, va_arg(*ap, int));
    case 's':
        return snprintf(out, cap, spec, va_arg(*ap, const char *));
    case 'p':
        return snprintf(out, cap, spec, va_arg(*ap, void *));
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
        if (l == 'L')
            return snprintf(out, cap, spec, va_arg(*ap, long double));
        return snprintf(out, cap, spec, va_arg(*ap, double));
    case '%':
        return snprintf(out, cap, "%%");
    }
    return -1;
}

/* The plain conversions nearly every line uses ("%s", "%d", "%lld", "%ld",
 * "%zu"), formatted without snprintf: a service logs a line per case, and
 * these were most of its cost. Returns the value's length and sets *value
 * (a string argument itself, or out); -1, consuming nothing, for any other
 * conversion (s_format_one's). */
static int s_format_plain(const char **fmt, va_list *ap, const char **value, char *out)
{
    const char *f = *fmt;
    int64_t v;
    if (f[0] == 's') {
        const char *arg = va_arg(*ap, const char *);
        *value = arg ? arg : "(null)";
        *fmt = f + 1;
        return (int)strlen(*value);
    } else if (f[0] == 'z' && f[1] == 'u') {
        *fmt = f + 2;
        *value = out;
        return decimal_u64(va_arg(*ap, size_t), out);
    } else if (f[0] == 'd') {
        v = va_arg(*ap, int);
        *fmt = f + 1;
    } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
        v = va_arg(*ap, long long);
        *fmt = f + 3;
    } else if (f[0] == 'l' && f[1] == 'd') {
        v = va_arg(*ap, long);
        *fmt = f + 2;
    } else {
        return -1;
    }
    *value = out;
    return decimal_i64(v, out);
}

/* "ts=YYYY-MM-DDTHH:MM:SS" of the second sec, kept per thread while the
 * second lasts. */
static const char *s_second_text(time_t sec)
{
    static _Thread_local time_t cached_sec = (time_t)-1;
    static _Thread_local char cached[64];
    if (sec != cached_sec) {
        struct tm tm;
        gmtime_r(&sec, &tm);
        snprintf(cached, sizeof(cached), "ts=%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_sec = sec;
    }
    return cached;
}

void log_write(log_level_t level, const char *msg, const char *fields, ...)
{
    if (level < s_level)
        return;
    s_line_t line = {.n = 0, .full = false};
    struct timeval tv;
    gettimeofday(&tv, NULL);
    const char *second = s_second_text(tv.tv_sec);
    size_t slen = strlen(second);
    memcpy(line.buf, second, slen);
    int ms = (int)(tv.tv_usec / 1000);
    char *p = line.buf + slen;
    *p++ = '.';
    *p++ = (char)('0' + ms / 100);
    *p++ = (char)('0' + ms / 10 % 10);
    *p++ = (char)('0' + ms % 10);
    line.n = (size_t)(p - line.buf);
    s_put(&line, "Z level=", 8, 0);
    const char *level_name = log_level_str(level);
    s_put(&line, level_name, strlen(level_name), 0);
    s_put(&line, " svc=", 5, 0);
    s_put_value(&line, s_service, strlen(s_service));
    s_put(&line, " msg=", 5, 0);
    if (!line.full)
        s_put_value(&line, msg ? msg : "", msg ? strlen(msg) : 0);

    const char *f = fields ? fields : "";
    while (*f == ' ')
        f++;
    if (*f && !line.full)
        s_put(&line, " ", 1, 0);
    va_list ap;
    va_start(ap, fields);
    char value[LOG_LINE_MAX];
    while (*f && !line.full) {
        if (*f != '%') {
            /* key, '=', separating space or a literal value: the caller's own
             * text, whose shape tests/lint/log_calls.py checks */
            size_t run = strcspn(f, "%");
            /* a key keeps room for at least the "" of its value */
            s_put(&line, f, run, f[run - 1] == '=' ? 2 : 0);
            f += run;
            continue;
        }
        f++;
        const char *text = value;
        int m = s_format_plain(&f, &ap, &text, value);
        if (m < 0)
            m = s_format_one(&f, &ap, value, sizeof(value));
        if (m < 0) {
            assert(!"log_write: a conversion log_write does not know");
            break;
        }
        /* a value is cut where the line's buffer would have cut it */
        s_put_value(&line, text, (size_t)m < sizeof(value) ? (size_t)m : sizeof(value) - 1);
    }
    va_end(ap);
    line.buf[line.n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line.buf, line.n);
    (void)ignored;
}
