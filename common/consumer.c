/* Batched, idempotent consumption of pipeline messages; see consumer.h. */
#include "consumer.h"

#include "clock.h"
#include "gather.h"
#include "log.h"
#include "metrics.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <zmq.h>

#define CONSUMER_BATCH 256
/* A stage that applies its batch as multi-row statements (consumer_on_flush)
 * takes at most this many messages at a time: their statements join the
 * rows they wrote back to the messages, and with the planner's estimate of
 * one row for what a statement wrote, those joins are nested loops, whose
 * cost grows with the square of the batch (measured with EXPLAIN ANALYZE on
 * triage's statement: 250 rows 139 ms, 64 rows 4 ms). */
#define CONSUMER_FLUSH_BATCH 64
/* A batch gathered for a window (consumer_gather_window) goes as soon as it
 * holds this many: past it a statement's fixed cost is a small share of its
 * cost per case. */
#define CONSUMER_GATHER_TARGET 32
/* ... and waits only when it would gather at least this many more. */
#define CONSUMER_GATHER_GAIN 4
/* Batches in flight at most: the second only when it is full (see
 * s_readable), as intake's group commit does. */
#define CONSUMER_MAX_INFLIGHT 2
/* A stage just started takes nothing until its database connection is
 * first up, checked this often: what its producers send as soon as it
 * connects (their backlog, claimed at once) would otherwise be dropped and
 * wait outbox.resend_after_ms to be sent again. Meanwhile messages wait in
 * ZeroMQ's queues, as when the stage is busy (bus_sock_pause), bounded by
 * their high-water marks; past them the producers' sends are refused and
 * go through their outbox. */
#define CONSUMER_FIRST_UP_CHECK_MS 20

/* A batch is taken until it holds its most (CONSUMER_BATCH, or
 * CONSUMER_FLUSH_BATCH), and a bus message's envelopes are taken whole: it
 * may end a bundle past that (bus.h), and what is past it goes to the next
 * batch (s_hold_past). */
#define CONSUMER_ROOM (CONSUMER_BATCH + BUS_BUNDLE_MAX - 1)

typedef struct {
    consumer_t *owner;
    Duban__Envelope *envs[CONSUMER_ROOM];
    int first_stmt[CONSUMER_ROOM];
    int row[CONSUMER_ROOM]; /* the envelope's row in its first statement's result */
    int count;
    bool single;
} batch_t;

struct consumer {
    pg_t *pg;
    bus_sock_t *sock;
    Duban__MsgType type;
    consumer_build_cb build;
    consumer_prepare_cb prepare;
    consumer_flush_cb flush;
    consumer_applied_cb applied_cb;
    void *arg;
    outbox_relay_t *relay;
    outbox_relay_t *corked; /* the applied callbacks send through it (consumer_cork) */
    int max_attempts;
    int inflight;
    batch_t *held; /* received while a batch is in flight, not yet full */
    struct event *gather_timer;
    struct event *first_up_timer; /* while waiting for the first connection */
    gather_t gather; /* when held waits for more (consumer_gather_window) */
    unsigned long applied;
    unsigned long rejected;
    unsigned long committed; /* transactions */
};

static void s_batch_free(batch_t *b)
{
    for (int i = 0; i < b->count; i++)
        if (b->envs[i])
            duban__envelope__free_unpacked(b->envs[i], NULL);
    free(b);
}

static void s_submit(consumer_t *self, batch_t *b);
static void s_start_held(consumer_t *self);


/* The result of the statement PostgreSQL refused in a failed transaction,
 * NULL when none was (the transaction failed around its statements). */
static PGresult *s_refused_result(pg_txn_t *txn)
{
    for (int i = 0; i < pg_txn_count(txn); i++) {
        PGresult *res = pg_txn_result(txn, i);
        if (res && PQresultStatus(res) == PGRES_FATAL_ERROR)
            return res;
    }
    return NULL;
}

/* Whether refused (from s_refused_result) is not the message's fault: a
 * deadlock, a serialization failure, a lock or statement timeout, resources,
 * shutdown (SQLSTATE classes 40, 53, 57, 58, 08 and 55P03), a code the
 * database lacks, or no verdict on a statement at all. Such a failure is not
 * a refusal: the message is simply re-sent. */
static bool s_transient(PGresult *refused)
{
    const char *state = refused ? PQresultErrorField(refused, PG_DIAG_SQLSTATE) : NULL;
    if (!state || strlen(state) != 5 || pg_refused_unknown_code(refused))
        return true;
    static const char *const classes[] = {"40", "53", "57", "58", "08"};
    for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
        if (strncmp(state, classes[c], 2) == 0)
            return true;
    return strcmp(state, "55P03") == 0;
}

