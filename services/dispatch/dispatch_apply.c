/* One guarded statement per workflow step; see dispatch_apply.h.
 *
 * Every statement follows one shape: CTE g makes the guarded transition and
 * returns the row it changed (none when the guard failed); the event, the
 * notices and any new task are inserted FROM g, so nothing happens unless
 * the transition did. $1 is always the case id, $2 the task id (0 for case
 * steps), $3 the actor, $4 the first responder's notice topic, $5 the
 * packed notice, $6 the case number. A step that changes the task's clocks
 * records it (CTE k, DEADLINE_SQL_STEP) with the last four parameters. */
#include "dispatch_apply.h"

#include "decimal.h"
#include "outbox.h"

#include <stdio.h>
#include <string.h>

#define NOTICE_FR DISPATCH_APPLY_NOTICE_FR

#define RESULT " SELECT (SELECT count(*) FROM g),"
/* The clock states recorded: the last column of a step that records them. */
#define CLOCKS ", (SELECT sum(n) FROM k)"

/* After a manual triage: what the requester's fingerprint for the duplicate
 * index in Redis is made of (see services/triage/triage_duplicate.h), in
 * the APPLY_COL_FP_* order. */
static const char *s_fingerprint_sql =
    "SELECT requester_phone, category, case_number"
    " FROM cases WHERE id = $1 AND requester_phone ~ '[0-9]' AND state IN ('triaged', 'dispatched')";

/* Read after the step, in the same transaction: the states it left. */
static const char *s_states_sql =
    "SELECT c.state, (SELECT state FROM tasks WHERE id = $2::bigint) FROM cases c WHERE c.id = $1";

static const char *s_sign_sql =
    "WITH g AS (UPDATE tasks SET state = 'signed', signed_at = now(), handler = $3,"
    "  updated_at = now() WHERE id = $2 AND case_id = $1 AND state = 'dispatched'"
    "  RETURNING id, division),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, 'signed', $3, jsonb_build_object('division', division) FROM g),"
    " k AS (SELECT " DEADLINE_SQL_STEP("id", 7, 8, 9, 10) " AS n FROM g),"
    NOTICE_FR RESULT " NULL::bigint, NULL::text" CLOCKS;

static const char *s_note_sql =
    "WITH g AS (UPDATE tasks SET updated_at = now() WHERE id = $2 AND case_id = $1"
    "  AND state IN ('dispatched', 'signed') RETURNING id, division),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, 'note', $3, jsonb_build_object('division', division, 'text', $7::text)"
    "  FROM g)," NOTICE_FR RESULT " NULL::bigint, NULL::text";

static const char *s_need_material_sql =
    "WITH g AS (UPDATE tasks SET paused_at = now(), updated_at = now() WHERE id = $2"
    "  AND case_id = $1 AND state IN ('dispatched', 'signed') AND paused_at IS NULL"
    "  RETURNING id, division),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, 'material_requested', $3,"
    "   jsonb_build_object('division', division, 'material', $7::text) FROM g),"
    " k AS (SELECT " DEADLINE_SQL_STEP("id", 8, 9, 10, 11) " AS n FROM g),"
    NOTICE_FR RESULT " NULL::bigint, NULL::text" CLOCKS;

/* Deadlines move by the time the task waited ($7, working microseconds):
 * the caller computed the moved instants (common/deadline.c, $8-$11); a
 * signed task's response deadline has been met and stays. */
static const char *s_material_arrived_sql =
    "WITH g AS (UPDATE tasks SET paused_total = paused_total + (now() - paused_at),"
    "  response_due = CASE WHEN signed_at IS NULL THEN " PG_TIME_TS(10) " ELSE response_due END,"
    "  response_warn = CASE WHEN signed_at IS NULL THEN " PG_TIME_TS(11) " ELSE response_warn END,"
    "  completion_due = " PG_TIME_TS(8) ", completion_warn = " PG_TIME_TS(9) ","
    "  paused_at = NULL, updated_at = now()"
    "  WHERE id = $2 AND case_id = $1 AND paused_at IS NOT NULL AND state IN ('dispatched', 'signed')"
    "  RETURNING id, division, completion_due),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, 'material_arrived', $3, jsonb_build_object('division', division,"
    "   'paused_seconds', $7::bigint / 1000000, 'completion_due', completion_due) FROM g),"
    " k AS (SELECT " DEADLINE_SQL_STEP("id", 12, 13, 14, 15) " AS n FROM g),"
    NOTICE_FR RESULT " NULL::bigint, NULL::text" CLOCKS;

