/* The deadline index in Redis; see watch_index.h.
 *
 * Races: two instances run the claim script at the same instant; Redis runs
 * scripts one at a time, so each entry goes to one of them. An instance that
 * dies holding claims leaves them in the lease set, from which any instance's
 * sweep (every second) moves them back once the lease lapses; handling an
 * entry twice is harmless because every effect in PostgreSQL is guarded. A
 * rebuild running while entries are claimed may add an entry that is being
 * handled: it then falls due once more and is skipped. An instance asked to
 * stop takes no new claims and ends those it holds before it goes (drain). */
#include "watch_index.h"

#include "clock.h"
#include "log.h"
#include "redis.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_CLAIM_BATCH 256
#define INDEX_ZADD_BATCH 500
#define INDEX_TICK_MS 1000

/* Moves up to ARGV[2] entries due by ARGV[1] (ms) from KEYS[1] to the lease
 * set KEYS[2] (score ARGV[3]); returns the head score left (or -1) followed
 * by the members claimed. */
static const char *s_claim_lua =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])\n"
    "for i = 1, #due do\n"
    "  redis.call('ZREM', KEYS[1], due[i])\n"
    "  redis.call('ZADD', KEYS[2], ARGV[3], due[i])\n"
    "end\n"
    "local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
    "table.insert(due, 1, head[2] or '-1')\n"
    "return due\n";

/* Moves claims whose lease lapsed by ARGV[1] back into the index, due now. */
static const char *s_sweep_lua =
    "local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)\n"
    "for i = 1, #gone do\n"
    "  redis.call('ZREM', KEYS[2], gone[i])\n"
    "  redis.call('ZADD', KEYS[1], ARGV[1], gone[i])\n"
    "end\n"
    "return #gone\n";

struct watch_index {
    redis_t *redis;
    char due_key[128];
    char lease_key[128];
    char built_key[128];
    struct event *timer_ev;
    struct event *tick_ev;
    int64_t timer_at_ms; /* what the timer is armed for; 0 when not armed */
    bool claiming;
    bool claim_again;
    int inflight;
    unsigned long claims;
    long long size;
    watch_index_fire_cb fire_cb;
    void *fire_arg;
    watch_index_rebuild_cb rebuild_cb;
    void *rebuild_arg;
    bool draining;     /* stopping: no new claims */
    bool barrier_sent; /* the PING behind the last claim's commands */
    watch_index_drained_cb drained_cb;
    void *drained_arg;
};

static int64_t s_now_ms(void)
{
    return clock_now_us() / 1000;
}

/* Arms the timer for at_ms unless it is armed for earlier already. */
static void s_arm_timer(watch_index_t *self, int64_t at_ms)
{
    int64_t now = s_now_ms();
    if (at_ms > now + WATCH_HORIZON_MS)
        at_ms = now + WATCH_HORIZON_MS;
    if (self->timer_at_ms && evtimer_pending(self->timer_ev, NULL) && self->timer_at_ms <= at_ms)
        return;
    int64_t delay = at_ms > now ? at_ms - now : 0;
    struct timeval tv = {(time_t)(delay / 1000), (suseconds_t)((delay % 1000) * 1000)};
    self->timer_at_ms = at_ms;
    evtimer_add(self->timer_ev, &tv);
}

static void s_claim(watch_index_t *self);
static void s_drain_check(watch_index_t *self);

static void s_claim_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    watch_index_t *self = privdata;
    redisReply *reply = r;
    self->claiming = false;
    if (!redis_reply_ok(reply, "claim due entries")) {
        s_drain_check(self);
        return; /* the timer's next turn, or the reconnect, tries again */
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
        log_warn("redis claim script answered something that is not a list");
        return;
    }
    int64_t head = -1;
    if (reply->element[0]->type == REDIS_REPLY_STRING)
        head = strtoll(reply->element[0]->str, NULL, 10);
    size_t n = reply->elements - 1;
    watch_entry_t entries[INDEX_CLAIM_BATCH];
    const char *members[INDEX_CLAIM_BATCH];
    int claimed = 0;
    for (size_t i = 1; i < reply->elements && claimed < INDEX_CLAIM_BATCH; i++) {
        redisReply *m = reply->element[i];
        entries[claimed] = (watch_entry_t){0};
        if (m->type != REDIS_REPLY_STRING)
            continue;
        if (watch_entry_decode(m->str, m->len, &entries[claimed]) < 0) {
            /* Not written by watch: drop it rather than claim it forever. */
            log_warn("dropped malformed index entry", "entry=%.64s", m->str);
            const char *argv[] = {"ZREM", self->lease_key, m->str};
            redis_command_argv(self->redis, NULL, NULL, 3, argv);
            continue;
        }
        members[claimed++] = m->str;
    }
    self->inflight += claimed;
    self->claims += (unsigned long)claimed;
    if (claimed > 0)
        self->fire_cb(entries, members, claimed, self->fire_arg);
    s_drain_check(self);
    if (n == INDEX_CLAIM_BATCH || self->claim_again) {
        self->claim_again = false;
        s_arm_timer(self, 0);
    } else if (head >= 0) {
        s_arm_timer(self, head);
    } else {
        s_arm_timer(self, s_now_ms() + WATCH_HORIZON_MS);
    }
}

