/* Rate limits in Redis with a bounded in-memory fallback; see
 * intake_ratelimit.h for what is decided per bucket and why. */
#include "intake_ratelimit.h"

#include "clock.h"
#include "log.h"

#include <event2/event.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks waiting for Redis at once; beyond, Redis is treated as away (its
 * pending replies would otherwise pile up in memory while it stalls). */
#define RATELIMIT_MAX_WAITING 1024
/* Slots probed for a key before the table counts as full. */
#define RATELIMIT_MAX_PROBES 32
/* Fallback warnings are logged at most this often (and when the reason changes). */
#define RATELIMIT_LOG_EVERY_US 10000000LL

/* One bucket and address in one minute. A slot whose minute is not the
 * current one is free: all slots expire together at the minute's end, so a
 * live slot is never found past a free one in its probe sequence. */
typedef struct {
    uint64_t key;
    uint32_t minute;
    uint32_t count;
} slot_t;

struct intake_ratelimit {
    struct event_base *base;
    redis_t *redis;
    char prefix[64];
    int timeout_ms;
    int waiting; /* checks sent to Redis and not yet answered by it */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    slot_t *slots;
    size_t nslots;   /* a power of two */
    size_t max_live; /* addresses per minute before the table is full */
    size_t live;     /* slots of table_minute in use */
    uint32_t table_minute;
    int64_t logged_fallback_us;
    const char *logged_why;
    int64_t logged_full_us;
    long fallback_count;
    long full_count;
};

typedef struct {
    intake_ratelimit_t *owner;
    intake_ratelimit_cb cb;
    void *arg;
    int per_minute;
    bool refuse_when_full;
    bool answered;
    uint64_t key;
    char address[64];
    struct event *timeout_ev;
} check_t;

static uint32_t s_minute_now(void)
{
    return (uint32_t)(clock_now_us() / 60000000LL);
}

static uint64_t s_key(const intake_ratelimit_t *self, const char *bucket, const char *address)
{
    char text[192];
    int n = snprintf(text, sizeof(text), "%s%c%s", bucket, '\0', address);
    if (n < 0 || (size_t)n >= sizeof(text))
        n = sizeof(text) - 1;
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)text, (unsigned long long)n, self->hash_key);
    uint64_t key;
    memcpy(&key, out, sizeof(key));
    return key;
}

/* Counts one request in memory. Returns whether it is allowed. */
static bool s_count_locally(intake_ratelimit_t *self, uint64_t key, int per_minute,
                            bool refuse_when_full, const char *address)
{
    uint32_t minute = s_minute_now();
    if (minute != self->table_minute) {
        self->table_minute = minute;
        self->live = 0;
    }
    size_t mask = self->nslots - 1;
    slot_t *free_slot = NULL;
    for (size_t i = 0; i < RATELIMIT_MAX_PROBES; i++) {
        slot_t *s = &self->slots[(key + i) & mask];
        if (s->minute != minute) {
            free_slot = s;
            break;
        }
        if (s->key == key) {
            if (s->count < UINT32_MAX)
                s->count++;
            return s->count <= (uint32_t)per_minute;
        }
    }
    if (free_slot && self->live < self->max_live) {
        *free_slot = (slot_t){.key = key, .minute = minute, .count = 1};
        self->live++;
        return per_minute >= 1;
    }
    self->full_count++;
    int64_t now = clock_mono_us();
    if (now - self->logged_full_us >= RATELIMIT_LOG_EVERY_US) {
        log_warn("rate limit table full", "addresses=%zu requests=%ld action=%s latest=%s",
                 self->live, self->full_count, refuse_when_full ? "refused" : "let_through",
                 log_addr(address));
        self->logged_full_us = now;
        self->full_count = 0;
    }
    return !refuse_when_full;
}

static void s_fallback(check_t *c, const char *why)
{
    intake_ratelimit_t *self = c->owner;
    self->fallback_count++;
    int64_t now = clock_mono_us();
    if (why != self->logged_why || now - self->logged_fallback_us >= RATELIMIT_LOG_EVERY_US) {
        log_warn("rate limit counted in this process", "checks=%ld reason=%s", self->fallback_count,
                 why);
        self->logged_fallback_us = now;
        self->logged_why = why;
        self->fallback_count = 0;
    }
    c->answered = true;
    c->cb(c->arg, s_count_locally(self, c->key, c->per_minute, c->refuse_when_full, c->address));
}

