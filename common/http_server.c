/* An evhttp listener that a client cannot exhaust; see http.h.
 *
 * libevent 2.1 tells us little about a server's connections: no callback
 * per new connection or request. What it offers, and what this uses:
 * - our own evconnlistener (evhttp_bind_listener), so that accepting can be
 *   paused (at the connection cap, and on EMFILE/ENFILE through the
 *   listener's error callback, which also keeps libevent from logging every
 *   failed accept);
 * - evhttp_set_bevcb, called for each accepted connection to make its
 *   bufferevent. The connection object (evhttp_connection) exists only once
 *   that returns, so the bufferevent is kept (with a reference) and looked at
 *   from an event activated at once: evhttp has made it the bufferevent's
 *   callback argument by then (bufferevent_getcb), and an evhttp that freed
 *   the connection meanwhile has cleared it;
 * - evhttp_connection_set_closecb, to count the connection out when it
 *   closes. It is the connection's only close callback, so held requests
 *   (http_hold) are told through this record instead of setting their own;
 * - the output buffer's callback, to see a reply leave: the connection then
 *   waits for its next request, and the request deadline starts again.
 *
 * The deadline runs from when a connection starts waiting for a request to
 * when the handler has it (holds it, or has started replying); bytes arriving
 * do not restart it, unlike libevent's timeout, which stays as a backstop for
 * a client that stops reading a reply. A 100 Continue interim answer starts
 * it once more, so a request has at most twice the deadline. All deadlines of
 * a server have one duration, so they sit in a libevent common-timeout queue:
 * one ordered list, one timer armed for its head. */
#include "http.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define HTTP_RESUME_ACCEPT_MS 100 /* retry accepting this long after EMFILE */
#define HTTP_LOG_EVERY_US 1000000 /* each kind of warning at most once a second */
#define HTTP_FD_RESERVE 64        /* descriptors kept for PostgreSQL, Redis, ZeroMQ, logs */

typedef struct http_conn http_conn_t;

struct http_held {
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    http_conn_t *owner; /* NULL: an unguarded connection, watched by its closecb */
    http_held_t *next;
    http_closed_cb closed_cb;
    void *closed_arg;
};

typedef struct addr_count {
    char address[64];
    int open;
    struct addr_count *next;
} addr_count_t;

struct http_conn {
    http_server_t *server;
    struct evhttp_connection *evcon;
    struct bufferevent *bev;
    struct evbuffer_cb_entry *out_cb;
    struct event *deadline_ev;
    addr_count_t *address;
    http_held_t *holds;
    http_conn_t *next; /* in the server's bucket */
};

typedef struct {
    int64_t last_us;
    long suppressed;
} throttle_t;

struct http_server {
    struct event_base *base;
    struct evhttp *http;
    struct evconnlistener *listener;
    char name[160];
    http_limits_t limits;
    const struct timeval *deadline_tv; /* a common timeout of limits.request_timeout_ms */
    int open;                          /* connections accepted and not yet closed */
    bool accepting; /* the listener is enabled */
    bool at_cap;
    bool accept_failing;
    bool closing;
    struct event *resume_ev;
    struct event *fresh_ev;
    struct bufferevent **fresh; /* accepted, not yet looked at */
    int nfresh;
    int fresh_cap;
    http_conn_t **conns; /* by evhttp_connection address */
    addr_count_t **addresses;
    size_t nbuckets; /* a power of two, for both tables */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    throttle_t log_cap, log_per_address, log_deadline, log_accept;
    http_server_t *next_server;
};

/* Every server of the process, to find a connection's record from a request
 * (one loop per process: no lock). */
static http_server_t *s_servers;

/* True when a warning of this kind is due; *suppressed tells how many were
 * not logged since the last one. */
static bool s_throttle(throttle_t *t, long *suppressed)
{
    int64_t now = (int64_t)clock_mono_us();
    if (t->last_us && now - t->last_us < HTTP_LOG_EVERY_US) {
        t->suppressed++;
        return false;
    }
    *suppressed = t->suppressed;
    t->last_us = now;
    t->suppressed = 0;
    return true;
}

