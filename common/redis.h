/* Redis on the service's event loop (hiredis async + libevent adapter), with
 * reconnection. Redis holds only what can be rebuilt from PostgreSQL; the
 * connect callback is where a service rebuilds it.
 *
 * With Redis Sentinel (redis_use_sentinels), each connection asks the
 * sentinels in turn where the master of the named set is now (SENTINEL
 * get-master-addr-by-name), connects there, and counts as up only once the
 * server says it is a master (ROLE); a master demoted by a failover closes
 * its clients, and the next connection asks again. */
#ifndef DUBAN_REDIS_H
#define DUBAN_REDIS_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>

struct event_base;

typedef struct redis redis_t;

/* Called each time a connection is established (rebuild indexes here). */
typedef void (*redis_connect_cb)(redis_t *redis, void *arg);

/* Makes every connection of this process find its server through the
 * sentinels (a list "host:port,host:port", numeric addresses) watching the
 * master set named master, instead of the host and port given to
 * redis_new. NULL or "" sentinels: connect to host:port. Returns 0, or -1
 * (logged) when the list cannot be read. */
int redis_use_sentinels(const char *sentinels, const char *master);

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
