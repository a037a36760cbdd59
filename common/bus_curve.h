/* ZeroMQ CURVE on every socket that crosses a process boundary.
 *
 * Each service (and dubanctl, as "ctl") has a key pair, made once by
 * `dubanctl keys` in the secrets folder (setting secrets_dir): the secret key
 * in bus_<name>.key (mode 0600, 40 Z85 characters), the public keys of the
 * whole deployment in bus_public.keys ("name key" a line; a line starting with
 * "#" is a comment). That list is the allow-list: a bound socket (a CURVE
 * server) completes a handshake only with a client whose public key is on
 * it, checked by a ZAP handler on the process's ZeroMQ context; a connecting
 * socket (a CURVE client) checks the server's key against the one listed for
 * the service it means to reach, so nobody can play a service whose secret
 * key they lack. Everything after the handshake, staff tokens included, is
 * encrypted. Several instances of a service share its key pair.
 *
 * Each bound socket has a name ("intake.out", "dispatch.console", ...) and
 * admits only the clients the design gives it (bus_curve_socket_clients):
 * triage's key reads intake's output and nothing else, so one host's stolen
 * key cannot read another service's stream or play its client. A key added
 * to the list by hand under a name that is not a service (a monitoring tool,
 * say) names the sockets it may reach in a third column:
 *     audit <key> dispatch.feed,watch.feed
 *
 * A socket without a listed key exchanges nothing with duban: ZeroMQ drops
 * the connection before any message is delivered either way. */
#ifndef DUBAN_BUS_CURVE_H
#define DUBAN_BUS_CURVE_H

#include "settings.h"

#include <stdbool.h>

#define BUS_CURVE_PUBLIC_FILE "bus_public.keys"
#define BUS_CURVE_KEY_LEN 40 /* Z85 text of a 32-byte key */
#define BUS_CURVE_MAX_NAME 32

typedef struct bus_curve bus_curve_t;

/* Loads name's key pair and the allow-list from dir. NULL when either is
 * missing or malformed, with a log line saying what to do. */
bus_curve_t *bus_curve_new(const char *dir, const char *name);

/* bus_curve_new with the secrets folder of st, or NULL with *off = true
 * when the setting bus.curve is 0 (logged as a warning: the bus is then
 * neither authenticated nor encrypted). NULL with *off = false is an error. */
bus_curve_t *bus_curve_from_settings(settings_t *st, const char *name, bool *off);

/* Stops the ZAP handler if it runs (before zmq_ctx_term, which would wait
 * for its socket), frees, sets *self_p = NULL. */
void bus_curve_destroy(bus_curve_t **self_p);

/* Starts the ZAP handler on zctx: a thread answering inproc://zeromq.zap.01
 * that accepts a CURVE client only when its public key is on the
 * allow-list, and logs each refusal. Call before binding any socket of
 * zctx. Returns 0 / -1 (logged). */
int bus_curve_auth_start(bus_curve_t *self, void *zctx);

/* Makes zsock, not yet bound, a CURVE server with this process's key that
 * asks the ZAP handler about every client, admitting only the clients of
 * the bound socket named socket_name. Returns 0 / -1 (logged; a name with
 * no clients in the design is refused). */
int bus_curve_server(const bus_curve_t *self, void *zsock, const char *socket_name);

/* The services that may connect to the bound socket socket_name, e.g.
 * {"triage", NULL} for "intake.out"; NULL for a name the design lacks. */
const char *const *bus_curve_socket_clients(const char *socket_name);

/* Makes zsock, not yet connected, a CURVE client with this process's key
 * that accepts only the server key listed for peer (a service name).
 * Returns 0 / -1 (logged, e.g. no key listed for peer). */
int bus_curve_client(const bus_curve_t *self, void *zsock, const char *peer);

/* The name this process's key belongs to. */
const char *bus_curve_name(const bus_curve_t *self);

/* Makes the key pair of each of names[0..n) that has none in dir (mode
 * 0600, never overwritten) and writes the allow-list with their public keys,
 * keeping the lines of other names already there (keys added by hand).
 * Returns the number of key pairs made, -1 on error (printed on stderr). */
int bus_curve_keys_create(const char *dir, const char *const *names, int n);

#endif