static metrics_family_t *s_refused_family(void)
{
    return metrics_counter("duban_messages_refused_total",
                           "Bus messages a consumer could not apply, by type.", "type");
}

/* env cannot be applied: logged, and recorded against its outbox row. */
static void s_refuse(consumer_t *self, const Duban__Envelope *env, const char *why)
{
    self->rejected++;
    metrics_add(s_refused_family(), 1, bus_msg_type_str(env->type));
    log_error("could not apply message", "msg_id=%s case=%s type=%s reason=%s", env->msg_id,
              env->case_number, bus_msg_type_str(env->type), why);
    outbox_refusal_record(self->pg, env->msg_id, env->case_number, why, self->max_attempts);
}

/* The real time, not clock_now_us (which a test may hold still): the
 * latency is the time a message really took. */
static int64_t s_wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void s_done(pg_txn_t *txn, bool ok, void *arg)
{
    batch_t *b = arg;
    consumer_t *self = b->owner;
    self->inflight--;
    if (ok) {
        self->committed++;
        metrics_family_t *latency = metrics_stage_latency();
        int64_t now_us = s_wall_us();
        outbox_relay_cork(self->corked);
        for (int i = 0; i < b->count; i++) {
            self->applied++;
            if (b->envs[i]->time_us > 0 && now_us >= b->envs[i]->time_us)
                metrics_observe(latency, (double)(now_us - b->envs[i]->time_us) / 1e6,
                                log_service(), bus_msg_type_str(b->envs[i]->type));
            if (self->applied_cb)
                self->applied_cb(b->envs[i], pg_txn_result(txn, b->first_stmt[i]), b->row[i],
                                 self->arg);
        }
        outbox_relay_uncork(self->corked);
        if (self->relay)
            outbox_relay_kick(self->relay);
    } else if (pg_txn_connection_lost(txn)) {
        log_warn("lost messages with the database connection; the producer will resend them",
                 "messages=%d", b->count);
    } else if ((b->single || b->count == 1) && pg_refused_unknown_code(s_refused_result(txn))) {
        log_error("the database lacks a code of this service's org file: run dubanctl setup; "
                  "the producer will resend the message",
                  "msg_id=%s case=%s err=%s", b->envs[0]->msg_id, b->envs[0]->case_number,
                  pg_txn_error(txn));
    } else if ((b->single || b->count == 1) && s_transient(s_refused_result(txn))) {
        log_warn("could not apply message for now; the producer will resend it",
                 "msg_id=%s case=%s err=%s", b->envs[0]->msg_id, b->envs[0]->case_number,
                 pg_txn_error(txn));
    } else if (b->single || b->count == 1) {
        const char *primary = PQresultErrorField(s_refused_result(txn), PG_DIAG_MESSAGE_PRIMARY);
        char why[512];
        snprintf(why, sizeof(why), "PostgreSQL refused it: %s",
                 primary ? primary : pg_txn_error(txn));
        s_refuse(self, b->envs[0], why);
    } else {
        log_warn("batch failed, applying one by one", "messages=%d err=%s", b->count,
                 pg_txn_error(txn));
        for (int i = 0; i < b->count; i++) {
            batch_t *one = calloc(1, sizeof(*one));
            if (!one)
                break;
            one->owner = self;
            one->single = true;
            one->envs[0] = b->envs[i];
            one->count = 1;
            b->envs[i] = NULL;
            s_submit(self, one);
        }
    }
    s_batch_free(b);
    s_start_held(self);
    if (self->inflight < CONSUMER_MAX_INFLIGHT)
        bus_sock_resume(self->sock);
}

static void s_submit(consumer_t *self, batch_t *b)
{
    pg_txn_t *txn = pg_txn_new();
    int kept = 0, gathered = 0;
    for (int i = 0; txn && i < b->count; i++) {
        int first = pg_txn_count(txn);
        char why[512] = "";
        int added = self->build(txn, b->envs[i], self->arg, why, sizeof(why));
        if (added < 0) {
            s_refuse(self, b->envs[i], why[0] ? why : "not acceptable");
            duban__envelope__free_unpacked(b->envs[i], NULL);
            continue;
        }
        /* 0: gathered for the flush, its row that of its place among them */
        b->first_stmt[kept] = added == 0 ? -1 : first;
        b->row[kept] = added == 0 ? gathered++ : 0;
        b->envs[kept++] = b->envs[i];
    }
    b->count = kept;
    if (txn && gathered > 0) {
        int first = self->flush ? self->flush(txn, self->arg) : -1;
        if (first < 0) {
            log_warn("could not build the statements of a batch; the producer will resend them",
                     "messages=%d", gathered);
            pg_txn_destroy(&txn);
        }
        for (int i = 0; i < kept; i++)
            if (b->first_stmt[i] < 0)
                b->first_stmt[i] = first;
    }
    if (!txn || kept == 0) {
        pg_txn_destroy(&txn);
        s_batch_free(b);
        return;
    }
    self->inflight++;
    pg_txn_submit(self->pg, &txn, s_done, b);
}

