/* ZeroMQ sockets on the service's libevent loop, and the protobuf envelope
 * every message travels in.
 *
 * ZMQ_FD is edge-triggered and every send or receive consumes its signal, so
 * a bus socket re-checks ZMQ_EVENTS after each callback and after each send,
 * and re-runs the readable callback for as long as messages are waiting.
 * The readable callback should drain what it can (bus_recv_* with DONTWAIT)
 * up to a batch size of its choice; anything left triggers another call. */
#ifndef DUBAN_BUS_H
#define DUBAN_BUS_H

#include "duban.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct bus_curve;

#define BUS_MAX_MESSAGE (1024 * 1024)
#define BUS_MAX_ENDPOINTS_TEXT 1024

typedef struct bus_sock bus_sock_t;
typedef void (*bus_readable_cb)(bus_sock_t *sock, void *arg);

/* Secures every socket made from now on with curve's keys (bus_curve.h):
 * bound sockets are CURVE servers, connected ones CURVE clients of the
 * service bus_sock_connect names. NULL (the default) leaves them plain, as
 * for inproc sockets inside one process. curve is borrowed: it must outlive
 * every socket. */
void bus_secure(const struct bus_curve *curve);

/* Creates a socket of type (ZMQ_PUSH, ZMQ_PULL, ZMQ_PUB, ZMQ_SUB, ZMQ_ROUTER,
 * ZMQ_DEALER), binds (bind = true) or connects it to endpoint (one address,
 * or several separated by commas), sets a low linger, ROUTER_MANDATORY on
 * routers and a bounded message size, and joins it to base. cb may be NULL
 * for send-only sockets. Returns NULL on failure (an option refused
 * included: the socket is closed, never used without it), with the reason
 * logged. A secured process (bus_secure) binds only with bus_sock_bind,
 * which names the socket (and so who may connect), and connects only with
 * bus_sock_connect, which names the service whose key to expect. */
bus_sock_t *bus_sock_new(void *zctx, struct event_base *base, int type, const char *endpoint,
                         bool bind, bus_readable_cb cb, void *arg);

/* Binds a new socket to every address of endpoints as the bound socket
 * socket_name of the design ("intake.out", "dispatch.console", ...;
 * bus_curve.h): a secured process admits only that socket's clients.
 * Otherwise as bus_sock_new. */
bus_sock_t *bus_sock_bind(void *zctx, struct event_base *base, int type, const char *socket_name,
                          const char *endpoints, bus_readable_cb cb, void *arg);

/* Connects a new socket to every address of endpoints (separated by commas:
 * the instances of one service, e.g. two intakes' outputs), where the service
 * peer ("intake", "dispatch", ...) has bound; otherwise as bus_sock_new. */
bus_sock_t *bus_sock_connect(void *zctx, struct event_base *base, int type, const char *peer,
                             const char *endpoints, bus_readable_cb cb, void *arg);

void bus_sock_destroy(bus_sock_t **self_p);

/* zmq_setsockopt on a raw socket, logged by option name when ZeroMQ refuses
 * it ("could not set socket option ZMQ_LINGER: ..."). Returns 0 / -1; the
 * caller must not use a socket whose option failed. BUS_SETSOCKOPT passes
 * the option's name for it. */
