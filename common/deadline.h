/* The deadline in force: a task's response and completion deadlines as its
 * events made them at any instant. One home for the arithmetic that
 * dispatch (live steps), the history import (replayed steps), the bulletin's
 * re-check (a reopened task) and the watch service share:
 *
 *   dispatch     both clocks start, with the deadlines of the SLA policy
 *                (kind, priority) counted from the dispatch on the business
 *                calendar, or round the clock for a clock the policy marks
 *                natural (sla.h);
 *   pause        waiting for material: every clock still running stands;
 *   resume       material arrived: each standing clock runs again, its
 *                deadline (and warning point) moved later by the time it
 *                stood, counted on that clock's calendar;
 *   extend       a granted extension moves the completion deadline (and
 *                warning point) later by its amount; a standing clock keeps
 *                standing and moves again when it resumes;
 *   sign         meets the response deadline;
 *   reply        meets both (a reply signs a task that was not signed);
 *   return       meets the response deadline (a return is a response) and
 *                ends the completion clock without a verdict.
 *
 * A step taken while a clock stands (a reply while waiting for material) is
 * judged against the deadline the clock would have after resuming at that
 * instant, which is never before it.
 *
 * Every step says what it did to each clock (deadline_change_t); the
 * states it leaves are recorded in PostgreSQL as the task's clock history
 * (task_clocks, deploy/schema/016_task_clocks.sql), from which the
 * bulletins read "the deadline in force at an instant". A deadline is
 * *missed* when it passes while its clock runs; only the first miss of a
 * clock counts (a deadline moved by a later pause or extension does not
 * count again, nor does it erase the miss). The SQL forms of these verdicts
 * are below (DEADLINE_SQL_*), beside the C ones, so the two read alike.
 *
 * Pure functions: no I/O, no clock (every step names its instant). */
#ifndef DUBAN_DEADLINE_H
#define DUBAN_DEADLINE_H

#include "calendar.h"
#include "pg_time.h"
#include "sla.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    DEADLINE_RESPONSE = 0,
    DEADLINE_COMPLETION = 1,
} deadline_clock_t;

#define DEADLINE_CLOCKS 2

/* What a step did to one clock. */
typedef enum {
    DEADLINE_KEEP = 0, /* nothing */
    DEADLINE_RUN,      /* a new state runs to due_us (dispatch, resume, extension) */
    DEADLINE_STAND,    /* the clock stands (waiting for material) */
    DEADLINE_MEET,     /* met at the step's instant, against due_us */
    DEADLINE_DROP,     /* ended without a verdict (the completion clock of a return) */
} deadline_action_t;

typedef struct {
    deadline_action_t action[DEADLINE_CLOCKS];
    int64_t due_us[DEADLINE_CLOCKS]; /* RUN: the new deadline; MEET: the one met against */
} deadline_change_t;

/* One clock of a task. */
typedef struct {
    bool natural;        /* counts natural time (round the clock) */
    bool open;           /* running or standing: neither met nor ended */
    bool standing;       /* waiting for material since standing_us */
    int64_t due_us;      /* in force; while standing, the one in force when it stopped */
    int64_t warn_us;     /* the warning point, moved with the deadline */
    int64_t since_us;    /* when the present state began */
    int64_t standing_us; /* when it stopped */
    int64_t missed_us;   /* the first deadline that passed while it ran, 0 for none */
    int64_t met_us;      /* when it was met, 0 for not (yet) */
} deadline_run_t;

typedef struct {
    deadline_run_t clock[DEADLINE_CLOCKS];
    int64_t dispatched_us;
} deadline_task_t;

/* What the arithmetic needs (all borrowed): the SLA policy, the business
 * calendar and a round-the-clock one for natural clocks. */
typedef struct {
    const sla_t *sla;
    const calendar_t *working;
    const calendar_t *natural;
} deadline_rules_t;

