/* Live events to console pages; see web_stream.h. */
#include "web_stream.h"

#include "auth_http.h"
#include "bus.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "web_event.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <zmq.h>

#define STREAM_MAX_SUBS 4

typedef struct stream {
    web_stream_t *owner;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    http_held_t *held; /* for as long as the stream lasts: tells when the client leaves */
    auth_identity_t who;
    char credential[AUTH_MAX_CREDENTIAL + 1];
    bool rechecking;
    bool closed;          /* cut while a recheck was out: freed when it returns */
    struct stream *prev, *next;
} stream_t;

typedef struct {
    uint64_t seq;
    char topic[80];
    const char *name;
    char *data;
} ring_entry_t;

struct web_stream {
    web_t *web;
    void *zctx;
    bus_sock_t *subs[STREAM_MAX_SUBS];
    int nsubs;
    stream_t *head;
    int count;
    char boot[20];        /* this run's id prefix */
    uint64_t seq;         /* last event id given */
    ring_entry_t ring[WEB_STREAM_RING];
    struct event *ping;
    struct event *recheck;
    size_t max_buffer;
};


static void s_unlink(stream_t *s)
{
    web_stream_t *self = s->owner;
    if (s->prev)
        s->prev->next = s->next;
    else if (self->head == s)
        self->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    self->count--;
}

static void s_free(stream_t *s)
{
    sodium_memzero(s->credential, sizeof(s->credential));
    free(s);
}

/* Ends a stream from our side: the connection goes, the client reconnects. */
static void s_cut(stream_t *s, const char *why)
{
    log_info("console stream closed", "staff=%s reason=%s", s->who.staff, why);
    s_unlink(s);
    http_release(&s->held);
    evhttp_connection_free(s->conn);
    if (s->rechecking)
        s->closed = true;
    else
        s_free(s);
}

static size_t s_pending(stream_t *s)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(s->conn);
    return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Writes text to the stream; false when it was cut (too much unsent). */
static bool s_write(stream_t *s, const char *text, size_t len)
{
    if (s_pending(s) + len > s->owner->max_buffer) {
        s_cut(s, "client too slow");
        return false;
    }
    struct evbuffer *buf = evbuffer_new();
    if (!buf)
        return true;
    evbuffer_add(buf, text, len);
    evhttp_send_reply_chunk(s->req, buf);
    evbuffer_free(buf);
    return true;
}

static bool s_send_event(stream_t *s, uint64_t seq, const char *name, const char *data)
{
    char head[128];
    int n = snprintf(head, sizeof(head), "id: %s-%llu\nevent: %s\ndata: ", s->owner->boot,
                     (unsigned long long)seq, name);
    size_t dlen = strlen(data);
    char *text = malloc((size_t)n + dlen + 3);
    if (!text)
        return true;
    memcpy(text, head, (size_t)n);
    memcpy(text + n, data, dlen);
    memcpy(text + n + dlen, "\n\n", 3);
    bool ok = s_write(s, text, (size_t)n + dlen + 2);
    free(text);
    return ok;
}

static void s_deliver(web_stream_t *self, const char *topic, const void *data, size_t len)
{
    const char *name = NULL;
    char *json = web_event_from_envelope(data, len, &name);
    if (!json)
        return;
    uint64_t seq = ++self->seq;
    ring_entry_t *e = &self->ring[seq % WEB_STREAM_RING];
    free(e->data);
    e->seq = seq;
    snprintf(e->topic, sizeof(e->topic), "%s", topic);
    e->name = name;
    e->data = json;
    for (stream_t *s = self->head, *next; s; s = next) {
        next = s->next;
        if (auth_may_see_topic(&s->who, e->topic))
            s_send_event(s, seq, name, json);
    }
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    web_stream_t *self = arg;
    for (int budget = 0; budget < 256; budget++) {
        void *frames[2];
        size_t lengths[2];
        int n = bus_recv_frames(sock, frames, lengths, 2);
        if (n <= 0)
            return;
        if (n == 2 && lengths[0] < 80) {
            char topic[80];
            memcpy(topic, frames[0], lengths[0]);
            topic[lengths[0]] = '\0';
            s_deliver(self, topic, frames[1], lengths[1]);
        }
        for (int i = 0; i < n; i++)
            free(frames[i]);
    }
}

