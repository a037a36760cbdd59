/* Redis on the service's event loop (hiredis async + libevent adapter), with
 * reconnection. Redis holds only what can be rebuilt from PostgreSQL; the
 * connect callback is where a service rebuilds it. */
#ifndef DUBAN_REDIS_H
#define DUBAN_REDIS_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>

struct event_base;

typedef struct redis redis_t;

/* Called each time a connection is established (rebuild indexes here). */
typedef void (*redis_connect_cb)(redis_t *redis, void *arg);

/* Starts connecting to host:port on base; NULL only when out of memory. */
redis_t *redis_new(struct event_base *base, const char *host, int port);

/* Disconnects (pending callbacks get a NULL reply) and frees. */
void redis_destroy(redis_t **self_p);

void redis_on_connect(redis_t *self, redis_connect_cb cb, void *arg);

bool redis_is_up(const redis_t *self);

/* Sends a command given as argv; cb (may be NULL) receives the reply, which
 * is NULL when the connection went away. Returns 0, or -1 when not connected. */
int redis_command_argv(redis_t *self, redisCallbackFn *cb, void *privdata, int argc,
                       const char **argv);

/* True when reply is usable (not NULL, not an error); logs otherwise. */
bool redis_reply_ok(const redisReply *reply, const char *what);

#endif
