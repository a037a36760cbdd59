/* ZeroMQ + libevent glue; see bus.h for the edge-trigger rules it follows. */
#include "bus.h"

#include "bus_curve.h"
#include "bus_handshake.h"
#include "log.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* The keys every socket of this process is secured with (bus_secure). */
static const bus_curve_t *s_curve;

struct bus_sock {
    void *zsock;
    struct event *fd_ev;
    struct event *check_ev;
    bus_readable_cb cb;
    void *arg;
    bool paused;
    char endpoint[128];
    bus_handshake_t *handshake; /* connecting secured sockets: retries failed handshakes */
};

static void s_check(bus_sock_t *self)
{
    /* Read ZMQ_EVENTS even when nobody will receive (a PUB socket, or a
     * consumer paused while its batch commits): that is what processes the
     * socket's pending commands and clears the descriptor. Skipping it leaves
     * the descriptor readable and libevent (level-triggered) spins at 100%. */
    int events = 0;
    size_t len = sizeof(events);
    if (zmq_getsockopt(self->zsock, ZMQ_EVENTS, &events, &len) != 0) {
        log_error("could not read events of socket", "endpoint=%s err=%s", self->endpoint,
                  zmq_strerror(errno));
        return;
    }
    if (!self->cb || self->paused)
        return;
    if (events & ZMQ_POLLIN) {
        self->cb(self, self->arg);
        /* The callback may have left messages (batch limit) or consumed the
         * edge; look again on the next loop turn rather than recursing. */
        event_active(self->check_ev, 0, 0);
    }
}

static void s_fd_cb(evutil_socket_t fd, short what, void *arg)
{
    s_check(arg);
}

static void s_check_cb(evutil_socket_t fd, short what, void *arg)
{
    s_check(arg);
}

/* The options every bus socket has; -1 (logged by name) when one is refused.
 * A socket without them (an unbounded message size, a ROUTER dropping
 * unroutable answers in silence) is not one to use. */
