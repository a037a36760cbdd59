/* The steps that change a case's course: return (which may re-dispatch or
 * send the case to arbitration), arbitration, informing, callback (which
 * closes or reopens), closure, manual triage, and a repeat call attached to
 * the case. Same statement shape and parameters $1..$6 as dispatch_apply.c. */
#include "dispatch_apply.h"

#include "outbox.h"
#include "pg_time.h"

#include <stdio.h>

#define NOTICE_FR DISPATCH_APPLY_NOTICE_FR

/* A new task's four deadlines, parameters $10..$13 of every statement here
 * that makes one (response_due, completion_due, response_warn,
 * completion_warn). */
#define DUES_10_13                                                                                 \
    PG_TIME_TS(10) ", " PG_TIME_TS(11) ", " PG_TIME_TS(12) ", " PG_TIME_TS(13)

/* A new task n for division $D with deadlines $R..$R+3 and its dispatched
 * event, its clocks (started now) and console message (body $B). */
#define NEW_TASK_EVENTS(B)                                                                         \
    " nd AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"                      \
    "  SELECT $1, id, 'dispatched', 'dispatch', jsonb_build_object('division', division,"          \
    "   'role', role, 'round', round, 'arbitrated', arbitrated) FROM n),"                          \
    " kn AS (SELECT " DEADLINE_SQL_START("id", "$1", "division", "role", PG_TIME_TS(10),          \
                                         PG_TIME_TS(11)) " AS n FROM n),"                          \
    " nt AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || division || '|'",               \
                             OUTBOX_MSG(TASK_DISPATCHED), "$1", "$6", "id", "$" #B "::bytea",      \
                             OUTBOX_UNCLAIMED) " FROM n),"

/* $7 reason, $8 division believed responsible, $9 outside agency,
 * $10-$13 deadlines of the new task, $14 its TaskDispatched body, $15-$18
 * the returned task's clocks. A lead
 * task's second return, or any return to an outside agency, goes to the
 * inspection office for arbitration instead of to a division. */
static const char *s_return_sql =
    "WITH g AS (UPDATE tasks SET state = 'returned', returned_at = now(), return_reason = $7,"
    "  return_to = coalesce($8, $9), updated_at = now()"
    "  WHERE id = $2 AND case_id = $1 AND state = 'dispatched' AND NOT arbitrated"
    "  AND (response_due IS NULL OR now() <= response_due) RETURNING id, division, role),"
    " c AS (UPDATE cases SET returns = cases.returns + CASE WHEN g.role = 'lead' THEN 1 ELSE 0 END,"
    "  state = CASE WHEN g.role <> 'lead' THEN cases.state"
    "   WHEN cases.returns + 1 >= 2 OR $9::text IS NOT NULL THEN 'arbitration'"
    "   ELSE 'dispatched' END, updated_at = now()"
    "  FROM g WHERE cases.id = $1 RETURNING cases.state, cases.returns, g.role),"
    " n AS (INSERT INTO tasks (case_id, division, role, round, response_due, completion_due,"
    "  response_warn, completion_warn)"
    "  SELECT $1, $8, c.role, coalesce((SELECT max(round) FROM tasks WHERE case_id = $1"
    "   AND division = $8 AND role = c.role), 0) + 1, " DUES_10_13
    "  FROM c WHERE $8::text IS NOT NULL AND (c.state = 'dispatched' OR c.role = 'co')"
    "  RETURNING id, division, role, round, arbitrated),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, 'returned', $3, jsonb_build_object('division', division, 'reason', $7::text,"
    "   'to', coalesce($8, $9), 'outside_agency', $9::text IS NOT NULL) FROM g),"
    " k AS (SELECT " DEADLINE_SQL_STEP("id", 15, 16, 17, 18) " AS n FROM g),"
    " ea AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, 'arbitration_requested', 'dispatch', jsonb_build_object('returns', returns)"
    "  FROM c WHERE state = 'arbitration'),"
    " ni AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'inspection|'", OUTBOX_MSG(CASE_NOTICE),
                             "$1", "$6", "NULL", "$5::bytea", OUTBOX_UNCLAIMED)
    "  FROM c WHERE state = 'arbitration'),"
    NEW_TASK_EVENTS(14) NOTICE_FR
    " SELECT (SELECT count(*) FROM g), (SELECT id FROM n), (SELECT division FROM n),"
    "  (SELECT sum(n) FROM k) + coalesce((SELECT sum(n) FROM kn), 0)";

/* $7 grounds, $8 division decided (NULL when outside the bureau's remit),
 * $9 outside agency, $10-$13 deadlines, $14 TaskDispatched body. The task
 * is marked arbitrated: the division it names cannot return it. Divisions
 * that returned the case and are named anyway returned it without grounds;
 * the event records them for the accountability count. */