static size_t s_ptr_bucket(const http_server_t *self, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & (self->nbuckets - 1);
}

static size_t s_addr_bucket(const http_server_t *self, const char *address)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)address, strlen(address), self->hash_key);
    uint64_t h;
    memcpy(&h, out, sizeof(h));
    return (size_t)h & (self->nbuckets - 1);
}

static addr_count_t *s_address_find(http_server_t *self, const char *address, bool create)
{
    size_t b = s_addr_bucket(self, address);
    for (addr_count_t *a = self->addresses[b]; a; a = a->next)
        if (strcmp(a->address, address) == 0)
            return a;
    if (!create)
        return NULL;
    addr_count_t *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    snprintf(a->address, sizeof(a->address), "%s", address);
    a->next = self->addresses[b];
    self->addresses[b] = a;
    return a;
}

/* Forgets address once no connection from it is open. */
static void s_address_forget_unused(http_server_t *self, addr_count_t *a)
{
    if (a->open > 0)
        return;
    for (addr_count_t **link = &self->addresses[s_addr_bucket(self, a->address)]; *link;
         link = &(*link)->next) {
        if (*link == a) {
            *link = a->next;
            free(a);
            return;
        }
    }
}

/* Accepting runs unless the cap is reached or accept() is failing: the one
 * place that turns the listener on and off. */
static void s_update_listener(http_server_t *self)
{
    if (self->closing)
        return;
    bool at_cap = self->open >= self->limits.max_connections;
    if (at_cap && !self->at_cap) {
        long n = 0;
        if (s_throttle(&self->log_cap, &n))
            log_warn("http connections at the limit: accepting paused",
                     "server=%s open=%d times=%ld", self->name, self->open, n + 1);
    }
    self->at_cap = at_cap;
    bool accept = !at_cap && !self->accept_failing;
    if (accept == self->accepting)
        return;
    self->accepting = accept;
    if (accept)
        evconnlistener_enable(self->listener);
    else
        evconnlistener_disable(self->listener);
}

static void s_resume_cb(evutil_socket_t fd, short what, void *arg)
{
    http_server_t *self = arg;
    self->accept_failing = false;
    s_update_listener(self);
}

/* accept() failed with something other than a retriable error, typically
 * EMFILE/ENFILE: the pending connection stays in the kernel's backlog and
 * the listening socket stays readable, so accepting pauses (a closing
 * connection or a short timer resumes it) instead of spinning. */
static void s_accept_error_cb(struct evconnlistener *listener, void *arg)
{
    int err = EVUTIL_SOCKET_ERROR();
    http_server_t *self = NULL;
    for (http_server_t *s = s_servers; s; s = s->next_server)
        if (s->listener == listener)
            self = s;
    if (!self)
        return;
    long n = 0;
    if (s_throttle(&self->log_accept, &n))
        log_warn("http could not accept a connection; accepting paused",
                 "server=%s err=%s failures=%ld", self->name, evutil_socket_error_to_string(err),
                 n);
    self->accept_failing = true;
    s_update_listener(self);
    struct timeval tv = {0, HTTP_RESUME_ACCEPT_MS * 1000};
    event_add(self->resume_ev, &tv);
}

/* The one way a connection's deadline changes: armed when it starts waiting
 * for a request. */
static void s_conn_arm(http_conn_t *c)
{
    if (c->deadline_ev)
        event_add(c->deadline_ev, c->server->deadline_tv);
}

static void s_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    http_conn_t *c = arg;
    /* A handler has the request, or a reply is leaving: not ours to judge. */
    if (c->holds || evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
        return;
    long n = 0;
    if (s_throttle(&c->server->log_deadline, &n))
        log_warn("http closed connection: no complete request in time",
                 "server=%s peer=%s timeout_ms=%d more=%ld", c->server->name,
                 log_addr(c->address->address), c->server->limits.request_timeout_ms, n);
    evhttp_connection_free(c->evcon); /* its closecb frees c */
}

