/* Keeping the deadline index in step with PostgreSQL, the truth.
 *
 * Rebuild: every open task (and every task changed within the look-back,
 * whose deadline may have been met late while watch was down) is read in
 * pages by id and its next entry armed. Adding is idempotent and nothing is
 * deleted first, so a rebuild never races with entries being armed
 * meanwhile; an entry made stale by it costs one look when it falls due.
 * A rebuild asked for while one runs is run again afterwards.
 *
 * Changes are told, not polled: every statement that inserts or updates
 * tasks notifies WATCH_SYNC_CHANNEL with the ids it changed (the tasks'
 * triggers, 040), which PostgreSQL delivers when, and only if, the
 * transaction commits, however long it ran; the tasks are read back by id
 * and re-armed (signed, returned, replied, paused, deadlines moved, new
 * tasks); re-arming a task twice changes nothing. What is committed while
 * the connection is down is told to no one, so a reconnect rebuilds the
 * index (LISTEN is in place before the rebuild reads). An earlier poll of
 * updated_at (a transaction's start time) missed every task committed by a
 * transaction longer than its overlap window, for good. */
#ifndef DUBAN_WATCH_SYNC_H
#define DUBAN_WATCH_SYNC_H

#include "pg.h"
#include "watch_index.h"

#include <stdint.h>

struct event_base;

/* Where the tasks' triggers tell their changes (payload: "id,id,..."). */
#define WATCH_SYNC_CHANNEL "duban_tasks_changed"

typedef struct {
    int gather_ms;   /* changes told within this of the first are read together */
    int lookback_s;  /* a rebuild also reads tasks closed this recently */
    int page;        /* rows per rebuild page */
} watch_sync_config_t;

typedef struct watch_sync watch_sync_t;

/* All borrowed. Listens on pg at once (before it connects, best). */
watch_sync_t *watch_sync_new(struct event_base *base, pg_t *pg, watch_index_t *index,
                             const watch_policy_t *policy, const watch_sync_config_t *config);

void watch_sync_destroy(watch_sync_t **self_p);

/* Asks for a rebuild (merged with one running). */
void watch_sync_rebuild(watch_sync_t *self);

/* The index's rebuild callback (arg is the watch_sync_t). */
void watch_sync_rebuild_cb(void *arg);

typedef struct {
    unsigned long rebuilds;       /* completed */
    bool rebuilding;
    int64_t last_rebuild_us;      /* how long the last one took */
    long last_rebuild_tasks;      /* tasks it read */
    long last_rebuild_armed;      /* entries it armed */
    unsigned long changed;        /* changed task rows read, as told */
} watch_sync_stats_t;

watch_sync_stats_t watch_sync_stats(const watch_sync_t *self);

#endif
