/* The deadline watch's rules, free of I/O so that they can be tested alone:
 * how an index entry is written as a Redis member, when each level of an
 * escalation falls due, which entry a task needs next, and whether an entry
 * that fell due still means something for the task as it is now.
 *
 * A task has two deadlines (response, completion). Each runs one chain of
 * events: a warning at its warn instant, the breach (level 1) at the
 * deadline, then one escalation per escalation period (working time) up to
 * the highest level; the newest unacknowledged alert of a deadline is also
 * re-sent every repeat period (natural time). The index holds only each
 * task's earliest pending event; after an event is handled the task is read
 * again and its next event armed, so the index can always be rebuilt from
 * PostgreSQL and a stale entry costs one look and nothing else.
 *
 * An event counts only if the deadline was still open at the instant it fell
 * due: not met (signed or returned for the response, replied or returned for
 * the completion) and not paused for material; and an alert (breach or
 * escalation) only if it is still open now, when watch acts: alerts are for
 * tasks open and overdue now, never for tasks met in the past (a deadline met
 * late while watch was away is a violation all the same: the step that met
 * it records it, task_clock_step in 016_task_clocks.sql). An alert that falls
 * due after later levels' instants have passed too (watch was away, or the
 * task is new to it: an imported ledger's open tasks) is raised once, at the
 * level reached (watch_raise_level), and announced with the others found at
 * once rather than one by one. A task overdue on its completion deadline is
 * alerted on that one only: its response deadline raises nothing more. */
#ifndef DUBAN_WATCH_RULES_H
#define DUBAN_WATCH_RULES_H

#include "calendar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tolerance for an entry claimed a little before its instant (clocks of two
 * hosts differ): earlier than this is "not yet due". */
#define WATCH_EARLY_US 250000

/* Longest member, with its NUL ("<id>:<d>:<k>:<level>:<due_us>"). */
#define WATCH_MEMBER_MAX 64

typedef enum {
    WATCH_RESPONSE = 0,
    WATCH_COMPLETION = 1,
} watch_deadline_t;

/* What an entry does when it falls due. */
typedef enum {
    WATCH_KIND_WARNING = 'w', /* warn the division before the deadline */
    WATCH_KIND_ALERT = 'a',   /* breach (level 1) or escalation (level 2 and up) */
    WATCH_KIND_REPEAT = 'p',  /* re-send the unacknowledged alert of level */
} watch_kind_t;

/* One index entry. The member encodes everything but at_us (the score). */
typedef struct {
    int64_t task_id;
    watch_deadline_t deadline;
    watch_kind_t kind;
    int level;      /* 0 for warnings */
    int64_t due_us; /* the deadline the entry belongs to, as stored */
    int64_t at_us;  /* when it falls due */
} watch_entry_t;

/* What a task has raised so far for one deadline. */
typedef struct {
    bool warned;
    int max_level;              /* highest breach/escalation level raised, 0 for none */
    int64_t top_id;             /* that alert */
    bool top_acked;
    int64_t top_next_repeat_us; /* 0 when it is not to be repeated */
    int top_repeats;
} watch_raised_t;

/* A task as the rules see it; instants in microseconds, 0 for none. */
typedef struct {
    int64_t id;
    int64_t due_us[2];
    int64_t warn_us[2];
    int64_t met_us[2];  /* when the deadline was met */
    int64_t paused_us;  /* waiting for material since */
    watch_raised_t raised[2];
} watch_task_t;

/* The parts of the SLA policy the rules need. */
typedef struct {
    const calendar_t *working; /* escalation periods count working time */
    int64_t period_us;         /* escalation period, working time */
    int64_t repeat_us;         /* alert repeat, natural time */
    int levels;                /* escalation levels, >= 1 */
} watch_policy_t;

typedef enum {
    WATCH_SKIP,   /* nothing to do: stale, too early, met, or done already */
    WATCH_RAISE,  /* insert the warning or alert */
    WATCH_REPEAT, /* re-send the alert */
} watch_verdict_t;

/* "response" or "completion". */
const char *watch_deadline_str(watch_deadline_t d);

/* Parses "response" / "completion"; -1 for anything else. */
int watch_deadline_parse(const char *text, watch_deadline_t *d);

/* The alert kind stored for an entry: "warning", "breach" or "escalation". */
const char *watch_alert_kind_str(const watch_entry_t *e);

/* Writes e as a member into buf; returns its length, or -1 when it does not
 * fit or e is not valid. */
int watch_entry_encode(const watch_entry_t *e, char *buf, size_t len);

/* Reads a member (len bytes, not necessarily NUL-terminated) into e (at_us is
 * left as it was). Returns 0, or -1 for anything not written by encode. */
int watch_entry_decode(const char *member, size_t len, watch_entry_t *e);

/* The Redis score of an instant: milliseconds, rounded up so that an entry
 * is never claimed before its instant. */
double watch_score(int64_t at_us);

/* When alert level falls due for a deadline due at due_us: the deadline
 * itself for level 1, then one escalation period of working time after the
 * previous level. CALENDAR_NEVER when out of range. */
int64_t watch_level_at(const watch_policy_t *p, int64_t due_us, int level);

/* True when deadline d was neither met nor paused at instant at_us. */
bool watch_open_at(const watch_task_t *t, watch_deadline_t d, int64_t at_us);

/* The highest level whose instant has come by now_us (0 for none). */
int watch_level_reached(const watch_policy_t *p, int64_t due_us, int64_t now_us);

/* The level an alert entry e that watch_decide let through is raised at, at
 * now_us: its own, or a higher one whose instant has come too (a catch-up:
 * the levels between are not raised one by one). */
int watch_raise_level(const watch_policy_t *p, const watch_entry_t *e, int64_t now_us);

/* Sets *out to the earliest event task t still needs (for either
 * deadline) and returns 1, or returns 0 when it needs none. */
int watch_next(const watch_policy_t *p, const watch_task_t *t, int64_t now_us, watch_entry_t *out);

/* Whether entry e, claimed at now_us, is still to be acted on for task t as
 * read from PostgreSQL. *why (may be NULL) gets a short reason for a skip. */
watch_verdict_t watch_decide(const watch_policy_t *p, const watch_task_t *t, const watch_entry_t *e,
                             int64_t now_us, const char **why);

#endif