static void s_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    /* A reply (or an interim 100 Continue) has left: next request. */
    if (info->n_deleted > 0 && evbuffer_get_length(buf) == 0)
        s_conn_arm(arg);
}

/* The client of a held request went away: the request is libevent's no
 * more (or, detached from the dying connection, the callback's to end). */
static void s_held_gone(http_held_t *h)
{
    h->req = NULL;
    h->conn = NULL;
    h->owner = NULL;
    if (h->closed_cb)
        h->closed_cb(h->closed_arg);
}

static http_conn_t **s_conn_link(http_server_t *self, struct evhttp_connection *evcon)
{
    http_conn_t **link = &self->conns[s_ptr_bucket(self, evcon)];
    while (*link && (*link)->evcon != evcon)
        link = &(*link)->next;
    return link;
}

static void s_closed_cb(struct evhttp_connection *evcon, void *arg)
{
    http_conn_t *c = arg;
    http_server_t *self = c->server;
    http_conn_t **link = s_conn_link(self, evcon);
    if (*link == c)
        *link = c->next;
    http_held_t *holds = c->holds;
    c->holds = NULL;
    for (http_held_t *h = holds, *next; h; h = next) {
        next = h->next; /* the callback may release h */
        s_held_gone(h);
    }
    evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
    event_free(c->deadline_ev);
    c->address->open--;
    s_address_forget_unused(self, c->address);
    free(c);
    self->open--;
    /* A descriptor is free again: accepting may resume at once. */
    self->accept_failing = false;
    s_update_listener(self);
}

/* Takes a freshly accepted connection into account, or closes it when its
 * address has too many open already. Returns false when it was closed. */
static bool s_admit(http_server_t *self, struct evhttp_connection *evcon, struct bufferevent *bev)
{
    char *peer = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evcon, &peer, &port);
    const char *address = peer ? peer : "";
    addr_count_t *a = s_address_find(self, address, true);
    int per_address = self->limits.max_connections_per_address;
    if (a && per_address > 0 && a->open >= per_address) {
        long n = 0;
        if (s_throttle(&self->log_per_address, &n))
            log_warn("http refused connection: too many open from that address",
                     "server=%s peer=%s open=%d more=%ld", self->name, log_addr(address), a->open,
                     n);
        evhttp_connection_free(evcon);
        return false;
    }
    http_conn_t *c = a ? calloc(1, sizeof(*c)) : NULL;
    if (c) {
        c->server = self;
        c->evcon = evcon;
        c->bev = bev;
        c->address = a;
        c->deadline_ev = evtimer_new(self->base, s_deadline_cb, c);
        c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), s_output_cb, c);
    }
    if (!c || !c->deadline_ev || !c->out_cb) {
        if (c && c->out_cb)
            evbuffer_remove_cb_entry(bufferevent_get_output(bev), c->out_cb);
        if (c && c->deadline_ev)
            event_free(c->deadline_ev);
        free(c);
        if (a)
            s_address_forget_unused(self, a);
        evhttp_connection_free(evcon);
        return false;
    }
    a->open++;
    /* A reply leaves in writes of at most 16 KB (libevent's largest single
     * write): with Nagle's algorithm the last part of a larger one waited
     * for the client's delayed acknowledgement of the first, 40 ms on
     * Linux (a queue page of 50 tasks, 25 KB, took 53 ms on a connection
     * kept open against 8 ms for 10 tasks); a live stream's events, each a
     * small write, waited likewise. Every reply is complete when written. */
    int one = 1;
    if (setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        log_debug("http could not set TCP_NODELAY", "server=%s err=%s", self->name,
                  strerror(errno));
    http_conn_t **link = &self->conns[s_ptr_bucket(self, evcon)];
    c->next = *link;
    *link = c;
    evhttp_connection_set_closecb(evcon, s_closed_cb, c);
    s_conn_arm(c);
    return true;
}

