/* What the two halves of the bulletin console share: bulletin_console.c
 * (the bus, the queue, the worker thread and the answers) and
 * bulletin_console_actions.c (what the worker does for each action). Not for
 * use outside the console. */
#ifndef DUBAN_BULLETIN_CONSOLE_INTERNAL_H
#define DUBAN_BULLETIN_CONSOLE_INTERNAL_H

#include "bulletin_console.h"
#include "bus.h"
#include "worker.h"

#include <stdbool.h>
#include <stddef.h>

/* In the order of s_actions in bulletin_console.c: a request's action is
 * the index of its name there. */
typedef enum { A_LIST, A_SHOW, A_HTML, A_RUN, A_RECHECKS, A_RECHECK, A_TO_DATE } action_t;

typedef struct job {
    worker_job_t base; /* first: the worker's */
    bulletin_console_t *owner;
    bus_peer_t to;
    Duban__BulletinRequest *req;
    action_t action;
    auth_identity_t who;
    /* the answer, filled by the worker (or on the loop when refused) */
    int status;
    char message[400];
    const char *content_type;
    char *body;
    size_t body_len;
    bool kick; /* something for the relay to send */
} job_t;

struct bulletin_console {
    bus_sock_t *sock;
    auth_t *auth;
    const bulletin_engine_t *engine;
    outbox_relay_t *relay;
    char *conninfo;
    PGconn *conn; /* the worker thread's */
    worker_t *worker;
    unsigned long answered, refused;
};

/* The job's status and message, the first part of its answer (on the loop
 * or in the worker, whichever holds the job). */
void bulletin_console_say(job_t *job, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Does the job's action on the worker's connection and leaves the answer in
 * the job; in the worker thread only, as it blocks. */
void bulletin_console_work(bulletin_console_t *self, job_t *job);

#endif
