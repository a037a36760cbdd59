/* HTTP over libevent's evhttp: the one way every service listens
 * (http_server, with connection caps and request deadlines), bounded bodies,
 * JSON replies and RFC 9457 problem details. Every reply helper sends exactly
 * one reply for the request. */
#ifndef DUBAN_HTTP_H
#define DUBAN_HTTP_H

#include "settings.h"

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>

struct event_base;

/* What one listener allows, so that no client can exhaust it: connections
 * that send slowly or not at all (slowloris), many connections from one
 * address, more connections than descriptors. */
typedef struct {
    int max_connections;             /* open at once; beyond, accepting pauses */
    int max_connections_per_address; /* open at once from one address; 0: no limit */
    int request_timeout_ms;          /* from waiting for a request (accepted, or the previous
                                        reply sent) to its handler having it; bytes arriving do
                                        not restart it */
    int idle_timeout_s;              /* libevent's per-read/write timeout: a reply nobody reads */
} http_limits_t;

/* Reads the limits: setting "<section>.<field>" (section may be NULL), else
 * "http.<field>", else the default: max_connections 4096,
 * max_connections_per_address 64, request_timeout_ms 20000, idle_timeout_s 30.
 * Behind a reverse proxy every client has the proxy's address: set
 * max_connections_per_address to 0 (or the proxy's pool) there. */
void http_limits_read(settings_t *st, const char *section, http_limits_t *limits);

typedef struct http_server http_server_t;

/* An evhttp listening on "host:port" (IPv6 as "[::1]:port") under limits:
 * - a connection from an address that has max_connections_per_address open
 *   is closed at once;
 * - at max_connections open, accepting pauses (new clients wait in the
 *   kernel's backlog) until one closes;
 * - a connection whose request is not complete request_timeout_ms after it
 *   started waiting for it is closed;
 * - when accept() fails (EMFILE, ENFILE: out of descriptors) accepting
 *   pauses, resuming when a connection closes or after 100 ms.
 * Each kind of refusal is logged at most once a second, with a count.
 * Returns NULL (logged) when the address cannot be bound or out of memory. */
http_server_t *http_server_new(struct event_base *base, const char *hostport,
                               const http_limits_t *limits);

/* The evhttp, to add routes and body limits to; owned by the server. */
struct evhttp *http_server_evhttp(http_server_t *self);

/* Connections open now. */
int http_server_connections(const http_server_t *self);

/* Closes the listener and every connection (held requests see their client
 * gone) and frees. */
void http_server_destroy(http_server_t **self_p);

/* Splits "host:port" into host (buf of hostlen) and port. Returns 0 / -1. */
int http_split_hostport(const char *hostport, char *host, size_t hostlen, int *port);

/* Sends body (stolen, may be NULL for an empty object) as application/json. */
void http_reply_json(struct evhttp_request *req, int code, json_t *body);

/* Sends text, a JSON document already made (PostgreSQL's text of a jsonb
 * value, never text from outside), as application/json: what would be
 * parsed only to be printed again is sent as it is. */
void http_reply_json_text(struct evhttp_request *req, int code, const char *text);

/* Sends an application/problem+json error naming field (may be NULL). */
void http_reply_problem(struct evhttp_request *req, int code, const char *title,
                        const char *detail, const char *field);

/* Copies the request body into a NUL-terminated malloc'ed buffer. Returns
 * 0, -1 when it is larger than max (nothing allocated). */
int http_read_body(struct evhttp_request *req, size_t max, char **out, size_t *len);

/* A request whose reply waits for something (a commit, a lookup). libevent
 * frees a request whose client disconnects; a held request notices that, so
 * the late reply goes nowhere instead of to freed memory. A handler that
 * replies later must hold its request: the request deadline of an
 * http_server leaves held requests alone. */
typedef struct http_held http_held_t;

/* Watches req's connection; NULL when out of memory. */
http_held_t *http_hold(struct evhttp_request *req);

typedef void (*http_closed_cb)(void *arg);

/* Like http_hold, and calls cb(arg) once when the client goes away while the
 * request is held (never after http_release): for replies that stream. The
 * connection's close callback is the server's, so a handler never sets its
 * own (evhttp_connection_set_closecb) on an http_server connection. */
http_held_t *http_hold_notify(struct evhttp_request *req, http_closed_cb cb, void *arg);

/* The request, or NULL when the client has gone away. */
struct evhttp_request *http_held_request(const http_held_t *held);

/* Stops watching and frees; call once the reply is sent or abandoned. */
void http_release(http_held_t **held_p);

/* Copies the query string's argument name into out when it is a code
 * (letters, digits, '-' and '_') that fits, with the blanks people copy
 * around a number cut; "" otherwise. */
void http_query_code(const char *query, const char *name, char *out, size_t len);

/* The TCP peer's address as text ("" when unknown); the client behind
 * trusted reverse proxies is http_client's (http_proxies.h). */
const char *http_peer(struct evhttp_request *req);

#endif