/* The events a task's clocks follow, for replaying a history. */
typedef enum {
    DEADLINE_EV_PAUSE,
    DEADLINE_EV_RESUME,
    DEADLINE_EV_EXTEND, /* amount_us: time added, on the completion clock's calendar */
    DEADLINE_EV_SIGN,
    DEADLINE_EV_REPLY,
    DEADLINE_EV_RETURN,
} deadline_event_type_t;

typedef struct {
    deadline_event_type_t type;
    int64_t at_us;
    int64_t amount_us;
} deadline_event_t;

/* "response" / "completion". */
const char *deadline_clock_str(deadline_clock_t clock);

/* "keep", "run", "stand", "meet", "drop": the names task_clock_step takes. */
const char *deadline_action_str(deadline_action_t action);

/* Starts both clocks of a task of kind and priority dispatched at at_us.
 * Returns 0, or -1 (and leaves *t) when the SLA policy has no entry for
 * kind and priority. ch (may be NULL) gets RUN for both. */
int deadline_start(const deadline_rules_t *r, const char *kind, const char *priority,
                   int64_t at_us, deadline_task_t *t, deadline_change_t *ch);

/* A task as a row stores it now (for a live step): dues and warning points
 * in force, whether it was signed (the response clock ended) and still open,
 * and since when it waits for material (0: not). Clock kinds from the SLA
 * policy. Returns 0, or -1 when no policy matches. */
int deadline_from_row(const deadline_rules_t *r, const char *kind, const char *priority,
                      const int64_t due_us[DEADLINE_CLOCKS], const int64_t warn_us[DEADLINE_CLOCKS],
                      bool response_open, bool completion_open, int64_t paused_us,
                      deadline_task_t *t);

/* The steps; each fills ch (may be NULL) with what it did to each clock
 * and updates t. A step that does not apply to the task as it is (resume
 * when nothing stands, sign when the response clock ended) changes nothing
 * and returns -1; otherwise 0. */
int deadline_pause(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                   deadline_change_t *ch);
int deadline_resume(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                    deadline_change_t *ch);
int deadline_extend(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                    int64_t amount_us, deadline_change_t *ch);
int deadline_sign(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                  deadline_change_t *ch);
int deadline_reply(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                   deadline_change_t *ch);
int deadline_return(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                    deadline_change_t *ch);

/* Applies one event (the step of its type). Returns as the step. */
int deadline_apply(const deadline_rules_t *r, deadline_task_t *t, const deadline_event_t *e,
                   deadline_change_t *ch);

/* The task as events [0, n) made it at instant at_us: the events before
 * at_us are applied in order (they must be in time order). Returns 0, or
 * -1 when the policy has no entry or an event does not apply. */
int deadline_replay(const deadline_rules_t *r, const char *kind, const char *priority,
                    int64_t dispatched_us, const deadline_event_t *events, int n, int64_t at_us,
                    deadline_task_t *t);

/* The deadline a standing clock would have if it ran again at at_us (its
 * due moved by the time it stood); a running clock's own deadline. */
int64_t deadline_due_at(const deadline_rules_t *r, const deadline_task_t *t,
                        deadline_clock_t clock, int64_t at_us);

/* The time an extension window ("5d") adds on the completion clock's
 * calendar; -1 when the window is not one. */
int64_t deadline_window_us(const deadline_rules_t *r, const deadline_task_t *t,
                           const char *window);

/* The first deadline of clock that was missed by instant at_us: one that
 * passed while the clock ran (strictly before at_us, or before it was met or
 * stopped). 0 when none was. */
int64_t deadline_missed_by(const deadline_task_t *t, deadline_clock_t clock, int64_t at_us);

/* True when clock runs at at_us with its deadline passed (strictly): the
 * task is overdue on it then. Standing and ended clocks are not. */
bool deadline_overdue_at(const deadline_task_t *t, deadline_clock_t clock, int64_t at_us);

