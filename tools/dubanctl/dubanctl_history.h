/* dubanctl import-history: the replayed case, shared by the replay
 * (dubanctl_history.c) and the writer (dubanctl_history_store.c). */
#ifndef DUBAN_DUBANCTL_HISTORY_H
#define DUBAN_DUBANCTL_HISTORY_H

#include "dubanctl.h"

#include "calendar.h"
#include "sla.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define H_MAX_TASKS 32
#define H_MAX_EVENTS 160
#define H_ACTOR "history-import"

typedef struct {
    char division[64];
    const char *role;
    int round;
    const char *state; /* dispatched, signed, returned, replied */
    int64_t dispatched, response_due, response_warn, completion_due, completion_warn;
    int64_t signed_at, returned_at, replied_at, paused_at, paused_total, extension_by;
    const char *reason, *return_to, *result, *handler, *extension_state, *extension_reason;
    bool arbitrated;
    int64_t updated;
} h_task_t;

typedef struct {
    int64_t at;
    int task; /* index in tasks, -1 for a case event */
    const char *type;
    const char *actor;
    json_t *detail;
} h_event_t;

typedef struct {
    const org_t *org;
    const sla_t *sla;
    const calendar_t *working, *natural;
    json_t *entry;
    const char *ref, *channel, *kind, *category, *priority, *subject, *description, *responder;
    const char *name, *phone, *email;
    bool flagged;
    int64_t received, updated, replied_at, informed_at, closed_at;
    const char *state, *result, *satisfaction;
    int returns, reopened;
    h_task_t tasks[H_MAX_TASKS];
    int ntasks;
    h_event_t events[H_MAX_EVENTS];
    int nevents;
    char error[320];
} h_case_t;

/* Writes the replayed case h, its tasks and events in one transaction; the
 * new case number goes into number. Returns 0, or -1 with h->error set (and
 * nothing stored). */
int history_store(PGconn *conn, h_case_t *h, char *number, size_t len);

#endif
