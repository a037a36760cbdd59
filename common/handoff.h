/* A case's hand-off from one stage of its way in to the next, by its state
 * (deploy/schema/078_case_handoffs.sql).
 *
 * The stage that moves a case on (intake inserts it 'received', triage makes
 * it 'triaged') sends the next stage its message from the results of that
 * commit without storing it (OUTBOX_UNSTORED_COLUMNS); the case's row in
 * case_handoffs, written with the case and deleted by the stage that takes
 * it off the way in, is the record that it has not arrived. The consumer's
 * guarded transition (state = 'received', 'triaged') is what makes a
 * message count once.
 *
 * A hand-off watches one state for its producer's relay. At every sweep
 * (half outbox.resend_after_ms, as the relay's) it finds the cases still in
 * that state resend_after after they got there, and those whose message
 * the socket would not take (handoff_unsent), builds each one's message
 * from the case row (the spec's build) and writes it to the outbox,
 * unclaimed, for the relay: from then on the outbox re-sends it, records
 * its refusals and parks it like any message, and the hand-off writes it
 * no more for that state. Rows whose case is gone or past the way in are
 * deleted. Several instances may sweep at once: a message is written by
 * the one whose update of the case's row wins; a row a stage or another
 * sweep holds locked is left to the next sweep, never waited for. */
#ifndef DUBAN_HANDOFF_H
#define DUBAN_HANDOFF_H

#include "pg.h"
#include "settings.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct handoff handoff_t;

/* Builds the message of the case at res[row], whose columns are the case's
 * id and number, then the spec's columns in their order: a malloc'd body in
 * *body and its length in *len. -1 when it cannot (logged by the caller,
 * and the case is tried again at the next sweep). */
typedef int (*handoff_build_fn)(PGresult *res, int row, uint8_t **body, size_t *len, void *arg);

/* For a handoff_build_fn: msg packed into a malloc'd *body of *len bytes;
 * -1 when out of memory. */
int handoff_body_pack(const ProtobufCMessage *msg, uint8_t **body, size_t *len);

/* Column of the first spec column in a result given to handoff_build_fn. */
#define HANDOFF_COL_FIRST 2

typedef struct {
    const char *state;       /* the state the case waits in, "received" */
    const char *producer;    /* the outbox row's producer, "intake" */
    const char *destination; /* the relay's destination, "triage" */
    const char *msg_type;    /* OUTBOX_MSG(CASE_RECEIVED) */
    const char *columns;     /* SQL over the case c: what build reads */
    const char *entered;     /* SQL over the case c and its row h: when it got to state */
    handoff_build_fn build;
    void *arg;
} handoff_spec_t;

/* Starts sweeping for spec (copied, its strings borrowed: literals). Reads
 * outbox.resend_after_ms from st, as the relays do. NULL on failure. */
handoff_t *handoff_new(struct event_base *base, pg_t *pg, const handoff_spec_t *spec,
                       settings_t *st);

/* Destroy after pg (pg_destroy fails what is in flight into its callbacks). */
void handoff_destroy(handoff_t **self_p);

/* The socket did not take the message of case_id (no consumer connected,
 * or its queue is full): its message goes to the outbox at once, not
 * resend_after later. */
void handoff_unsent(handoff_t *self, int64_t case_id);

/* Adds to a /healthz report handoff_waiting: the cases in the state whose
 * message is not in the outbox, at the last count (once a second at most). */
void handoff_health(const handoff_t *self, json_t *report);

#endif
