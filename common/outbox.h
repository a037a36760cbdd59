/* The outbox relay: sends what a service committed to its outbox.
 *
 * On a case's way in (intake -> triage -> dispatch -> consoles) a message
 * is not stored at all: it is sent from the results of the transaction
 * that made it (OUTBOX_UNSTORED_COLUMNS, outbox_relay_send_claimed), the
 * case's state being the record (handoff.h writes it here when it is not
 * taken). A producer may also write its row already claimed (sent_at set)
 * and send it from the results the same way.
 * Other rows are claimed in batches (UPDATE ... FOR UPDATE SKIP LOCKED, so
 * several instances never claim the same row at once) after a kick, a
 * notification on "outbox_<destination>" or the sweep. Either way a row stays
 * until the consumer acknowledges it by deleting it in the transaction that
 * applies it (the stage's own rows, its state change and its event, are the
 * record of what happened; a row kept as delivered was an update of every
 * index of the outbox per message, and a delete again later); a row still
 * there resend_after milliseconds after its last send is claimed and sent
 * again, which covers a producer killed between commit and send and a
 * message lost in transit. A duplicate (a re-send that crossed the
 * acknowledgement) finds no row and changes nothing. For destinations
 * that cannot acknowledge (PUB to consoles, which take a snapshot when they
 * connect) rows count as delivered when sent, and are deleted once older
 * than outbox.keep_s.
 *
 * A message its consumer refuses (it cannot be read, or applying it fails)
 * is recorded as refused, with the reason, against its row
 * (outbox_refusal_record); at outbox.max_attempts refusals the row is
 * parked: never re-sent on its own, counted in the producer's /healthz
 * (outbox_parked) until `dubanctl outbox retry` sends it again or `dubanctl
 * outbox drop` gives it up, keeping the row (009_outbox_parking.sql). A
 * message that is neither acknowledged nor refused (its consumer is away, or
 * dies on it) is re-sent, never parked: it cannot be told from an outage;
 * the relay warns once it has been sent 2 x max_attempts times. */
#ifndef DUBAN_OUTBOX_H
#define DUBAN_OUTBOX_H

#include "bus.h"
#include "duban_msg_sql.h"
#include "pg.h"
#include "pg_time.h"
#include "settings.h"

#include <jansson.h>
#include <stdbool.h>

struct event_base;

typedef struct outbox_relay outbox_relay_t;

/* A message type as SQL text, named as in the proto: OUTBOX_MSG(CASE_NOTICE)
 * is "24" (see duban_msg_sql.h, generated from proto/duban.proto). */
#define OUTBOX_MSG(name) DUBAN_MSG_SQL_##name

/* How a row is born (its sent_at, delivered_at, attempts): unclaimed, for
 * the relay to claim; claimed, for a producer that sends it itself from the
 * results of the commit that wrote it (outbox_relay_send_claimed); claimed
 * and delivered, the same for a destination that does not acknowledge. */
#define OUTBOX_UNCLAIMED "NULL, NULL, 0"
#define OUTBOX_CLAIMED "now(), NULL, 1"
#define OUTBOX_CLAIMED_DELIVERED "now(), now(), 1"

/* The one way a statement writes outbox rows, as the body of a CTE:
 *
 *   " o AS (" OUTBOX_INSERT("'intake'", "'triage'", "NULL", OUTBOX_MSG(CASE_RECEIVED), "id",
 *                           "case_number", "NULL", "$28::bytea", OUTBOX_CLAIMED)
 *   " FROM c RETURNING " OUTBOX_ROW_COLUMNS ")"
 *
 * Each argument is an SQL expression over what the FROM that follows yields
 * (a literal, a parameter, a column); born is one of the three above. The
 * msg_id is left to the column's default, duban_msg_id() (046): the one
 * generator, time-ordered so that new rows enter the msg_id index at its
 * right-hand edge. */
#define OUTBOX_INSERT(producer, destination, topic, type, case_id, case_number, task_id, body,     \
                      born)                                                                        \
    "INSERT INTO outbox (producer, destination, topic, msg_type, case_id, case_number, task_id,"   \
    " body, sent_at, delivered_at, attempts) SELECT " producer ", " destination ", " topic ", "    \
    type ", " case_id ", " case_number ", " task_id ", " body ", " born

/* The columns a relay sends a row from (claims return them, and so does a
 * producer that claims its rows as it writes them). They are named, not
 * numbered, so that a producer may return them after columns of its own:
 * outbox_relay_send_claimed finds them by name. */
