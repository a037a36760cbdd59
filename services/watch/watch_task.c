/* Task rows for the index; see watch_task.h. */
#include "watch_task.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One page of a rebuild: open tasks, and closed ones changed lately (a
 * deadline met late while watch was down still owes its breach). Alerts
 * are joined by id range rather than per task, which keeps a rebuild of a
 * million tasks to a few index range scans. */
static const char *s_page_sql =
    "WITH p AS (SELECT " WATCH_ROW_SELECT " FROM tasks t WHERE t.id > $1::bigint"
    "  AND (t.state IN ('dispatched', 'signed')"
    "   OR t.updated_at > now() - $3::bigint * interval '1 second')"
    "  ORDER BY t.id LIMIT $2::int),"
    " s AS (SELECT a.task_id, string_agg(" WATCH_RAISED_ITEM ", ';') AS raised FROM alerts a"
    "  WHERE a.task_id > $1::bigint AND a.task_id <= (SELECT max(id) FROM p) GROUP BY a.task_id)"
    " SELECT p.*, s.raised FROM p LEFT JOIN s ON s.task_id = p.id ORDER BY p.id";

static const char *s_ids_sql =
    "SELECT " WATCH_ROW_SELECT ", " WATCH_RAISED_OF_T " FROM tasks t"
    " WHERE t.id = ANY($1::bigint[])";

int watch_task_prepare(pg_t *pg)
{
    return pg_prepare(pg, "watch_rows_page", s_page_sql) |
           pg_prepare(pg, "watch_rows_ids", s_ids_sql);
}

static int64_t s_i64(PGresult *res, int i, int col)
{
    return PQgetisnull(res, i, col) ? 0 : strtoll(PQgetvalue(res, i, col), NULL, 10);
}

static int64_t s_earliest(int64_t a, int64_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

/* Folds one "deadline,kind,level,id,acked,next_repeat_us,repeats" item. */
static int s_fold_raised(watch_task_t *t, const char *item)
{
    char deadline[16], kind[16];
    int level = 0, acked = 0, repeats = 0;
    long long id = 0, next = 0;
    if (sscanf(item, "%15[^,],%15[^,],%d,%lld,%d,%lld,%d", deadline, kind, &level, &id, &acked,
               &next, &repeats) != 7)
        return -1;
    watch_deadline_t d;
    if (watch_deadline_parse(deadline, &d) < 0)
        return -1;
    watch_raised_t *r = &t->raised[d];
    if (strcmp(kind, "warning") == 0) {
        r->warned = true;
    } else if (level > r->max_level) {
        r->max_level = level;
        r->top_id = id;
        r->top_acked = acked != 0;
        r->top_next_repeat_us = next;
        r->top_repeats = repeats;
    }
    return 0;
}

int watch_row_read(PGresult *res, int i, watch_row_t *out)
{
    if (PQnfields(res) < WATCH_ROW_COLS || i >= PQntuples(res))
        return -1;
    memset(out, 0, sizeof(*out));
    watch_task_t *t = &out->t;
    t->id = s_i64(res, i, 0);
    out->case_id = s_i64(res, i, 1);
    snprintf(out->division, sizeof(out->division), "%s", PQgetvalue(res, i, 2));
    snprintf(out->handler, sizeof(out->handler), "%s", PQgetvalue(res, i, 3));
    snprintf(out->state, sizeof(out->state), "%s", PQgetvalue(res, i, 4));
    t->due_us[WATCH_RESPONSE] = s_i64(res, i, 5);
    t->warn_us[WATCH_RESPONSE] = s_i64(res, i, 6);
    t->due_us[WATCH_COMPLETION] = s_i64(res, i, 7);
    t->warn_us[WATCH_COMPLETION] = s_i64(res, i, 8);
    int64_t signed_at = s_i64(res, i, 9), returned_at = s_i64(res, i, 10),
            replied_at = s_i64(res, i, 11);
    t->paused_us = s_i64(res, i, 12);
    out->updated_us = s_i64(res, i, 13);
    /* A reply also stamps signed_at; a returned task is done with both. */
    t->met_us[WATCH_RESPONSE] = s_earliest(signed_at, returned_at);
    t->met_us[WATCH_COMPLETION] = s_earliest(replied_at, returned_at);
    if (strcmp(out->state, "returned") == 0 && !returned_at)
        t->met_us[WATCH_RESPONSE] = t->met_us[WATCH_COMPLETION] = 1;
    if (PQgetisnull(res, i, WATCH_ROW_COLS - 1))
        return 0;
    char *raised = strdup(PQgetvalue(res, i, WATCH_ROW_COLS - 1));
    if (!raised)
        return -1;
    char *save = NULL;
    for (char *item = strtok_r(raised, ";", &save); item; item = strtok_r(NULL, ";", &save))
        if (s_fold_raised(t, item) < 0)
            log_warn("could not read alert summary", "task=%lld item=%.80s", (long long)t->id,
                     item);
    free(raised);
    return 0;
}

int watch_task_arm(PGresult *res, const watch_policy_t *p, watch_index_t *index, int64_t now_us)
{
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    watch_entry_t *entries = malloc((size_t)n * sizeof(*entries));
    if (!entries)
        return -1;
    int armed = 0;
    for (int i = 0; i < n; i++) {
        watch_row_t row;
        if (watch_row_read(res, i, &row) < 0)
            continue;
        armed += watch_next(p, &row.t, now_us, &entries[armed]);
    }
    int rc = watch_index_arm(index, entries, armed);
    free(entries);
    return rc < 0 ? -1 : armed;
}
