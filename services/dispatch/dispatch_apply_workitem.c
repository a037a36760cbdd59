/* The step statements of work items: progress, complete, verify,
 * ask-reassign and reassign. Same shape and parameters $1..$6 as
 * dispatch_apply.c (the guarded transition g, everything else FROM g); $7
 * is the step's instant (microseconds, the service clock's), so that the
 * timeline, the reports and the clock history carry the instant the step
 * was taken on a steered clock too. Each statement repeats the guards of
 * dispatch_rules_workitem.c. */
#include "dispatch_workitem.h"

#include "outbox.h"
#include "pg_time.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_FR DISPATCH_APPLY_NOTICE_FR
#define AT PG_TIME_TS(7)

/* The inspection office's console hears of the step. */
#define NOTICE_INSPECTION(from)                                                                    \
    " ni AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'inspection|'", OUTBOX_MSG(CASE_NOTICE),  \
                             "$1", "$6", "nullif($2::bigint, 0)", "$5::bytea", OUTBOX_UNCLAIMED)   \
    " FROM " from "),"

/* A new lead task n (division, round, deadlines) made by a verification
 * sent back or a reassignment: its dispatched event, its clocks started at
 * the step's instant, and its console message (body $B). */
#define NEW_LEAD_TASK(B)                                                                           \
    " nd AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"                  \
    "  SELECT $1, id, 'dispatched', 'dispatch', jsonb_build_object('division', division,"          \
    "   'role', role, 'round', round, 'due', completion_due, 'workitem', true), " AT " FROM n),"   \
    " kn AS (SELECT task_clock_start(id, case_id, division, role, dispatched_at, response_due,"    \
    "  completion_due) AS n FROM n),"                                                              \
    " nt AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || division || '|'",               \
                             OUTBOX_MSG(TASK_DISPATCHED), "$1", "$6", "id", "$" #B "::bytea",      \
                             OUTBOX_UNCLAIMED) " FROM n),"

/* The report wr's attachments ($N, a JSON array of file ids) bound to it:
 * the list its timeline event carries (case_attachments_bind refuses the
 * step when one is not the item's own unbound upload). */
#define BIND_ATTACHMENTS(N)                                                                        \
    " att AS (SELECT case_attachments_bind($1, (SELECT id FROM wr), $" #N "::jsonb) AS list),"

/* $8 text, $9 percent, $10 attachments. A lead division's progress report
 * meets the earliest report due whose window has opened, if one is open. */
static const char *s_progress_sql =
    "WITH g AS (UPDATE tasks SET updated_at = now() WHERE id = $2 AND case_id = $1"
    "  AND state IN ('dispatched', 'signed') AND role IN ('lead', 'co')"
    "  AND EXISTS (SELECT 1 FROM cases WHERE id = $1 AND state = 'dispatched')"
    "  RETURNING id, division, role),"
    " r AS (UPDATE tasks SET state = 'replied', replied_at = " AT ", result = $8,"
    "  signed_at = coalesce(signed_at, " AT "), handler = coalesce(handler, $3), updated_at = now()"
    "  WHERE id = (SELECT rt.id FROM tasks rt, g WHERE g.role = 'lead' AND rt.case_id = $1"
    "   AND rt.role = 'report' AND rt.state = 'dispatched' AND rt.dispatched_at <= " AT
    "   ORDER BY rt.completion_due, rt.id LIMIT 1)"
    "  RETURNING id, completion_due),"
    " kr AS (SELECT task_clock_step(id, " AT ", 'keep', NULL, 'meet', NULL) AS n FROM r),"
    " p AS (UPDATE work_items SET percent = $9 FROM g WHERE case_id = $1 AND g.role = 'lead'"
    "  RETURNING case_id),"
    " wr AS (INSERT INTO work_item_reports (case_id, task_id, report_task, division, kind,"
    "  percent, text, actor, at)"
    "  SELECT $1, g.id, (SELECT id FROM r), g.division, 'progress', $9, $8, $3, " AT " FROM g"
    "  RETURNING id),"
    BIND_ATTACHMENTS(10)
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    "  SELECT $1, id, 'progress_reported', $3, jsonb_strip_nulls(jsonb_build_object("
    "   'division', division, 'percent', $9::int, 'text', $8::text,"
    "   'report_task', (SELECT id FROM r), 'report_due', (SELECT completion_due FROM r),"
    "   'late', (SELECT " AT " > completion_due FROM r),"
    "   'attachments', (SELECT list FROM att))), " AT " FROM g),"
    NOTICE_INSPECTION("g") NOTICE_FR
    " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text,"
    "  coalesce((SELECT sum(n) FROM kr), 0)";

