/* Task creation. Idempotent twice over: the message acknowledgement (a
 * re-sent message changes nothing) and the unique (case, division, role) of
 * tasks (a co-handling insert that already happened does nothing). */
#include "dispatch_task.h"

#include "clock.h"
#include "dispatch_route.h"
#include "log.h"
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>

static const char *s_lead_sql =
    "WITH ack AS (" OUTBOX_ACK_SQL "),"
    " c AS (UPDATE cases SET state = 'dispatched', updated_at = now()"
    "  WHERE id = $2 AND state = 'triaged' AND EXISTS (SELECT 1 FROM ack)"
    "  RETURNING id, case_number),"
    " t AS (INSERT INTO tasks (case_id, division, role, response_due, completion_due,"
    "  response_warn, completion_warn)"
    "  SELECT id, $3, 'lead', " PG_TIME_TS(5) ", " PG_TIME_TS(6) ", " PG_TIME_TS(7) ", "
    PG_TIME_TS(8) " FROM c"
    "  ON CONFLICT (case_id, division, role, round) DO NOTHING RETURNING id, case_id),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT case_id, id, 'dispatched', 'dispatch',"
    "   jsonb_build_object('division', $3::text, 'role', 'lead') FROM t),"
    " k AS (SELECT " DEADLINE_SQL_START("id", "case_id", "$3", "'lead'", PG_TIME_TS(5),
                                        PG_TIME_TS(6)) " AS n FROM t),"
    " o AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || $3 || '|'",
                            OUTBOX_MSG(TASK_DISPATCHED), "t.case_id", "c.case_number", "t.id",
                            "$4::bytea", OUTBOX_CLAIMED_DELIVERED)
    "  FROM t JOIN c ON c.id = t.case_id RETURNING " OUTBOX_ROW_COLUMNS ")"
    " SELECT (SELECT count(*) FROM ack), (SELECT count(*) FROM c), (SELECT id FROM t), $3::text,"
    "  (SELECT sum(n) FROM k) AS clocks, o.* FROM (SELECT) one LEFT JOIN o ON true";

static const char *s_co_sql =
    "WITH t AS (INSERT INTO tasks (case_id, division, role, response_due, completion_due,"
    "  response_warn, completion_warn)"
    "  SELECT $1::bigint, $2, 'co', " PG_TIME_TS(5) ", " PG_TIME_TS(6) ", " PG_TIME_TS(7) ", "
    PG_TIME_TS(8)
    "  WHERE EXISTS (SELECT 1 FROM tasks WHERE case_id = $1::bigint AND role = 'lead')"
    "  ON CONFLICT (case_id, division, role, round) DO NOTHING RETURNING id, case_id),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT case_id, id, 'dispatched', 'dispatch',"
    "   jsonb_build_object('division', $2::text, 'role', 'co') FROM t),"
    " k AS (SELECT " DEADLINE_SQL_START("id", "case_id", "$2", "'co'", PG_TIME_TS(5),
                                        PG_TIME_TS(6)) " AS n FROM t),"
    " o AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || $2 || '|'",
                            OUTBOX_MSG(TASK_DISPATCHED), "t.case_id", "$3", "t.id", "$4::bytea",
                            OUTBOX_UNCLAIMED) " FROM t)"
    " SELECT count(*), (SELECT sum(n) FROM k) FROM t";

int dispatch_task_prepare(pg_t *pg)
{
    return pg_prepare(pg, "dispatch_lead", s_lead_sql) | pg_prepare(pg, "dispatch_co", s_co_sql);
}

static uint8_t *s_pack(const Duban__CaseTriaged *triaged, const char *division, const char *role,
                       const dispatch_dues_t *dues, int64_t now, size_t *len)
{
    Duban__TaskDispatched msg = DUBAN__TASK_DISPATCHED__INIT;
    msg.division = (char *)division;
    msg.role = (char *)role;
    msg.category = triaged->category;
    msg.kind = triaged->kind;
    msg.subject = triaged->subject;
    msg.priority = triaged->priority;
    msg.dispatched_us = now;
    msg.response_due_us = dues->response_due;
    msg.completion_due_us = dues->completion_due;
    *len = duban__task_dispatched__get_packed_size(&msg);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        duban__task_dispatched__pack(&msg, buf);
    return buf;
}

int dispatch_task_build(const org_t *org, const dispatch_deadline_t *deadline, pg_txn_t *txn,
                        const Duban__Envelope *env, char *why, size_t why_len)
{
    Duban__CaseTriaged *triaged =
        duban__case_triaged__unpack(NULL, env->body.len, env->body.data);
    if (!triaged || env->case_id <= 0) {
        snprintf(why, why_len, "cannot dispatch: %s",
                 triaged ? "the envelope names no case" : "the body is not a CaseTriaged");
        if (triaged)
            duban__case_triaged__free_unpacked(triaged, NULL);
        return -1;
    }
    dispatch_route_t route;
    if (dispatch_route_find(org, triaged->category, triaged->lead_division, &route) < 0) {
        snprintf(why, why_len, "cannot dispatch: no route for category %.64s",
                 triaged->category);
        duban__case_triaged__free_unpacked(triaged, NULL);
        return -1;
    }
    int64_t now = clock_now_us();
    dispatch_dues_t dues;
    const char *priority = triaged->priority && triaged->priority[0] ? triaged->priority : "normal";
    if (dispatch_deadline_for(deadline, triaged->kind, priority, now, &dues) < 0) {
        snprintf(why, why_len, "cannot dispatch: no SLA policy for kind=%.32s priority=%.32s",
                 triaged->kind, priority);
        duban__case_triaged__free_unpacked(triaged, NULL);
        return -1;
    }
    char case_id[24], d[4][24];
    snprintf(case_id, sizeof(case_id), "%lld", (long long)env->case_id);
    snprintf(d[0], sizeof(d[0]), "%lld", (long long)dues.response_due);
    snprintf(d[1], sizeof(d[1]), "%lld", (long long)dues.completion_due);
    snprintf(d[2], sizeof(d[2]), "%lld", (long long)dues.response_warn);
    snprintf(d[3], sizeof(d[3]), "%lld", (long long)dues.completion_warn);
    int added = 0;
    size_t len;
    uint8_t *body = s_pack(triaged, route.lead, "lead", &dues, now, &len);
    if (body) {
        pg_param_t lead[8] = {PG_TEXT(env->msg_id), PG_TEXT(case_id), PG_TEXT(route.lead),
                              PG_BINARY(body, len), PG_TEXT(d[0]),    PG_TEXT(d[1]),
                              PG_TEXT(d[2]),        PG_TEXT(d[3])};
        if (pg_txn_add(txn, true, "dispatch_lead", 8, lead) >= 0)
            added = 1;
        free(body);
    }
    for (int i = 0; added > 0 && i < route.nco; i++) {
        body = s_pack(triaged, route.co[i], "co", &dues, now, &len);
        pg_param_t co[8] = {PG_TEXT(case_id), PG_TEXT(route.co[i]), PG_TEXT(env->case_number),
                            PG_BINARY(body, len), PG_TEXT(d[0]), PG_TEXT(d[1]), PG_TEXT(d[2]),
                            PG_TEXT(d[3])};
        if (!body || pg_txn_add(txn, true, "dispatch_co", 8, co) < 0)
            added = -1;
        else
            added++;
        free(body);
    }
    if (added <= 0)
        snprintf(why, why_len, "could not build the statements (out of memory)");
    duban__case_triaged__free_unpacked(triaged, NULL);
    return added > 0 ? added : -1;
}
