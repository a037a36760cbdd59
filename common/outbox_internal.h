/* The outbox relay's parts, shared by its files: outbox.c claims, sweeps
 * and prunes; outbox_send.c sends what was claimed or given, one message
 * or bundles (bus.h), and deals with what the socket would not take. */
#ifndef DUBAN_OUTBOX_INTERNAL_H
#define DUBAN_OUTBOX_INTERNAL_H

#include "handoff.h"
#include "outbox.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

/* Where the OUTBOX_ROW_COLUMNS are in a result. */
typedef struct {
    int id, msg_id, msg_type, case_id, case_number, task_id, topic, body, created_us, producer,
        attempts;
} row_cols_t;

struct outbox_relay {
    pg_t *pg;
    bus_sock_t *sock;
    char destination[64];
    bool acked;
    char resend_ms[16];
    struct event *kick_ev;
    struct event *sweep_ev;
    struct event *retry_ev;
    bool busy;
    bool again;
    bool stale_due; /* the sweep timer asked for a re-send pass */
    bool prepared;  /* the statements below are prepared on the connection */
    char keep_s[24];
    struct event *prune_ev;
    bool pruning;
    int64_t pruned_mono_us; /* when the last prune pass started */
    int64_t prune_period_us;
    int64_t refused_since_us; /* first refusal of the current run of them; 0: none */
    int64_t unsent_logged_us; /* when "not taken" was last logged; 0: not logged */
    int retry_ms;             /* the next retry's delay after a refusal */
    int max_attempts;         /* outbox.max_attempts: a re-send warning at twice this */
    bool counting;            /* a count of parked rows is in flight */
    int64_t counted_mono_us;  /* when the last count started */
    unsigned long sent;
    unsigned long bus_sent; /* bus messages: a bundle is one */
    unsigned long pruned;
    unsigned long parked;
    unsigned long backlog; /* not delivered nor parked, at the last count */
    handoff_t *handoff;    /* told of unstored messages refused (outbox_relay_handoff) */
    bool bundles;          /* a PUSH: its messages may carry several envelopes */
    bool corked;
    unsigned long bus_sent_at_cork;
    int corked_refused; /* messages the socket would not take since the cork */
    char *unsent;       /* msg ids of stored rows not taken, to release at once */
    size_t unsent_len, unsent_cap;
    bus_bundle_t bundle; /* envelopes held to go out as one message */
    row_cols_t cols;     /* of the last result outbox_relay_send_claimed read */
    bool cols_known;
    struct {
        int64_t case_id;
        bool stored; /* a row to release when refused; else the hand-off's case */
        char msg_id[40];
    } held[BUS_BUNDLE_MAX];
};

/* Finds the columns by name; -1 (logged) when a result lacks one. */
int outbox_row_cols(PGresult *res, row_cols_t *c);

/* Sends one claimed row, or holds it for the bundle while the relay is
 * corked. Returns the messages the socket would not take (this one, or
 * those of a bundle it completed). */
int outbox_send_row(outbox_relay_t *self, PGresult *res, int row, const row_cols_t *c);

/* Sends what the bundle holds as one message. Returns the messages the
 * socket would not take. */
int outbox_flush(outbox_relay_t *self);

/* Releases, in one statement, the stored rows the socket would not take
 * since the last time (back to unsent, tried again shortly). */
void outbox_release_unsent(outbox_relay_t *self);

/* The socket took what was sent: refusals are over. */
void outbox_taken(outbox_relay_t *self);

#endif