#define OUTBOX_ROW_COLUMNS                                                                         \
    "id AS outbox_id, msg_id AS outbox_msg_id, msg_type AS outbox_msg_type,"                       \
    " coalesce(case_id, 0) AS outbox_case_id, coalesce(case_number, '') AS outbox_case_number,"    \
    " coalesce(task_id, 0) AS outbox_task_id, topic AS outbox_topic, body AS outbox_body, "        \
    PG_TIME_US("created_at") " AS outbox_created_us, producer AS outbox_producer,"             \
    " attempts AS outbox_attempts"

/* The OUTBOX_ROW_COLUMNS of a message sent but never stored, for a
 * destination that does not acknowledge (PUB to division consoles, which
 * take a snapshot from PostgreSQL when they connect), over what the FROM
 * that follows yields, as OUTBOX_INSERT's arguments: its row would be born
 * delivered, never re-sent, read by no one and deleted after outbox.keep_s,
 * an entry in every index of the outbox per message for nothing. Its id
 * (the envelope's seq) is 0; outbox_relay_send_claimed sends it once. */
#define OUTBOX_UNSTORED_COLUMNS(producer, topic, type, case_id, case_number, task_id, body)       \
    "0::bigint AS outbox_id, duban_msg_id() AS outbox_msg_id, " type " AS outbox_msg_type,"        \
    " coalesce(" case_id ", 0) AS outbox_case_id, coalesce(" case_number ", '')"                    \
    " AS outbox_case_number, coalesce(" task_id ", 0) AS outbox_task_id, " topic                    \
    " AS outbox_topic, " body " AS outbox_body, " PG_TIME_US("now()") " AS outbox_created_us, "     \
    producer " AS outbox_producer, 1 AS outbox_attempts"

/* The statement a consumer runs (inside a CTE) to acknowledge msg_id: it
 * deletes the message's row, yielding one row the first time and none for a
 * duplicate. (delivered_at IS NULL: a row kept as delivered, written before
 * acknowledgements deleted rows, is a duplicate's.) */
#define OUTBOX_ACK_SQL                                                                             \
    "DELETE FROM outbox WHERE msg_id = $1::uuid AND delivered_at IS NULL RETURNING id"

/* The same for a batch applied with multi-row statements: acknowledges
 * every message of the uuid[] expression msg_ids, yielding the msg_id of
 * each acknowledged the first time. */
#define OUTBOX_ACK_MANY_SQL(msg_ids)                                                               \
    "DELETE FROM outbox WHERE msg_id = ANY(" msg_ids ") AND delivered_at IS NULL RETURNING msg_id"

/* Parked messages, most recent first, for `dubanctl outbox parked` ($1:
 * true to show dropped ones too): id, msg_id, destination, msg_type,
 * case_number, refusals, attempts, parked_at, park_reason, dropped_at,
 * dropped_by, drop_reason (times as ISO 8601 text). */
#define OUTBOX_PARKED_SQL                                                                          \
    "SELECT id, msg_id, destination, msg_type, coalesce(case_number, ''), refusals, attempts,"     \
    " to_char(parked_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MSOF'), coalesce(park_reason, ''),"            \
    " coalesce(to_char(dropped_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MSOF'), ''),"                        \
    " coalesce(dropped_by, ''), coalesce(drop_reason, '') FROM outbox"                             \
    " WHERE parked_at IS NOT NULL AND delivered_at IS NULL AND (dropped_at IS NULL OR $1::boolean)" \
    " ORDER BY id DESC LIMIT 1000"
enum {
    OUTBOX_PARKED_COL_ID,
    OUTBOX_PARKED_COL_MSG_ID,
    OUTBOX_PARKED_COL_DESTINATION,
    OUTBOX_PARKED_COL_MSG_TYPE,
    OUTBOX_PARKED_COL_CASE_NUMBER,
    OUTBOX_PARKED_COL_REFUSALS,
    OUTBOX_PARKED_COL_ATTEMPTS,
    OUTBOX_PARKED_COL_PARKED_AT,
    OUTBOX_PARKED_COL_PARK_REASON,
    OUTBOX_PARKED_COL_DROPPED_AT,
    OUTBOX_PARKED_COL_DROPPED_BY,
    OUTBOX_PARKED_COL_DROP_REASON
};

/* Sends parked message $1 again (`dubanctl outbox retry`): unparked, its
 * counts started over, claimed by its relay as if new, which the
 * notification wakes at the commit. Yields the destination, or no row when
 * $1 is not a parked message. */
#define OUTBOX_RETRY_SQL                                                                           \
    "WITH r AS (UPDATE outbox SET parked_at = NULL, park_reason = NULL, refusals = 0,"            \
    "  attempts = 0, sent_at = NULL WHERE id = $1::bigint AND parked_at IS NOT NULL"               \
    "  AND delivered_at IS NULL AND dropped_at IS NULL RETURNING destination)"                     \
    " SELECT destination, pg_notify('outbox_' || destination, '') FROM r"