static const char *s_extend_sql =
    "WITH g AS (UPDATE tasks SET extension_state = 'requested',"
    "  extension_by = $7::bigint * interval '1 microsecond', extension_reason = $8,"
    "  updated_at = now() WHERE id = $2 AND case_id = $1 AND state IN ('dispatched', 'signed')"
    "  AND extension_state IS DISTINCT FROM 'requested' AND now() < completion_due"
    "  RETURNING id, division),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, 'extension_requested', $3, jsonb_build_object('division', division,"
    "   'window', $9::text, 'reason', $8::text) FROM g),"
    " ni AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'inspection|'", OUTBOX_MSG(CASE_NOTICE),
                             "$1", "$6", "id", "$5::bytea", OUTBOX_UNCLAIMED) " FROM g),"
    NOTICE_FR RESULT " NULL::bigint, NULL::text";

/* Grant moves the completion deadline to $8 (warning $9); refuse only
 * records the decision. $11-$14 the clocks (a refusal changes none). */
static const char *s_decide_extension_sql =
    "WITH g AS (UPDATE tasks SET extension_state = CASE WHEN $7::boolean THEN 'granted'"
    "  ELSE 'refused' END,"
    "  completion_due = CASE WHEN $7::boolean THEN " PG_TIME_TS(8) " ELSE completion_due END,"
    "  completion_warn = CASE WHEN $7::boolean THEN " PG_TIME_TS(9) " ELSE completion_warn END,"
    "  updated_at = now() WHERE id = $2 AND case_id = $1 AND extension_state = 'requested'"
    "  RETURNING id, division, completion_due),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, CASE WHEN $7::boolean THEN 'extension_granted' ELSE 'extension_refused'"
    "   END, $3, jsonb_build_object('division', division, 'decision', $10::text,"
    "   'completion_due', completion_due) FROM g),"
    " nd AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || division || '|'",
                             OUTBOX_MSG(CASE_NOTICE), "$1", "$6", "id", "$5::bytea",
                             OUTBOX_UNCLAIMED) " FROM g),"
    " k AS (SELECT " DEADLINE_SQL_STEP("id", 11, 12, 13, 14) " AS n FROM g),"
    NOTICE_FR RESULT " NULL::bigint, NULL::text" CLOCKS;

/* A lead reply completes the handling (case -> replied); a co-handling
 * division's reply is its input to the lead. $7 is the result the requester
 * is told (cases.result, the public status page); $8, when given, an
 * internal part kept in the event for staff only; $9-$12 the clocks. */
static const char *s_reply_sql =
    "WITH g AS (UPDATE tasks SET state = 'replied', replied_at = now(), result = $7,"
    "  signed_at = coalesce(signed_at, now()), handler = coalesce(handler, $3),"
    "  paused_total = paused_total + coalesce(now() - paused_at, interval '0'), paused_at = NULL,"
    "  updated_at = now() WHERE id = $2 AND case_id = $1 AND state IN ('dispatched', 'signed')"
    "  AND (role = 'co' OR EXISTS (SELECT 1 FROM cases WHERE id = $1 AND state = 'dispatched'))"
    "  RETURNING id, division, role),"
    " c AS (UPDATE cases SET state = 'replied', result = $7, replied_at = now(), updated_at = now()"
    "  FROM g WHERE cases.id = $1 AND g.role = 'lead' AND cases.state = 'dispatched'"
    "  RETURNING cases.id),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT $1, id, CASE WHEN role = 'lead' THEN 'replied' ELSE 'input' END, $3,"
    "   jsonb_build_object('division', division, 'result', $7::text)"
    "   || CASE WHEN $8::text IS NULL THEN '{}'::jsonb"
    "      ELSE jsonb_build_object('internal', $8::text) END FROM g),"
    " nl AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || t.division || '|'",
                             OUTBOX_MSG(CASE_NOTICE), "$1", "$6", "t.id", "$5::bytea",
                             OUTBOX_UNCLAIMED)
    "  FROM g JOIN tasks t ON t.case_id = $1 AND t.role = 'lead'"
    "  AND t.state IN ('dispatched', 'signed') WHERE g.role = 'co'),"
    " k AS (SELECT " DEADLINE_SQL_STEP("id", 9, 10, 11, 12) " AS n FROM g),"
    NOTICE_FR RESULT " NULL::bigint, NULL::text" CLOCKS;

int dispatch_apply_prepare(pg_t *pg)
{
    return pg_prepare(pg, "apply_sign", s_sign_sql) | pg_prepare(pg, "apply_note", s_note_sql) |
           pg_prepare(pg, "apply_need_material", s_need_material_sql) |
           pg_prepare(pg, "apply_material_arrived", s_material_arrived_sql) |
           pg_prepare(pg, "apply_extend", s_extend_sql) |
           pg_prepare(pg, "apply_decide_extension", s_decide_extension_sql) |
           pg_prepare(pg, "apply_reply", s_reply_sql) | pg_prepare(pg, "apply_states", s_states_sql) |
           pg_prepare(pg, "apply_fingerprint", s_fingerprint_sql) |
           dispatch_apply_case_prepare(pg);
}

