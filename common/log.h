/* Structured logging: one logfmt line per event on stderr,
 *   ts=2026-12-03T20:15:00.123Z level=info svc=intake msg="case accepted" case=DB20261203000123
 * The event text (msg) is a constant that names what happened; everything
 * that varies goes into key=value fields, which this module quotes and
 * escapes, so a value from outside can neither break the line nor forge a
 * field. Safe to call before log_init (logs as svc=duban at info). */
#ifndef DUBAN_LOG_H
#define DUBAN_LOG_H

#include <stddef.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Sets the service name (copied) and the lowest level printed. */
void log_init(const char *service, log_level_t level);

/* The service name given to log_init ("duban" before). */
const char *log_service(void);

/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *text, log_level_t *level);

const char *log_level_str(log_level_t level);

/* A citizen's network address as logs may keep it: an IPv4 address cut to
 * its /24 ("203.0.113.0/24"), IPv6 to its /48, so that a log says which
 * network a flood came from without naming the person (an address is
 * personal data). Anything else becomes "-". Returns out. */
const char *log_address(const char *addr, char *out, size_t len);

/* log_address into a buffer of the calling expression's own, for a log line:
 *   log_info("refused peer", "peer=%s", log_addr(http_peer(req))); */
#define log_addr(addr) log_address((addr), (char[64]){0}, 64)

/* Writes one line: msg is the event text, written as msg="..."; fields is a
 * printf format made only of space-separated key=%conversion (or key=literal)
 * pairs, e.g. "case=%s staff=%s tries=%d". Each conversion's output is one
 * value: it is written bare when it is a plain token and quoted otherwise
 * (empty, or holding a space, '=', '"', '\' or a control character), with
 * '"' and '\' escaped as \" and \\ and control characters as \xNN (C0, DEL)
 * or \u00NN (C1). fields may be NULL. A line is at most 2 KB: a value that
 * does not fit is cut at a whole character escape, its quote closed, and the
 * fields after it dropped. One write(2) per line, so lines from several
 * processes sharing a file never interleave. */
void log_write(log_level_t level, const char *msg, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));

/* log_info("case accepted", "case=%s staff=%s", number, staff);
 * log_info("ready");
 * msg and fields must be string literals (checked by the compiler here,
 * and their shape by tests/lint/log_calls.py). */
#define log_debug(msg, ...) log_write(LOG_DEBUG, "" msg, " " __VA_ARGS__)
#define log_info(msg, ...) log_write(LOG_INFO, "" msg, " " __VA_ARGS__)
#define log_warn(msg, ...) log_write(LOG_WARN, "" msg, " " __VA_ARGS__)
#define log_error(msg, ...) log_write(LOG_ERROR, "" msg, " " __VA_ARGS__)

#endif
