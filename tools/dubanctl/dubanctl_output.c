/* What dubanctl prints reaches a person's terminal, and much of it was
 * written by someone outside (a subject, a description, a reason). Intake
 * refuses control characters, but older rows, imports and other writers may
 * still hold some, so the terminal is guarded here once for every command:
 * stdout and stderr pass through a filter that escapes control characters
 * (text_escape_stream) except the newlines and tabs of dubanctl's own
 * layout. JSON output is unaffected in meaning: jansson already escapes C0,
 * and a C1 character becomes "\u0080"..."\u009f", a valid JSON escape of
 * the same character. Newlines inside a value are dubanctl's to lay out:
 * ctl_flat and ctl_print_block keep one value from faking another line. */
#include "dubanctl.h"

#include "calendar.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int fd;
    unsigned char state;
} guard_t;

static guard_t s_out = {.fd = STDOUT_FILENO}, s_err = {.fd = STDERR_FILENO};

static void s_write_all(const char *bytes, size_t len, void *arg)
{
    const guard_t *g = arg;
    while (len > 0) {
        ssize_t n = write(g->fd, bytes, len);
        if (n <= 0)
            return; /* a closed pipe: nothing more to show */
        bytes += n;
        len -= (size_t)n;
    }
}

static ssize_t s_guard_write(void *cookie, const char *buf, size_t size)
{
    guard_t *g = cookie;
    text_escape_stream(buf, size, true, &g->state, s_write_all, g);
    return (ssize_t)size;
}

static int s_guard_close(void *cookie)
{
    guard_t *g = cookie;
    text_escape_stream(NULL, 0, true, &g->state, s_write_all, g);
    return 0;
}

static FILE *s_guarded(guard_t *g, int mode)
{
    cookie_io_functions_t io = {.write = s_guard_write, .close = s_guard_close};
    FILE *f = fopencookie(g, "w", io);
    if (f)
        setvbuf(f, NULL, mode, BUFSIZ);
    return f;
}

void ctl_output_guard(void)
{
    fflush(stdout);
    fflush(stderr);
    FILE *out = s_guarded(&s_out, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
    FILE *err = s_guarded(&s_err, _IONBF);
    if (out)
        stdout = out;
    if (err)
        stderr = err;
}

const char *ctl_flat(const char *s, char *buf, size_t len)
{
    if (len == 0)
        return "";
    size_t n = 0;
    for (; s && *s; s++) {
        size_t need = *s == '\n' ? 3 : 1;
        if (n + need >= len)
            break;
        if (*s == '\n') {
            memcpy(buf + n, "\xe2\x8f\x8e", 3); /* U+23CE, the return symbol */
            n += 3;
        } else {
            buf[n++] = *s == '\t' ? ' ' : *s;
        }
    }
    /* Cut short inside a character: drop its first bytes too. */
    if (s && ((unsigned char)*s & 0xC0) == 0x80) {
        while (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
            n--;
        if (n > 0)
            n--;
    }
    buf[n] = '\0';
    return buf;
}

void ctl_print_block(const char *label, const char *text)
{
    printf("  %s: ", label);
    for (const char *p = text ? text : ""; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1])
            printf("  %*s| ", (int)strlen(label), "");
    }
    putchar('\n');
}

/* The bureau's zone is the business calendar's (hours.conf), also when the
 * deployment counts deadlines round the clock (tests): people read times in
 * their own zone either way. */
static struct calendar *s_zone(ctl_t *ctl)
{
    if (!ctl->zone) {
        char dir[4096];
        ctl->zone = calendar_new(
            settings_file(ctl->settings, "calendar_dir", "calendar", dir, sizeof(dir)));
    }
    return ctl->zone;
}

const char *ctl_time_us(ctl_t *ctl, int64_t us, char *buf, size_t len)
{
    char iso[48];
    struct calendar *zone = s_zone(ctl);
    if (!zone || len < 32) {
        snprintf(buf, len, "%lld", (long long)us);
        return buf;
    }
    calendar_format_instant(zone, us, iso, sizeof(iso));
    if (strlen(iso) < 19 || iso[10] != 'T') {
        snprintf(buf, len, "%s", iso); /* never, out-of-range */
        return buf;
    }
    /* 2017-03-02T10:30:05[.ffffff]+08:00 -> 2017-03-02 10:30:05 +08:00 */
    const char *offset = iso + 19;
    if (*offset == '.')
        offset += strspn(offset + 1, "0123456789") + 1;
    snprintf(buf, len, "%.10s %.8s %s", iso, iso + 11, strcmp(offset, "Z") == 0 ? "UTC" : offset);
    return buf;
}

const char *ctl_time_text(ctl_t *ctl, const char *rfc3339, char *buf, size_t len)
{
    int64_t us;
    if (!rfc3339 || !rfc3339[0])
        snprintf(buf, len, "-");
    else if (calendar_parse_instant(rfc3339, &us) == 0)
        ctl_time_us(ctl, us, buf, len);
    else
        snprintf(buf, len, "%s", rfc3339);
    return buf;
}