static void s_prepared(void *arg)
{
    batch_t *b = arg;
    consumer_t *self = b->owner;
    self->inflight--;
    s_submit(self, b);
    s_start_held(self);
    if (self->inflight < CONSUMER_MAX_INFLIGHT)
        bus_sock_resume(self->sock);
}

/* Starts b: its prepare step first, if the stage has one. */
static void s_start(consumer_t *self, batch_t *b)
{
    if (self->prepare) {
        /* Counts as in flight while prepare runs, so batches stay ordered. */
        self->inflight++;
        self->prepare(b->envs, b->count, self->arg, s_prepared, b);
        return;
    }
    s_submit(self, b);
}

/* Once nothing is in flight, the messages held meanwhile go as one batch,
 * after the gather window if there is one and may_wait. */
static void s_release_held(consumer_t *self, bool may_wait)
{
    if (self->inflight > 0 || !self->held)
        return;
    batch_t *b = self->held;
    if (b->count == 0) {
        self->held = NULL;
        free(b);
        return;
    }
    int64_t wait_us = may_wait ? gather_wait_us(&self->gather, clock_mono_us(), b->count) : 0;
    if (wait_us > 0) {
        if (!evtimer_pending(self->gather_timer, NULL)) {
            struct timeval tv = {wait_us / 1000000, wait_us % 1000000};
            evtimer_add(self->gather_timer, &tv);
        }
        return;
    }
    evtimer_del(self->gather_timer);
    self->held = NULL;
    s_start(self, b);
}

static void s_start_held(consumer_t *self)
{
    s_release_held(self, true);
}

/* The gather window closed. */
static void s_gathered(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    s_release_held(arg, false);
}

/* env, received, joins b; what cannot be applied is refused. */
static void s_take_one(consumer_t *self, batch_t *b, Duban__Envelope *env)
{
    if (env->type != self->type) {
        char why[96];
        snprintf(why, sizeof(why), "a %s where %s is expected", bus_msg_type_str(env->type),
                 bus_msg_type_str(self->type));
        s_refuse(self, env, why);
        duban__envelope__free_unpacked(env, NULL);
        return;
    }
    gather_arrived(&self->gather, clock_mono_us(), b->count);
    b->envs[b->count++] = env;
}

/* Moves envelopes from the socket into b until it holds most or the socket
 * is empty, a bus message's whole (up to BUS_BUNDLE_MAX, one a frame); what
 * cannot be applied is refused on the way. */
static void s_take(consumer_t *self, bus_sock_t *sock, batch_t *b, int most)
{
    while (b->count < most) {
        void *frames[BUS_BUNDLE_MAX];
        size_t lengths[BUS_BUNDLE_MAX];
        int n = bus_recv_frames(sock, frames, lengths, BUS_BUNDLE_MAX);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++) {
            Duban__Envelope *env = bus_envelope_unpack(frames[i], lengths[i]);
            free(frames[i]);
            if (!env) {
                self->rejected++;
                log_warn("dropped malformed message", "bytes=%zu", lengths[i]);
                continue;
            }
            s_take_one(self, b, env);
        }
    }
}

/* A bundle taken whole may end past the batch's most: what is past it is
 * held for the next batch, so that a batch never holds more than most
 * (a flush's statements cost the square of their rows). */
