/* The triage service's state, shared by its modules. */
#ifndef DUBAN_TRIAGE_H
#define DUBAN_TRIAGE_H

#include "consumer.h"
#include "fingerprint.h"
#include "handoff.h"
#include "outbox.h"
#include "pg.h"
#include "redis.h"
#include "service.h"

#include <stdbool.h>

#define TRIAGE_MAX_HITS 256

typedef struct triage {
    service_t *svc;
    char duplicate_window_s[16];  /* seconds a repeat counts as the same matter */
    redis_t *redis;
    const char *prefix;           /* Redis key prefix */
    char hits[TRIAGE_MAX_HITS][40]; /* msg ids of the batch whose fingerprint Redis knows */
    int nhits;
    bool redis_down;              /* during this batch: check every repeat in PostgreSQL */
    fingerprint_t *fingerprint;   /* for the refill from PostgreSQL */
    pg_t *pg;
    consumer_t *consumer;
    outbox_relay_t *relay;
    handoff_t *handoff; /* triaged cases dispatch has not taken: triage_handoff.h */
} triage_t;

#endif
