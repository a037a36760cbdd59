/* The deadline index in Redis: one sorted set of entries (see
 * watch_rules.h) scored by the millisecond they fall due, one libevent
 * timer armed for its head, and claims that split the work between any
 * number of watch instances.
 *
 * Keys (prefix from the settings): <prefix>watch:due (the index),
 * <prefix>watch:lease (entries claimed and being handled, scored by when
 * the claim lapses) and <prefix>watch:built (set by each rebuild).
 *
 * Guarantees: an entry is claimed by exactly one instance (a Lua script
 * moves it from due to lease atomically); an entry whose claimant died
 * goes back into the index when its lease lapses (WATCH_LEASE_MS); the
 * owner is asked to rebuild whenever Redis (re)connects and whenever the
 * marker key is found missing (Redis emptied), checked every second. The
 * timer is never armed further ahead than WATCH_HORIZON_MS, so entries
 * that other instances add are seen within that time. Redis holds nothing
 * that cannot be rebuilt from PostgreSQL. */
#ifndef DUBAN_WATCH_INDEX_H
#define DUBAN_WATCH_INDEX_H

#include "watch_rules.h"

#include <stdbool.h>

struct event_base;

#define WATCH_LEASE_MS 30000
#define WATCH_HORIZON_MS 250
#define WATCH_MAX_INFLIGHT 2000

typedef struct watch_index watch_index_t;

/* Entries claimed by this instance (n >= 1, at most one claim's worth);
 * members are valid during the call. The owner must end every claim with
 * watch_index_done or watch_index_retry. */
typedef void (*watch_index_fire_cb)(const watch_entry_t *entries, const char *const *members,
                                    int n, void *arg);

/* Redis connected, or the index was found emptied: rebuild it. */
typedef void (*watch_index_rebuild_cb)(void *arg);

/* Starts connecting to Redis; NULL only when out of memory. */
watch_index_t *watch_index_new(struct event_base *base, const char *host, int port,
                               const char *prefix);

/* Disconnects and frees (claims still open lapse into the index). */
void watch_index_destroy(watch_index_t **self_p);

typedef void (*watch_index_drained_cb)(void *arg);

/* Takes no new claims; once every claim taken has ended (done or retry) and
 * Redis has answered everything sent before (a PING behind it), calls cb,
 * once; at once when Redis is down. An instance that stops this way leaves
 * no claim for the others to wait WATCH_LEASE_MS on. */
void watch_index_drain(watch_index_t *self, watch_index_drained_cb cb, void *arg);

void watch_index_on_fire(watch_index_t *self, watch_index_fire_cb cb, void *arg);
void watch_index_on_rebuild(watch_index_t *self, watch_index_rebuild_cb cb, void *arg);

bool watch_index_up(const watch_index_t *self);

/* Adds (or moves) n entries and re-arms the timer if one falls due before
 * it. Returns 0, or -1 when Redis is not connected (nothing added). */
int watch_index_arm(watch_index_t *self, const watch_entry_t *entries, int n);

/* Ends a claim: the entry was handled. */
void watch_index_done(watch_index_t *self, const char *member);

/* Ends a claim by putting the entry back, due at at_us (a failure to retry
 * later). */
void watch_index_retry(watch_index_t *self, const char *member, int64_t at_us);

/* Sets the marker key: the index is being (re)built from PostgreSQL. */
void watch_index_mark_built(watch_index_t *self);

/* Counters for health reports: entries in the index (read every second),
 * claims taken, claims still open. */
long long watch_index_size(const watch_index_t *self);
unsigned long watch_index_claims(const watch_index_t *self);
int watch_index_inflight(const watch_index_t *self);

#endif
