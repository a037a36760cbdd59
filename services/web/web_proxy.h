/* The staff API on the console's own origin: /api/v1/... is passed to
 * intake as it came (method, path, query, body, the credential, the CSRF
 * header, Origin and Host), with the client's address in X-Forwarded-For
 * (intake believes it only from its configured trusted proxy), and intake's
 * answer is passed back. The web service adds no rule of its own: intake
 * authenticates, checks CSRF and scope, and dispatch decides steps.
 *
 * Answers are of bounded size (JSON, or a work item's attachment: at most
 * max_reply bytes), so each is read whole and sent at once rather than
 * streamed chunk by chunk: one reply path, and a client that leaves mid-way
 * costs nothing upstream. Requests
 * spread over a small pool of keep-alive connections (evhttp sends one
 * request at a time per connection). */
#ifndef DUBAN_WEB_PROXY_H
#define DUBAN_WEB_PROXY_H

#include "http_proxies.h"

#include <stddef.h>

struct event_base;
struct evhttp_request;

typedef struct web_proxy web_proxy_t;

/* intake is "host:port"; an answer longer than max_reply bytes is
 * answered 502. Intake is told the client's address (X-Forwarded-For) as
 * seen through trusted, the proxies in front of duban-web (kept by the
 * caller). NULL (logged) when intake cannot be parsed. */
web_proxy_t *web_proxy_new(struct event_base *base, const char *intake, int connections,
                           size_t max_reply, const http_proxies_t *trusted);

/* Answers the requests still waiting 503 and frees. */
void web_proxy_destroy(web_proxy_t **self_p);

/* Passes req to intake; exactly one reply follows. */
void web_proxy_forward(web_proxy_t *self, struct evhttp_request *req);

#endif
