/* Keeps a connecting ZeroMQ socket trying after a failed handshake.
 *
 * libzmq 4.3 ends a connection's session for good on a protocol error: when
 * the handshake fails (a server whose CURVE key is not the one expected, a
 * stranger bound on the port while the service was down, a peer without
 * security), the socket never connects to that address again, and a stage
 * would wait for ever for a service that came back. This watches the
 * socket's handshake events and connects such an address afresh, after
 * 100 ms doubling up to 5 s, logging each failure. */
#ifndef DUBAN_BUS_HANDSHAKE_H
#define DUBAN_BUS_HANDSHAKE_H

struct event_base;

typedef struct bus_handshake bus_handshake_t;

/* Watches zsock (connecting, owned by the caller; it must outlive the
 * watch) on base. NULL (logged) on failure. */
bus_handshake_t *bus_handshake_new(void *zctx, struct event_base *base, void *zsock,
                                   const char *tag);

/* The number of handshakes completed so far (seen on base's loop). */
int bus_handshake_succeeded(const bus_handshake_t *self);

/* Stops watching; call before closing the socket. */
void bus_handshake_destroy(bus_handshake_t **self_p);

#endif