static void s_fresh_cb(evutil_socket_t fd, short what, void *arg)
{
    http_server_t *self = arg;
    for (int i = 0; i < self->nfresh; i++) {
        struct bufferevent *bev = self->fresh[i];
        void *cbarg = NULL;
        bufferevent_getcb(bev, NULL, NULL, NULL, &cbarg);
        struct evhttp_connection *evcon = cbarg;
        /* evhttp sets the connection as its bufferevent's argument, and
         * bufferevent_free clears it: NULL means already closed. */
        bool alive = evcon && evhttp_connection_get_bufferevent(evcon) == bev;
        if (!alive || !s_admit(self, evcon, bev))
            self->open--;
        bufferevent_decref(bev);
    }
    self->nfresh = 0;
    s_update_listener(self);
}

/* evhttp asks for the bufferevent of each connection it accepts. */
static struct bufferevent *s_bev_cb(struct event_base *base, void *arg)
{
    http_server_t *self = arg;
    if (self->nfresh == self->fresh_cap) {
        int cap = self->fresh_cap ? self->fresh_cap * 2 : 64;
        struct bufferevent **grown = realloc(self->fresh, (size_t)cap * sizeof(*grown));
        if (!grown)
            return NULL; /* evhttp makes its own: that connection goes uncounted */
        self->fresh = grown;
        self->fresh_cap = cap;
    }
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
    if (!bev)
        return NULL;
    bufferevent_incref(bev);
    self->fresh[self->nfresh++] = bev;
    self->open++;
    event_active(self->fresh_ev, 0, 0);
    /* Past the cap, stop accepting now: the listener checks after each
     * connection whether it is still enabled. */
    if (self->open >= self->limits.max_connections)
        s_update_listener(self);
    return bev;
}

static struct evconnlistener *s_listen(http_server_t *self, const char *hostport)
{
    char host[128];
    int port = 0;
    if (http_split_hostport(hostport, host, sizeof(host), &port) < 0) {
        log_error("cannot listen for http: expected host:port", "listen=%s", hostport);
        return NULL;
    }
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, service, &hints, &ai);
    if (rc != 0) {
        log_error("cannot listen for http", "listen=%s err=%s", hostport, gai_strerror(rc));
        return NULL;
    }
    struct evconnlistener *listener = evconnlistener_new_bind(
        self->base, NULL, NULL,
        LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED, 1024,
        ai->ai_addr, (int)ai->ai_addrlen);
    if (!listener)
        log_error("could not listen for http", "listen=%s err=%s", hostport,
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    freeaddrinfo(ai);
    return listener;
}

/* Warns when the cap cannot be reached before the descriptors run out. */
static void s_check_file_limit(const http_server_t *self)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)self->limits.max_connections + HTTP_FD_RESERVE > rl.rlim_cur)
        log_warn(
            "http max_connections does not fit the open file limit: accepting will pause when descriptors run out",
            "server=%s max_connections=%d open_files=%llu", self->name,
            self->limits.max_connections, (unsigned long long)rl.rlim_cur);
}

http_server_t *http_server_new(struct event_base *base, const char *hostport,
                               const http_limits_t *limits)
{
    http_server_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->base = base;
    snprintf(self->name, sizeof(self->name), "%s", hostport);
    self->limits = *limits;
    if (self->limits.max_connections < 1)
        self->limits.max_connections = 1;
    if (self->limits.request_timeout_ms < 1)
        self->limits.request_timeout_ms = 1;
    randombytes_buf(self->hash_key, sizeof(self->hash_key));
    self->nbuckets = 64;
    while (self->nbuckets < (size_t)self->limits.max_connections)
        self->nbuckets *= 2;
    struct timeval tv = {self->limits.request_timeout_ms / 1000,
                         (self->limits.request_timeout_ms % 1000) * 1000};
    self->deadline_tv = event_base_init_common_timeout(base, &tv);
    self->conns = calloc(self->nbuckets, sizeof(*self->conns));
    self->addresses = calloc(self->nbuckets, sizeof(*self->addresses));
    self->resume_ev = evtimer_new(base, s_resume_cb, self);
    self->fresh_ev = event_new(base, -1, 0, s_fresh_cb, self);
    self->http = evhttp_new(base);
    if (!self->deadline_tv || !self->conns || !self->addresses || !self->resume_ev ||
        !self->fresh_ev || !self->http)
        goto out_destroy;
    self->listener = s_listen(self, hostport);
    if (!self->listener)
        goto out_destroy;
    if (!evhttp_bind_listener(self->http, self->listener)) {
        evconnlistener_free(self->listener);
        self->listener = NULL;
        goto out_destroy;
    }
    evconnlistener_set_error_cb(self->listener, s_accept_error_cb);
    evhttp_set_bevcb(self->http, s_bev_cb, self);
    if (self->limits.idle_timeout_s > 0)
        evhttp_set_timeout(self->http, self->limits.idle_timeout_s);
    self->next_server = s_servers;
    s_servers = self;
    s_check_file_limit(self);
    s_update_listener(self);
    return self;

out_destroy:
    http_server_destroy(&self);
    return NULL;
}

