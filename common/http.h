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

#endif