static int s_set_options(void *zsock, int type)
{
    int linger = 100;
    int64_t maxmsg = BUS_MAX_MESSAGE;
    if (BUS_SETSOCKOPT(zsock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(zsock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0)
        return -1;
    /* Bursts (a product scare) must queue, not drop; the outbox still covers
     * what is lost beyond this. ZeroMQ counts whole messages: a PUSH's carry
     * up to BUS_BUNDLE_MAX envelopes, so its mark is as many fewer, and what
     * waits stays as bounded in memory as the PUB's. */
    int hwm = 200000;
    int push_hwm = hwm / BUS_BUNDLE_MAX;
    if (type == ZMQ_PUB && BUS_SETSOCKOPT(zsock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0)
        return -1;
    if (type == ZMQ_PUSH && BUS_SETSOCKOPT(zsock, ZMQ_SNDHWM, &push_hwm, sizeof(push_hwm)) < 0)
        return -1;
    if (type == ZMQ_SUB && BUS_SETSOCKOPT(zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0)
        return -1;
    int one = 1;
    if (type == ZMQ_ROUTER && BUS_SETSOCKOPT(zsock, ZMQ_ROUTER_MANDATORY, &one, sizeof(one)) < 0)
        return -1;
    return 0;
}

void bus_secure(const bus_curve_t *curve)
{
    s_curve = curve;
}

/* Binds or connects zsock to each address of the list endpoints (separated
 * by commas or blanks). Returns 0 / -1 (logged). */
static int s_attach(void *zsock, const char *endpoints, bool bind)
{
    char copy[BUS_MAX_ENDPOINTS_TEXT];
    if (snprintf(copy, sizeof(copy), "%s", endpoints) >= (int)sizeof(copy)) {
        log_error("cannot use the addresses: too long", "addresses=%.64s max=%d", endpoints,
                  BUS_MAX_ENDPOINTS_TEXT - 1);
        return -1;
    }
    int n = 0;
    char *save = NULL;
    for (char *ep = strtok_r(copy, ", \t", &save); ep; ep = strtok_r(NULL, ", \t", &save)) {
        if ((bind ? zmq_bind(zsock, ep) : zmq_connect(zsock, ep)) != 0) {
            log_error("could not attach socket", "op=%s endpoint=%s err=%s",
                      bind ? "bind" : "connect", ep, zmq_strerror(errno));
            return -1;
        }
        n++;
    }
    if (n == 0) {
        log_error("cannot attach a socket: no address given", "op=%s", bind ? "bind" : "connect");
        return -1;
    }
    return 0;
}

/* peer: the service a connecting socket reaches, or the name of a bound
 * socket (bus_curve_server); NULL for neither. */
static bus_sock_t *s_sock_open(void *zctx, struct event_base *base, int type,
                               const char *endpoint, bool bind, const char *peer,
                               bus_readable_cb cb, void *arg)
{
    bus_sock_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    snprintf(self->endpoint, sizeof(self->endpoint), "%s", endpoint);
    self->cb = cb;
    self->arg = arg;
    self->zsock = zmq_socket(zctx, type);
    if (!self->zsock) {
        log_error("could not create socket", "endpoint=%s err=%s", endpoint, zmq_strerror(errno));
        goto out_free_self;
    }
    if (s_set_options(self->zsock, type) < 0) {
        log_error("could not set up socket: an option was refused; not using it", "endpoint=%s",
                  endpoint);
        goto out_close;
    }
    if (s_curve && !peer) {
        if (bind)
            log_error("cannot bind: the socket is not named, so who may connect is not known",
                      "endpoint=%s", endpoint);
        else
            log_error("cannot connect: the service there is not named, so its key is not known",
                      "endpoint=%s", endpoint);
        goto out_close;
    }
    if (s_curve && (bind ? bus_curve_server(s_curve, self->zsock, peer)
                         : bus_curve_client(s_curve, self->zsock, peer)) < 0) {
        log_error("could not secure the socket; not using it", "endpoint=%s", endpoint);
        goto out_close;
    }
    if (s_curve && !bind && !(self->handshake = bus_handshake_new(zctx, base, self->zsock, peer)))
        goto out_close;
    if (s_attach(self->zsock, endpoint, bind) < 0)
        goto out_close;
    int fd = -1;
    size_t fdlen = sizeof(fd);
    if (zmq_getsockopt(self->zsock, ZMQ_FD, &fd, &fdlen) != 0) {
        log_error("could not read the descriptor of socket", "endpoint=%s err=%s", endpoint,
                  zmq_strerror(errno));
        goto out_close;
    }
    self->fd_ev = event_new(base, fd, EV_READ | EV_PERSIST, s_fd_cb, self);
    self->check_ev = event_new(base, -1, 0, s_check_cb, self);
    if (!self->fd_ev || !self->check_ev || event_add(self->fd_ev, NULL) != 0)
        goto out_events;
    event_active(self->check_ev, 0, 0);
    return self;

out_events:
    if (self->fd_ev)
        event_free(self->fd_ev);
    if (self->check_ev)
        event_free(self->check_ev);
out_close:
    bus_handshake_destroy(&self->handshake);
    zmq_close(self->zsock);
out_free_self:
    free(self);
    return NULL;
}

bus_sock_t *bus_sock_new(void *zctx, struct event_base *base, int type, const char *endpoint,
                         bool bind, bus_readable_cb cb, void *arg)
{
    return s_sock_open(zctx, base, type, endpoint, bind, NULL, cb, arg);
}

bus_sock_t *bus_sock_bind(void *zctx, struct event_base *base, int type, const char *socket_name,
                          const char *endpoints, bus_readable_cb cb, void *arg)
{
    return s_sock_open(zctx, base, type, endpoints, true, socket_name, cb, arg);
}

bus_sock_t *bus_sock_connect(void *zctx, struct event_base *base, int type, const char *peer,
                             const char *endpoints, bus_readable_cb cb, void *arg)
{
    return s_sock_open(zctx, base, type, endpoints, false, peer, cb, arg);
}

int bus_setsockopt(void *zsock, int option, const char *name, const void *value, size_t len)
{
    if (zmq_setsockopt(zsock, option, value, len) == 0)
        return 0;
    log_error("could not set socket option", "option=%s err=%s", name, zmq_strerror(errno));
    return -1;
}

void bus_sock_destroy(bus_sock_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_sock_t *self = *self_p;
    event_free(self->fd_ev);
    event_free(self->check_ev);
    bus_handshake_destroy(&self->handshake);
    zmq_close(self->zsock);
    free(self);
    *self_p = NULL;
}

int bus_sock_handshakes(const bus_sock_t *self)
{
    return self->handshake ? bus_handshake_succeeded(self->handshake) : -1;
}

void *bus_sock_handle(bus_sock_t *self)
{
    return self->zsock;
}

void bus_sock_kick(bus_sock_t *self)
{
    event_active(self->check_ev, 0, 0);
}

void bus_sock_pause(bus_sock_t *self)
{
    self->paused = true;
}

void bus_sock_resume(bus_sock_t *self)
{
    self->paused = false;
    bus_sock_kick(self);
}

int bus_send_frames(bus_sock_t *self, const void *const *frames, const size_t *lengths,
                    int nframes)
{
    int rc = 0;
    for (int i = 0; i < nframes; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < nframes ? ZMQ_SNDMORE : 0);
        if (zmq_send(self->zsock, frames[i], lengths[i], flags) < 0) {
            rc = -1;
            break;
        }
    }
    int saved = errno;
    bus_sock_kick(self);
    errno = saved;
    return rc;
}

int bus_recv_frames(bus_sock_t *self, void **frames, size_t *lengths, int max_frames)
{
    int n = 0;
    bool too_many = false;
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, self->zsock, ZMQ_DONTWAIT) < 0) {
            int err = errno;
            zmq_msg_close(&msg);
            if (err == EAGAIN && n == 0)
                return 0;
            log_error("could not receive", "endpoint=%s err=%s", self->endpoint, zmq_strerror(err));
            goto out_free_frames;
        }
        int more = zmq_msg_more(&msg);
        if (n < max_frames) {
            size_t len = zmq_msg_size(&msg);
            frames[n] = malloc(len ? len : 1);
            if (frames[n]) {
                memcpy(frames[n], zmq_msg_data(&msg), len);
                lengths[n++] = len;
            }
        } else {
            too_many = true;
        }
        zmq_msg_close(&msg);
        if (!more)
            break;
    }
    if (too_many) {
        log_warn("dropped message: too many frames", "endpoint=%s max_frames=%d", self->endpoint,
                 max_frames);
        goto out_free_frames;
    }
    return n;

out_free_frames:
    for (int i = 0; i < n; i++)
        free(frames[i]);
    return -1;
}

