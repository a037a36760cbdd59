/* Reconnects after failed handshakes; see bus_handshake.h. */
#include "bus_handshake.h"

#include "bus.h"
#include "log.h"

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define HANDSHAKE_MAX_PENDING 16
#define HANDSHAKE_FIRST_MS 100
#define HANDSHAKE_MAX_MS 5000
#define HANDSHAKE_FAILED                                                                           \
    (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |                  \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

struct bus_handshake {
    void *zsock;   /* the watched socket (borrowed) */
    void *monitor; /* PAIR receiving its events */
    struct event *monitor_ev;
    struct event *retry_ev;
    int retry_ms;
    char pending[HANDSHAKE_MAX_PENDING][256]; /* addresses to connect afresh */
    int npending;
    int succeeded; /* handshakes completed so far */
    char tag[64];
};

static void s_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    bus_handshake_t *self = arg;
    for (int i = 0; i < self->npending; i++) {
        const char *ep = self->pending[i];
        /* the session is gone already; disconnect forgets the address */
        zmq_disconnect(self->zsock, ep);
        if (zmq_connect(self->zsock, ep) != 0)
            log_error("could not connect again", "peer=%s endpoint=%s err=%s", self->tag, ep,
                      zmq_strerror(zmq_errno()));
    }
    self->npending = 0;
}

static void s_failed(bus_handshake_t *self, uint16_t event, const char *ep)
{
    bool known = false;
    for (int i = 0; i < self->npending && !known; i++)
        known = strcmp(self->pending[i], ep) == 0;
    if (!known && self->npending < HANDSHAKE_MAX_PENDING)
        snprintf(self->pending[self->npending++], sizeof(self->pending[0]), "%s", ep);
    log_warn("could not make a secure connection; trying again",
             "peer=%s endpoint=%s reason=%s retry_ms=%d", self->tag, ep,
             event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                 ? "refused by the peer (is this key on its allow-list?)"
                 : "the handshake failed (not the service expected there, or its key differs)",
             self->retry_ms);
    struct timeval tv = {self->retry_ms / 1000, (self->retry_ms % 1000) * 1000};
    evtimer_add(self->retry_ev, &tv);
    self->retry_ms = self->retry_ms * 2 > HANDSHAKE_MAX_MS ? HANDSHAKE_MAX_MS : self->retry_ms * 2;
}

static void s_monitor_cb(evutil_socket_t fd, short what, void *arg)
{
    bus_handshake_t *self = arg;
    for (;;) {
        /* edge-triggered: read until nothing is left (PITFALLS.md) */
        uint8_t head[6];
        char ep[256];
        int n = zmq_recv(self->monitor, head, sizeof(head), ZMQ_DONTWAIT);
        if (n < 0)
            break;
        int more = 0;
        size_t len = sizeof(more);
        zmq_getsockopt(self->monitor, ZMQ_RCVMORE, &more, &len);
        int m = more ? zmq_recv(self->monitor, ep, sizeof(ep) - 1, 0) : 0;
        ep[m < 0 ? 0 : (m > (int)sizeof(ep) - 1 ? (int)sizeof(ep) - 1 : m)] = '\0';
        if (n != 6)
            continue;
        uint16_t event;
        memcpy(&event, head, sizeof(event));
        if (event & HANDSHAKE_FAILED)
            s_failed(self, event, ep);
        else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            self->retry_ms = HANDSHAKE_FIRST_MS;
            self->succeeded++;
        }
    }
    int events = 0;
    size_t len = sizeof(events);
    zmq_getsockopt(self->monitor, ZMQ_EVENTS, &events, &len);
}

int bus_handshake_succeeded(const bus_handshake_t *self)
{
    return self->succeeded;
}

bus_handshake_t *bus_handshake_new(void *zctx, struct event_base *base, void *zsock,
                                   const char *tag)
{
    bus_handshake_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->zsock = zsock;
    self->retry_ms = HANDSHAKE_FIRST_MS;
    snprintf(self->tag, sizeof(self->tag), "%s", tag);
    /* a name never used before in this process: the monitor of a socket
     * closed a moment ago may still hold its old one */
    static unsigned long s_seq;
    char ep[64];
    snprintf(ep, sizeof(ep), "inproc://duban-handshake-%lu", ++s_seq);
    int linger = 0, fd = -1;
    size_t fdlen = sizeof(fd);
    if (zmq_socket_monitor(zsock, ep, HANDSHAKE_FAILED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0 ||
        !(self->monitor = zmq_socket(zctx, ZMQ_PAIR)) ||
        BUS_SETSOCKOPT(self->monitor, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        zmq_connect(self->monitor, ep) != 0 ||
        zmq_getsockopt(self->monitor, ZMQ_FD, &fd, &fdlen) != 0) {
        log_error("could not watch the handshakes", "peer=%s err=%s", tag,
                  zmq_strerror(zmq_errno()));
        goto out_destroy;
    }
    self->monitor_ev = event_new(base, fd, EV_READ | EV_PERSIST, s_monitor_cb, self);
    self->retry_ev = evtimer_new(base, s_retry_cb, self);
    if (!self->monitor_ev || !self->retry_ev || event_add(self->monitor_ev, NULL) != 0)
        goto out_destroy;
    /* the descriptor signals only once ZMQ_EVENTS has been read: look now */
    event_active(self->monitor_ev, EV_READ, 0);
    return self;

out_destroy:
    bus_handshake_destroy(&self);
    return NULL;
}

void bus_handshake_destroy(bus_handshake_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_handshake_t *self = *self_p;
    if (self->monitor_ev)
        event_free(self->monitor_ev);
    if (self->retry_ev)
        event_free(self->retry_ev);
    zmq_socket_monitor(self->zsock, NULL, 0);
    if (self->monitor)
        zmq_close(self->monitor);
    free(self);
    *self_p = NULL;
}
