/* The receiving half of a pipeline stage: drains envelopes from a bus socket
 * in batches and applies each batch in one PostgreSQL transaction.
 *
 * The stage supplies, per envelope, one statement that acknowledges the
 * message (OUTBOX_ACK_SQL in a CTE), makes the guarded transition and writes
 * its own event and outbox rows. A re-sent message finds its outbox row
 * gone (deleted by the acknowledgement), or on a case's way in its case
 * past the state the transition guards (messages there are mostly not
 * stored: handoff.h), and changes nothing, so delivery is at-least-once and
 * the effect exactly-once. A batch that PostgreSQL refuses is retried one
 * envelope per transaction, so one bad message cannot hold up the rest; a
 * batch lost with the connection is simply dropped: its messages are still
 * undelivered in the producer's outbox (or its cases still waiting in
 * their state) and will be sent again. So is what arrives while the
 * database is down, except when the stage has just started: it takes
 * nothing until its connection is first up, so that its producers'
 * backlog, sent as soon as it connects, is applied at once.
 *
 * A message that cannot be applied (not acceptable to the stage, of another
 * type, or refused by PostgreSQL on its own) is refused: the refusal and
 * its reason are recorded against the producer's outbox row, which is
 * parked at the outbox.max_attempts-th refusal instead of being re-sent for
 * ever (outbox_refusal_record, see outbox.h). */
#ifndef DUBAN_CONSUMER_H
#define DUBAN_CONSUMER_H

#include "bus.h"
#include "outbox.h"
#include "pg.h"

#include <jansson.h>

struct event_base;

typedef struct consumer consumer_t;

/* Adds env's statements to txn (the first one acknowledges the message and
 * its result reaches the applied callback). Returns how many it added (>= 1),
 * or -1 when env is not acceptable, with the reason written into why (at
 * most why_len bytes; it is logged and recorded as the message's refusal;
 * whatever was added is discarded with the transaction, so add nothing on
 * failure). A stage that applies its batches with multi-row statements
 * (consumer_on_flush) adds nothing here and returns 0: it keeps env's
 * values for its flush. */
typedef int (*consumer_build_cb)(pg_txn_t *txn, const Duban__Envelope *env, void *arg, char *why,
                                 size_t why_len);

/* Called after commit for each envelope with its first statement's result
 * and its row in it: 0, or for an envelope gathered for the flush, its place
 * among the envelopes the flush was given (in the order they were built). */
typedef void (*consumer_applied_cb)(const Duban__Envelope *env, PGresult *res, int row,
                                    void *arg);

/* Adds the statements of a whole batch, once every envelope of it was built
 * (those whose build returned 0, at least one), as multi-row statements
 * (pg_txn_add_batch); the result of the statement whose index it returns
 * (pg_txn_add's) reaches the applied callback, a row per envelope.
 * Returns -1 when it could not (out of memory: the batch is dropped, its
 * messages are re-sent). It must forget what the builds gave it either
 * way. A batch that PostgreSQL refuses is retried one envelope per
 * transaction, as for any stage, so one bad message cannot hold up the
 * rest. */
typedef int (*consumer_flush_cb)(pg_txn_t *txn, void *arg);

/* Optional step before a batch is built: look things up elsewhere (e.g.
 * Redis) for the envelopes, then call done(done_arg) exactly once; the batch
 * is built right after, so what prepare learnt is current during build. */
typedef void (*consumer_prepare_cb)(Duban__Envelope *const *envs, int count, void *arg,
                                    void (*done)(void *done_arg), void *done_arg);

/* The relay the applied callbacks send through (outbox_relay_send_claimed):
 * corked while they run for a batch, so that what the batch moved on goes
 * out in as few bus messages as it can (outbox_relay_cork). */
void consumer_cork(consumer_t *self, outbox_relay_t *relay);

/* Refusals after which a message is parked (outbox_max_attempts(settings);
 * OUTBOX_MAX_ATTEMPTS until set). */
void consumer_park_after(consumer_t *self, int refusals);

/* A batch that would go out while messages still come in waits up to ms
 * (0, the default: never) for more to gather, until it holds
 * CONSUMER_GATHER_TARGET (consumer.c): each statement has a fixed cost,
 * which a batch of 5 pays five times as often per case as one of 25. It
 * waits only when the rate at which messages arrive would bring several
 * more within the window, so a message at a quiet time goes at once (the
 * rule, shared with intake's group commit: gather.h). */
void consumer_gather_window(consumer_t *self, int ms);

/* Installs a prepare step (see consumer_prepare_cb). */
void consumer_on_prepare(consumer_t *self, consumer_prepare_cb prepare);

/* Installs a flush step (see consumer_flush_cb). */
void consumer_on_flush(consumer_t *self, consumer_flush_cb flush);

/* Creates a PULL socket connected to endpoint and starts consuming envelopes
 * of type. relay (may be NULL) is kicked after each commit. */
consumer_t *consumer_new(struct event_base *base, void *zctx, pg_t *pg, const char *endpoint,
                         Duban__MsgType type, consumer_build_cb build, consumer_applied_cb applied,
                         void *arg, outbox_relay_t *relay);

void consumer_destroy(consumer_t **self_p);

/* Into a /healthz report: messages applied and rejected, transactions
 * committed, and messages held for the next batch while one is in flight. */
void consumer_health(const consumer_t *self, json_t *report);

#endif
