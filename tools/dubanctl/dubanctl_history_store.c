/* dubanctl import-history: writing a replayed case (see dubanctl_history.c)
 * in one transaction, so that nothing of an invalid case is stored. */
#include "dubanctl_history.h"

#include "pg_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(n) PG_TIME_TS(n) /* short: the statements below use it 21 times */

/* ------------------------------------------------------------- storing */

/* SQL reads best laid out as SQL, not as clang-format would. */
/* clang-format off */
static const char *s_case_sql =
    "INSERT INTO cases (case_number, query_code_sha256, channel, kind, category, priority,"
    " subject, description, requester_name, requester_phone, requester_email,"
    " requester_anonymous, first_responder, external_ref, source, flagged, state, returns,"
    " reopened, result, replied_at, informed_at, satisfaction, closed_at, created_at, updated_at)"
    " SELECT 'DB' || to_char(" TS(1) " AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"
    "  || lpad(nextval('case_number_seq')::text, 6, '0'),"
    "  sha256(convert_to(gen_random_uuid()::text, 'UTF8')), $2, $3, $4, $5, $6, $7, $8, $9,"
    "  $10, $8::text IS NULL AND $9::text IS NULL, $11, $12, 'history-import',"
    "  $13::boolean OR EXISTS (SELECT 1 FROM watchlist w WHERE w.removed_at IS NULL AND"
    "   ((w.kind = 'phone' AND w.value = $9) OR (w.kind = 'email' AND w.value = $10))),"
    "  $14, $15::int, $16::int, $17, " TS(18) ", " TS(19) ", $20, " TS(21) ","
    "  " TS(1) ", " TS(22)
    " ON CONFLICT (external_ref) DO NOTHING RETURNING id, case_number";

static const char *s_task_sql =
    "INSERT INTO tasks (case_id, division, role, round, state, dispatched_at, response_due,"
    " completion_due, response_warn, completion_warn, signed_at, handler, returned_at,"
    " return_reason, return_to, replied_at, result, paused_at, paused_total, extension_state,"
    " extension_by, extension_reason, arbitrated, updated_at)"
    " VALUES ($1::bigint, $2, $3, $4::int, $5, " TS(6) ", " TS(7) ", " TS(8) ", " TS(9) ","
    " " TS(10) ", " TS(11) ", $12, " TS(13) ", $14, $15, " TS(16) ", $17, " TS(18) ","
    " $19::bigint * interval '1 microsecond', $20, $21::bigint * interval '1 microsecond',"
    " $22, $23::boolean, " TS(24) ") RETURNING id";

static const char *s_event_sql =
    "INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    " VALUES ($1::bigint, $2::bigint, $3, $4, $5::jsonb, " TS(6) ")";
/* clang-format on */

/* Text of a timestamp parameter: NULL for 0 (not happened). */
static const char *s_us(char *buf, int64_t us)
{
    if (!us)
        return NULL;
    snprintf(buf, 24, "%lld", (long long)us);
    return buf;
}

static bool s_exec(PGconn *conn, const char *sql, int n, const char *const *v, PGresult **out,
                   char *error, size_t len)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        snprintf(error, len, "could not store it: %s", PQresultErrorMessage(res));
        error[strcspn(error, "\n")] = '\0';
        PQclear(res);
        return false;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return true;
}

/* Writes the replayed case in one transaction. Returns 1 stored, 0 already
 * imported, -1 failed (h->error); *number gets the case number. */
int history_store(PGconn *conn, h_case_t *h, char *number, size_t len)
{
    char b[8][24], returns[12], reopened[12];
    snprintf(returns, sizeof(returns), "%d", h->returns);
    snprintf(reopened, sizeof(reopened), "%d", h->reopened);
    const char *c[22] = {s_us(b[0], h->received),
                         h->channel,
                         h->kind,
                         h->category,
                         h->priority,
                         h->subject,
                         h->description,
                         h->name,
                         h->phone,
                         h->email,
                         h->responder,
                         h->ref,
                         h->flagged ? "true" : "false",
                         h->state,
                         returns,
                         reopened,
                         h->result,
                         s_us(b[1], h->replied_at),
                         s_us(b[2], h->informed_at),
                         h->satisfaction,
                         s_us(b[3], h->closed_at),
                         s_us(b[4], h->updated)};
    PGresult *res = NULL;
    int64_t ids[H_MAX_TASKS] = {0};
    if (!s_exec(conn, "BEGIN", 0, NULL, NULL, h->error, sizeof(h->error)))
        return -1;
    if (!s_exec(conn, s_case_sql, 22, c, &res, h->error, sizeof(h->error)))
        goto out_rollback;
    if (PQntuples(res) == 0) {
        PQclear(res);
        PQclear(PQexec(conn, "ROLLBACK"));
        return 0;
    }
    char case_id[24];
    snprintf(case_id, sizeof(case_id), "%s", PQgetvalue(res, 0, 0));
    snprintf(number, len, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    for (int i = 0; i < h->ntasks; i++) {
        h_task_t *t = &h->tasks[i];
        char tb[12][24], round[12], paused[24], ext[24];
        snprintf(round, sizeof(round), "%d", t->round);
        snprintf(paused, sizeof(paused), "%lld", (long long)t->paused_total);
        snprintf(ext, sizeof(ext), "%lld", (long long)t->extension_by);
        const char *v[24] = {case_id,
                             t->division,
                             t->role,
                             round,
                             t->state,
                             s_us(tb[0], t->dispatched),
                             s_us(tb[1], t->response_due),
                             s_us(tb[2], t->completion_due),
                             s_us(tb[3], t->response_warn),
                             s_us(tb[4], t->completion_warn),
                             s_us(tb[5], t->signed_at),
                             t->handler,
                             s_us(tb[6], t->returned_at),
                             t->reason,
                             t->return_to,
                             s_us(tb[7], t->replied_at),
                             t->result,
                             s_us(tb[8], t->paused_at),
                             paused,
                             t->extension_state,
                             t->extension_by ? ext : NULL,
                             t->extension_reason,
                             t->arbitrated ? "true" : "false",
                             s_us(tb[9], t->updated)};
        if (!s_exec(conn, s_task_sql, 24, v, &res, h->error, sizeof(h->error)))
            goto out_rollback;
        ids[i] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    for (int i = 0; i < h->nevents; i++) {
        h_event_t *e = &h->events[i];
        char task[24], at[24];
        char *detail = json_dumps(e->detail, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(task, sizeof(task), "%lld", (long long)(e->task >= 0 ? ids[e->task] : 0));
        const char *v[6] = {case_id,        e->task >= 0 ? task : NULL, e->type, e->actor, detail,
                            s_us(at, e->at)};
        bool ok = detail && s_exec(conn, s_event_sql, 6, v, NULL, h->error, sizeof(h->error));
        free(detail);
        if (!ok)
            goto out_rollback;
    }
    if (s_exec(conn, "COMMIT", 0, NULL, NULL, h->error, sizeof(h->error)))
        return 1;
out_rollback:
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
}
