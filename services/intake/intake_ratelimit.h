/* Per-address rate limiting of public endpoints in Redis: a counter per
 * address and minute (INCR + EXPIRE). When Redis cannot be asked the request
 * is let through and the fact logged: limiting is a courtesy, acceptance is
 * the rule. */
#ifndef DUBAN_INTAKE_RATELIMIT_H
#define DUBAN_INTAKE_RATELIMIT_H

#include "redis.h"

#include <stdbool.h>

typedef struct intake_ratelimit intake_ratelimit_t;

/* allowed is false when address went over the limit this minute. */
typedef void (*intake_ratelimit_cb)(void *arg, bool allowed);

intake_ratelimit_t *intake_ratelimit_new(redis_t *redis, const char *prefix);
void intake_ratelimit_destroy(intake_ratelimit_t **self_p);

/* Counts one request of address in bucket (e.g. "submit", "lookup"), which
 * allows per_minute requests a minute (0 or less: no limit). */
void intake_ratelimit_check(intake_ratelimit_t *self, const char *bucket, int per_minute,
                            const char *address, intake_ratelimit_cb cb, void *arg);

#endif
