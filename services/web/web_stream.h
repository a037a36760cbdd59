/* The live stream: GET /web/events, Server-Sent Events for one signed-in
 * page. duban-web subscribes to dispatch's and watch's PUB sockets and
 * passes each message (as a web_event) to the streams whose staff member
 * may see its topic (auth_may_see_topic: the API's scope rules).
 *
 * Every event has an id "<boot>-<seq>". The last WEB_STREAM_RING events are
 * kept, so a page that reconnects (EventSource sends Last-Event-ID, or
 * ?last_id=) gets those it missed; when its id is older than that, or from
 * an earlier run of the service, it is sent "resync" and re-reads its data
 * from the API. PUB may drop messages, so pages also re-read on a timer:
 * live events make a page quick, the API keeps it right.
 *
 * A stream whose unsent output passes web.stream_max_buffer bytes (a client
 * that does not read) is cut, never allowed to grow; a comment line every
 * WEB_STREAM_PING_S keeps proxies from closing quiet streams and finds dead
 * ones. Each stream's credential is checked again every
 * WEB_STREAM_RECHECK_S: a session that ended (signed out, expired, password
 * changed) gets "signed_out" and is closed. */
#ifndef DUBAN_WEB_STREAM_H
#define DUBAN_WEB_STREAM_H

#include "web.h"

#define WEB_STREAM_RING 2048
#define WEB_STREAM_PING_S 15
#define WEB_STREAM_RECHECK_S 60

typedef struct web_stream web_stream_t;

web_stream_t *web_stream_new(web_t *web, void *zctx);

/* Ends every open stream and frees. */
void web_stream_destroy(web_stream_t **self_p);

/* Subscribes to everything the PUB socket of service peer at endpoint
 * publishes. 0 / -1. */
int web_stream_subscribe(web_stream_t *self, const char *peer, const char *endpoint);

/* Opens a stream for req (authenticated by its session cookie or a bearer
 * token). */
void web_stream_open(web_stream_t *self, struct evhttp_request *req);

/* Open streams, for /healthz. */
int web_stream_count(const web_stream_t *self);

#endif