/* The verdicts on one recorded state of a clock (a row of task_clocks):
 * in force from since_us until until_us (0 while still in force), against
 * due_us (0 while standing), after an earlier state of the clock was
 * missed or not, ended by a meeting of the deadline or not.
 *
 *   missed   the deadline passed while this state was in force, and no
 *            earlier state was missed: counted at due_us;
 *   met      the state ended by meeting the deadline at or before it, and
 *            no earlier state was missed: counted at due_us.
 *
 * Each clock of a task therefore has at most one verdict, dated by its
 * deadline, and fixed by the events up to that date's month's end. */
typedef enum { DEADLINE_NO_VERDICT = 0, DEADLINE_MET, DEADLINE_MISSED } deadline_verdict_t;

deadline_verdict_t deadline_state_verdict(int64_t since_us, int64_t until_us, int64_t due_us,
                                          bool missed_before, bool ended_met);

/* Overdue at instant at_us in this state: in force then, running, its
 * deadline passed. */
bool deadline_state_overdue_at(int64_t since_us, int64_t until_us, int64_t due_us, int64_t at_us);

/* The same verdicts over a task_clocks row aliased k (columns since, until,
 * due, missed_before, ended). */
#define DEADLINE_SQL_MISSED(k)                                                                     \
    "(NOT " k ".missed_before AND " k ".due IS NOT NULL AND " k ".since <= " k ".due"            \
    " AND (" k ".until IS NULL OR " k ".until > " k ".due))"
#define DEADLINE_SQL_MET(k)                                                                        \
    "(NOT " k ".missed_before AND " k ".ended = 'met' AND " k ".until <= " k ".due)"
/* Overdue at instant at (a timestamptz expression): in force then, its
 * deadline passed. For a completion state (k.clock = 'completion'), two
 * partial indexes serve it (migration 086): the GiST task_clocks_span_idx
 * the ended states by their span, task_clocks_open_due_idx the states still
 * in force (in force at every instant since they began) by their deadline.
 * The second arm spells its deadline test "at > due" so that the planner
 * does not take the test common to both arms out of the OR, which would
 * leave that index read without it. */
#define DEADLINE_SQL_OVERDUE_AT(k, at)                                                             \
    "((" k ".until IS NOT NULL AND task_clock_span(" k ".since, " k ".until) @> " at " AND " k     \
    ".due < " at ") OR (" k ".until IS NULL AND " at " > " k ".due AND " k ".since <= " at "))"

/* Recording a step in the same statement as the step itself, at now():
 * DEADLINE_SQL_START over a new task (its id, case id, division, role and
 * its two deadlines as timestamptz expressions), DEADLINE_SQL_STEP over a
 * task's id with four parameters: the response clock's action
 * (deadline_action_str) and deadline (bigint microseconds, NULL for none),
 * then the completion clock's. Both give the number of states recorded;
 * a statement must use that value (an unreferenced WITH query is not run). */
#define DEADLINE_SQL_START(id, case_id, division, role, response_due, completion_due)              \
    "task_clock_start(" id ", " case_id ", " division ", " role ", now(), " response_due ", "      \
    completion_due ")"
/* DEADLINE_SQL_START_ALL: the same over all the rows of a FROM (the new
 * tasks of a batch, each once), one statement for them all: an aggregate,
 * one row giving the states recorded (0 for no rows). */
#define DEADLINE_SQL_START_ALL(id, case_id, division, role, response_due, completion_due)          \
    "coalesce(task_clocks_start(array_agg(" id "), array_agg(" case_id "), array_agg(" division    \
    "), array_agg(" role "), array_agg(now()), array_agg(" response_due "), array_agg("            \
    completion_due ")), 0)"
#define DEADLINE_SQL_STEP(id, ra, rd, ca, cd)                                                      \
    "task_clock_step(" id ", now(), $" #ra "::text, " PG_TIME_TS(rd) ", $" #ca "::text, "         \
    PG_TIME_TS(cd) ")"

#endif
