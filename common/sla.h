/* The SLA policy (deploy/config/sla.conf): which deadlines a task gets by its
 * kind and priority, when the division is warned, how often an overdue task
 * is escalated and to whom, and which rung of the accountability ladder a
 * count of violations reaches.
 *
 * Guarantees: an sla_t is checked whole when read (any unknown setting, bad
 * window or inconsistent list refuses the file) and immutable afterwards, so
 * it may be shared by any number of threads. Deadlines are computed on the
 * calendars the caller passes, exactly (see calendar.h). */
#ifndef DUBAN_SLA_H
#define DUBAN_SLA_H

#include "calendar.h"

#include <stdbool.h>
#include <stdint.h>

#define SLA_KIND_ANY "*" /* a policy kind that matches every kind */
#define SLA_MAX_LEVELS 8 /* escalation levels */
#define SLA_MAX_NOTIFY 8 /* recipients per level */
#define SLA_MAX_RUNGS 16 /* rungs of the accountability ladder */

typedef struct sla sla_t;

/* One policy as written. Windows stay in their unit because a working day's
 * length belongs to the calendar. */
typedef struct {
    char kind[32];                /* a kind code, or SLA_KIND_ANY */
    char priority[16];            /* "normal", "urgent" */
    calendar_window_t response;   /* sign or return within this */
    bool response_natural;        /* on the round-the-clock calendar */
    calendar_window_t completion; /* reply within this, counted from dispatch */
    bool completion_natural;      /* on the round-the-clock calendar */
    bool completion_from_next;    /* completion.amount working days from the next working day */
} sla_policy_t;

/* A task's deadlines. A warn instant is when warning_percent of the working
 * time between start and its deadline has passed, on the deadline's calendar.
 * CALENDAR_NEVER when the deadline would fall after year 9999. */
typedef struct {
    int64_t response_due_us;
    int64_t response_warn_us;
    int64_t completion_due_us;
    int64_t completion_warn_us;
} sla_deadlines_t;

/* Reads and checks the SLA file. Returns NULL and logs the file, line and
 * setting at fault when the file cannot be read or parsed, has a setting this
 * module does not know, a window that is not "<N>s|m|h|d" with N > 0, no
 * policies, a policy no lookup could ever reach (an earlier one matches all it
 * matches), from_next_working_day with a completion not in days, levels not
 * numbered 1..n, or ladder rungs whose min does not rise. Caller frees with
 * sla_destroy. */
sla_t *sla_new(const char *path);

/* Frees the policy and sets *self_p to NULL; accepts NULL and *self_p NULL. */
void sla_destroy(sla_t **self_p);

/* The first policy in file order whose priority equals priority and whose
 * kind equals kind or is SLA_KIND_ANY. Owned by self. NULL when none matches
 * (callers should treat that as a configuration gap and log it). */
const sla_policy_t *sla_policy_find(const sla_t *self, const char *kind, const char *priority);

/* Sets *out to the deadlines of a task of this kind and priority dispatched
 * at start_us: windows on the working calendar, or on natural (a
 * round-the-clock calendar) for a clock marked natural. Returns 0, or -1 (and
 * leaves *out) when no policy matches. */
int sla_deadlines(const sla_t *self, const calendar_t *working, const calendar_t *natural,
                  const char *kind, const char *priority, int64_t start_us, sla_deadlines_t *out);

/* Share of a window (1 to 99 percent) after which the division is warned. */
int sla_warning_percent(const sla_t *self);

/* Working time between two escalations of an overdue task: the next alert is
 * due at calendar_add_working(working, previous, period). Needs the working
 * calendar because a period written in days is days of working time. */
int64_t sla_escalation_period_us(const sla_t *self, const calendar_t *working);

/* Natural time after which an alert nobody acknowledged is sent again. */
int64_t sla_alert_repeat_us(const sla_t *self);

/* Number of escalation levels (at least 1). */
int sla_level_count(const sla_t *self);

/* The level the nth alert (1-based) of one breach goes to: n, capped at the
 * highest level; 1 for n < 1. */
int sla_level_for_alert(const sla_t *self, int nth_alert);

/* Display name of a level (e.g. "督查室"); NULL outside 1..sla_level_count.
 * Owned by self. */
const char *sla_level_name(const sla_t *self, int level);

/* The recipients of a level (e.g. "inspection", "division-head"), *count of
 * them; NULL and *count 0 outside 1..sla_level_count. Owned by self. */
const char *const *sla_level_notify(const sla_t *self, int level, int *count);

/* Natural length of the rolling period over which violations are counted. */
int64_t sla_ladder_period_us(const sla_t *self);

/* The code (e.g. "inquiry") of the highest rung whose min violations is
 * reached, and its display name in *name when name is not NULL. Returns NULL
 * (and *name NULL) below the first rung. Owned by self. */
const char *sla_ladder_rung(const sla_t *self, int violations, const char **name);

struct settings;

/* The SLA file of the setting sla_file (default: sla.conf beside the org
 * file), as sla_new reads it. */
sla_t *sla_from_settings(struct settings *settings);

#endif
