/* HTTP helpers over libevent's evhttp: binding "host:port", bounded bodies,
 * JSON replies and RFC 9457 problem details. Every reply helper sends exactly
 * one reply for the request. */
#ifndef DUBAN_HTTP_H
#define DUBAN_HTTP_H

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>

/* Binds http to "host:port" (IPv6 as "[::1]:port"). Returns 0 / -1, logged. */
int http_bind(struct evhttp *http, const char *hostport);

/* Splits "host:port" into host (buf of hostlen) and port. Returns 0 / -1. */
int http_split_hostport(const char *hostport, char *host, size_t hostlen, int *port);

/* Sends body (stolen, may be NULL for an empty object) as application/json. */
void http_reply_json(struct evhttp_request *req, int code, json_t *body);

/* Sends an application/problem+json error naming field (may be NULL). */
void http_reply_problem(struct evhttp_request *req, int code, const char *title,
                        const char *detail, const char *field);

/* Copies the request body into a NUL-terminated malloc'ed buffer. Returns
 * 0, -1 when it is larger than max (nothing allocated). */
int http_read_body(struct evhttp_request *req, size_t max, char **out, size_t *len);

/* A request whose reply waits for something (a commit, a lookup). libevent
 * frees a request whose client disconnects; a held request notices that, so
 * the late reply goes nowhere instead of to freed memory. */
typedef struct http_held http_held_t;

/* Watches req's connection; NULL when out of memory. */
http_held_t *http_hold(struct evhttp_request *req);

/* The request, or NULL when the client has gone away. */
struct evhttp_request *http_held_request(const http_held_t *held);

/* Stops watching and frees; call once the reply is sent or abandoned. */
void http_release(http_held_t **held_p);

/* The client's address as text ("" when unknown). */
const char *http_peer(struct evhttp_request *req);

/* The address of the client behind a reverse proxy: the last address of
 * X-Forwarded-For when the peer is trusted_proxy (the web console's
 * service), else the peer itself. A header from anyone else is ignored, so
 * it cannot hide who called. */
const char *http_client(struct evhttp_request *req, const char *trusted_proxy);

#endif