static void s_hold_past(consumer_t *self, batch_t *full, int most)
{
    if (full->count <= most || !(self->held = calloc(1, sizeof(*self->held))))
        return;
    self->held->owner = self;
    for (int i = most; i < full->count; i++)
        self->held->envs[self->held->count++] = full->envs[i];
    full->count = most;
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    consumer_t *self = arg;
    if (self->inflight >= CONSUMER_MAX_INFLIGHT || !pg_is_up(self->pg)) {
        /* Leave messages queued; s_done resumes. When the database is down
         * they are dropped later anyway and re-sent by the producer. */
        if (self->inflight > 0)
            bus_sock_pause(sock);
        if (!pg_is_up(self->pg) && self->inflight == 0)
            goto out_drain_dropped;
        return;
    }
    /* A lone message goes at once; while a batch is in flight, messages
     * wait for it, held, and a second batch goes only once it is full: a
     * steady trickle becomes one transaction per commit rather than one per
     * message (dubanctl bench --rate 1000: end-to-end p99 44 -> 33-38 ms),
     * while a burst still keeps two in flight. */
    int most = self->flush ? CONSUMER_FLUSH_BATCH : CONSUMER_BATCH;
    if (!self->held) {
        if (!(self->held = calloc(1, sizeof(*self->held))))
            return;
        self->held->owner = self;
    }
    s_take(self, sock, self->held, most);
    if (self->held->count >= most) {
        batch_t *full = self->held;
        self->held = NULL;
        evtimer_del(self->gather_timer);
        s_hold_past(self, full, most);
        s_start(self, full);
        s_start_held(self); /* what was past it, should nothing be in flight */
    } else {
        s_start_held(self);
    }
    return;

out_drain_dropped:
    /* Nothing can be applied; receive and forget so the socket does not
     * wake us forever. The producer's outbox still holds every message. */
    for (;;) {
        void *frames[BUS_BUNDLE_MAX];
        size_t lengths[BUS_BUNDLE_MAX];
        int n = bus_recv_frames(sock, frames, lengths, BUS_BUNDLE_MAX);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++)
            free(frames[i]);
    }
}

/* Takes messages once the database connection is first up. */
static void s_first_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    consumer_t *self = arg;
    if (!pg_is_up(self->pg))
        return;
    event_del(self->first_up_timer);
    bus_sock_resume(self->sock);
}

consumer_t *consumer_new(struct event_base *base, void *zctx, pg_t *pg, const char *endpoint,
                         Duban__MsgType type, consumer_build_cb build, consumer_applied_cb applied,
                         void *arg, outbox_relay_t *relay)
{
    consumer_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    /* listed in /metrics from the start, before anything is counted */
    s_refused_family();
    metrics_stage_latency();
    self->pg = pg;
    self->type = type;
    self->build = build;
    self->applied_cb = applied;
    self->arg = arg;
    self->relay = relay;
    self->max_attempts = OUTBOX_MAX_ATTEMPTS;
    gather_init(&self->gather, 0, CONSUMER_GATHER_TARGET, CONSUMER_GATHER_GAIN);
    /* each stage consumes what one service produces: its key is the one to expect */
    const char *producer = type == DUBAN__MSG_TYPE__CASE_RECEIVED  ? "intake"
                           : type == DUBAN__MSG_TYPE__CASE_TRIAGED ? "triage"
                                                                   : NULL;
    self->gather_timer = evtimer_new(base, s_gathered, self);
    self->first_up_timer = event_new(base, -1, EV_PERSIST, s_first_up, self);
    self->sock = bus_sock_connect(zctx, base, ZMQ_PULL, producer, endpoint, s_readable, self);
    struct timeval check = {0, CONSUMER_FIRST_UP_CHECK_MS * 1000};
    if (!self->sock || !self->gather_timer || !self->first_up_timer ||
        event_add(self->first_up_timer, &check) < 0) {
        bus_sock_destroy(&self->sock);
        if (self->gather_timer)
            event_free(self->gather_timer);
        if (self->first_up_timer)
            event_free(self->first_up_timer);
        free(self);
        return NULL;
    }
    bus_sock_pause(self->sock);
    return self;
}

void consumer_destroy(consumer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    consumer_t *self = *self_p;
    bus_sock_destroy(&self->sock);
    event_free(self->gather_timer);
    event_free(self->first_up_timer);
    if (self->held)
        s_batch_free(self->held);
    free(self);
    *self_p = NULL;
}

void consumer_cork(consumer_t *self, outbox_relay_t *relay)
{
    self->corked = relay;
}

void consumer_park_after(consumer_t *self, int refusals)
{
    self->max_attempts = refusals;
}

void consumer_gather_window(consumer_t *self, int ms)
{
    gather_init(&self->gather, ms, CONSUMER_GATHER_TARGET, CONSUMER_GATHER_GAIN);
}

void consumer_on_prepare(consumer_t *self, consumer_prepare_cb prepare)
{
    self->prepare = prepare;
}

void consumer_on_flush(consumer_t *self, consumer_flush_cb flush)
{
    self->flush = flush;
}

void consumer_health(const consumer_t *self, json_t *report)
{
    json_object_set_new(report, "applied", json_integer((json_int_t)self->applied));
    json_object_set_new(report, "rejected", json_integer((json_int_t)self->rejected));
    json_object_set_new(report, "transactions", json_integer((json_int_t)self->committed));
    json_object_set_new(report, "held", json_integer(self->held ? self->held->count : 0));
}
