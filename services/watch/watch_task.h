/* Tasks as the watch reads them from PostgreSQL: one column list shared by
 * every query that feeds the index (rebuild pages, changed tasks, a task
 * read again after one of its entries fell due), the parser for it, and
 * the step that turns such rows into index entries.
 *
 * Instants travel as microseconds since the epoch (bigint, PG_TIME_US_OR_0:
 * 0 for NULL), so that a deadline read here compares exactly with the one
 * stored. */
#ifndef DUBAN_WATCH_TASK_H
#define DUBAN_WATCH_TASK_H

#include "pg.h"
#include "pg_time.h"
#include "watch_index.h"
#include "watch_rules.h"

/* The columns of a task row (table alias t), WATCH_ROW_COLS of them. */
#define WATCH_ROW_SELECT                                                                           \
    "t.id, t.case_id, t.division, coalesce(t.handler, ''), t.state, "                              \
    PG_TIME_US_OR_0("t.response_due") ", " PG_TIME_US_OR_0("t.response_warn") ", "                 \
    PG_TIME_US_OR_0("t.completion_due") ", " PG_TIME_US_OR_0("t.completion_warn") ", "             \
    PG_TIME_US_OR_0("t.signed_at") ", " PG_TIME_US_OR_0("t.returned_at") ", "                     \
    PG_TIME_US_OR_0("t.replied_at") ", "                                                           \
    PG_TIME_US_OR_0("t.paused_at") ", " PG_TIME_US_OR_0("t.updated_at")

/* What a task raised so far, one "deadline,kind,level,id,acked,next_repeat_us,repeats" per
 * alert, joined by ';' (NULL when none): the last of the row's columns. */
#define WATCH_RAISED_ITEM                                                                          \
    "a.deadline || ',' || a.kind || ',' || a.level || ',' || a.id || ',' ||"                       \
    " (a.acknowledged_at IS NOT NULL)::int || ',' || " PG_TIME_US_OR_0("a.next_repeat_at")         \
    " || ',' || a.repeats"
#define WATCH_RAISED_OF_T                                                                          \
    "(SELECT string_agg(" WATCH_RAISED_ITEM ", ';') FROM alerts a WHERE a.task_id = t.id)"

#define WATCH_ROW_COLS 15

typedef struct {
    watch_task_t t;
    int64_t case_id;
    int64_t updated_us;
    char division[64];
    char handler[48];
    char state[16];
} watch_row_t;

/* Registers the index queries: "watch_rows_page" ($1 after id, $2 limit,
 * $3 look-back seconds: open tasks, and tasks changed within the look-back,
 * by id) and "watch_rows_ids" ($1 bigint[]: tasks told changed, and a
 * task read again). Returns 0 / -1. */
int watch_task_prepare(pg_t *pg);

/* Reads row i of res, whose first WATCH_ROW_COLS columns are a task row.
 * Returns 0, or -1 (logged) when the row is not one. */
int watch_row_read(PGresult *res, int i, watch_row_t *out);

/* Adds to the index the next entry of every task row in res. Returns the
 * number of entries armed, or -1 when Redis is not connected. */
int watch_task_arm(PGresult *res, const watch_policy_t *p, watch_index_t *index, int64_t now_us);

#endif
