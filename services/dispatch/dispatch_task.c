/* Task creation, a batch of messages at a time in multi-row statements.
 * Idempotent by the guarded transition of the case for lead tasks (a
 * message sent again finds the case dispatched and changes nothing), by the
 * unique (case, division, role, round) of tasks for co-handling ones (a
 * co-handling insert that already happened does nothing). */
#include "dispatch_task.h"

#include "clock.h"
#include "dispatch_route.h"
#include "log.h"
#include "outbox.h"
#include "pg_array.h"
#include "pg_time.h"

#include <stdio.h>
#include <stdlib.h>

/* A batch of CaseTriaged messages in one statement: parallel arrays, one
 * element per message in the order received ($1 msg_id, $2 case id, $3 lead
 * division, $4 TaskDispatched body (bytea), $5-$8 response_due,
 * completion_due, response_warn, completion_warn in microseconds).
 * A message the outbox holds (from manual triage, or one a hand-off wrote
 * there: common/handoff.h) is acknowledged. For each case named (by the
 * first of its messages in the batch) the guarded transition triaged ->
 * dispatched, which makes a message sent again change nothing; the end of
 * its hand-off (its case_handoffs row), its lead task with its event and its
 * clocks, and its console message, sent but not stored (consoles do not
 * acknowledge: they take a snapshot when they connect). The lead task needs
 * no ON CONFLICT: a case is triaged once (from received, or from
 * needs_triage by hand) and never had a task before, and the guarded
 * transition lets one transaction only insert it; the unique round key
 * would still refuse a second one (the batch fails, its messages are tried
 * again and parked). Without the arbiter the insert is not speculative: no
 * probe of tasks_round_key before it, no confirmation record after it, 76
 * bytes of WAL less per task. A row per message,
 * in their order: acked, moved, the lead task, its division, the clock
 * states the batch recorded (all its tasks' in one statement, 068), then the
 * console message's OUTBOX_ROW_COLUMNS (NULL when none). */
/* clang-format off */
static const char *s_lead_sql =
    "WITH i AS (SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bytea[],"
    "  $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) WITH ORDINALITY"
    "  AS i(msg_id, case_id, division, body, rdue, cdue, rwarn, cwarn, ord)),"
    " ack AS (" OUTBOX_ACK_MANY_SQL("$1::uuid[]") "),"
    " a AS (SELECT DISTINCT ON (msg_id) ord FROM i WHERE msg_id IN (SELECT msg_id FROM ack)"
    "  ORDER BY msg_id, ord),"
    " d AS (SELECT DISTINCT ON (i.case_id) i.* FROM i ORDER BY i.case_id, i.ord),"
    " c AS (UPDATE cases SET state = 'dispatched', updated_at = now() FROM d"
    "  WHERE cases.id = d.case_id AND cases.state = 'triaged'"
    "  RETURNING cases.id, cases.case_number, d.ord, d.body),"
    " h AS (DELETE FROM case_handoffs WHERE case_id IN (SELECT id FROM c)),"
    " t AS (INSERT INTO tasks (case_id, division, role, response_due, completion_due,"
    "  response_warn, completion_warn)"
    "  SELECT d.case_id, d.division, 'lead', " PG_TIME_TS_OF("d.rdue") ", "
    PG_TIME_TS_OF("d.cdue") ", " PG_TIME_TS_OF("d.rwarn") ", " PG_TIME_TS_OF("d.cwarn")
    "  FROM d JOIN c ON c.id = d.case_id ORDER BY d.ord"
    "  RETURNING id, case_id, division, response_due, completion_due),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT case_id, id, 'dispatched', 'dispatch',"
    "   jsonb_build_object('division', division, 'role', 'lead') FROM t ORDER BY id),"
    " k AS (SELECT " DEADLINE_SQL_START_ALL("id", "case_id", "division", "'lead'::text",
                                            "response_due", "completion_due") " AS n FROM t),"
    " o AS (SELECT " OUTBOX_UNSTORED_COLUMNS("'dispatch'", "'div.' || t.division || '|'",
                                             OUTBOX_MSG(TASK_DISPATCHED), "t.case_id",
                                             "c.case_number", "t.id", "c.body")
    "  FROM t JOIN c ON c.id = t.case_id)"
    " SELECT (a.ord IS NOT NULL)::int AS acked, (c.id IS NOT NULL)::int AS moved, t.id,"
    "  i.division, k.n AS clocks, o.*"
    " FROM i CROSS JOIN k LEFT JOIN a ON a.ord = i.ord"
    " LEFT JOIN c ON c.id = i.case_id AND c.ord = i.ord LEFT JOIN t ON t.case_id = c.id"
    " LEFT JOIN o ON o.outbox_task_id = t.id ORDER BY i.ord";