/* $8 text, $9-$12 the task's clocks (deadline_reply), $13 attachments. The lead division's
 * completion report puts the item before the inspection office (case
 * replied, verification awaiting) and ends the reports still due: none is
 * owed any more (one already missed stays a violation, task_clock_step). */
static const char *s_complete_sql =
    "WITH g AS (UPDATE tasks SET state = 'replied', replied_at = " AT ", result = $8,"
    "  signed_at = coalesce(signed_at, " AT "), handler = coalesce(handler, $3),"
    "  paused_total = paused_total + coalesce(" AT " - paused_at, interval '0'), paused_at = NULL,"
    "  updated_at = now() WHERE id = $2 AND case_id = $1 AND state IN ('dispatched', 'signed')"
    "  AND role IN ('lead', 'co')"
    "  AND EXISTS (SELECT 1 FROM cases WHERE id = $1 AND state = 'dispatched')"
    "  RETURNING id, division, role),"
    " c AS (UPDATE cases SET state = 'replied', result = $8, replied_at = " AT ","
    "  updated_at = now() FROM g WHERE cases.id = $1 AND g.role = 'lead'"
    "  AND cases.state = 'dispatched' RETURNING cases.id),"
    " w AS (UPDATE work_items SET verification = 'awaiting', completion_summary = $8,"
    "  percent = 100 FROM c WHERE work_items.case_id = c.id RETURNING work_items.case_id),"
    " r AS (UPDATE tasks SET state = 'replied', replied_at = " AT ", result = 'completed',"
    "  updated_at = now() FROM c WHERE tasks.case_id = c.id AND tasks.role = 'report'"
    "  AND tasks.state = 'dispatched' RETURNING tasks.id, tasks.dispatched_at),"
    /* a report whose window has not opened ends as it would have begun */
    " kr AS (SELECT task_clock_step(id, greatest(" AT ", dispatched_at), 'keep', NULL, 'drop',"
    "  NULL) AS n FROM r),"
    " wr AS (INSERT INTO work_item_reports (case_id, task_id, division, kind, percent, text,"
    "  actor, at) SELECT $1, id, division, 'completion', 100, $8, $3, " AT " FROM g"
    "  RETURNING id),"
    BIND_ATTACHMENTS(13)
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    "  SELECT $1, id, 'completion_reported', $3, jsonb_strip_nulls(jsonb_build_object("
    "   'division', division, 'role', role, 'text', $8::text,"
    "   'reports_ended', (SELECT count(*) FROM r), 'attachments', (SELECT list FROM att))), " AT
    "  FROM g),"
    " k AS (SELECT task_clock_step(id, " AT ", $9::text, " PG_TIME_TS(10) ", $11::text, "
    PG_TIME_TS(12) ") AS n FROM g),"
    NOTICE_INSPECTION("g") NOTICE_FR
    " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text,"
    "  (SELECT sum(n) FROM k) + coalesce((SELECT sum(n) FROM kr), 0)";

/* $8 accepted, $9 reason, $10 response due and $11 its warning of the lead
 * task a verification sent back makes, $12 its body. Accepted closes the
 * item (销号); sent back reopens it to the lead division with the deadline
 * the last lead task had, which keeps running. */
