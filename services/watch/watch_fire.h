/* Acting on index entries that fell due. The entries of one claim are
 * checked together against their tasks as PostgreSQL holds them now (the
 * index may be stale), and those that still mean something are applied in
 * one transaction (watch_apply.h):
 *
 *   warning     an alerts row (kind warning) and an outbox row for the
 *               division's console (destination "console", topic
 *               "div.<division>|", relayed by dispatch on its PUB);
 *   breach /    an alerts row with the division's violation count over the
 *   escalation  ladder period (watch_ladder.h) and the rung it reaches, a
 *               violations row (response_overdue / completion_overdue) for
 *               the breach, and an outbox row for the inspection office
 *               (destination "watch-pub", topic "inspection|", relayed by
 *               watch itself);
 *   repeat      the same alert again (repeats + 1, next_repeat_at moved)
 *               with a new outbox row; never a new alerts row.
 *
 * Exactly once: the alert is inserted with ON CONFLICT (task_id, deadline,
 * kind, level) DO NOTHING and its outbox row only FROM the inserted row, so
 * a second instance, a re-fired entry or a restart adds nothing; a repeat
 * is guarded by the next_repeat_at it read. After the commit each task's
 * next entry is armed.
 *
 * Fault injection for tests: DUBAN_WATCH_FAULT=exit_after_commit makes the
 * process _exit(1) right after it commits its first breach or escalation,
 * before the relay is told (the outbox row is then sent after a restart). */
#ifndef DUBAN_WATCH_FIRE_H
#define DUBAN_WATCH_FIRE_H

#include "outbox.h"
#include "pg.h"
#include "watch_index.h"
#include "watch_ladder.h"
#include "watch_sla.h"

typedef struct watch_fire watch_fire_t;

int watch_fire_prepare(pg_t *pg);

/* All borrowed; relay (may be NULL) is kicked after each breach or
 * escalation committed; ladder supplies the violation counts. */
watch_fire_t *watch_fire_new(pg_t *pg, watch_index_t *index, watch_ladder_t *ladder,
                             const watch_sla_t *sla, outbox_relay_t *relay);

void watch_fire_destroy(watch_fire_t **self_p);

/* The index's fire callback (arg is the watch_fire_t): the entries of one
 * claim, handled as one batch. */
void watch_fire_entries(const watch_entry_t *entries, const char *const *members, int n,
                        void *arg);

/* Counters for health reports. */
typedef struct {
    unsigned long warnings;  /* warnings raised */
    unsigned long alerts;    /* breaches and escalations raised */
    unsigned long repeats;   /* alerts re-sent */
    unsigned long skipped;   /* entries that no longer meant anything */
    unsigned long failures;  /* entries put back after a failure */
} watch_fire_stats_t;

watch_fire_stats_t watch_fire_stats(const watch_fire_t *self);

#endif