int bus_setsockopt(void *zsock, int option, const char *name, const void *value, size_t len);
#define BUS_SETSOCKOPT(zsock, option, value, len)                                                  \
    bus_setsockopt((zsock), (option), #option, (value), (len))

/* The number of CURVE handshakes a connecting secured socket has completed
 * (seen on its loop), e.g. to wait until a SUB is really connected before
 * counting what its publisher sends; -1 for a socket without them. */
int bus_sock_handshakes(const bus_sock_t *self);

/* The raw ZeroMQ socket, for setsockopt and frame-level I/O. */
void *bus_sock_handle(bus_sock_t *self);

/* Schedules a re-check of the socket's events on the loop; call after using
 * the raw handle. */
void bus_sock_kick(bus_sock_t *self);

/* Stops calling the readable callback (back-pressure) until resumed;
 * messages wait in ZeroMQ's queue meanwhile. */
void bus_sock_pause(bus_sock_t *self);
void bus_sock_resume(bus_sock_t *self);

/* Sends nframes frames as one message, without blocking. Returns 0, or -1
 * with errno (EAGAIN at the high-water mark, EHOSTUNREACH for an unknown
 * ROUTER peer). */
int bus_send_frames(bus_sock_t *self, const void *const *frames, const size_t *lengths,
                    int nframes);

/* Receives one message of up to max_frames frames without blocking. Frames are
 * malloc'ed into frames[] (caller frees each) with their lengths. Returns the
 * number of frames, 0 when nothing is waiting, -1 on error or when the message
 * is larger than allowed (it is then discarded and logged). */
int bus_recv_frames(bus_sock_t *self, void **frames, size_t *lengths, int max_frames);

/* Packs env and sends it, preceded by topic (PUB) or identity frames when
 * given. Returns 0 / -1 as bus_send_frames. */
int bus_send_envelope(bus_sock_t *self, const char *topic, const Duban__Envelope *env);

/* A message on a link between stages (PUSH to PULL) carries up to
 * BUS_BUNDLE_MAX envelopes, one a frame: what one commit moved on goes out
 * together (outbox_relay_cork), so that the bus pays its costs per message
 * (a wake-up of ZeroMQ's I/O threads on both sides, a CURVE box, a read
 * and a write, the loop's callbacks) once a batch rather than once a case.
 * Each envelope stays whole and is applied, acknowledged or refused on its
 * own. */
#define BUS_BUNDLE_MAX 32

typedef struct {
    uint8_t *frames[BUS_BUNDLE_MAX];
    size_t lengths[BUS_BUNDLE_MAX];
    int count;
} bus_bundle_t;

/* Packs env into the bundle's next frame. -1 when the bundle is full or
 * memory ran out (nothing added). */
int bus_bundle_add(bus_bundle_t *bundle, const Duban__Envelope *env);

/* Sends the bundle's envelopes as one message, all or none, and empties it.
 * Returns 0 / -1 as bus_send_frames (0 for an empty bundle). */
int bus_bundle_send(bus_sock_t *self, bus_bundle_t *bundle);

/* Frees what the bundle holds (unsent). */
void bus_bundle_clear(bus_bundle_t *bundle);

/* Unpacks an envelope from bytes received from outside: NULL when malformed
 * or oversize (the caller logs and drops it). Free with
 * duban__envelope__free_unpacked(env, NULL). */
Duban__Envelope *bus_envelope_unpack(const void *data, size_t len);

const char *bus_msg_type_str(Duban__MsgType type);

/* Typed requests on a ROUTER socket: [identity][type][body] in, and
 * [identity][type][payload] back (the consoles' protocol). */
#define BUS_MAX_IDENTITY 256

typedef struct {
    uint8_t identity[BUS_MAX_IDENTITY];
    size_t identity_len;  /* 0 when the sender could not be told apart */
} bus_peer_t;

typedef struct {
    bus_peer_t peer;
    char type[16];        /* the type frame ("" when missing or too long), also when the
                           * request is refused, so the answer can be of the right kind */
    void *body;           /* malloc'ed; free with bus_request_clear */
    size_t body_len;
} bus_request_t;

/* Receives one request without blocking. Returns 1 with *req filled, 0 when
 * nothing waits, -1 when the message was not a typed request or its body is
 * over max_body (req->peer is set when the sender is known, so the caller
 * can answer why; the body is discarded). */
int bus_request_recv(bus_sock_t *self, bus_request_t *req, size_t max_body);

void bus_request_clear(bus_request_t *req);

/* Sends [peer][type][payload]. Returns 0 / -1 (logged). */
int bus_reply(bus_sock_t *self, const bus_peer_t *peer, const char *type, const void *payload,
              size_t len);

#endif
