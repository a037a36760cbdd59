/* Structured logging: one line per event on stderr,
 * "ts=... level=... svc=... msg" where msg carries its own key=value fields.
 * Safe to call before log_init (logs as svc=duban at info). */
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
 *   log_info("refused peer=%s", log_addr(http_peer(req))); */
#define log_addr(addr) log_address((addr), (char[64]){0}, 64)

void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
