/* The messages watch sends about alerts, built from what PostgreSQL holds:
 * EscalationAlert (breaches and escalations, to the inspection office, and
 * the items of a console snapshot), DeadlineWarning (to the division) and
 * AlertAcknowledged. The SLA supplies the names: the level's recipients,
 * the rung's name for a count of violations. */
#ifndef DUBAN_WATCH_ALERT_H
#define DUBAN_WATCH_ALERT_H

#include "duban.pb-c.h"
#include "sla.h"
#include "watch_rules.h"

#include <stddef.h>
#include <stdint.h>

/* An alert as stored (strings borrowed). */
typedef struct {
    int64_t alert_id;
    int64_t task_id;
    const char *case_number;
    const char *subject;
    const char *division;
    const char *handler;
    watch_deadline_t deadline;
    const char *kind; /* "warning", "breach", "escalation" */
    int level;
    int64_t due_us;
    int64_t warn_us; /* warnings: the instant the warning was due */
    int64_t raised_us;
    int violations;
    const char *rung; /* code, or NULL/"" below the first rung */
    int handler_violations;
    int repeat;
    int64_t acknowledged_us;
    const char *acknowledged_by;
} watch_alert_t;

/* Fills msg (initialised by the caller) from a; pointers borrow from a
 * and from sla. */
void watch_alert_fill(Duban__EscalationAlert *msg, const watch_alert_t *a, const sla_t *sla);

/* Packs the EscalationAlert of a into *buf (malloc'ed, caller frees).
 * Returns 0 / -1 (out of memory). */
int watch_alert_pack(const watch_alert_t *a, const sla_t *sla, uint8_t **buf, size_t *len);

/* Packs the DeadlineWarning of a. Returns 0 / -1. */
int watch_warning_pack(const watch_alert_t *a, uint8_t **buf, size_t *len);

/* Packs an AlertsCaughtUp: n alerts raised at once for division (their
 * case numbers, the first 50 kept), top_level the highest. Returns 0 / -1. */
int watch_caught_up_pack(const char *division, int n, int top_level,
                         const char *const *case_numbers, int64_t raised_us, uint8_t **buf,
                         size_t *len);

/* Packs an AlertAcknowledged. Returns 0 / -1. */
int watch_ack_pack(int64_t alert_id, const char *officer, const char *decision,
                   const char *rung_decision, int64_t at_us, uint8_t **buf, size_t *len);

#endif
