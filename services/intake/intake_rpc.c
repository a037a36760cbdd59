/* Request ids and timeouts for intake's console clients; see intake_rpc.h.
 * Waiting requests sit in a list (a handful at a time: people clicking),
 * checked by a half-second timer. */
#include "intake_rpc.h"

#include "bus.h"
#include "clock.h"
#include "log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct waiting {
    char id[INTAKE_RPC_ID_LEN];
    intake_rpc_cb cb;
    void *arg;
    int64_t deadline_us;
    struct waiting *next;
} waiting_t;

struct intake_rpc {
    bus_sock_t *sock;
    void *zctx;
    struct event_base *base;
    char *endpoint;
    struct event *timer;
    waiting_t *head;
    intake_rpc_id_fn id_of;
    int64_t timeout_us;
    unsigned long next_id;
    char service[32];
};

static waiting_t *s_take(intake_rpc_t *self, const char *id)
{
    for (waiting_t **w = &self->head; *w; w = &(*w)->next)
        if (strcmp((*w)->id, id) == 0) {
            waiting_t *found = *w;
            *w = found->next;
            return found;
        }
    return NULL;
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    intake_rpc_t *self = arg;
    for (int budget = 0; budget < 64; budget++) {
        void *frames[2];
        size_t lengths[2];
        int n = bus_recv_frames(sock, frames, lengths, 2);
        if (n <= 0)
            return;
        char type[16] = "", id[INTAKE_RPC_ID_LEN] = "";
        if (n == 2 && lengths[0] < sizeof(type))
            memcpy(type, frames[0], lengths[0]);
        waiting_t *w = NULL;
        if (n == 2 && type[0] && self->id_of(type, frames[1], lengths[1], id))
            w = s_take(self, id);
        if (w) {
            w->cb(w->arg, type, frames[1], lengths[1], false);
            free(w);
        } else if (id[0]) {
            log_info("answer for a request no longer waiting", "service=%s request=%s",
                     self->service, id);
        } else {
            log_warn("dropped an answer that is not one", "service=%s frames=%d", self->service, n);
        }
        for (int i = 0; i < n; i++)
            free(frames[i]);
    }
}

static void s_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    intake_rpc_t *self = arg;
    int64_t now = clock_mono_us();
    for (waiting_t **w = &self->head; *w;) {
        if ((*w)->deadline_us > now) {
            w = &(*w)->next;
            continue;
        }
        waiting_t *late = *w;
        *w = late->next;
        log_warn("service did not answer in time", "service=%s request=%s", self->service,
                 late->id);
        late->cb(late->arg, NULL, NULL, 0, false);
        free(late);
    }
}

intake_rpc_t *intake_rpc_new(struct event_base *base, void *zctx, const char *service,
                             const char *endpoint, intake_rpc_id_fn id_of, int64_t timeout_us)
{
    intake_rpc_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    snprintf(self->service, sizeof(self->service), "%s", service);
    self->id_of = id_of;
    self->timeout_us = timeout_us;
    self->zctx = zctx;
    self->base = base;
    self->endpoint = strdup(endpoint);
    self->sock = self->endpoint
                     ? bus_sock_connect(zctx, base, ZMQ_DEALER, service, endpoint, s_readable, self)
                     : NULL;
    self->timer = event_new(base, -1, EV_PERSIST, s_timeout_cb, self);
    struct timeval tv = {0, 500000};
    if (!self->sock || !self->timer || event_add(self->timer, &tv) < 0) {
        intake_rpc_destroy(&self);
        return NULL;
    }
    return self;
}

void intake_rpc_destroy(intake_rpc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_rpc_t *self = *self_p;
    while (self->head) {
        waiting_t *w = self->head;
        self->head = w->next;
        w->cb(w->arg, NULL, NULL, 0, true);
        free(w);
    }
    if (self->timer)
        event_free(self->timer);
    bus_sock_destroy(&self->sock);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

const char *intake_rpc_id(intake_rpc_t *self, char *id)
{
    snprintf(id, INTAKE_RPC_ID_LEN, "http-%lu", ++self->next_id);
    return id;
}

int intake_rpc_send(intake_rpc_t *self, const char *id, const char *type, const void *body,
                    size_t len, intake_rpc_cb cb, void *arg)
{
    waiting_t *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    const void *frames[2] = {type, body};
    size_t lengths[2] = {strlen(type), len};
    if (bus_send_frames(self->sock, frames, lengths, 2) < 0) {
        /* No connection to send on: the service is down, or ZeroMQ gave
         * up on a connection it dropped (a peer's protocol error) and will
         * not make another. A new socket connects afresh; answers to what
         * waits on the old one are lost and time out. */
        log_warn("could not send; connecting again", "service=%s endpoint=%s", self->service,
                 self->endpoint);
        bus_sock_t *fresh = bus_sock_connect(self->zctx, self->base, ZMQ_DEALER, self->service,
                                             self->endpoint, s_readable, self);
        if (fresh) {
            bus_sock_destroy(&self->sock);
            self->sock = fresh;
        }
        if (!fresh || bus_send_frames(self->sock, frames, lengths, 2) < 0) {
            free(w);
            return -1;
        }
    }
    snprintf(w->id, sizeof(w->id), "%s", id);
    w->cb = cb;
    w->arg = arg;
    w->deadline_us = clock_mono_us() + self->timeout_us;
    w->next = self->head;
    self->head = w;
    return 0;
}
