/* hiredis async connection with reconnection on a libevent timer, and the
 * master found through Redis Sentinel when sentinels are named. */
#include "redis.h"

#include "log.h"
#include "metrics.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REDIS_RETRY_MS 500
#define REDIS_MAX_SENTINELS 8

/* The sentinels of this process (redis_use_sentinels), or none. */
static struct {
    char host[64];
    int port;
} s_sentinels[REDIS_MAX_SENTINELS];
static int s_nsentinels;
static char s_master[64];

struct redis {
    struct event_base *base;
    char host[128]; /* where to connect: given, or the master the sentinels named */
    int port;
    int sentinel_next; /* the sentinel to ask next */
    redisAsyncContext *ac;
    struct event *retry_ev;
    bool up;
    bool closing;
    unsigned long connections; /* made so far; each after the first is a reconnect */
    redis_connect_cb connect_cb;
    void *connect_arg;
};

static void s_schedule_retry(redis_t *self)
{
    struct timeval tv = {0, REDIS_RETRY_MS * 1000};
    event_add(self->retry_ev, &tv);
}

/* The connection is made and, with sentinels, the server said it is the
 * master: the service may use it. */
static void s_up(redis_t *self)
{
    self->up = true;
    /* Named so that an operator's CLIENT LIST (and a test that cuts one
     * service off a shared Redis) can tell whose connection is whose. */
    char name[64];
    snprintf(name, sizeof(name), "duban-%s-%ld", log_service(), (long)getpid());
    redisAsyncCommand(self->ac, NULL, NULL, "CLIENT SETNAME %s", name);
    log_info("connected to redis", "host=%s port=%d client_name=%s", self->host, self->port, name);
    if (self->connections++ > 0)
        metrics_add(metrics_reconnects(), 1, "redis");
    if (self->connect_cb)
        self->connect_cb(self, self->connect_arg);
}

static void s_role_cb(redisAsyncContext *ac, void *r, void *privdata)
{
    redis_t *self = privdata;
    const redisReply *reply = r;
    if (!reply || self->closing)
        return; /* the disconnect callback retries */
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        strcmp(reply->element[0]->str, "master") == 0) {
        s_up(self);
        return;
    }
    log_warn("redis is not the master (a failover under way?); asking the sentinels again",
             "host=%s port=%d master=%s", self->host, self->port, s_master);
    redisAsyncDisconnect(ac);
}

static void s_connected(const redisAsyncContext *ac, int status)
{
    redis_t *self = ac->data;
    if (status != REDIS_OK) {
        log_warn("could not connect to redis", "host=%s port=%d err=%s", self->host, self->port,
                 ac->errstr);
        self->ac = NULL; /* hiredis frees the context after this callback */
        if (!self->closing)
            s_schedule_retry(self);
        return;
    }
    if (s_nsentinels == 0) {
        s_up(self);
        return;
    }
    /* the sentinels' answer may be old: believe the server itself */
    if (redisAsyncCommand(self->ac, s_role_cb, self, "ROLE") != REDIS_OK)
        redisAsyncDisconnect(self->ac);
}

static void s_disconnected(const redisAsyncContext *ac, int status)
{
    redis_t *self = ac->data;
    self->up = false;
    self->ac = NULL;
    if (self->closing)
        return;
    log_warn("redis connection lost", "err=%s", status == REDIS_OK ? "closed" : ac->errstr);
    s_schedule_retry(self);
}