struct evhttp *http_server_evhttp(http_server_t *self)
{
    return self->http;
}

int http_server_connections(const http_server_t *self)
{
    return self->open;
}

void http_server_destroy(http_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_server_t *self = *self_p;
    self->closing = true;
    for (http_server_t **link = &s_servers; *link; link = &(*link)->next_server) {
        if (*link == self) {
            *link = self->next_server;
            break;
        }
    }
    /* Frees the listener and every connection; their closecbs run now. */
    if (self->http)
        evhttp_free(self->http);
    for (int i = 0; i < self->nfresh; i++)
        bufferevent_decref(self->fresh[i]);
    free(self->fresh);
    for (size_t b = 0; self->addresses && b < self->nbuckets; b++) {
        for (addr_count_t *a = self->addresses[b], *next; a; a = next) {
            next = a->next;
            free(a);
        }
    }
    free(self->addresses);
    free(self->conns);
    if (self->resume_ev)
        event_free(self->resume_ev);
    if (self->fresh_ev)
        event_free(self->fresh_ev);
    free(self);
    *self_p = NULL;
}

static void s_held_closed_cb(struct evhttp_connection *conn, void *arg)
{
    s_held_gone(arg);
}

static http_conn_t *s_conn_find(struct evhttp_connection *evcon)
{
    struct evhttp *http = evhttp_connection_get_server(evcon);
    for (http_server_t *s = s_servers; http && s; s = s->next_server)
        if (s->http == http)
            return *s_conn_link(s, evcon);
    return NULL;
}

http_held_t *http_hold(struct evhttp_request *req)
{
    return http_hold_notify(req, NULL, NULL);
}

http_held_t *http_hold_notify(struct evhttp_request *req, http_closed_cb cb, void *arg)
{
    http_held_t *held = calloc(1, sizeof(*held));
    if (!held)
        return NULL;
    held->closed_cb = cb;
    held->closed_arg = arg;
    held->req = req;
    held->conn = evhttp_request_get_connection(req);
    if (!held->conn)
        return held;
    held->owner = s_conn_find(held->conn);
    if (held->owner) {
        held->next = held->owner->holds;
        held->owner->holds = held;
    } else {
        evhttp_connection_set_closecb(held->conn, s_held_closed_cb, held);
    }
    return held;
}

struct evhttp_request *http_held_request(const http_held_t *held)
{
    return held->req;
}

void http_release(http_held_t **held_p)
{
    if (!held_p || !*held_p)
        return;
    http_held_t *held = *held_p;
    if (held->owner) {
        for (http_held_t **link = &held->owner->holds; *link; link = &(*link)->next) {
            if (*link == held) {
                *link = held->next;
                break;
            }
        }
        /* Released without a reply on its way: wait for the next request. */
        if (!held->owner->holds &&
            evbuffer_get_length(bufferevent_get_output(held->owner->bev)) == 0)
            s_conn_arm(held->owner);
    } else if (held->conn) {
        evhttp_connection_set_closecb(held->conn, NULL, NULL);
    }
    free(held);
    *held_p = NULL;
}
