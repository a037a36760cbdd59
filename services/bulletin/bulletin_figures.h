/* A bulletin's figures as counts: the rows of the read statements
 * (bulletin_query.h) folded into counts per role, division and month, the
 * census of overdue open tasks at each month's end with their working time
 * over, and the closed cases of a month-check. Working time is counted on
 * the business calendar. */
#ifndef DUBAN_BULLETIN_FIGURES_H
#define DUBAN_BULLETIN_FIGURES_H

#include "bulletin_query.h"
#include "bulletin_sample.h"
#include "bulletin_score.h"
#include "calendar.h"

#include <libpq-fe.h>
#include <stdbool.h>

#define BULLETIN_LEAD 0
#define BULLETIN_CO 1

typedef struct {
    char *code;
    char *name;
} bulletin_division_t;

typedef struct {
    int month; /* the month at whose end the task was overdue */
    char case_number[40];
    int division;    /* index in divisions */
    int role;        /* BULLETIN_LEAD or BULLETIN_CO */
    int64_t due_us;  /* completion deadline */
    int64_t over_us; /* working time from the deadline to the month's end */
} bulletin_overdue_t;

/* Received lead tasks of one month by category and area (hot topics). */
typedef struct {
    int month;
    char *category; /* its name, "未分类" when none */
    char *area;     /* "" when the place names none */
    int64_t count;
} bulletin_topic_t;

/* A closure read (BQ_CLOSED) or stored with a day (BQ_DAYS): the case's
 * latest in what was read. */
typedef struct {
    char *case_number;
    char *division; /* code of the division whose reply closed it, "" when none */
    bool workitem;
    int month; /* of the read: a day read's day */
} bulletin_closure_t;

typedef struct {
    bulletin_query_t q;
    int64_t day_us;                 /* the calendar's standard working day */
    bulletin_division_t *divisions; /* ordered by code; slot ndivisions: none */
    int ndivisions;
    bulletin_counts_t *cells; /* [role][division 0..ndivisions][month] */
    bulletin_overdue_t *overdue;
    int noverdue;
    bulletin_closure_t *closures; /* month-checks: as read, the stored days' first */
    int nclosures, closures_cap;
    bulletin_sample_item_t *closed; /* the cases (and work items) closed, each once */
    int nclosed;
    bulletin_topic_t *topics;
    int ntopics;
    bool frozen[BULLETIN_QUERY_MAX_BUCKETS +
                1];  /* months added from the store, not read from the rows */
    int nfrozen;     /* how many */
    int ndays;       /* stored days whose figures were added (079) */
    int64_t epoch;   /* the thaw epoch of the read (bulletin_months.h) */
    int64_t read_us; /* when its snapshot was taken */
} bulletin_data_t;

/* Folds results[BQ_*] (each PGRES_TUPLES_OK) of query q into counts: the
 * months BQ_FROZEN gave as stored (bulletin_months.h), the others from
 * their rows. Returns NULL when out of memory, a result is missing or a
 * stored month is unreadable; logs why. */
bulletin_data_t *bulletin_data_new(const bulletin_query_t *q, const calendar_t *calendar,
                                   PGresult *const *results);

void bulletin_data_destroy(bulletin_data_t **self_p);

/* The cell of role, division (ndivisions: none) and month m. */
bulletin_counts_t *bulletin_data_cell(const bulletin_data_t *d, int role, int division, int m);

/* The index of the division of code, or ndivisions when none has it. */
int bulletin_data_division(const bulletin_data_t *d, const char *code);

/* Sums role's counts of division (or of every division and the unattributed
 * slot when division < 0) over months [from, to), with the census at the end
 * of month to - 1, into *out. */
void bulletin_data_sum(const bulletin_data_t *d, int role, int division, int from, int to,
                       bulletin_counts_t *out);

#endif