static const char *s_verify_sql =
    "WITH g AS (UPDATE cases SET state = CASE WHEN $8::boolean THEN 'closed' ELSE 'dispatched'"
    "  END, closed_at = CASE WHEN $8::boolean THEN " AT " END, updated_at = now()"
    "  WHERE id = $1 AND state = 'replied' AND EXISTS (SELECT 1 FROM work_items"
    "   WHERE case_id = $1 AND verification = 'awaiting') RETURNING id, state),"
    " w AS (UPDATE work_items SET verification = CASE WHEN $8::boolean THEN 'accepted'"
    "  ELSE 'sent_back' END, verified_at = " AT ", verified_by = $3,"
    "  percent = CASE WHEN $8::boolean THEN 100 ELSE percent END"
    "  FROM g WHERE work_items.case_id = g.id RETURNING work_items.case_id),"
    " v AS (INSERT INTO work_item_verifications (case_id, accepted, reason, actor, at)"
    "  SELECT id, $8::boolean, coalesce($9, ''), $3, " AT " FROM g),"
    " old AS (SELECT t.division, t.completion_due, t.completion_warn FROM tasks t"
    "  WHERE t.case_id = $1 AND t.role = 'lead' ORDER BY t.id DESC LIMIT 1),"
    " n AS (INSERT INTO tasks (case_id, division, role, round, dispatched_at, response_due,"
    "  completion_due, response_warn, completion_warn, updated_at)"
    "  SELECT $1, old.division, 'lead', (SELECT max(round) FROM tasks WHERE case_id = $1"
    "   AND division = old.division AND role = 'lead') + 1, " AT ", " PG_TIME_TS(10) ","
    "   old.completion_due, " PG_TIME_TS(11) ", old.completion_warn, now()"
    "  FROM g, old WHERE NOT $8::boolean"
    "  RETURNING id, case_id, division, role, round, dispatched_at, response_due, completion_due),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail, at)"
    "  SELECT $1, x.type, $3, x.detail, " AT " FROM g, LATERAL (VALUES"
    "   (1, CASE WHEN $8::boolean THEN 'verified' ELSE 'verification_sent_back' END,"
    "    jsonb_build_object('accepted', $8::boolean, 'reason', coalesce($9, ''))),"
    "   (2, CASE WHEN $8::boolean THEN 'closed' ELSE 'reopened' END,"
    "    jsonb_build_object('workitem', true, 'division', (SELECT division FROM old))))"
    "   x(ord, type, detail) ORDER BY x.ord),"
    " nl AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || old.division || '|'",
                             OUTBOX_MSG(CASE_NOTICE), "$1", "$6", "NULL", "$5::bytea",
                             OUTBOX_UNCLAIMED) " FROM g, old),"
    NEW_LEAD_TASK(12) NOTICE_FR
    " SELECT (SELECT count(*) FROM g), (SELECT id FROM n), (SELECT division FROM n),"
    "  coalesce((SELECT sum(n) FROM kn), 0)";

/* $8 reason, $9 the division suggested (NULL for none): recorded, and put
 * before the inspection office; the task and its deadline stay. */
