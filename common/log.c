/* Structured logging to stderr; lines are written with one write(2) so that
 * lines from several processes sharing a log file never interleave. Control
 * characters in a message (a newline or an escape sequence carried by a
 * value from outside) are escaped, so one event is always one line and no
 * value can forge another line or act on the terminal that shows the log. */
#include "log.h"

#include "text.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char s_service[32] = "duban";
static log_level_t s_level = LOG_INFO;

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

void log_write(log_level_t level, const char *fmt, ...)
{
    if (level < s_level)
        return;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s svc=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), log_level_str(level), s_service);
    char msg[sizeof(line)];
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t msg_len = m < 0 ? 0 : (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
    /* One byte stays free for the newline. */
    size_t len = (size_t)n + text_escape(msg, msg_len, line + n, sizeof(line) - (size_t)n - 1,
                                         false);
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}