static void s_ping_cb(evutil_socket_t fd, short what, void *arg)
{
    web_stream_t *self = arg;
    for (stream_t *s = self->head, *next; s; s = next) {
        next = s->next;
        s_write(s, ": ping\n\n", 8);
    }
}

static void s_rechecked(void *arg, auth_result_t result, const auth_identity_t *who)
{
    stream_t *s = arg;
    s->rechecking = false;
    if (s->closed) {
        s_free(s);
        return;
    }
    if (result == AUTH_OK || result == AUTH_UNAVAILABLE)
        return; /* a database away is no reason to drop every page */
    if (s_send_event(s, 0, "signed_out", "{}"))
        s_cut(s, "session ended");
}

static void s_recheck_cb(evutil_socket_t fd, short what, void *arg)
{
    web_stream_t *self = arg;
    for (stream_t *s = self->head, *next; s; s = next) {
        next = s->next;
        if (!s->rechecking) {
            s->rechecking = true;
            auth_verify(self->web->auth, s->credential, s_rechecked, s);
        }
    }
}

static void s_gone(void *arg)
{
    stream_t *s = arg;
    log_debug("console stream gone", "staff=%s", s->who.staff);
    http_release(&s->held);
    /* A client that leaves during a reply we have not ended: libevent
     * detaches the request from the dying connection and leaves it to us;
     * ending the reply of a detached request frees it. */
    if (!evhttp_request_get_connection(s->req))
        evhttp_send_reply_end(s->req);
    s_unlink(s);
    if (s->rechecking)
        s->closed = true;
    else
        s_free(s);
}

/* Replays what the page missed since last_id, or tells it to re-read. */
static void s_catch_up(stream_t *s, const char *last_id)
{
    web_stream_t *self = s->owner;
    size_t boot_len = strlen(self->boot);
    uint64_t last = 0;
    bool ours = last_id && strncmp(last_id, self->boot, boot_len) == 0 &&
                last_id[boot_len] == '-';
    if (ours)
        last = strtoull(last_id + boot_len + 1, NULL, 10);
    if (!ours || last > self->seq || self->seq - last >= WEB_STREAM_RING) {
        if (last_id && last_id[0])
            s_send_event(s, self->seq, "resync", "{}");
        return;
    }
    for (uint64_t seq = last + 1; seq <= self->seq; seq++) {
        ring_entry_t *e = &self->ring[seq % WEB_STREAM_RING];
        if (e->seq == seq && auth_may_see_topic(&s->who, e->topic) &&
            !s_send_event(s, seq, e->name, e->data))
            return;
    }
}

typedef struct {
    web_stream_t *owner;
    http_held_t *held;
    auth_http_cred_t cred;
    char last_id[64];
} opening_t;

static void s_opened(void *arg, auth_result_t result, const auth_identity_t *who)
{
    opening_t *o = arg;
    web_stream_t *self = o->owner;
    struct evhttp_request *req = http_held_request(o->held);
    http_release(&o->held);
    if (!req)
        goto out_free;
    if (result != AUTH_OK) {
        web_reply_problem(req, result == AUTH_UNAVAILABLE ? 503 : 401,
                          result == AUTH_UNAVAILABLE ? "unavailable" : "not signed in",
                          result == AUTH_UNAVAILABLE ? "暂时无法核对登录状态" : "请先登录");
        goto out_free;
    }
    stream_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->held = http_hold_notify(req, s_gone, s))) {
        free(s);
        web_reply_problem(req, 500, "internal error", "服务器内部错误");
        goto out_free;
    }
    s->owner = self;
    s->req = req;
    s->conn = evhttp_request_get_connection(req);
    s->who = *who;
    memcpy(s->credential, o->cred.credential, sizeof(s->credential));
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", "text/event-stream; charset=utf-8");
    evhttp_add_header(out, "Cache-Control", "no-store");
    evhttp_add_header(out, "X-Accel-Buffering", "no");
    evhttp_send_reply_start(req, 200, "OK");
    s->next = self->head;
    if (s->next)
        s->next->prev = s;
    self->head = s;
    self->count++;
    log_debug("console stream opened", "staff=%s streams=%d", who->staff, self->count);
    char hello[160];
    int n = snprintf(hello, sizeof(hello), "retry: 2000\n\n");
    if (!s_write(s, hello, (size_t)n))
        goto out_free;
    snprintf(hello, sizeof(hello), "{\"staff\":\"%s\",\"streams\":%d}", who->staff, self->count);
    if (s_send_event(s, self->seq, "hello", hello))
        s_catch_up(s, o->last_id);
