/* Per-address rate limiting of the public endpoints.
 *
 * A counter per bucket, address and minute lives in Redis (INCR + EXPIRE),
 * shared by every intake process. When Redis cannot be asked — not connected,
 * an error reply, no answer within timeout_ms, or too many checks already
 * waiting for it — the check is counted in this process's memory instead,
 * with the same limit and the same minute window. Failing open is not safe
 * (one address could flood the case store or guess query codes while Redis
 * is away), and refusing everyone is not either (acceptance is never
 * refused), so each bucket keeps its limit, per process, through an outage.
 *
 * The fallback table has a fixed number of slots, allocated once (16 bytes
 * each); slots of a past minute are reused, so memory never grows with the
 * number of addresses. When the addresses of the current minute fill it,
 * what happens to an address without a slot is decided per bucket:
 * - "submit" (public submissions) is let through: acceptance is never
 *   refused, and a flood from that many addresses is bounded by intake's
 *   connection caps and its commit queue, not by a per-address count;
 * - any other bucket ("lookup": status page and JSON) is refused (429): a
 *   status lookup can wait a minute, and guessing query codes must not get
 *   easier under an attack from many addresses.
 * With several intake processes the fallback allows limit times processes per
 * address: the price of not sharing a store that is down. */
#ifndef DUBAN_INTAKE_RATELIMIT_H
#define DUBAN_INTAKE_RATELIMIT_H

#include "redis.h"

#include <stdbool.h>
#include <stddef.h>

struct event_base;

typedef struct intake_ratelimit intake_ratelimit_t;

/* allowed is false when address went over the limit this minute. */
typedef void (*intake_ratelimit_cb)(void *arg, bool allowed);

/* Keys are "<prefix>rl:<bucket>:<address>:<minute>". max_addresses is the
 * size of the fallback table (bucket and address pairs per minute);
 * timeout_ms how long a check waits for Redis before counting in memory.
 * NULL when out of memory. */
intake_ratelimit_t *intake_ratelimit_new(struct event_base *base, redis_t *redis,
                                         const char *prefix, size_t max_addresses, int timeout_ms);

/* Frees; checks still waiting for Redis are freed when redis_destroy fails
 * them (call redis_destroy first). */
void intake_ratelimit_destroy(intake_ratelimit_t **self_p);

/* Counts one request of address in bucket (e.g. "submit", "lookup"), which
 * allows per_minute requests a minute (0 or less: no limit). cb runs once,
 * from this call when the answer is known at once, otherwise later. */
void intake_ratelimit_check(intake_ratelimit_t *self, const char *bucket, int per_minute,
                            const char *address, intake_ratelimit_cb cb, void *arg);

#endif