/* Gives parked message $1 up (`dubanctl outbox drop`): kept, marked dropped
 * by $2 with reason $3. Yields the destination, or no row when $1 is not a
 * parked message. */
#define OUTBOX_DROP_SQL                                                                            \
    "UPDATE outbox SET dropped_at = now(), dropped_by = $2, drop_reason = nullif($3, '')"         \
    " WHERE id = $1::bigint AND parked_at IS NOT NULL AND delivered_at IS NULL"                    \
    " AND dropped_at IS NULL RETURNING destination"

/* Refusals after which a message is parked: setting outbox.max_attempts
 * (default OUTBOX_MAX_ATTEMPTS, at least 1). */
#define OUTBOX_MAX_ATTEMPTS 5
int outbox_max_attempts(settings_t *st);

/* For a consumer that refused msg_id, why being the reason: records the
 * refusal against the producer's outbox row in a transaction of its own and
 * parks the row at its max_attempts-th refusal (logged, with the case). Does
 * nothing for a msg_id that is not a UUID or names no row waiting for
 * delivery (a message from outside the outbox, or one already parked). */
void outbox_refusal_record(pg_t *pg, const char *msg_id, const char *case_number,
                           const char *why, int max_attempts);

/* Creates a relay for destination on sock (borrowed). acked says whether
 * consumers acknowledge. Reads outbox.resend_after_ms (default 10000) and
 * outbox.keep_s (default 259200, three days; 0 keeps every row) from st.
 * Starts its sweep timer. NULL on failure. */
outbox_relay_t *outbox_relay_new(struct event_base *base, pg_t *pg, bus_sock_t *sock,
                                 const char *destination, bool acked, settings_t *st);

void outbox_relay_destroy(outbox_relay_t **self_p);

/* Asks the relay to look for new rows soon; call after each commit that
 * wrote to the outbox. Kicks while a claim is in flight are merged. */
void outbox_relay_kick(outbox_relay_t *self);

/* For rows that another process relays (watch's warnings go out through
 * dispatch's console relay): adds to the transaction that wrote them a
 * notification that makes that relay send them at the commit, not at its
 * next sweep. Returns 0 / -1. */
int outbox_txn_notify(pg_txn_t *txn, const char *destination);

/* Sends the row at res[row] (the OUTBOX_ROW_COLUMNS, found by name) that
 * its producer wrote already claimed (sent_at set; for a destination that
 * does not acknowledge, delivered_at too) in the transaction just committed:
 * the hot path's messages go out without a claim of their own. A NULL id
 * (no row written) is skipped; a row the socket refuses is released to the
 * claim path. A crash before the send is covered by the re-send sweep. An
 * unstored message (OUTBOX_UNSTORED_COLUMNS, id 0) is sent once: refused,
 * it is gone, as it would be at a PUB socket's high-water mark, and the
 * relay's hand-off, if it has one (outbox_relay_handoff), writes it to the
 * outbox. */
void outbox_relay_send_claimed(outbox_relay_t *self, PGresult *res, int row);

/* Between cork and uncork, the messages sent without a topic (a PUSH
 * link's) are held and go out together, BUS_BUNDLE_MAX to a bus message
 * (bus.h): a stage corks its relay while it sends what one commit moved on.
 * A message with a topic (a PUB's) sends what is held first, then itself,
 * so that order is kept. Both take NULL (no relay: nothing to do). */
void outbox_relay_cork(outbox_relay_t *self);
void outbox_relay_uncork(outbox_relay_t *self);

/* The hand-off of a case's way in (handoff.h) that this relay's unstored
 * messages stand for: told of each one the socket would not take
 * (handoff_unsent), so that it writes it to the outbox at once. */
struct handoff;
void outbox_relay_handoff(outbox_relay_t *self, struct handoff *handoff);

/* Messages sent so far (including re-sends). */
unsigned long outbox_relay_sent(const outbox_relay_t *self);

/* Delivered rows deleted so far by this relay. */
unsigned long outbox_relay_pruned(const outbox_relay_t *self);

/* Parked messages of the relay's destination, as counted by its sweep (at
 * most once a second; always 0 for a destination that does not
 * acknowledge). */
unsigned long outbox_relay_parked(const outbox_relay_t *self);

/* Adds the relay's figures to a /healthz report: outbox_sent (messages),
 * outbox_bus_messages (what carried them: a bundle is one), outbox_parked
 * and outbox_backlog. */
void outbox_relay_health(const outbox_relay_t *self, json_t *report);

#endif
