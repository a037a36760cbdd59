/* Same-origin pass-through to intake; see web_proxy.h. */
#include "web_proxy.h"

#include "http.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROXY_MAX_CONNECTIONS 64
#define PROXY_TIMEOUT_S 30

typedef struct pass {
    http_held_t *held;
    struct pass *prev, *next;
} pass_t;

struct web_proxy {
    struct evhttp_connection *conns[PROXY_MAX_CONNECTIONS];
    int n;
    int next;
    size_t max_reply;
    const http_proxies_t *trusted;
    pass_t *pending; /* freeing a connection drops its requests without a callback */
};

static web_proxy_t *s_owner; /* one proxy per process */

static void s_unlink(pass_t *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else if (s_owner && s_owner->pending == p)
        s_owner->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
}

/* Request headers intake needs; everything else stays here. */
static const char *const s_forward_in[] = {
    "Authorization", "Cookie",          "X-CSRF-Token", "Origin",         "Sec-Fetch-Site",
    "Content-Type",  "Idempotency-Key", "Accept",       "Accept-Language", NULL};

/* Answer headers the page needs (a bulletin's page comes with the policy of
 * what it may load; an attachment is a download, never sniffed). */
static const char *const s_forward_out[] = {
    "Content-Type", "Location", "WWW-Authenticate", "Idempotent-Replayed", "Retry-After",
    "Content-Security-Policy", "Content-Disposition", "X-Content-Type-Options", NULL};

static void s_unavailable(struct evhttp_request *req)
{
    http_reply_problem(req, 502, "intake unavailable",
                       "the case service did not answer; nothing was changed by this request "
                       "unless the case says so; try again",
                       NULL);
}

static void s_done_cb(struct evhttp_request *up, void *arg)
{
    pass_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    if (req) {
        int code = up ? evhttp_request_get_response_code(up) : 0;
        struct evbuffer *body = up ? evhttp_request_get_input_buffer(up) : NULL;
        if (code < 100 || !body || !s_owner || evbuffer_get_length(body) > s_owner->max_reply) {
            log_warn("no usable answer from intake", "path=%.*s status=%d",
                     (int)strcspn(evhttp_request_get_uri(req), "?"), evhttp_request_get_uri(req),
                     code);
            s_unavailable(req);
        } else {
            struct evkeyvalq *from = evhttp_request_get_input_headers(up);
            struct evkeyvalq *to = evhttp_request_get_output_headers(req);
            for (const char *const *h = s_forward_out; *h; h++) {
                const char *v = evhttp_find_header(from, *h);
                if (v)
                    evhttp_add_header(to, *h, v);
            }
            evhttp_add_header(to, "Cache-Control", "no-store");
            evhttp_send_reply(req, code, evhttp_request_get_response_code_line(up), body);
        }
    }
    s_unlink(p);
    http_release(&p->held);
    free(p);
}

void web_proxy_forward(web_proxy_t *self, struct evhttp_request *req)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    pass_t *p = calloc(1, sizeof(*p));
    if (!p || !(p->held = http_hold(req))) {
        free(p);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    struct evhttp_request *up = evhttp_request_new(s_done_cb, p);
    if (!up) {
        http_release(&p->held);
        free(p);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evkeyvalq *out = evhttp_request_get_output_headers(up);
    for (const char *const *h = s_forward_in; *h; h++) {
        const char *v = evhttp_find_header(in, *h);
        if (v)
            evhttp_add_header(out, *h, v);
    }
    /* Intake compares Origin with Host: the browser's Host, not ours. */
    const char *host = evhttp_find_header(in, "Host");
    evhttp_add_header(out, "Host", host ? host : "localhost");
    /* One address, already checked against our own trusted proxies, so
     * intake need trust only duban-web. */
    evhttp_add_header(out, "X-Forwarded-For", http_client_addr(req, self->trusted));
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    if (evbuffer_get_length(body))
        evbuffer_add_buffer(evhttp_request_get_output_buffer(up), body);
    struct evhttp_connection *conn = self->conns[self->next];
    self->next = (self->next + 1) % self->n;
    if (evhttp_make_request(conn, up, method, evhttp_request_get_uri(req)) != 0) {
        /* libevent freed up and called no callback. */
        s_unavailable(req);
        http_release(&p->held);
        free(p);
        return;
    }
    p->next = self->pending;
    if (p->next)
        p->next->prev = p;
    self->pending = p;
}

web_proxy_t *web_proxy_new(struct event_base *base, const char *intake, int connections,
                           size_t max_reply, const http_proxies_t *trusted)
{
    char host[128];
    int port = 0;
    if (http_split_hostport(intake, host, sizeof(host), &port) < 0) {
        log_error("cannot pass the API to intake: expected host:port", "intake=%s", intake);
        return NULL;
    }
    web_proxy_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    s_owner = self;
    self->max_reply = max_reply;
    self->trusted = trusted;
    self->n = connections < 1 ? 1 : connections > PROXY_MAX_CONNECTIONS ? PROXY_MAX_CONNECTIONS
                                                                          : connections;
    for (int i = 0; i < self->n; i++) {
        self->conns[i] = evhttp_connection_base_new(base, NULL, host, (ev_uint16_t)port);
        if (!self->conns[i]) {
            web_proxy_destroy(&self);
            return NULL;
        }
        evhttp_connection_set_timeout(self->conns[i], PROXY_TIMEOUT_S);
        evhttp_connection_set_retries(self->conns[i], 0);
    }
    return self;
}

void web_proxy_destroy(web_proxy_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_proxy_t *self = *self_p;
    while (self->pending) {
        pass_t *p = self->pending;
        self->pending = p->next;
        struct evhttp_request *req = http_held_request(p->held);
        if (req)
            http_reply_problem(req, 503, "shutting down", "the console is stopping; retry", NULL);
        http_release(&p->held);
        free(p);
    }
    s_owner = NULL;
    /* Freeing a connection frees its queued requests without callbacks. */
    for (int i = 0; i < self->n; i++)
        if (self->conns[i])
            evhttp_connection_free(self->conns[i]);
    free(self);
    *self_p = NULL;
}