static void s_claim(watch_index_t *self)
{
    if (!redis_is_up(self->redis) || !self->fire_cb || self->draining)
        return;
    if (self->claiming) {
        self->claim_again = true;
        return;
    }
    int room = WATCH_MAX_INFLIGHT - self->inflight;
    if (room <= 0)
        return; /* watch_index_done re-arms when claims end */
    char now[32], limit[16], lease[32];
    int64_t now_ms = s_now_ms();
    snprintf(now, sizeof(now), "%lld", (long long)now_ms);
    snprintf(limit, sizeof(limit), "%d", room < INDEX_CLAIM_BATCH ? room : INDEX_CLAIM_BATCH);
    snprintf(lease, sizeof(lease), "%lld", (long long)(now_ms + WATCH_LEASE_MS));
    const char *argv[] = {"EVAL", s_claim_lua, "2", self->due_key, self->lease_key,
                          now,    limit,       lease};
    if (redis_command_argv(self->redis, s_claim_reply, self, 8, argv) == 0)
        self->claiming = true;
}

static void s_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_index_t *self = arg;
    self->timer_at_ms = 0;
    s_claim(self);
    if (!self->claiming)
        s_arm_timer(self, s_now_ms() + WATCH_HORIZON_MS);
}

static void s_exists_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    watch_index_t *self = privdata;
    redisReply *reply = r;
    if (!redis_reply_ok(reply, "check the index marker"))
        return;
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
        log_warn("deadline index marker is missing (redis emptied?); rebuilding", "marker=%s",
                 self->built_key);
        if (self->rebuild_cb)
            self->rebuild_cb(self->rebuild_arg);
    }
}

static void s_size_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    watch_index_t *self = privdata;
    redisReply *reply = r;
    if (redis_reply_ok(reply, "count the index") && reply->type == REDIS_REPLY_INTEGER)
        self->size = reply->integer;
}

static void s_sweep_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    watch_index_t *self = privdata;
    redisReply *reply = r;
    if (!redis_reply_ok(reply, "sweep lapsed claims"))
        return;
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer > 0) {
        log_info("lapsed claims back in the deadline index", "claims=%lld", reply->integer);
        s_arm_timer(self, 0);
    }
}

/* Every second: the marker, the size, and claims whose lease lapsed. */
static void s_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_index_t *self = arg;
    if (!redis_is_up(self->redis))
        return;
    char now[32];
    snprintf(now, sizeof(now), "%lld", (long long)s_now_ms());
    const char *exists[] = {"EXISTS", self->built_key};
    const char *zcard[] = {"ZCARD", self->due_key};
    const char *sweep[] = {"EVAL", s_sweep_lua, "2", self->due_key, self->lease_key, now};
    redis_command_argv(self->redis, s_exists_reply, self, 2, exists);
    redis_command_argv(self->redis, s_size_reply, self, 2, zcard);
    redis_command_argv(self->redis, s_sweep_reply, self, 6, sweep);
    if (!evtimer_pending(self->timer_ev, NULL) && !self->claiming)
        s_arm_timer(self, 0);
}

static void s_connected(redis_t *redis, void *arg)
{
    watch_index_t *self = arg;
    self->claiming = false;
    if (self->rebuild_cb)
        self->rebuild_cb(self->rebuild_arg);
    s_arm_timer(self, 0);
}

watch_index_t *watch_index_new(struct event_base *base, const char *host, int port,
                               const char *prefix)
{
    watch_index_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    snprintf(self->due_key, sizeof(self->due_key), "%swatch:due", prefix);
    snprintf(self->lease_key, sizeof(self->lease_key), "%swatch:lease", prefix);
    snprintf(self->built_key, sizeof(self->built_key), "%swatch:built", prefix);
    self->timer_ev = evtimer_new(base, s_timer_cb, self);
    self->tick_ev = event_new(base, -1, EV_PERSIST, s_tick_cb, self);
    self->redis = redis_new(base, host, port);
    struct timeval tick = {INDEX_TICK_MS / 1000, (INDEX_TICK_MS % 1000) * 1000};
    if (!self->timer_ev || !self->tick_ev || !self->redis || event_add(self->tick_ev, &tick) < 0) {
        watch_index_destroy(&self);
        return NULL;
    }
    redis_on_connect(self->redis, s_connected, self);
    return self;
}

void watch_index_destroy(watch_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_index_t *self = *self_p;
    self->fire_cb = NULL;
    self->rebuild_cb = NULL;
    self->drained_cb = NULL;
    redis_destroy(&self->redis); /* pending replies come back NULL, still to self */
    if (self->timer_ev)
        event_free(self->timer_ev);
    if (self->tick_ev)
        event_free(self->tick_ev);
    free(self);
    *self_p = NULL;
}

