/* Re-check decisions; see bulletin_recheck.h. Statements run one by one in
 * one transaction on a row lock of the re-check and the case, so the event
 * order (rechecked, reopened, dispatched) is the id order. */
#include "bulletin_recheck.h"

#include "clock.h"
#include "deadline.h"
#include "duban.pb-c.h"
#include "log.h"
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_lock_sql =
    "SELECT r.state, r.division, r.period, c.id, c.case_number, c.state, c.kind, c.priority,"
    " coalesce(c.category, ''), c.subject FROM bulletin_rechecks r JOIN cases c ON c.id = r.case_id"
    " WHERE r.id = $1::bigint FOR UPDATE OF r, c";

static const char *s_decide_sql =
    "UPDATE bulletin_rechecks SET state = $2, note = $3, decided_by = $4, decided_at = now()"
    " WHERE id = $1::bigint AND state = 'pending'";

/* $7 the decision's instant (the clock's, as the steps' are). */
static const char *s_event_sql =
    "INSERT INTO case_events (case_id, type, actor, detail, at) VALUES ($1::bigint, 'rechecked',"
    " $2, jsonb_build_object('result', $3::text, 'period', $4::text, 'note', $5::text,"
    " 'recheck', $6::bigint), " PG_TIME_TS(7) ")";

/* $1 case, $2 division, $3 actor, $4 re-check id, $5 period, $6 note, $7
 * the instant. A work item reopened is no longer verified: 销号 again needs
 * a new completion report and an accepted verification (dispatch's rules). */
static const char *s_reopen_sql =
    "WITH c AS (UPDATE cases SET state = 'dispatched', closed_at = NULL, reopened = reopened + 1,"
    "  updated_at = now() WHERE id = $1::bigint AND state = 'closed' RETURNING id),"
    " w AS (UPDATE work_items SET verification = 'none' FROM c WHERE work_items.case_id = c.id"
    "  RETURNING work_items.case_id)"
    " INSERT INTO case_events (case_id, type, actor, detail, at) SELECT id, 'reopened', $3,"
    "  jsonb_strip_nulls(jsonb_build_object('division', $2::text, 'recheck', $4::bigint,"
    "  'period', $5::text, 'note', $6::text, 'workitem', (SELECT true FROM w LIMIT 1))),"
    " " PG_TIME_TS(7) " FROM c RETURNING case_id";

/* $1 case, $2 division, $3 dispatched, $4-$7 deadlines, $8 re-check id,
 * $9 case number, $10 TaskDispatched body. */
