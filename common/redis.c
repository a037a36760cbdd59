/* hiredis async connection with reconnection on a libevent timer. */
#include "redis.h"

#include "log.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#define REDIS_RETRY_MS 500

struct redis {
    struct event_base *base;
    char host[128];
    int port;
    redisAsyncContext *ac;
    struct event *retry_ev;
    bool up;
    bool closing;
    redis_connect_cb connect_cb;
    void *connect_arg;
};

static void s_schedule_retry(redis_t *self)
{
    struct timeval tv = {0, REDIS_RETRY_MS * 1000};
    event_add(self->retry_ev, &tv);
}

static void s_connected(const redisAsyncContext *ac, int status)
{
    redis_t *self = ac->data;
    if (status != REDIS_OK) {
        log_warn("could not connect to redis %s:%d: %s", self->host, self->port, ac->errstr);
        self->ac = NULL; /* hiredis frees the context after this callback */
        if (!self->closing)
            s_schedule_retry(self);
        return;
    }
    self->up = true;
    /* Named so that an operator's CLIENT LIST (and a test that cuts one
     * service off a shared Redis) can tell whose connection is whose. */
    char name[64];
    snprintf(name, sizeof(name), "duban-%s-%ld", log_service(), (long)getpid());
    redisAsyncCommand(self->ac, NULL, NULL, "CLIENT SETNAME %s", name);
    log_info("connected to redis %s:%d name=%s", self->host, self->port, name);
    if (self->connect_cb)
        self->connect_cb(self, self->connect_arg);
}

static void s_disconnected(const redisAsyncContext *ac, int status)
{
    redis_t *self = ac->data;
    self->up = false;
    self->ac = NULL;
    if (self->closing)
        return;
    log_warn("redis connection lost: %s", status == REDIS_OK ? "closed" : ac->errstr);
    s_schedule_retry(self);
}

static void s_connect(evutil_socket_t fd, short what, void *arg)
{
    redis_t *self = arg;
    redisAsyncContext *ac = redisAsyncConnect(self->host, self->port);
    if (!ac || ac->err) {
        log_warn("could not connect to redis %s:%d: %s", self->host, self->port,
                 ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        s_schedule_retry(self);
        return;
    }
    ac->data = self;
    redisLibeventAttach(ac, self->base);
    redisAsyncSetConnectCallback(ac, s_connected);
    redisAsyncSetDisconnectCallback(ac, s_disconnected);
    self->ac = ac;
}

redis_t *redis_new(struct event_base *base, const char *host, int port)
{
    redis_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->base = base;
    snprintf(self->host, sizeof(self->host), "%s", host);
    self->port = port;
    self->retry_ev = evtimer_new(base, s_connect, self);
    if (!self->retry_ev) {
        free(self);
        return NULL;
    }
    struct timeval now = {0, 0};
    event_add(self->retry_ev, &now);
    return self;
}

void redis_destroy(redis_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    redis_t *self = *self_p;
    self->closing = true;
    if (self->ac)
        redisAsyncFree(self->ac);
    event_free(self->retry_ev);
    free(self);
    *self_p = NULL;
}

void redis_on_connect(redis_t *self, redis_connect_cb cb, void *arg)
{
    self->connect_cb = cb;
    self->connect_arg = arg;
}

bool redis_is_up(const redis_t *self)
{
    return self->up;
}

int redis_command_argv(redis_t *self, redisCallbackFn *cb, void *privdata, int argc,
                       const char **argv)
{
    if (!self->up || !self->ac)
        return -1;
    return redisAsyncCommandArgv(self->ac, cb, privdata, argc, argv, NULL) == REDIS_OK ? 0 : -1;
}

bool redis_reply_ok(const redisReply *reply, const char *what)
{
    if (!reply) {
        log_warn("redis %s: connection went away", what);
        return false;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        log_warn("redis %s failed: %s", what, reply->str);
        return false;
    }
    return true;
}