void watch_index_on_fire(watch_index_t *self, watch_index_fire_cb cb, void *arg)
{
    self->fire_cb = cb;
    self->fire_arg = arg;
}

void watch_index_on_rebuild(watch_index_t *self, watch_index_rebuild_cb cb, void *arg)
{
    self->rebuild_cb = cb;
    self->rebuild_arg = arg;
}

bool watch_index_up(const watch_index_t *self)
{
    return redis_is_up(self->redis);
}

static void s_zadd_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redis_reply_ok(r, "add to the deadline index");
}

int watch_index_arm(watch_index_t *self, const watch_entry_t *entries, int n)
{
    if (!redis_is_up(self->redis))
        return -1;
    const char *argv[2 + 2 * INDEX_ZADD_BATCH];
    char (*scores)[24] = malloc(INDEX_ZADD_BATCH * sizeof(*scores));
    char (*members)[WATCH_MEMBER_MAX] = malloc(INDEX_ZADD_BATCH * sizeof(*members));
    int rc = 0;
    if (!scores || !members) {
        rc = -1;
        goto out_free;
    }
    int64_t earliest = INT64_MAX;
    for (int i = 0; i < n;) {
        int argc = 2;
        argv[0] = "ZADD";
        argv[1] = self->due_key;
        for (int k = 0; k < INDEX_ZADD_BATCH && i < n; i++) {
            if (watch_entry_encode(&entries[i], members[k], WATCH_MEMBER_MAX) < 0)
                continue;
            double score = watch_score(entries[i].at_us);
            snprintf(scores[k], sizeof(scores[k]), "%.0f", score);
            if ((int64_t)score < earliest)
                earliest = (int64_t)score;
            argv[argc++] = scores[k];
            argv[argc++] = members[k];
            k++;
        }
        if (argc > 2 && redis_command_argv(self->redis, s_zadd_reply, NULL, argc, argv) < 0) {
            rc = -1;
            break;
        }
    }
    if (earliest != INT64_MAX)
        s_arm_timer(self, earliest);
out_free:
    free(scores);
    free(members);
    return rc;
}

static void s_end_claim(watch_index_t *self)
{
    if (self->inflight > 0)
        self->inflight--;
    if (self->inflight == WATCH_MAX_INFLIGHT / 2)
        s_arm_timer(self, 0); /* room again after back-pressure */
}

static void s_barrier_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    watch_index_t *self = privdata;
    if (self->drained_cb) {
        watch_index_drained_cb cb = self->drained_cb;
        self->drained_cb = NULL;
        cb(self->drained_arg);
    }
}

/* While draining: when no claim is open or being taken, sends the PING
 * behind every command sent so far (Redis answers in order). */
static void s_drain_check(watch_index_t *self)
{
    if (!self->draining || self->barrier_sent || self->claiming || self->inflight > 0)
        return;
    self->barrier_sent = true;
    const char *argv[] = {"PING"};
    if (redis_command_argv(self->redis, s_barrier_reply, self, 1, argv) < 0)
        s_barrier_reply(NULL, NULL, self);
}

void watch_index_drain(watch_index_t *self, watch_index_drained_cb cb, void *arg)
{
    self->draining = true;
    self->drained_cb = cb;
    self->drained_arg = arg;
    s_drain_check(self);
}

void watch_index_done(watch_index_t *self, const char *member)
{
    s_end_claim(self);
    const char *argv[] = {"ZREM", self->lease_key, member};
    redis_command_argv(self->redis, NULL, NULL, 3, argv);
    s_drain_check(self);
}

void watch_index_retry(watch_index_t *self, const char *member, int64_t at_us)
{
    s_end_claim(self);
    char score[24];
    snprintf(score, sizeof(score), "%.0f", watch_score(at_us));
    const char *zadd[] = {"ZADD", self->due_key, score, member};
    const char *zrem[] = {"ZREM", self->lease_key, member};
    if (redis_command_argv(self->redis, s_zadd_reply, NULL, 4, zadd) == 0)
        redis_command_argv(self->redis, NULL, NULL, 3, zrem);
    s_arm_timer(self, (int64_t)watch_score(at_us));
    s_drain_check(self);
}

void watch_index_mark_built(watch_index_t *self)
{
    char value[64];
    snprintf(value, sizeof(value), "%lld", (long long)s_now_ms());
    const char *argv[] = {"SET", self->built_key, value};
    redis_command_argv(self->redis, NULL, NULL, 3, argv);
}

long long watch_index_size(const watch_index_t *self)
{
    return self->size;
}

unsigned long watch_index_claims(const watch_index_t *self)
{
    return self->claims;
}

int watch_index_inflight(const watch_index_t *self)
{
    return self->inflight;
}