static void s_connect_server(redis_t *self)
{
    redisAsyncContext *ac = redisAsyncConnect(self->host, self->port);
    if (!ac || ac->err) {
        log_warn("could not connect to redis", "host=%s port=%d err=%s", self->host, self->port,
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

static void s_sentinel_done(const redisAsyncContext *ac, int status)
{
}

static void s_sentinel_connected(const redisAsyncContext *ac, int status)
{
    if (status != REDIS_OK)
        log_warn("could not reach redis sentinel", "host=%s port=%d err=%s", ac->c.tcp.host,
                 ac->c.tcp.port, ac->errstr);
}

/* The answer to SENTINEL get-master-addr-by-name: [host, port] of the
 * master, nil when the sentinel does not know the set, NULL when the
 * sentinel could not be asked. */
static void s_sentinel_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redis_t *self = privdata;
    const redisReply *reply = r;
    if (self->closing)
        return;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[1]->type == REDIS_REPLY_STRING && atoi(reply->element[1]->str) > 0 &&
        strlen(reply->element[0]->str) < sizeof(self->host)) {
        snprintf(self->host, sizeof(self->host), "%s", reply->element[0]->str);
        self->port = atoi(reply->element[1]->str);
        redisAsyncDisconnect(ac);
        s_connect_server(self);
        return;
    }
    if (reply) {
        log_warn("redis sentinel names no master", "host=%s port=%d master=%s err=%s",
                 ac->c.tcp.host, ac->c.tcp.port, s_master,
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "unknown set");
        redisAsyncDisconnect(ac);
    }
    self->sentinel_next = (self->sentinel_next + 1) % s_nsentinels;
    s_schedule_retry(self);
}

/* Asks the next sentinel where the master is; connects there on the answer. */
static void s_ask_sentinel(redis_t *self)
{
    int i = self->sentinel_next % s_nsentinels;
    redisAsyncContext *ac = redisAsyncConnect(s_sentinels[i].host, s_sentinels[i].port);
    if (!ac || ac->err) {
        log_warn("could not reach redis sentinel", "host=%s port=%d err=%s", s_sentinels[i].host,
                 s_sentinels[i].port, ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        self->sentinel_next = (i + 1) % s_nsentinels;
        s_schedule_retry(self);
        return;
    }
    redisLibeventAttach(ac, self->base);
    redisAsyncSetConnectCallback(ac, s_sentinel_connected);
    redisAsyncSetDisconnectCallback(ac, s_sentinel_done);
    if (redisAsyncCommand(ac, s_sentinel_reply, self, "SENTINEL get-master-addr-by-name %s",
                          s_master) != REDIS_OK) {
        redisAsyncFree(ac);
        self->sentinel_next = (i + 1) % s_nsentinels;
        s_schedule_retry(self);
    }
}

static void s_connect(evutil_socket_t fd, short what, void *arg)
{
    redis_t *self = arg;
    if (s_nsentinels > 0)
        s_ask_sentinel(self);
    else
        s_connect_server(self);
}

int redis_use_sentinels(const char *sentinels, const char *master)
{
    s_nsentinels = 0;
    if (!sentinels || !sentinels[0])
        return 0;
    if (!master || !master[0] || strlen(master) >= sizeof(s_master)) {
        log_error(
            "cannot use redis sentinels without the name of the master set (redis.master_name)");
        return -1;
    }
    snprintf(s_master, sizeof(s_master), "%s", master);
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", sentinels);
    char *save = NULL;
    for (char *hp = strtok_r(copy, ", \t", &save); hp; hp = strtok_r(NULL, ", \t", &save)) {
        char *colon = strrchr(hp, ':');
        int port = colon ? atoi(colon + 1) : 0;
        if (!colon || port <= 0 || port > 65535 ||
            colon - hp >= (long)sizeof(s_sentinels[0].host) ||
            s_nsentinels == REDIS_MAX_SENTINELS) {
            log_error("cannot use redis sentinel: expected host:port, at most max of them",
                      "sentinel=%.64s max=%d", hp, REDIS_MAX_SENTINELS);
            s_nsentinels = 0;
            return -1;
        }
        snprintf(s_sentinels[s_nsentinels].host, sizeof(s_sentinels[0].host), "%.*s",
                 (int)(colon - hp), hp);
        s_sentinels[s_nsentinels++].port = port;
    }
    log_info("redis master found through sentinels", "master=%s sentinels=%d", s_master,
             s_nsentinels);
    return 0;
}

redis_t *redis_new(struct event_base *base, const char *host, int port)
{
    redis_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    metrics_reconnects(); /* listed in /metrics before the first reconnect */
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
        log_warn("redis connection went away", "op=%s", what);
        return false;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        log_warn("redis command failed", "op=%s err=%s", what, reply->str);
        return false;
    }
    return true;
}
