/* dubanctl import-history: the replayed case, shared by the command and its
 * fields (dubanctl_history.c), the replay through the live workflow's rules
 * (dubanctl_history_steps.c) and the writer (dubanctl_history_store.c). */
#ifndef DUBAN_DUBANCTL_HISTORY_H
#define DUBAN_DUBANCTL_HISTORY_H

#include "dubanctl.h"

#include "calendar.h"
#include "deadline.h"
#include "sla.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define H_MAX_TASKS 32
#define H_MAX_EVENTS 160
#define H_MAX_CLOCKS 160
#define H_MAX_VIOLATIONS 96
#define H_ACTOR "history-import"

typedef struct {
    char division[64];
    const char *role;
    int round;
    const char *state; /* dispatched, signed, returned, replied */
    int64_t dispatched, signed_at, returned_at, replied_at, paused_at, paused_total, extension_by;
    const char *reason, *return_to, *result, *handler, *extension_state, *extension_reason;
    bool arbitrated;
    int64_t updated;
    deadline_task_t clocks; /* its deadlines as the steps so far made them */
} h_task_t;

typedef struct {
    int64_t at;
    int task; /* index in tasks, -1 for a case event */
    int step; /* the ledger step that made it, -1 for the entry's own (received, triaged) */
    const char *type;
    const char *actor;
    json_t *detail;
} h_event_t;

/* A change of a task's clocks, recorded in order (task_clock_start/step). */
typedef struct {
    int task;
    int step;
    int64_t at;
    bool start; /* the task's dispatch */
    deadline_change_t ch;
} h_clock_t;

typedef struct {
    int task;
    const char *kind; /* response_overdue, completion_overdue, groundless_return, reopen */
    int64_t at;
} h_violation_t;

typedef struct {
    const org_t *org;
    const deadline_rules_t *rules;
    const calendar_t *working;
    json_t *entry;
    const char *ref, *channel, *kind, *category, *priority, *subject, *description, *responder;
    const char *name, *phone, *email, *place;
    bool flagged;
    int64_t received, updated, replied_at, informed_at, closed_at;
    const char *state, *result, *satisfaction;
    int returns, reopened;
    int step;   /* the step being replayed (-1: the entry's fields) */
    int nsteps; /* steps of the entry */
    int64_t now_us;
    h_task_t tasks[H_MAX_TASKS];
    int ntasks;
    h_event_t events[H_MAX_EVENTS];
    int nevents;
    h_clock_t clocks[H_MAX_CLOCKS];
    int nclocks;
    h_violation_t violations[H_MAX_VIOLATIONS];
    int nviolations;
    char error[320];
} h_case_t;

/* Sets h->error and returns -1. */
int history_fail(h_case_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends an event of the present step (takes detail). */
void history_event(h_case_t *h, int64_t at, int task, const char *type, const char *actor,
                   json_t *detail);

/* Reads the entry's own fields (not its steps) into h, every text checked
 * as intake checks it; 0, or -1 with h->error. */
int history_fields(h_case_t *h, json_t *entry);

/* Replays the steps through the live workflow's rules (dispatch_rules.c):
 * every step is checked as dispatch would check it at its instant, then
 * applied as dispatch applies it, with every deadline from
 * common/deadline.c; then the violations the history shows are listed.
 * Returns 0, or -1 with h->error naming the step and the reason. */
int history_replay(h_case_t *h, json_t *steps);

/* Hex SHA-256 (65 bytes) of what the first n steps of h's entry say,
 * with the fields that decide their deadlines: a case stored from them can
 * be extended only by an entry that says the same. */
void history_digest(const h_case_t *h, int n, char *out);

typedef enum {
    HISTORY_PRESENT = 0,  /* nothing new: already imported */
    HISTORY_IMPORTED = 1, /* a new case */
    HISTORY_EXTENDED = 2, /* later steps added to a case imported before */
} history_stored_t;

/* Writes the replayed case h in one transaction: a new case whole, or the
 * steps after those a previous import stored. number gets the case number,
 * *added the steps written. Returns a history_stored_t, or -1 with h->error
 * set (and nothing stored). */
int history_store(PGconn *conn, h_case_t *h, char *number, size_t len, int *added);

#endif
