/* The pending-task index in Redis: one sorted set per division
 * (<prefix>pending:<division>, task id scored by dispatch time). Rebuilt from
 * PostgreSQL every time Redis (re)connects; updated after each commit. It is
 * only an index: PostgreSQL stays the truth. */
#ifndef DUBAN_DISPATCH_INDEX_H
#define DUBAN_DISPATCH_INDEX_H

#include "org.h"
#include "pg.h"
#include "redis.h"

#include <stdint.h>

typedef struct dispatch_index dispatch_index_t;

int dispatch_index_prepare(pg_t *pg);

/* Connects to Redis (host, port) and keeps the index; prefix is copied. */
dispatch_index_t *dispatch_index_new(struct event_base *base, pg_t *pg, const org_t *org,
                                     const char *host, int port, const char *prefix);

void dispatch_index_destroy(dispatch_index_t **self_p);

/* Records a task dispatched to division. */
void dispatch_index_add(dispatch_index_t *self, const char *division, int64_t task_id,
                        int64_t dispatched_us);

bool dispatch_index_up(const dispatch_index_t *self);

/* The Redis connection the index uses (for other small writes). */
redis_t *dispatch_index_redis(dispatch_index_t *self);

/* Rebuilds done since start (for health reports and tests). */
unsigned long dispatch_index_rebuilds(const dispatch_index_t *self);

#endif