static const char *s_arbitrate_sql =
    "WITH g AS (UPDATE cases SET state = CASE WHEN $8::text IS NULL THEN 'replied'"
    "  ELSE 'dispatched' END,"
    "  result = CASE WHEN $8::text IS NULL THEN $7 ELSE result END,"
    "  replied_at = CASE WHEN $8::text IS NULL THEN now() ELSE replied_at END, updated_at = now()"
    "  WHERE id = $1 AND state = 'arbitration' RETURNING id, state),"
    " n AS (INSERT INTO tasks (case_id, division, role, round, arbitrated, response_due,"
    "  completion_due, response_warn, completion_warn)"
    "  SELECT $1, $8, 'lead', coalesce((SELECT max(round) FROM tasks WHERE case_id = $1"
    "   AND division = $8 AND role = 'lead'), 0) + 1, true, " DUES_10_13
    " FROM g WHERE $8::text IS NOT NULL RETURNING id, division, role, round, arbitrated),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, 'arbitrated', $3, jsonb_build_object('division', $8::text,"
    "   'outside_agency', $9::text, 'decision', $7::text, 'groundless_returns',"
    "   coalesce((SELECT jsonb_agg(DISTINCT division) FROM tasks WHERE case_id = $1"
    "    AND state = 'returned' AND division = $8), '[]'::jsonb)) FROM g),"
    " eo AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, 'out_of_jurisdiction', $3, jsonb_build_object('outside_agency', $9::text,"
    "   'result', $7::text) FROM g WHERE $8::text IS NULL),"
    NEW_TASK_EVENTS(14) NOTICE_FR
    " SELECT (SELECT count(*) FROM g), (SELECT id FROM n), (SELECT division FROM n),"
    "  (SELECT sum(n) FROM kn)";

static const char *s_inform_sql =
    "WITH g AS (UPDATE cases SET state = 'informed', informed_at = now(), updated_at = now()"
    "  WHERE id = $1 AND state = 'replied' RETURNING id),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, 'informed', $3, jsonb_build_object('how', $7::text) FROM g),"
    NOTICE_FR " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text";

/* $7 satisfaction, $8 remark, $9 division to reopen to, $10-$13
 * deadlines, $14 body. Unsatisfied reopens the case to the same division
 * with a new deadline, counted as a reopen. */
static const char *s_callback_sql =
    "WITH g AS (UPDATE cases SET satisfaction = $7,"
    "  state = CASE WHEN $7 = 'unsatisfied' THEN 'dispatched' ELSE 'closed' END,"
    "  closed_at = CASE WHEN $7 = 'unsatisfied' THEN NULL ELSE now() END,"
    "  reopened = reopened + CASE WHEN $7 = 'unsatisfied' THEN 1 ELSE 0 END, updated_at = now()"
    "  WHERE id = $1 AND state = 'informed' RETURNING id, state),"
    " n AS (INSERT INTO tasks (case_id, division, role, round, response_due, completion_due,"
    "  response_warn, completion_warn)"
    "  SELECT $1, $9, 'lead', coalesce((SELECT max(round) FROM tasks WHERE case_id = $1"
    "   AND division = $9 AND role = 'lead'), 0) + 1, " DUES_10_13
    "  FROM g WHERE g.state = 'dispatched' AND $9::text IS NOT NULL"
    "  RETURNING id, division, role, round, arbitrated),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, x.type, $3, x.detail FROM g, LATERAL (VALUES"
    "   (1, 'callback', jsonb_build_object('satisfaction', $7::text, 'remark', $8::text)),"
    "   (2, CASE WHEN g.state = 'closed' THEN 'closed' ELSE 'reopened' END,"
    "    jsonb_build_object('division', $9::text, 'satisfaction', $7::text))) x(ord, type, detail)"
    "  ORDER BY x.ord),"
    NEW_TASK_EVENTS(14) NOTICE_FR
    " SELECT (SELECT count(*) FROM g), (SELECT id FROM n), (SELECT division FROM n),"
    "  (SELECT sum(n) FROM kn)";

static const char *s_close_sql =
    "WITH g AS (UPDATE cases SET state = 'closed', closed_at = now(), updated_at = now()"
    "  WHERE id = $1 AND state = 'informed' RETURNING id),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, 'closed', $3, jsonb_build_object('without_callback', true,"
    "   'reason', $7::text) FROM g),"
    NOTICE_FR " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text";

/* $7 category, $8 priority, $9 CaseTriaged body for dispatch (sent by
 * triage's outbox relay, which serves the destination "dispatch"). */
static const char *s_triage_sql =
    "WITH g AS (UPDATE cases SET state = 'triaged', category = $7, priority = $8,"
    "  updated_at = now() WHERE id = $1 AND state = 'needs_triage' RETURNING id, case_number),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail)"
    "  SELECT $1, 'triaged', $3, jsonb_build_object('category', $7::text, 'priority', $8::text,"
    "   'rule', 'manual') FROM g),"
    " o AS (" OUTBOX_INSERT("'dispatch'", "'dispatch'", "NULL", OUTBOX_MSG(CASE_TRIAGED), "id",
                            "case_number", "NULL", "$9::bytea", OUTBOX_UNCLAIMED) " FROM g),"
    NOTICE_FR " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text";