/* Fills the six parameters every step statement shares. */
void dispatch_apply_common(const dispatch_apply_t *a, char (*buf)[32], pg_param_t *p)
{
    decimal_i64(a->ctx->case_id, buf[0]);
    decimal_i64(a->ctx->task_id, buf[1]);
    snprintf(buf[2], 32, "staff.%.24s|", a->ctx->first_responder);
    p[0] = PG_TEXT(buf[0]);
    p[1] = PG_TEXT(buf[1]);
    p[2] = PG_TEXT(a->actor);
    p[3] = PG_TEXT(buf[2]);
    p[4] = PG_BINARY(a->notice, a->notice_len);
    p[5] = PG_TEXT(a->ctx->case_number);
}

void dispatch_apply_clocks(const dispatch_apply_t *a, char (*buf)[32], pg_param_t *p, int first)
{
    for (int i = 0; i < DEADLINE_CLOCKS; i++) {
        deadline_action_t action = a->clocks.action[i];
        int64_t due = a->clocks.due_us[i];
        decimal_i64(due, buf[14 + i]);
        p[first + 2 * i] = PG_TEXT(deadline_action_str(action));
        p[first + 2 * i + 1] = PG_TEXT(due && action != DEADLINE_KEEP ? buf[14 + i] : NULL);
    }
}

void dispatch_dues_from(const deadline_task_t *t, dispatch_dues_t *out)
{
    out->response_due = t->clock[DEADLINE_RESPONSE].due_us;
    out->response_warn = t->clock[DEADLINE_RESPONSE].warn_us;
    out->completion_due = t->clock[DEADLINE_COMPLETION].due_us;
    out->completion_warn = t->clock[DEADLINE_COMPLETION].warn_us;
}

static int s_add_step(pg_txn_t *txn, const dispatch_apply_t *a, char (*buf)[32], pg_param_t *p)
{
    const dispatch_step_t *s = a->step;
    switch (s->action) {
    case ACTION_SIGN:
        dispatch_apply_clocks(a, buf, p, 6);
        return pg_txn_add(txn, true, "apply_sign", 10, p);
    case ACTION_NOTE:
        p[6] = PG_TEXT(s->text);
        return pg_txn_add(txn, true, "apply_note", 7, p);
    case ACTION_NEED_MATERIAL:
        p[6] = PG_TEXT(s->text);
        dispatch_apply_clocks(a, buf, p, 7);
        return pg_txn_add(txn, true, "apply_need_material", 11, p);
    case ACTION_MATERIAL_ARRIVED:
        snprintf(buf[3], 32, "%lld", (long long)a->shift_us);
        snprintf(buf[4], 32, "%lld", (long long)a->dues.completion_due);
        snprintf(buf[5], 32, "%lld", (long long)a->dues.completion_warn);
        snprintf(buf[6], 32, "%lld", (long long)a->dues.response_due);
        snprintf(buf[7], 32, "%lld", (long long)a->dues.response_warn);
        p[6] = PG_TEXT(buf[3]);
        p[7] = PG_TEXT(buf[4]);
        p[8] = PG_TEXT(buf[5]);
        p[9] = PG_TEXT(buf[6]);
        p[10] = PG_TEXT(buf[7]);
        dispatch_apply_clocks(a, buf, p, 11);
        return pg_txn_add(txn, true, "apply_material_arrived", 15, p);
    case ACTION_EXTEND:
        snprintf(buf[3], 32, "%lld", (long long)a->shift_us);
        p[6] = PG_TEXT(buf[3]);
        p[7] = PG_TEXT(s->text);
        p[8] = PG_TEXT(s->window);
        return pg_txn_add(txn, true, "apply_extend", 9, p);
    case ACTION_DECIDE_EXTENSION:
        snprintf(buf[4], 32, "%lld", (long long)a->dues.completion_due);
        snprintf(buf[5], 32, "%lld", (long long)a->dues.completion_warn);
        p[6] = PG_TEXT(s->grant ? "true" : "false");
        p[7] = PG_TEXT(buf[4]);
        p[8] = PG_TEXT(buf[5]);
        p[9] = PG_TEXT(s->text);
        dispatch_apply_clocks(a, buf, p, 10);
        return pg_txn_add(txn, true, "apply_decide_extension", 14, p);
    case ACTION_REPLY:
        p[6] = PG_TEXT(s->text);
        p[7] = PG_TEXT(s->internal && s->internal[0] ? s->internal : NULL);
        dispatch_apply_clocks(a, buf, p, 8);
        return pg_txn_add(txn, true, "apply_reply", 12, p);
    default:
        return dispatch_apply_case_add(txn, a, buf, p);
    }
}

int dispatch_apply_add(pg_txn_t *txn, const dispatch_apply_t *a)
{
    char buf[24][32];
    pg_param_t p[20];
    dispatch_apply_common(a, buf, p);
    if (s_add_step(txn, a, buf, p) < 0 || pg_txn_add(txn, true, "apply_states", 2, p) < 0)
        return -1;
    if (a->step->action == ACTION_TRIAGE && pg_txn_add(txn, true, "apply_fingerprint", 1, p) < 0)
        return -1;
    return 0;
}