/* clang-format on */

/* The co-handling tasks of the batch, after its lead tasks: parallel arrays
 * ($1 case id, $2 division, $3 case number, $4 body (bytea), $5-$8 the
 * deadlines as above). A case gets them with its lead task, made in this
 * transaction (dispatched at its now()): a message that comes again later
 * (a case's way in sends it once unstored, and once more stored when it
 * waits: common/handoff.h) makes none, even if the routes changed
 * meanwhile; one that exists already is not made again. Their console
 * messages are left for the relay to claim. */
/* clang-format off */
static const char *s_co_sql =
    "WITH x AS (SELECT DISTINCT ON (case_id, division) * FROM unnest($1::bigint[], $2::text[],"
    "  $3::text[], $4::bytea[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])"
    "  WITH ORDINALITY AS x(case_id, division, case_number, body, rdue, cdue, rwarn, cwarn, ord)"
    "  ORDER BY case_id, division, ord),"
    " t AS (INSERT INTO tasks (case_id, division, role, response_due, completion_due,"
    "  response_warn, completion_warn)"
    "  SELECT x.case_id, x.division, 'co', " PG_TIME_TS_OF("x.rdue") ", "
    PG_TIME_TS_OF("x.cdue") ", " PG_TIME_TS_OF("x.rwarn") ", " PG_TIME_TS_OF("x.cwarn")
    "  FROM x WHERE EXISTS (SELECT 1 FROM tasks l WHERE l.case_id = x.case_id"
    "   AND l.role = 'lead' AND l.dispatched_at = now()) ORDER BY x.ord"
    "  ON CONFLICT (case_id, division, role, round) DO NOTHING"
    "  RETURNING id, case_id, division, response_due, completion_due),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT case_id, id, 'dispatched', 'dispatch',"
    "   jsonb_build_object('division', division, 'role', 'co') FROM t ORDER BY id),"
    " k AS (SELECT " DEADLINE_SQL_START_ALL("id", "case_id", "division", "'co'::text",
                                            "response_due", "completion_due") " AS n FROM t),"
    " o AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || t.division || '|'",
                            OUTBOX_MSG(TASK_DISPATCHED), "t.case_id", "x.case_number", "t.id",
                            "x.body", OUTBOX_UNCLAIMED)
    "  FROM t JOIN x ON x.case_id = t.case_id AND x.division = t.division)"
    " SELECT count(*), (SELECT n FROM k) FROM t";
/* clang-format on */

/* The columns of a batch's statements, filled as its messages are built. */
enum { COL_MSG_ID, COL_CASE, COL_DIVISION, COL_BODY, COL_RDUE, COL_CDUE, COL_RWARN, COL_CWARN };
enum { CO_CASE, CO_DIVISION, CO_NUMBER, CO_BODY, CO_RDUE, CO_CDUE, CO_RWARN, CO_CWARN };
#define LEAD_COLS 8
#define CO_COLS 8

struct dispatch_batch {
    pg_array_t lead[LEAD_COLS];
    pg_array_t co[CO_COLS];
    int nlead;
    int nco;
};

static void s_batch_reset(dispatch_batch_t *b)
{
    for (int i = 0; i < LEAD_COLS; i++) {
        pg_array_free(&b->lead[i]);
        pg_array_init(&b->lead[i]);
    }
    for (int i = 0; i < CO_COLS; i++) {
        pg_array_free(&b->co[i]);
        pg_array_init(&b->co[i]);
    }
    b->nlead = 0;
    b->nco = 0;
}

dispatch_batch_t *dispatch_batch_new(void)
{
    dispatch_batch_t *b = calloc(1, sizeof(*b));
    if (b)
        s_batch_reset(b);
    return b;
}