/* clang-format off */
static const char *s_task_sql =
    "WITH n AS (INSERT INTO tasks (case_id, division, role, round, dispatched_at, response_due,"
    "  completion_due, response_warn, completion_warn)"
    "  SELECT $1::bigint, $2, 'lead', coalesce((SELECT max(round) FROM tasks WHERE case_id = $1"
    "   AND division = $2 AND role = 'lead'), 0) + 1,"
    "  " PG_TIME_TS(3) ", " PG_TIME_TS(4) ", " PG_TIME_TS(5) ", " PG_TIME_TS(6) ", "
    PG_TIME_TS(7)
    "  RETURNING id, division, role, round),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    "  SELECT $1, id, 'dispatched', 'bulletin', jsonb_build_object('division', division,"
    "   'role', role, 'round', round, 'recheck', $8::bigint), " PG_TIME_TS(3) " FROM n),"
    /* the clocks start at the dispatch instant (the clock's), as the
     * task's dispatched_at says, not at the database's now() */
    " k AS (SELECT task_clock_start(id, $1, division, role, " PG_TIME_TS(3) ", " PG_TIME_TS(4)
    ", " PG_TIME_TS(5) ") AS n FROM n),"
    " o AS (" OUTBOX_INSERT("'bulletin'", "'console'", "'div.' || division || '|'",
                            OUTBOX_MSG(TASK_DISPATCHED), "$1", "$9", "id", "$10::bytea",
                            OUTBOX_UNCLAIMED) " FROM n),"
    " u AS (UPDATE bulletin_rechecks SET reopened_task_id = n.id FROM n"
    "  WHERE bulletin_rechecks.id = $8::bigint)"
    " SELECT id, (SELECT sum(n) FROM k) FROM n";
/* clang-format on */

static PGresult *s_exec(PGconn *conn, const char *sql, int n, const char *const *values,
                        const int *lengths, const int *formats)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, values, lengths, formats, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        log_error("could not record the re-check", "err=%s", PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    return res;
}

static bool s_run(PGconn *conn, const char *sql, int n, const char *const *values)
{
    PGresult *res = s_exec(conn, sql, n, values, NULL, NULL);
    PQclear(res);
    return res != NULL;
}

/* The new task for the division, with deadlines as of now (a work item's
 * from the SLA policy of kind workitem). */
static int s_reopen_task(PGconn *conn, const bulletin_engine_t *e, PGresult *ctx, int64_t id,
                         int64_t now, bulletin_recheck_info_t *info)
{
    deadline_task_t clocks;
    const char *kind = PQgetvalue(ctx, 0, 6), *priority = PQgetvalue(ctx, 0, 7);
    if (deadline_start(&e->rules, kind, priority, now, &clocks, NULL) < 0) {
        log_error("cannot reopen case: no SLA policy", "case=%s kind=%s priority=%s",
                  info->case_number, kind, priority);
        return -1;
    }
    const deadline_run_t *rc = &clocks.clock[DEADLINE_RESPONSE];
    const deadline_run_t *cc = &clocks.clock[DEADLINE_COMPLETION];
    sla_deadlines_t d = {rc->due_us, rc->warn_us, cc->due_us, cc->warn_us};
    Duban__TaskDispatched t = DUBAN__TASK_DISPATCHED__INIT;
    t.division = info->division;
    t.role = "lead";
    t.category = PQgetvalue(ctx, 0, 8);
    t.kind = (char *)kind;
    t.subject = PQgetvalue(ctx, 0, 9);
    t.priority = (char *)priority;
    t.dispatched_us = now;
    t.response_due_us = d.response_due_us;
    t.completion_due_us = d.completion_due_us;
    size_t len = duban__task_dispatched__get_packed_size(&t);
    uint8_t *body = malloc(len ? len : 1);
    if (!body)
        return -1;
    duban__task_dispatched__pack(&t, body);
    char v[8][32];
    snprintf(v[0], 32, "%lld", (long long)now);
    snprintf(v[1], 32, "%lld", (long long)d.response_due_us);
    snprintf(v[2], 32, "%lld", (long long)d.completion_due_us);
    snprintf(v[3], 32, "%lld", (long long)d.response_warn_us);
    snprintf(v[4], 32, "%lld", (long long)d.completion_warn_us);
    snprintf(v[5], 32, "%lld", (long long)id);
    const char *values[10] = {
        PQgetvalue(ctx, 0, 3), info->division,    v[0], v[1], v[2], v[3], v[4], v[5],
        info->case_number,     (const char *)body};
    int lengths[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, (int)len};
    int formats[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    PGresult *res = s_exec(conn, s_task_sql, 10, values, lengths, formats);
    free(body);
    if (!res)
        return -1;
    info->task_id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return 0;
}

int bulletin_recheck_decide(PGconn *conn, const bulletin_engine_t *e, int64_t id, bool pass,
                            const char *note, const char *by, bulletin_recheck_info_t *info)
{
    memset(info, 0, sizeof(*info));
    info->result = BULLETIN_RECHECK_ERROR;
    char idtext[24];
    snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
    if (!s_run(conn, "BEGIN", 0, NULL))
        return -1;
    const char *lock[1] = {idtext};
    PGresult *ctx = s_exec(conn, s_lock_sql, 1, lock, NULL, NULL);
    int rc = -1;
    if (!ctx)
        goto out_rollback;
    if (PQntuples(ctx) != 1) {
        info->result = BULLETIN_RECHECK_NOT_FOUND;
        rc = 0;
        goto out_rollback;
    }
    snprintf(info->state, sizeof(info->state), "%s", PQgetvalue(ctx, 0, 0));
    snprintf(info->division, sizeof(info->division), "%s", PQgetvalue(ctx, 0, 1));
    snprintf(info->period, sizeof(info->period), "%s", PQgetvalue(ctx, 0, 2));
    snprintf(info->case_number, sizeof(info->case_number), "%s", PQgetvalue(ctx, 0, 4));
    if (strcmp(info->state, "pending") != 0) {
        info->result = BULLETIN_RECHECK_DECIDED;
        rc = 0;
        goto out_rollback;
    }
    const char *state = pass ? "passed" : "failed";
    int64_t now = clock_now_us();
    char nowtext[24];
    snprintf(nowtext, sizeof(nowtext), "%lld", (long long)now);
    const char *decide[4] = {idtext, state, note, by};
    const char *event[7] = {PQgetvalue(ctx, 0, 3), by, state, info->period, note, idtext, nowtext};
    if (!s_run(conn, s_decide_sql, 4, decide) || !s_run(conn, s_event_sql, 7, event))
        goto out_rollback;
    if (pass) {
        info->result = BULLETIN_RECHECK_PASSED;
    } else {
        const char *reopen[7] = {PQgetvalue(ctx, 0, 3), info->division, by,     idtext,
                                 info->period,          note,           nowtext};
        PGresult *res = s_exec(conn, s_reopen_sql, 7, reopen, NULL, NULL);
        if (!res)
            goto out_rollback;
        bool reopened = PQntuples(res) == 1;
        PQclear(res);
        if (reopened && s_reopen_task(conn, e, ctx, id, now, info) < 0)
            goto out_rollback;
        info->result = reopened ? BULLETIN_RECHECK_REOPENED : BULLETIN_RECHECK_FAILED_OPEN;
    }
    if (!s_run(conn, "COMMIT", 0, NULL)) {
        info->result = BULLETIN_RECHECK_ERROR;
        goto out_clear;
    }
    rc = 0;
    goto out_clear;

out_rollback:
    if (rc < 0)
        info->result = BULLETIN_RECHECK_ERROR;
    PQclear(PQexec(conn, "ROLLBACK"));
out_clear:
    PQclear(ctx);
    return rc;
}
