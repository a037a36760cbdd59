/* Requests from intake's HTTP API to another service's console endpoint
 * (a ROUTER): one DEALER, requests told apart by a request id that the
 * service echoes in its answer. A request whose answer does not come within
 * the timeout (the service down or slow) is called back once with no
 * answer, so every HTTP request ends in exactly one reply; an answer that
 * comes later is dropped. Used for watch's alerts console and the bulletin
 * console. */
#ifndef DUBAN_INTAKE_RPC_H
#define DUBAN_INTAKE_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct intake_rpc intake_rpc_t;

#define INTAKE_RPC_ID_LEN 24

/* The answer to a request: its type frame and body, or type NULL when none
 * came in time (or intake is stopping: then closing is true). body is valid
 * during the call. */
typedef void (*intake_rpc_cb)(void *arg, const char *type, const uint8_t *body, size_t len,
                              bool closing);

/* Reads the request id out of an answer into id (INTAKE_RPC_ID_LEN bytes);
 * false when the answer is not one this client understands. */
typedef bool (*intake_rpc_id_fn)(const char *type, const uint8_t *body, size_t len, char *id);

/* Connects a DEALER to endpoint; service names it in logs. NULL on failure. */
intake_rpc_t *intake_rpc_new(struct event_base *base, void *zctx, const char *service,
                             const char *endpoint, intake_rpc_id_fn id_of, int64_t timeout_us);

/* Calls back what still waits (closing) and frees. */
void intake_rpc_destroy(intake_rpc_t **self_p);

/* A fresh request id into id (INTAKE_RPC_ID_LEN bytes). */
const char *intake_rpc_id(intake_rpc_t *self, char *id);

/* Sends [type][body] as request id (from intake_rpc_id, and inside body);
 * cb is called exactly once, unless this returns -1 (not sent: the socket
 * refused it; cb is not called). */
int intake_rpc_send(intake_rpc_t *self, const char *id, const char *type, const void *body,
                    size_t len, intake_rpc_cb cb, void *arg);

#endif
