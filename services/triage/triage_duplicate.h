/* Duplicates: the same requester about the same matter within the window is
 * linked to the open case instead of being dispatched again. Redis holds a
 * fingerprint per requester and category with a TTL (the requester's phone
 * only as its keyed fingerprint, common/fingerprint.h, computed by intake);
 * triage asks PostgreSQL to confirm only for a batch's messages whose
 * fingerprint Redis knows. When Redis cannot be asked, every message is
 * checked in PostgreSQL. Redis is refilled from PostgreSQL whenever it
 * (re)connects, the fingerprints computed here with the same key. */
#ifndef DUBAN_TRIAGE_DUPLICATE_H
#define DUBAN_TRIAGE_DUPLICATE_H

#include "triage.h"

int triage_duplicate_prepare_sql(pg_t *pg);

/* consumer_prepare_cb: one MGET for the batch's fingerprints. */
void triage_duplicate_prepare(Duban__Envelope *const *envs, int count, void *arg,
                              void (*done)(void *), void *done_arg);

/* True when msg_id's requester may be repeating (PostgreSQL must check). */
bool triage_duplicate_hit(const triage_t *self, const char *msg_id);

/* Records a first report's fingerprint for the window (after commit). */
void triage_duplicate_remember(triage_t *self, const Duban__Envelope *env);

/* Rebuilds the fingerprints when their marker key is gone (Redis emptied
 * while running); call periodically. */
void triage_duplicate_check(triage_t *self);

/* Refill hooks: redis_connect_cb and pg_state_cb. */
void triage_duplicate_redis_connected(redis_t *redis, void *arg);
void triage_duplicate_pg_state(pg_t *pg, bool up, void *arg);

#endif