static void s_check_free(check_t *c)
{
    if (c->timeout_ev)
        event_free(c->timeout_ev);
    free(c);
}

static void s_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    /* The check stays allocated until Redis answers or goes away. */
    s_fallback(arg, "redis did not answer in time");
}

static void s_counted(redisAsyncContext *ac, void *reply, void *privdata)
{
    check_t *c = privdata;
    redisReply *r = reply;
    c->owner->waiting--;
    if (c->answered) {
        s_check_free(c);
        return;
    }
    event_del(c->timeout_ev);
    if (redis_reply_ok(r, "rate limit") && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_INTEGER) {
        c->answered = true;
        c->cb(c->arg, r->element[0]->integer <= c->per_minute);
    } else {
        s_fallback(c, r ? "redis refused the count" : "redis connection lost");
    }
    s_check_free(c);
}

void intake_ratelimit_check(intake_ratelimit_t *self, const char *bucket, int per_minute,
                            const char *address, intake_ratelimit_cb cb, void *arg)
{
    if (per_minute <= 0) {
        cb(arg, true);
        return;
    }
    check_t local = {.owner = self,
                     .cb = cb,
                     .arg = arg,
                     .per_minute = per_minute,
                     .refuse_when_full = strcmp(bucket, "submit") != 0,
                     .key = s_key(self, bucket, address)};
    snprintf(local.address, sizeof(local.address), "%s", address);
    if (!redis_is_up(self->redis)) {
        s_fallback(&local, "redis unavailable");
        return;
    }
    if (self->waiting >= RATELIMIT_MAX_WAITING) {
        s_fallback(&local, "too many checks waiting for redis");
        return;
    }
    check_t *c = malloc(sizeof(*c));
    if (c) {
        *c = local;
        c->timeout_ev = evtimer_new(self->base, s_timeout_cb, c);
    }
    if (!c || !c->timeout_ev) {
        if (c)
            s_check_free(c);
        s_fallback(&local, "out of memory");
        return;
    }
    char key[192];
    snprintf(key, sizeof(key), "%srl:%s:%s:%u", self->prefix, bucket, address, s_minute_now());
    /* INCR and EXPIRE in one MULTI, so a counter never outlives its minute. */
    const char *multi[] = {"MULTI"};
    const char *incr[] = {"INCR", key};
    const char *expire[] = {"EXPIRE", key, "120"};
    const char *exec[] = {"EXEC"};
    if (redis_command_argv(self->redis, NULL, NULL, 1, multi) < 0 ||
        redis_command_argv(self->redis, NULL, NULL, 2, incr) < 0 ||
        redis_command_argv(self->redis, NULL, NULL, 3, expire) < 0 ||
        redis_command_argv(self->redis, s_counted, c, 1, exec) < 0) {
        s_check_free(c);
        s_fallback(&local, "redis unavailable");
        return;
    }
    self->waiting++;
    struct timeval tv = {self->timeout_ms / 1000, (self->timeout_ms % 1000) * 1000};
    event_add(c->timeout_ev, &tv);
}

intake_ratelimit_t *intake_ratelimit_new(struct event_base *base, redis_t *redis,
                                         const char *prefix, size_t max_addresses, int timeout_ms)
{
    intake_ratelimit_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->base = base;
    self->redis = redis;
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    snprintf(self->prefix, sizeof(self->prefix), "%s", prefix);
    if (max_addresses < 16)
        max_addresses = 16;
    /* Twice the slots of the addresses kept, so that probes stay short. */
    self->nslots = 32;
    while (self->nslots < max_addresses * 2)
        self->nslots *= 2;
    self->max_live = max_addresses;
    self->slots = calloc(self->nslots, sizeof(slot_t));
    if (!self->slots) {
        free(self);
        return NULL;
    }
    /* Slot minute 0 is 1970: every slot starts free. */
    self->table_minute = s_minute_now();
    randombytes_buf(self->hash_key, sizeof(self->hash_key));
    return self;
}

void intake_ratelimit_destroy(intake_ratelimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}