out_free:
    sodium_memzero(&o->cred, sizeof(o->cred));
    free(o);
}

void web_stream_open(web_stream_t *self, struct evhttp_request *req)
{
    opening_t *o = calloc(1, sizeof(*o));
    if (!o || !(o->held = http_hold(req))) {
        free(o);
        web_reply_problem(req, 500, "internal error", "服务器内部错误");
        return;
    }
    o->owner = self;
    auth_http_credential(req, &o->cred);
    const char *last = evhttp_find_header(evhttp_request_get_input_headers(req), "Last-Event-ID");
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    if (!last && query && evhttp_parse_query_str(query, &args) == 0)
        last = evhttp_find_header(&args, "last_id");
    snprintf(o->last_id, sizeof(o->last_id), "%s", last ? last : "");
    evhttp_clear_headers(&args);
    auth_verify(self->web->auth, o->cred.credential, s_opened, o);
}

int web_stream_subscribe(web_stream_t *self, const char *peer, const char *endpoint)
{
    if (self->nsubs == STREAM_MAX_SUBS)
        return -1;
    bus_sock_t *sub = bus_sock_connect(self->zctx, self->web->base, ZMQ_SUB, peer, endpoint,
                                       s_readable, self);
    if (!sub)
        return -1;
    if (BUS_SETSOCKOPT(bus_sock_handle(sub), ZMQ_SUBSCRIBE, "", 0) < 0) {
        log_error("could not subscribe", "endpoint=%s", endpoint);
        bus_sock_destroy(&sub);
        return -1;
    }
    bus_sock_kick(sub);
    self->subs[self->nsubs++] = sub;
    return 0;
}

web_stream_t *web_stream_new(web_t *web, void *zctx)
{
    web_stream_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->web = web;
    self->zctx = zctx;
    self->max_buffer = (size_t)settings_int(web->settings, "web.stream_max_buffer", 256 * 1024);
    snprintf(self->boot, sizeof(self->boot), "%llx",
             (unsigned long long)(clock_mono_us() ^ (uint64_t)clock_now_us()));
    self->ping = event_new(web->base, -1, EV_PERSIST, s_ping_cb, self);
    self->recheck = event_new(web->base, -1, EV_PERSIST, s_recheck_cb, self);
    struct timeval ping = {WEB_STREAM_PING_S, 0}, recheck = {WEB_STREAM_RECHECK_S, 0};
    if (!self->ping || !self->recheck || event_add(self->ping, &ping) < 0 ||
        event_add(self->recheck, &recheck) < 0) {
        web_stream_destroy(&self);
        return NULL;
    }
    return self;
}

void web_stream_destroy(web_stream_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_stream_t *self = *self_p;
    while (self->head)
        s_cut(self->head, "shutting down");
    for (int i = 0; i < self->nsubs; i++)
        bus_sock_destroy(&self->subs[i]);
    for (int i = 0; i < WEB_STREAM_RING; i++)
        free(self->ring[i].data);
    if (self->ping)
        event_free(self->ping);
    if (self->recheck)
        event_free(self->recheck);
    free(self);
    *self_p = NULL;
}

int web_stream_count(const web_stream_t *self)
{
    return self->count;
}