/* $7 what the caller said. The case must not be closed or merged; the
 * division handling it now (the latest lead task not returned, none before
 * dispatch) is told on its console, the first responder as at every step. */
static const char *s_attach_call_sql =
    "WITH g AS (UPDATE cases SET updated_at = now() WHERE id = $1"
    "  AND state NOT IN ('closed', 'merged') RETURNING id),"
    " l AS (SELECT t.id, t.division FROM g JOIN tasks t ON t.case_id = g.id AND t.role = 'lead'"
    "  AND t.state <> 'returned' ORDER BY t.id DESC LIMIT 1),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, (SELECT id FROM l), 'call_attached', $3, jsonb_strip_nulls(jsonb_build_object("
    "   'text', $7::text, 'division', (SELECT division FROM l))) FROM g),"
    " nl AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || l.division || '|'",
                             OUTBOX_MSG(CASE_NOTICE), "$1", "$6", "l.id", "$5::bytea",
                             OUTBOX_UNCLAIMED) " FROM l),"
    NOTICE_FR " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text";

int dispatch_apply_case_prepare(pg_t *pg)
{
    return pg_prepare(pg, "apply_return", s_return_sql) |
           pg_prepare(pg, "apply_arbitrate", s_arbitrate_sql) |
           pg_prepare(pg, "apply_inform", s_inform_sql) |
           pg_prepare(pg, "apply_callback", s_callback_sql) |
           pg_prepare(pg, "apply_close", s_close_sql) |
           pg_prepare(pg, "apply_triage", s_triage_sql) |
           pg_prepare(pg, "apply_attach_call", s_attach_call_sql);
}

/* $first..$first+3: the new task's deadlines; $first+4: its body. */
static void s_new_task(const dispatch_apply_t *a, char (*buf)[32], pg_param_t *p, int first)
{
    snprintf(buf[10], 32, "%lld", (long long)a->dues.response_due);
    snprintf(buf[11], 32, "%lld", (long long)a->dues.completion_due);
    snprintf(buf[12], 32, "%lld", (long long)a->dues.response_warn);
    snprintf(buf[13], 32, "%lld", (long long)a->dues.completion_warn);
    for (int i = 0; i < 4; i++)
        p[first + i] = PG_TEXT(buf[10 + i]);
    p[first + 4] = PG_BINARY(a->dispatched, a->dispatched_len);
}

static const char *s_or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

int dispatch_apply_case_add(pg_txn_t *txn, const dispatch_apply_t *a, char (*buf)[32],
                            pg_param_t *p)
{
    const dispatch_step_t *s = a->step;
    switch (s->action) {
    case ACTION_RETURN:
        p[6] = PG_TEXT(s->text);
        p[7] = PG_TEXT(s_or_null(s->division));
        p[8] = PG_TEXT(s_or_null(s->division) ? NULL : s_or_null(s->outside_agency));
        s_new_task(a, buf, p, 9);
        dispatch_apply_clocks(a, buf, p, 14);
        return pg_txn_add(txn, true, "apply_return", 18, p);
    case ACTION_ARBITRATE:
        p[6] = PG_TEXT(s->text);
        p[7] = PG_TEXT(s_or_null(s->division));
        p[8] = PG_TEXT(s_or_null(s->division) ? NULL : s_or_null(s->outside_agency));
        s_new_task(a, buf, p, 9);
        return pg_txn_add(txn, true, "apply_arbitrate", 14, p);
    case ACTION_INFORM:
        p[6] = PG_TEXT(s->text ? s->text : "");
        return pg_txn_add(txn, true, "apply_inform", 7, p);
    case ACTION_CALLBACK:
        p[6] = PG_TEXT(s->satisfaction);
        p[7] = PG_TEXT(s->text ? s->text : "");
        p[8] = PG_TEXT(a->new_division);
        s_new_task(a, buf, p, 9);
        return pg_txn_add(txn, true, "apply_callback", 14, p);
    case ACTION_CLOSE:
        p[6] = PG_TEXT(s->text ? s->text : "");
        return pg_txn_add(txn, true, "apply_close", 7, p);
    case ACTION_TRIAGE:
        p[6] = PG_TEXT(s->category);
        p[7] = PG_TEXT(a->priority);
        p[8] = PG_BINARY(a->dispatched, a->dispatched_len);
        return pg_txn_add(txn, true, "apply_triage", 9, p);
    case ACTION_ATTACH_CALL:
        p[6] = PG_TEXT(s->text);
        return pg_txn_add(txn, true, "apply_attach_call", 7, p);
    default:
        return -1;
    }
}
