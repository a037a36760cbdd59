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

#define BUS_MAX_MESSAGE (1024 * 1024)

typedef struct bus_sock bus_sock_t;
typedef void (*bus_readable_cb)(bus_sock_t *sock, void *arg);

/* Creates a socket of type (ZMQ_PUSH, ZMQ_PULL, ZMQ_PUB, ZMQ_SUB, ZMQ_ROUTER,
 * ZMQ_DEALER), binds (bind = true) or connects it to endpoint, sets a low
 * linger, ROUTER_MANDATORY on routers and a bounded message size, and joins
 * it to base. cb may be NULL for send-only sockets. Returns NULL on failure,
 * with the reason logged. */
bus_sock_t *bus_sock_new(void *zctx, struct event_base *base, int type, const char *endpoint,
                         bool bind, bus_readable_cb cb, void *arg);

void bus_sock_destroy(bus_sock_t **self_p);

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

/* Unpacks an envelope from bytes received from outside: NULL when malformed
 * or oversize (the caller logs and drops it). Free with
 * duban__envelope__free_unpacked(env, NULL). */
Duban__Envelope *bus_envelope_unpack(const void *data, size_t len);

const char *bus_msg_type_str(Duban__MsgType type);

#endif
