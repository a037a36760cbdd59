/* The read statements of a bulletin: one indexed range query per figure
 * family over the months of the period and of the period before it (for the
 * change against it), each row tagged with its month. They run in one
 * REPEATABLE READ, READ ONLY transaction, so every figure sees the same
 * snapshot. The service sends them pipelined on its event loop (pg.h);
 * dubanctl and the bench run them one by one (bulletin_run.c).
 *
 * As of each month's end: every row a month counts is a fact fixed by the
 * events before that month's end (a deadline's verdict is dated by the
 * deadline, and was decided by then; a census is of the states in force
 * then; an event counts in the month it happened), so a month's counts
 * never change afterwards and a longer period's are the sum of its months'
 * (deploy/bulletin/README.md, "As of the period's end"). */
#ifndef DUBAN_BULLETIN_QUERY_H
#define DUBAN_BULLETIN_QUERY_H

#include "bulletin_period.h"

#include <stdbool.h>
#include <stdint.h>

/* Statements and results, in this order. */
enum {
    BQ_BEGIN = 0,
    BQ_SETUP,      /* no JIT, nor parallel workers when all months read are frozen */
    BQ_DIVISIONS,  /* code, name */
    BQ_FROZEN,     /* epoch, now_us, month, figures: frozen months (one row, NULLs, if none) */
    BQ_RECEIVED,   /* month, division, role, count */
    BQ_VERDICTS,   /* month, division, role, clock, due, met: deadlines by their month */
    BQ_REPLIES,    /* month, division, role, dispatched_us, replied_us */
    BQ_EVENTS,     /* month, kind, division, role, count */
    BQ_ALERTS,     /* month, division, role, level (0 warning), count */
    BQ_CENSUS,     /* month (whose end), case_number, division, role, completion_due_us */
    BQ_CLOSED,     /* case_number, division, workitem, month: closed in the period (month-checks) */
    BQ_TOPICS,     /* month, category, area, count: received lead tasks (hot topics) */
    BQ_WORKITEMS,  /* month, division, kind, count: work items' figures */
    BQ_DAYS,       /* month, figures count, figures, closed: stored days (079) */
    BQ_UNRECEIVED, /* month, division, role, category, area, count: see BQ_DAYS */
    BQ_COMMIT,
    BQ_COUNT
};

#define BQ_PARAMS 4

/* The most months (a year and the year before) or days (a month's) read. */
#define BULLETIN_QUERY_MAX_BUCKETS 32
#define BULLETIN_DAY_US (86400LL * 1000000LL)

/* The months a bulletin reads: those of the period before, then those of
 * the period, with their bounds. A day read (days) reads days instead, its
 * "months" being days: their figures are stored for the month-check
 * (bulletin_days.h). */
typedef struct {
    bulletin_period_t period, previous;
    int nmonths;                  /* previous.months + period.months; the days of a day read */
    int first_current;            /* index of the period's first month */
    int64_t bounds[BULLETIN_QUERY_MAX_BUCKETS + 1]; /* nmonths + 1 local month starts */
    char params[BQ_PARAMS][1024]; /* $1 bounds array, $2 from_rows, $3 to, $4 period from */
    bool from_rows;               /* every month read from the rows, none from the store */
    bool days;                    /* a day read */
} bulletin_query_t;

/* Fills q for period p in a zone offset_us east of UTC, composing: frozen
 * months are read as stored, the others from the rows. */
void bulletin_query_init(bulletin_query_t *q, const bulletin_period_t *p, int64_t offset_us);

/* Fills q to read the ndays days (at most BULLETIN_QUERY_MAX_BUCKETS) of
 * month from first_us (a local midnight) from the rows, each as its own
 * bucket. */
void bulletin_query_init_days(bulletin_query_t *q, const bulletin_period_t *month,
                              int64_t first_us, int ndays, int64_t offset_us);

/* Every month read from the rows (true) or frozen months as stored. */
void bulletin_query_from_rows(bulletin_query_t *q, bool from_rows);

/* The SQL of statement i (BQ_BEGIN .. BQ_COMMIT) and its number of
 * parameters ($1..$n of q->params). Statement BQ_CLOSED reads no row for
 * other kinds than month. */
const char *bulletin_query_sql(const bulletin_query_t *q, int i, int *nparams);

/* The name of statement i for measurements: "received", "events" ... */
const char *bulletin_query_name(int i);

#endif
