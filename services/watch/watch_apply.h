/* The statements that apply a deadline event in PostgreSQL, and what their
 * outcome means for the task as watch read it:
 *
 *   raise   (warning, breach, escalation) one statement whose first part
 *           re-checks the task (deadline unchanged, still open at the
 *           event's instant); then the violation of a breach, the alerts
 *           row (ON CONFLICT (task_id, deadline, kind, level) DO NOTHING)
 *           and, only FROM the inserted row, the outbox message: a warning
 *           to the division's console (destination "console", topic
 *           "div.<division>|", relayed by dispatch), a breach or escalation
 *           to the inspection office (destination "watch-pub", topic
 *           "inspection|", relayed by watch);
 *   repeat  the unacknowledged alert again: repeats + 1, next_repeat_at
 *           moved, a new outbox message; guarded by the next_repeat_at read,
 *           so two instances never repeat it twice.
 *
 * Messages name the alert, so a raise is given its id (from the sequence)
 * before the insert. A catch-up alert (raised at the level reached, past
 * the instants of the levels below) sends no message of its own and is not
 * repeated: the batch announces its catch-ups together, one AlertsCaughtUp
 * per division (watch_apply_caught_up). The first alert of a deadline, at
 * whatever level, records its violation (at the deadline) unless one is. */
#ifndef DUBAN_WATCH_APPLY_H
#define DUBAN_WATCH_APPLY_H

#include "pg.h"
#include "watch_alert.h"
#include "watch_ladder.h"
#include "watch_sla.h"
#include "watch_task.h"

#include <stdbool.h>

/* A task as read, and what a batch did to it. */
typedef struct {
    watch_row_t row;
    char case_number[40];
    char subject[400];
    bool recorded[2]; /* the breach's violation exists (or is on its way) */
    bool stale;       /* a guard found it changed: the poll re-arms it */
} watch_apply_task_t;

/* One claimed entry on its way. */
typedef struct {
    watch_entry_t e;
    char member[WATCH_MEMBER_MAX];
    watch_apply_task_t *task; /* NULL when there is no such task */
    watch_verdict_t verdict;
    bool catch_up; /* raised at a higher level than the entry's: levels passed unseen */
    int stmt;      /* its statement in the write, -1 for none */
    watch_alert_t alert;
    char rung[32];
    char seen_next[24]; /* repeats: next_repeat_at as read */
} watch_apply_item_t;

int watch_apply_prepare(pg_t *pg);

/* Adds the raise statement of it (verdict WATCH_RAISE, task set) to txn,
 * as alert alert_id raised at now_us; counts a breach's new violation in
 * ladder. Fills it->alert. Returns 0 / -1. */
int watch_apply_raise(pg_txn_t *txn, watch_apply_item_t *it, const char *alert_id,
                      int64_t now_us, const watch_sla_t *sla, watch_ladder_t *ladder);

/* Adds to txn the announcement of the n catch-up alerts of items (all of
 * one division) raised at now_us: sent only if one of them was inserted.
 * Returns 0 / -1. */
int watch_apply_caught_up(pg_txn_t *txn, watch_apply_item_t *const *items, int n, int64_t now_us);

/* Adds the repeat statement of it (verdict WATCH_REPEAT) to txn, the alert
 * taken from alerts (rows: task_id, deadline, level, id, violations, rung,
 * raised us, repeats, next repeat us). Returns 0, 1 when the alert is not
 * among them (gone), -1 when out of memory. */
int watch_apply_repeat(pg_txn_t *txn, watch_apply_item_t *it, PGresult *alerts, int64_t now_us,
                       const watch_sla_t *sla);

/* Applies to it->task what its committed statement did (done: the guard
 * held, or the repeat was made), as of now_us. */
void watch_apply_done(watch_apply_item_t *it, bool done, int64_t now_us,
                      const watch_policy_t *policy);

#endif