int bus_send_envelope(bus_sock_t *self, const char *topic, const Duban__Envelope *env)
{
    size_t len = duban__envelope__get_packed_size(env);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    duban__envelope__pack(env, buf);
    const void *frames[2];
    size_t lengths[2];
    int n = 0;
    if (topic) {
        frames[n] = topic;
        lengths[n++] = strlen(topic);
    }
    frames[n] = buf;
    lengths[n++] = len;
    int rc = bus_send_frames(self, frames, lengths, n);
    free(buf);
    return rc;
}

int bus_bundle_add(bus_bundle_t *bundle, const Duban__Envelope *env)
{
    if (bundle->count >= BUS_BUNDLE_MAX)
        return -1;
    size_t len = duban__envelope__get_packed_size(env);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    duban__envelope__pack(env, buf);
    bundle->frames[bundle->count] = buf;
    bundle->lengths[bundle->count++] = len;
    return 0;
}

int bus_bundle_send(bus_sock_t *self, bus_bundle_t *bundle)
{
    int rc = bundle->count == 0 ? 0
                                : bus_send_frames(self, (const void *const *)bundle->frames,
                                                  bundle->lengths, bundle->count);
    int saved = errno;
    bus_bundle_clear(bundle);
    errno = saved;
    return rc;
}

void bus_bundle_clear(bus_bundle_t *bundle)
{
    for (int i = 0; i < bundle->count; i++)
        free(bundle->frames[i]);
    bundle->count = 0;
}

Duban__Envelope *bus_envelope_unpack(const void *data, size_t len)
{
    if (len > BUS_MAX_MESSAGE)
        return NULL;
    Duban__Envelope *env = duban__envelope__unpack(NULL, len, data);
    if (env && (env->msg_id == NULL || env->msg_id[0] == '\0')) {
        duban__envelope__free_unpacked(env, NULL);
        return NULL;
    }
    return env;
}

const char *bus_msg_type_str(Duban__MsgType type)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&duban__msg_type__descriptor, (int)type);
    return v ? v->name : "MSG_UNSPECIFIED";
}

int bus_request_recv(bus_sock_t *self, bus_request_t *req, size_t max_body)
{
    void *frames[3];
    size_t lengths[3];
    memset(req, 0, sizeof(*req));
    int n = bus_recv_frames(self, frames, lengths, 3);
    if (n <= 0)
        return n;
    int rc = -1;
    if (lengths[0] <= BUS_MAX_IDENTITY) {
        memcpy(req->peer.identity, frames[0], lengths[0]);
        req->peer.identity_len = lengths[0];
    }
    if (n >= 2 && lengths[1] < sizeof(req->type)) {
        memcpy(req->type, frames[1], lengths[1]);
        req->type[lengths[1]] = '\0';
    }
    if (n == 3 && req->peer.identity_len && req->type[0] && lengths[2] <= max_body) {
        req->body = frames[2];
        req->body_len = lengths[2];
        frames[2] = NULL;
        rc = 1;
    } else {
        log_warn("dropped a request: expected [type][body]", "endpoint=%s frames=%d",
                 self->endpoint, n);
    }
    for (int i = 0; i < n; i++)
        free(frames[i]);
    return rc;
}

void bus_request_clear(bus_request_t *req)
{
    free(req->body);
    req->body = NULL;
    req->body_len = 0;
}

int bus_reply(bus_sock_t *self, const bus_peer_t *peer, const char *type, const void *payload,
              size_t len)
{
    const void *frames[3] = {peer->identity, type, payload};
    size_t lengths[3] = {peer->identity_len, strlen(type), len};
    int rc = bus_send_frames(self, frames, lengths, 3);
    if (rc < 0)
        log_warn("could not answer a request", "endpoint=%s type=%s err=%s", self->endpoint, type,
                 zmq_strerror(zmq_errno()));
    return rc;
}
