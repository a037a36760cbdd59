#include "intake_ratelimit.h"

#include "clock.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

struct intake_ratelimit {
    redis_t *redis;
    char prefix[64];
};

typedef struct {
    intake_ratelimit_t *owner;
    intake_ratelimit_cb cb;
    void *arg;
    int per_minute;
} check_t;

static void s_counted(redisAsyncContext *ac, void *reply, void *privdata)
{
    check_t *c = privdata;
    redisReply *r = reply;
    bool allowed = true;
    if (redis_reply_ok(r, "rate limit") && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_INTEGER)
        allowed = r->element[0]->integer <= c->per_minute;
    c->cb(c->arg, allowed);
    free(c);
}

void intake_ratelimit_check(intake_ratelimit_t *self, const char *bucket, int per_minute,
                            const char *address, intake_ratelimit_cb cb, void *arg)
{
    check_t *c = calloc(1, sizeof(*c));
    if (!c || per_minute <= 0) {
        free(c);
        cb(arg, true);
        return;
    }
    c->owner = self;
    c->per_minute = per_minute;
    c->cb = cb;
    c->arg = arg;
    char key[160];
    snprintf(key, sizeof(key), "%srl:%s:%s:%lld", self->prefix, bucket, address,
             (long long)(clock_now_us() / 60000000LL));
    /* INCR and EXPIRE in one MULTI, so a counter never outlives its minute. */
    const char *multi[] = {"MULTI"};
    const char *incr[] = {"INCR", key};
    const char *expire[] = {"EXPIRE", key, "120"};
    const char *exec[] = {"EXEC"};
    if (redis_command_argv(self->redis, NULL, NULL, 1, multi) < 0 ||
        redis_command_argv(self->redis, NULL, NULL, 2, incr) < 0 ||
        redis_command_argv(self->redis, NULL, NULL, 3, expire) < 0 ||
        redis_command_argv(self->redis, s_counted, c, 1, exec) < 0) {
        log_warn("rate limit not applied to %s: redis unavailable", address);
        free(c);
        cb(arg, true);
    }
}

intake_ratelimit_t *intake_ratelimit_new(redis_t *redis, const char *prefix)
{
    intake_ratelimit_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->redis = redis;
    snprintf(self->prefix, sizeof(self->prefix), "%s", prefix);
    return self;
}

void intake_ratelimit_destroy(intake_ratelimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}