void dispatch_batch_destroy(dispatch_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_batch_t *b = *self_p;
    for (int i = 0; i < LEAD_COLS; i++)
        pg_array_free(&b->lead[i]);
    for (int i = 0; i < CO_COLS; i++)
        pg_array_free(&b->co[i]);
    free(b);
    *self_p = NULL;
}

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

/* The four deadlines of a task, in the columns' order. */
static void s_add_dues(pg_array_t *col, const dispatch_dues_t *dues)
{
    pg_array_add_i64(&col[0], dues->response_due);
    pg_array_add_i64(&col[1], dues->completion_due);
    pg_array_add_i64(&col[2], dues->response_warn);
    pg_array_add_i64(&col[3], dues->completion_warn);
}

int dispatch_task_gather(const org_t *org, const dispatch_deadline_t *deadline,
                         dispatch_batch_t *batch, const Duban__Envelope *env, char *why,
                         size_t why_len)
{
    Duban__CaseTriaged *triaged =
        duban__case_triaged__unpack(NULL, env->body.len, env->body.data);
    uint8_t *bodies[1 + ORG_MAX_CO] = {NULL};
    size_t lens[1 + ORG_MAX_CO] = {0};
    int rc = -1;
    if (!triaged || env->case_id <= 0) {
        snprintf(why, why_len, "cannot dispatch: %s",
                 triaged ? "the envelope names no case" : "the body is not a CaseTriaged");
        goto out_free;
    }
    dispatch_route_t route;
    if (dispatch_route_find(org, triaged->category, triaged->lead_division, &route) < 0) {
        snprintf(why, why_len, "cannot dispatch: no route for category %.64s",
                 triaged->category);
        goto out_free;
    }
    int64_t now = clock_now_us();
    dispatch_dues_t dues;
    const char *priority = triaged->priority && triaged->priority[0] ? triaged->priority : "normal";
    if (dispatch_deadline_for(deadline, triaged->kind, priority, now, &dues) < 0) {
        snprintf(why, why_len, "cannot dispatch: no SLA policy for kind=%.32s priority=%.32s",
                 triaged->kind, priority);
        goto out_free;
    }
    /* Every body first, so that a failure leaves nothing of env gathered. */
    for (int i = 0; i <= route.nco; i++) {
        bodies[i] = s_pack(triaged, i == 0 ? route.lead : route.co[i - 1], i == 0 ? "lead" : "co",
                           &dues, now, &lens[i]);
        if (!bodies[i]) {
            snprintf(why, why_len, "could not build the statements (out of memory)");
            goto out_free;
        }
    }
    char case_id[24];
    snprintf(case_id, sizeof(case_id), "%lld", (long long)env->case_id);
    pg_array_add_text(&batch->lead[COL_MSG_ID], env->msg_id);
    pg_array_add_text(&batch->lead[COL_CASE], case_id);
    pg_array_add_text(&batch->lead[COL_DIVISION], route.lead);
    pg_array_add_bytes(&batch->lead[COL_BODY], bodies[0], lens[0]);
    s_add_dues(&batch->lead[COL_RDUE], &dues);
    batch->nlead++;
    for (int i = 0; i < route.nco; i++) {
        pg_array_add_text(&batch->co[CO_CASE], case_id);
        pg_array_add_text(&batch->co[CO_DIVISION], route.co[i]);
        pg_array_add_text(&batch->co[CO_NUMBER], env->case_number);
        pg_array_add_bytes(&batch->co[CO_BODY], bodies[1 + i], lens[1 + i]);
        s_add_dues(&batch->co[CO_RDUE], &dues);
        batch->nco++;
    }
    rc = 0;
out_free:
    for (int i = 0; i <= ORG_MAX_CO; i++)
        free(bodies[i]);
    if (triaged)
        duban__case_triaged__free_unpacked(triaged, NULL);
    return rc;
}

int dispatch_task_flush(dispatch_batch_t *batch, pg_txn_t *txn)
{
    int lead = -1;
    if (batch->nlead > 0)
        lead = pg_txn_add_arrays(txn, "dispatch_lead", batch->lead, LEAD_COLS);
    if (lead >= 0 && batch->nco > 0 &&
        pg_txn_add_arrays(txn, "dispatch_co", batch->co, CO_COLS) < 0)
        lead = -1;
    s_batch_reset(batch);
    return lead;
}
