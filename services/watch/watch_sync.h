/* Keeping the deadline index in step with PostgreSQL, the truth.
 *
 * Rebuild: every open task (and every task changed within the look-back,
 * whose deadline may have been met late while watch was down) is read in
 * pages by id and its next entry armed. Adding is idempotent and nothing is
 * deleted first, so a rebuild never races with entries being armed
 * meanwhile; an entry made stale by it costs one look when it falls due.
 * A rebuild asked for while one runs is run again afterwards.
 *
 * Changes: every poll interval the tasks whose updated_at moved are read
 * and re-armed (signed, returned, replied, paused, deadlines moved, new
 * tasks). updated_at is a transaction's start time, and transactions commit
 * out of that order, so each poll starts an overlap window before the
 * previous one's time; re-arming a task twice changes nothing. */
#ifndef DUBAN_WATCH_SYNC_H
#define DUBAN_WATCH_SYNC_H

#include "pg.h"
#include "watch_index.h"

#include <stdint.h>

struct event_base;

typedef struct {
    int poll_ms;     /* how often to look for changed tasks */
    int overlap_ms;  /* how far back each poll starts before the previous one */
    int lookback_s;  /* a rebuild also reads tasks closed this recently */
    int page;        /* rows per rebuild page */
} watch_sync_config_t;

typedef struct watch_sync watch_sync_t;

/* All borrowed. Starts polling at once (from now minus the overlap). */
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
    unsigned long polled;         /* changed task rows read */
} watch_sync_stats_t;

watch_sync_stats_t watch_sync_stats(const watch_sync_t *self);

#endif
