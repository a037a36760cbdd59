/* See dispatch_context.h. */
#include "dispatch_context.h"

#include "pg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The case, and the task the step concerns: the one named, the one with an
 * extension waiting (decide-extension), or the actor's division's latest
 * (open ones first, a work item's report tasks last); for a work item, its
 * row's leader_assigned and verification. */
static const char *s_context_sql =
    "SELECT c.id, c.case_number, c.state, c.first_responder, c.returns, c.kind, c.priority,"
    " coalesce(c.category, ''), c.subject,"
    " coalesce((SELECT division FROM tasks WHERE case_id = c.id AND role = 'lead'"
    "  AND state <> 'returned' ORDER BY id DESC LIMIT 1), ''),"
    " t.id, coalesce(t.division, ''), coalesce(t.role, ''), coalesce(t.state, ''),"
    " coalesce(t.arbitrated, false), " PG_TIME_US_OR_0("t.response_due") ","
    " " PG_TIME_US_OR_0("t.completion_due") ", " PG_TIME_US_OR_0("t.paused_at") ","
    " coalesce(t.extension_state, ''), " PG_TIME_US_OR_0("t.response_warn") ","
    " " PG_TIME_US_OR_0("t.completion_warn") ", " PG_TIME_US_OR_0("t.extension_by") ","
    " coalesce(w.leader_assigned, false), coalesce(w.verification, ''),"
    " " PG_TIME_US_OR_0("(SELECT completion_due FROM tasks WHERE case_id = c.id"
    "  AND role = 'lead' ORDER BY id DESC LIMIT 1)") ","
    " " PG_TIME_US_OR_0("t.dispatched_at")
    " FROM cases c LEFT JOIN LATERAL (SELECT * FROM tasks WHERE case_id = c.id AND ("
    "  ($2::bigint > 0 AND id = $2::bigint)"
    "  OR ($2::bigint = 0 AND $4::boolean AND extension_state = 'requested')"
    "  OR ($2::bigint = 0 AND NOT $4::boolean AND division = $3))"
    "  ORDER BY (state IN ('dispatched', 'signed')) DESC, (role <> 'report') DESC, id DESC"
    "  LIMIT 1) t ON true"
    " LEFT JOIN work_items w ON w.case_id = c.id"
    " WHERE c.case_number = $1";

static void s_copy(char *dst, size_t len, PGresult *res, int col)
{
    snprintf(dst, len, "%s", PQgetvalue(res, 0, col));
}

static int64_t s_i64(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? 0 : strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

void dispatch_context_read(dispatch_context_t *c, PGresult *res)
{
    c->case_id = s_i64(res, 0);
    s_copy(c->case_number, sizeof(c->case_number), res, 1);
    s_copy(c->case_state, sizeof(c->case_state), res, 2);
    s_copy(c->first_responder, sizeof(c->first_responder), res, 3);
    c->returns = (int)s_i64(res, 4);
    s_copy(c->kind, sizeof(c->kind), res, 5);
    s_copy(c->priority, sizeof(c->priority), res, 6);
    s_copy(c->category, sizeof(c->category), res, 7);
    s_copy(c->subject, sizeof(c->subject), res, 8);
    s_copy(c->lead_division, sizeof(c->lead_division), res, 9);
    c->has_task = !PQgetisnull(res, 0, 10);
    c->task_id = s_i64(res, 10);
    s_copy(c->division, sizeof(c->division), res, 11);
    s_copy(c->role, sizeof(c->role), res, 12);
    s_copy(c->task_state, sizeof(c->task_state), res, 13);
    c->arbitrated = strcmp(PQgetvalue(res, 0, 14), "t") == 0;
    c->response_due_us = s_i64(res, 15);
    c->completion_due_us = s_i64(res, 16);
    c->paused_at_us = s_i64(res, 17);
    s_copy(c->extension_state, sizeof(c->extension_state), res, 18);
    c->response_warn_us = s_i64(res, 19);
    c->completion_warn_us = s_i64(res, 20);
    c->extension_by_us = s_i64(res, 21);
    c->leader_assigned = strcmp(PQgetvalue(res, 0, 22), "t") == 0;
    s_copy(c->verification, sizeof(c->verification), res, 23);
    c->lead_completion_due_us = s_i64(res, 24);
    c->dispatched_us = s_i64(res, 25);
}

int dispatch_context_prepare(pg_t *pg)
{
    return pg_prepare(pg, DISPATCH_CONTEXT_STMT, s_context_sql);
}