static const char *s_ask_reassign_sql =
    "WITH g AS (UPDATE tasks SET updated_at = now() WHERE id = $2 AND case_id = $1"
    "  AND role = 'lead' AND state IN ('dispatched', 'signed') RETURNING id, division),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    "  SELECT $1, id, 'reassign_requested', $3, jsonb_strip_nulls(jsonb_build_object("
    "   'division', division, 'reason', $8::text, 'suggested', $9::text)), " AT " FROM g),"
    NOTICE_INSPECTION("g") NOTICE_FR
    " SELECT (SELECT count(*) FROM g), NULL::bigint, NULL::text, 0";

/* $8 grounds, $9 the division to lead, $10 response due and $11 its
 * warning, $12 the new task's body. The lead task ends (as a return: its
 * completion clock dropped), the new one keeps its deadline, as do the
 * reports still owed, which move to the new lead division: the clocks of
 * those still to fall due move with them (task_clock_transfer, 066), while
 * a report already missed stays a miss of the old division, on its clock.
 * A division the inspection office assigns by decision cannot return the
 * item either. */
static const char *s_reassign_sql =
    "WITH g AS (UPDATE tasks SET state = 'returned', returned_at = " AT ", return_reason = $8,"
    "  return_to = $9, updated_at = now() WHERE case_id = $1 AND role = 'lead'"
    "  AND state IN ('dispatched', 'signed') AND division <> $9"
    "  AND EXISTS (SELECT 1 FROM cases WHERE id = $1 AND state = 'dispatched')"
    "  RETURNING id, division, completion_due, completion_warn),"
    " k AS (SELECT task_clock_step(id, " AT ", 'meet', NULL, 'drop', NULL) AS n FROM g),"
    " n AS (INSERT INTO tasks (case_id, division, role, round, arbitrated, dispatched_at,"
    "  response_due, completion_due, response_warn, completion_warn, updated_at)"
    "  SELECT $1, $9, 'lead', coalesce((SELECT max(round) FROM tasks WHERE case_id = $1"
    "   AND division = $9 AND role = 'lead'), 0) + 1, true, " AT ", " PG_TIME_TS(10) ","
    "   g.completion_due, " PG_TIME_TS(11) ", g.completion_warn, now() FROM g"
    "  RETURNING id, case_id, division, role, round, dispatched_at, response_due, completion_due),"
    " rp AS (UPDATE tasks SET division = $9, updated_at = now() FROM g"
    "  WHERE tasks.case_id = $1 AND tasks.role = 'report' AND tasks.state = 'dispatched'"
    "  RETURNING tasks.id, tasks.completion_due),"
    " kp AS (SELECT task_clock_transfer(id, " AT ", $9) AS n FROM rp"
    "  WHERE completion_due > " AT "),"
    " w AS (UPDATE work_items SET lead_division = $9, divisions = array_remove(divisions, $9)"
    "  FROM g WHERE work_items.case_id = $1 RETURNING work_items.case_id),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    "  SELECT $1, id, 'reassigned', $3, jsonb_build_object('from', division, 'to', $9::text,"
    "   'grounds', $8::text, 'reports_moved', (SELECT count(*) FROM rp)), " AT " FROM g),"
    NEW_LEAD_TASK(12) NOTICE_FR
    " SELECT (SELECT count(*) FROM g), (SELECT id FROM n), (SELECT division FROM n),"
    "  (SELECT sum(n) FROM k) + coalesce((SELECT sum(n) FROM kn), 0)"
    "  + coalesce((SELECT sum(n) FROM kp), 0)";

int dispatch_apply_workitem_prepare(pg_t *pg)
{
    return pg_prepare(pg, "apply_progress", s_progress_sql) |
           pg_prepare(pg, "apply_complete", s_complete_sql) |
           pg_prepare(pg, "apply_verify", s_verify_sql) |
           pg_prepare(pg, "apply_ask_reassign", s_ask_reassign_sql) |
           pg_prepare(pg, "apply_reassign", s_reassign_sql);
}

static const char *s_or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

/* The step's attachments as the JSON array the statements take (malloc'ed;
 * NULL: out of memory). */
static char *s_attachments_json(const dispatch_step_t *s)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < s->nattachments; i++)
        json_array_append_new(list, json_string(s->attachments[i]));
    char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    return text;
}

int dispatch_workitem_add(pg_txn_t *txn, const dispatch_apply_t *a, int64_t at_us)
{
    char buf[24][32];
    pg_param_t p[20];
    const dispatch_step_t *s = a->step;
    char *attachments = NULL; /* pg_txn_add copies the parameters */
    dispatch_apply_common(a, buf, p);
    snprintf(buf[3], 32, "%lld", (long long)at_us);
    p[6] = PG_TEXT(buf[3]);
    int rc;
    switch (s->action) {
    case ACTION_PROGRESS:
        snprintf(buf[4], 32, "%d", s->percent);
        p[7] = PG_TEXT(s->text);
        p[8] = PG_TEXT(buf[4]);
        if (!(attachments = s_attachments_json(s)))
            return -1;
        p[9] = PG_TEXT(attachments);
        rc = pg_txn_add(txn, true, "apply_progress", 10, p);
        break;
    case ACTION_COMPLETE:
        p[7] = PG_TEXT(s->text);
        dispatch_apply_clocks(a, buf, p, 8);
        if (!(attachments = s_attachments_json(s)))
            return -1;
        p[12] = PG_TEXT(attachments);
        rc = pg_txn_add(txn, true, "apply_complete", 13, p);
        break;
    case ACTION_VERIFY:
        snprintf(buf[5], 32, "%lld", (long long)a->dues.response_due);
        snprintf(buf[6], 32, "%lld", (long long)a->dues.response_warn);
        p[7] = PG_TEXT(s->grant ? "true" : "false");
        p[8] = PG_TEXT(s_or_null(s->text));
        p[9] = PG_TEXT(buf[5]);
        p[10] = PG_TEXT(buf[6]);
        p[11] = PG_BINARY(a->dispatched ? a->dispatched : (const uint8_t *)"", a->dispatched_len);
        rc = pg_txn_add(txn, true, "apply_verify", 12, p);
        break;
    case ACTION_ASK_REASSIGN:
        p[7] = PG_TEXT(s->text);
        p[8] = PG_TEXT(s_or_null(s->division));
        rc = pg_txn_add(txn, true, "apply_ask_reassign", 9, p);
        break;
    case ACTION_REASSIGN:
        snprintf(buf[5], 32, "%lld", (long long)a->dues.response_due);
        snprintf(buf[6], 32, "%lld", (long long)a->dues.response_warn);
        p[7] = PG_TEXT(s->text);
        p[8] = PG_TEXT(s->division);
        p[9] = PG_TEXT(buf[5]);
        p[10] = PG_TEXT(buf[6]);
        p[11] = PG_BINARY(a->dispatched ? a->dispatched : (const uint8_t *)"", a->dispatched_len);
        rc = pg_txn_add(txn, true, "apply_reassign", 12, p);
        break;
    default:
        return -1;
    }
    free(attachments);
    if (rc < 0 || pg_txn_add(txn, true, "apply_states", 2, p) < 0)
        return -1;
    return 0;
}
