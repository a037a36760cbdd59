/* Creating a work item; see dispatch_workitem.h.
 *
 * One transaction: the first statement makes the case (kind workitem,
 * channel office, dispatched), its work_items row and milestones, every
 * task (the lead division's, the responsible divisions', one report task
 * per progress report due), their clocks (task_clock_start at the item's
 * start; a report task's response clock is dropped at once, as it has
 * nothing to sign) and the timeline; it does nothing when the ref exists.
 * Then one statement per lead or co-handling task writes its
 * TaskDispatched to the division's console, only for rows this
 * transaction made. */
#include "dispatch_workitem.h"

#include "clock.h"
#include "dispatch_workitem_schedule.h"
#include "log.h"
#include "pg_time.h"
#include "sla.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKITEM_MAX_TASKS (1 + 32 + WORKITEM_MAX_REPORTS)

/* The case number of a case made at $n (011_case_numbers.sql). */
#define WORKITEM_NUMBER(n) "case_number_next(" PG_TIME_TS(n) ")"

/* $1 ref, $2 source, $3 title, $4 content, $5 leaders text[], $6 lead
 * division, $7 responsible divisions text[], $8 named units, $9 starts (us),
 * $10 deadline (us), $11 rhythm, $12 report day, $13 plan, $14 phase, $15
 * leader assigned, $16 creator, $17 milestone titles text[], $18 their
 * dates bigint[], $19 the instant (us); tasks as parallel arrays: $20
 * divisions, $21 roles, $22 rounds, $23 dispatched, $24 response due, $25
 * completion due, $26 response warn, $27 completion warn (bigint us, NULL
 * for none); a rectification item: $28 its problem (0: none), $29 the
 * person responsible, $30 the measure, $31 the review's reason. Columns: the
 * new case number (NULL when none was made), the case number of the item
 * with the same ref, the leaders who are not staff with the leader role,
 * the clock states, the tasks, whether the person responsible is not staff
 * of the lead division, whether the problem is still open. */
static const char *s_create_sql =
    "WITH bad AS (SELECT string_agg(l, ', ') AS leaders,"
    "  ($29 <> '' AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.code = $29 AND s.division = $6"
    "   AND s.active)) AS person,"
    "  ($28::bigint = 0 OR EXISTS (SELECT 1 FROM problems p WHERE p.id = $28::bigint"
    "   AND p.state = 'open')) AS problem_open"
    "  FROM unnest($5::text[]) l WHERE NOT EXISTS (SELECT 1 FROM staff s"
    "   WHERE s.code = l AND s.role = 'leader' AND s.active)),"
    " c AS (INSERT INTO cases (case_number, query_code_sha256, channel, kind, priority, subject,"
    "  description, first_responder, recorded_by, external_ref, source, state, created_at,"
    "  updated_at)"
    "  SELECT " WORKITEM_NUMBER(19) ", sha256(convert_to(gen_random_uuid()::text, 'UTF8')),"
    "   'office', 'workitem', 'normal', $3, $4, $16, $16, 'workitem:' || $1, 'workitem',"
    "   'dispatched', "
    PG_TIME_TS(19) ", now() FROM bad WHERE bad.leaders IS NULL AND NOT bad.person"
    "  AND bad.problem_open"
    "  ON CONFLICT (external_ref) WHERE external_ref IS NOT NULL DO NOTHING"
    "  RETURNING id, case_number),"
    " w AS (INSERT INTO work_items (case_id, ref, source, plan, phase, leaders, lead_division,"
    "  divisions, named_units, starts_at, deadline, report_rhythm, report_day, leader_assigned,"
    "  created_by, created_at, problem_id, responsible_staff, measure)"
    "  SELECT id, $1, $2, nullif($13, ''), nullif($14::int, 0), $5::text[], $6, $7::text[],"
    "   nullif($8, ''), " PG_TIME_TS(9) ", " PG_TIME_TS(10) ", $11, nullif($12::int, 0),"
    "   $15::boolean, $16, " PG_TIME_TS(19) ", nullif($28::bigint, 0), nullif($29, ''),"
    "   nullif($30, '') FROM c RETURNING case_id),"
    " pr AS (UPDATE problems SET state = 'accepted', reviewed_by = $16, reviewed_at = "
    PG_TIME_TS(19) ", review_reason = nullif($31, ''), rectification_case_id = w.case_id"
    "  FROM w WHERE problems.id = $28::bigint AND problems.state = 'open' RETURNING problems.id),"
    " m AS (INSERT INTO work_item_milestones (case_id, seq, title, due)"
    "  SELECT w.case_id, x.seq, x.title, " PG_TIME_TS_OF("x.due")
    "  FROM w, unnest($17::text[], $18::bigint[]) WITH ORDINALITY x(title, due, seq)),"
    " t AS (INSERT INTO tasks (case_id, division, role, round, dispatched_at, response_due,"
    "  completion_due, response_warn, completion_warn, updated_at)"
    "  SELECT w.case_id, x.division, x.role, x.round,"
    "   " PG_TIME_TS_OF("x.dispatched") ", " PG_TIME_TS_OF("x.rdue") ","
    "   " PG_TIME_TS_OF("x.cdue") ", " PG_TIME_TS_OF("x.rwarn") ","
    "   " PG_TIME_TS_OF("x.cwarn") ", now()"
    "  FROM w, unnest($20::text[], $21::text[], $22::int[], $23::bigint[], $24::bigint[],"
    "   $25::bigint[], $26::bigint[], $27::bigint[])"
    "   x(division, role, round, dispatched, rdue, cdue, rwarn, cwarn)"
    "  RETURNING id, case_id, division, role, round, dispatched_at, response_due, completion_due),"
    " k AS (SELECT task_clock_start(id, case_id, division, role, dispatched_at, response_due,"
    "   completion_due)"
    "  + CASE WHEN role = 'report' THEN task_clock_step(id, dispatched_at, 'drop', NULL, 'keep',"
    "   NULL) ELSE 0 END AS n FROM t),"
    " e AS (INSERT INTO case_events (case_id, type, actor, detail, at)"
    "  SELECT case_id, 'workitem_created', $16, jsonb_strip_nulls(jsonb_build_object("
    "   'source', $2::text, 'leaders', $5::text[], 'lead_division', $6::text,"
    "   'divisions', $7::text[], 'named_units', nullif($8, ''), 'plan', nullif($13, ''),"
    "   'phase', nullif($14::int, 0), 'starts_at', " PG_TIME_TS(9) ", 'deadline', "
    PG_TIME_TS(10) ", 'report_rhythm', $11::text, 'report_day', nullif($12::int, 0),"
    "   'reports_due', (SELECT count(*) FROM unnest($21::text[]) r WHERE r = 'report'),"
    "   'problem', (SELECT id FROM pr), 'responsible_staff', nullif($29, ''),"
    "   'measure', nullif($30, ''))), "
    PG_TIME_TS(19) " FROM w),"
    " et AS (INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    "  SELECT case_id, id, CASE WHEN role = 'report' THEN 'report_due' ELSE 'dispatched' END,"
    "   'dispatch', jsonb_build_object('division', division, 'role', role, 'round', round,"
    "   'starts_at', dispatched_at, 'due', completion_due, 'workitem', true), " PG_TIME_TS(19)
    "  FROM t)"
    " SELECT (SELECT case_number FROM c),"
    "  (SELECT x.case_number FROM cases x WHERE x.external_ref = 'workitem:' || $1),"
    "  (SELECT leaders FROM bad), (SELECT sum(n) FROM k), (SELECT count(*) FROM t),"
    "  (SELECT person FROM bad), (SELECT problem_open FROM bad)";

/* $1 ref, $2 division, $3 role, $4 TaskDispatched body: the message to the
 * console of the division of a task this transaction made. */
static const char *s_dispatched_sql =
    "WITH n AS (SELECT t.id, t.case_id, c.case_number, t.division FROM cases c"
    "  JOIN tasks t ON t.case_id = c.id AND t.division = $2 AND t.role = $3 AND t.round = 1"
    "  WHERE c.external_ref = 'workitem:' || $1 AND c.xmin = pg_current_xact_id()::xid),"
    " o AS (" OUTBOX_INSERT("'dispatch'", "'console'", "'div.' || division || '|'",
                            OUTBOX_MSG(TASK_DISPATCHED), "case_id", "case_number", "id",
                            "$4::bytea", OUTBOX_UNCLAIMED) " FROM n RETURNING id)"
    " SELECT count(*) FROM o";

int dispatch_workitem_prepare(pg_t *pg)
{
    return pg_prepare(pg, "workitem_create", s_create_sql) |
           pg_prepare(pg, "workitem_dispatched", s_dispatched_sql) |
           dispatch_apply_workitem_prepare(pg);
}

typedef struct {
    char division[64];
    const char *role;
    int round;
    int64_t dispatched, rdue, cdue, rwarn, cwarn;
    uint8_t *body;
    size_t body_len;
} plan_task_t;

typedef struct {
    dispatch_workitem_cb cb;
    void *arg;
    outbox_relay_t *relay;
    char ref[80];
    int64_t problem;
} create_t;

/* Appends v to a PostgreSQL array literal in buf: quoted (\ and " escaped),
 * or bare (numbers, NULL). */
static int s_array_add(char **buf, size_t *len, size_t *cap, const char *v, bool quote)
{
    size_t need = *len + 2 * strlen(v) + 5;
    if (need > *cap) {
        size_t cap2 = need * 2;
        char *b = realloc(*buf, cap2);
        if (!b)
            return -1;
        *buf = b;
        *cap = cap2;
    }
    char *p = *buf + *len;
    if (*len > 1)
        *p++ = ',';
    if (quote)
        *p++ = '"';
    for (const char *s = v; *s; s++) {
        if (*s == '"' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    if (quote)
        *p++ = '"';
    *p = '\0';
    *len = (size_t)(p - *buf);
    return 0;
}

typedef struct {
    char *buf;
    size_t len, cap;
} arr_t;

static int s_arr_init(arr_t *a)
{
    a->cap = 64;
    a->buf = malloc(a->cap);
    if (!a->buf)
        return -1;
    strcpy(a->buf, "{");
    a->len = 1;
    return 0;
}

static int s_arr_add(arr_t *a, const char *v)
{
    return s_array_add(&a->buf, &a->len, &a->cap, v, true);
}

/* A number, or NULL for 0 (an instant not set). */
static int s_arr_i64(arr_t *a, int64_t v)
{
    char n[24];
    snprintf(n, sizeof(n), "%lld", (long long)v);
    return s_array_add(&a->buf, &a->len, &a->cap, v ? n : "NULL", false);
}

/* Closes the literal (the buffer has room: s_array_add keeps 5 spare). */
static const char *s_arr_done(arr_t *a)
{
    if (a->buf[a->len - 1] == '}')
        return a->buf;
    a->buf[a->len++] = '}';
    a->buf[a->len] = '\0';
    return a->buf;
}

static void s_created(pg_txn_t *txn, bool ok, void *arg)
{
    create_t *c = arg;
    if (!ok) {
        c->cb(c->arg, pg_txn_connection_lost(txn) ? 503 : 500, "",
              pg_txn_connection_lost(txn) ? "the task store is not reachable; nothing changed, "
                                            "try again"
                                          : pg_txn_error(txn));
        free(c);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    char message[320];
    if (strcmp(PQgetvalue(res, 0, 5), "t") == 0) {
        snprintf(message, sizeof(message), "%s refused: the person responsible is not active "
                                           "staff of the lead division",
                 c->problem ? "review-problem" : "create-workitem");
        c->cb(c->arg, 422, "", message);
    } else if (!PQgetisnull(res, 0, 2)) {
        snprintf(message, sizeof(message), "create-workitem refused: %s %s not staff with the "
                                           "leader role",
                 PQgetvalue(res, 0, 2), strchr(PQgetvalue(res, 0, 2), ',') ? "are" : "is");
        c->cb(c->arg, 422, "", message);
    } else if (PQgetisnull(res, 0, 0) && PQgetisnull(res, 0, 1)) {
        snprintf(message, sizeof(message), "review-problem refused: problem %lld was reviewed "
                                           "already",
                 (long long)c->problem);
        c->cb(c->arg, 409, "", message);
    } else if (PQgetisnull(res, 0, 0)) {
        snprintf(message, sizeof(message), "work item %s exists already as %s; nothing changed",
                 c->ref, PQgetvalue(res, 0, 1));
        c->cb(c->arg, 200, PQgetvalue(res, 0, 1), message);
    } else {
        outbox_relay_kick(c->relay);
        log_info("work item created", "case=%s ref=%s tasks=%s", PQgetvalue(res, 0, 0), c->ref,
                 PQgetvalue(res, 0, 4));
        snprintf(message, sizeof(message), "work item %s created with %s tasks",
                 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 4));
        c->cb(c->arg, 200, PQgetvalue(res, 0, 0), message);
    }
    free(c);
}

static int s_pack_dispatched(plan_task_t *t, const Duban__WorkItemSpec *w)
{
    Duban__TaskDispatched d = DUBAN__TASK_DISPATCHED__INIT;
    d.division = t->division;
    d.role = (char *)t->role;
    d.kind = "workitem";
    d.category = "";
    d.subject = w->title;
    d.priority = "normal";
    d.dispatched_us = t->dispatched;
    d.response_due_us = t->rdue;
    d.completion_due_us = t->cdue;
    t->body_len = duban__task_dispatched__get_packed_size(&d);
    t->body = malloc(t->body_len ? t->body_len : 1);
    if (!t->body)
        return -1;
    duban__task_dispatched__pack(&d, t->body);
    return 0;
}

/* The item's tasks: lead, co-handling, then one report task per report due.
 * Returns how many, or -1 with why. */
static int s_plan_tasks(const dispatch_deadline_t *deadline, const Duban__WorkItemSpec *w,
                        int64_t starts, plan_task_t *tasks, char *why, size_t len)
{
    const deadline_rules_t *rules = dispatch_deadline_rules(deadline);
    int percent = sla_warning_percent(rules->sla);
    dispatch_dues_t dues;
    if (dispatch_deadline_for(deadline, "workitem", "normal", starts, &dues) < 0) {
        snprintf(why, len, "no SLA policy for work items (kind workitem): add one to the SLA "
                           "file");
        return -1;
    }
    int n = 0;
    for (size_t i = 0; i <= w->n_divisions; i++) {
        plan_task_t *t = &tasks[n++];
        snprintf(t->division, sizeof(t->division), "%s", i ? w->divisions[i - 1] : w->lead_division);
        t->role = i ? "co" : "lead";
        t->round = 1;
        t->dispatched = starts;
        t->rdue = dues.response_due;
        t->rwarn = dues.response_warn;
        t->cdue = w->deadline_us;
        t->cwarn = dispatch_workitem_warn(rules->working, percent, starts, w->deadline_us);
        if (s_pack_dispatched(t, w) < 0) {
            snprintf(why, len, "out of memory");
            return -1;
        }
    }
    int64_t dues_us[WORKITEM_MAX_REPORTS];
    int m = dispatch_workitem_report_dues(rules->working, w->report_rhythm, w->report_day, starts,
                                          w->deadline_us, dues_us, WORKITEM_MAX_REPORTS);
    if (m < 0) {
        snprintf(why, len, "create-workitem refused: more than %d progress reports would fall "
                           "due; split the item",
                 WORKITEM_MAX_REPORTS);
        return -1;
    }
    for (int i = 0; i < m; i++) {
        plan_task_t *t = &tasks[n++];
        snprintf(t->division, sizeof(t->division), "%s", w->lead_division);
        t->role = "report";
        t->round = i + 1;
        /* A report's window opens when the one before fell due. */
        t->dispatched = i ? dues_us[i - 1] : starts;
        t->cdue = dues_us[i];
        t->cwarn = dispatch_workitem_warn(rules->working, percent, t->dispatched, t->cdue);
    }
    return n;
}

static bool s_empty_rhythm(const char *rhythm)
{
    return !rhythm || !rhythm[0] || strcmp(rhythm, "none") == 0;
}

/* Every text of the item comes from people: no control characters. */
static bool s_clean(const Duban__WorkItemSpec *w, char *why, size_t len)
{
    const char *single[] = {w->ref,  w->source, w->title, w->lead_division, w->named_units,
                            w->report_rhythm, w->plan, w->responsible_staff};
    size_t at;
    uint32_t cp;
    char what[96];
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (single[i] && text_check(single[i], false, &at, &cp) != TEXT_OK) {
            snprintf(why, len, "create-workitem refused: a field %s",
                     text_describe(text_check(single[i], false, &at, &cp), at, cp, what,
                                   sizeof(what)));
            return false;
        }
    if (w->measure && text_check(w->measure, true, &at, &cp) != TEXT_OK) {
        snprintf(why, len, "review-problem refused: the measure has a control character");
        return false;
    }
    if (w->content && text_check(w->content, true, &at, &cp) != TEXT_OK) {
        snprintf(why, len, "create-workitem refused: content %s",
                 text_describe(text_check(w->content, true, &at, &cp), at, cp, what, sizeof(what)));
        return false;
    }
    for (size_t i = 0; i < w->n_leaders; i++)
        if (text_check(w->leaders[i], false, &at, &cp) != TEXT_OK) {
            snprintf(why, len, "create-workitem refused: leader %zu has a control character",
                     i + 1);
            return false;
        }
    for (size_t i = 0; i < w->n_milestones; i++)
        if (text_check(w->milestones[i]->title, false, &at, &cp) != TEXT_OK) {
            snprintf(why, len, "create-workitem refused: milestone %zu has a control character",
                     i + 1);
            return false;
        }
    return true;
}

void dispatch_workitem_create(pg_t *pg, const org_t *org, const dispatch_deadline_t *deadline,
                              outbox_relay_t *relay, const auth_identity_t *who,
                              const Duban__WorkItemSpec *w, int64_t problem_id,
                              const char *review_reason, dispatch_workitem_cb cb, void *arg)
{
    int64_t now = clock_now_us();
    dispatch_verdict_t verdict;
    char why[256];
    if (!(problem_id ? dispatch_rules_rectification_spec(w, now, &verdict)
                     : dispatch_rules_workitem_spec(w, now, &verdict))) {
        cb(arg, verdict.status, "", verdict.message);
        return;
    }
    if (!s_clean(w, why, sizeof(why))) {
        cb(arg, 400, "", why);
        return;
    }
    for (size_t i = 0; i <= w->n_divisions; i++) {
        const char *d = i ? w->divisions[i - 1] : w->lead_division;
        if (!org_division_find(org, d)) {
            snprintf(why, sizeof(why), "create-workitem refused: division %.64s is not "
                                       "configured",
                     d);
            cb(arg, 422, "", why);
            return;
        }
    }
    int64_t starts = w->starts_us ? w->starts_us : now;
    plan_task_t *tasks = calloc(WORKITEM_MAX_TASKS, sizeof(*tasks));
    create_t *c = calloc(1, sizeof(*c));
    arr_t a[16] = {{0}};
    pg_txn_t *txn = NULL;
    int n = -1, status = 500;
    snprintf(why, sizeof(why), "out of memory");
    if (!tasks || !c)
        goto out_free;
    n = s_plan_tasks(deadline, w, starts, tasks, why, sizeof(why));
    if (n < 0) {
        status = strstr(why, "refused") ? 422 : 500;
        goto out_free;
    }
    for (int i = 0; i < 16; i++)
        if (s_arr_init(&a[i]) < 0)
            goto out_free;
    /* a[0] leaders, a[1] divisions, a[2] milestone titles, a[3] their dates,
     * a[4..11] the task columns */
    int rc = 0;
    for (size_t i = 0; i < w->n_leaders; i++)
        rc |= s_arr_add(&a[0], w->leaders[i]);
    for (size_t i = 0; i < w->n_divisions; i++)
        rc |= s_arr_add(&a[1], w->divisions[i]);
    for (size_t i = 0; i < w->n_milestones; i++) {
        rc |= s_arr_add(&a[2], w->milestones[i]->title);
        rc |= s_arr_i64(&a[3], w->milestones[i]->due_us);
    }
    for (int i = 0; i < n; i++) {
        char round[16];
        snprintf(round, sizeof(round), "%d", tasks[i].round);
        rc |= s_arr_add(&a[4], tasks[i].division) | s_arr_add(&a[5], tasks[i].role) |
              s_arr_add(&a[6], round) | s_arr_i64(&a[7], tasks[i].dispatched) |
              s_arr_i64(&a[8], tasks[i].rdue) | s_arr_i64(&a[9], tasks[i].cdue) |
              s_arr_i64(&a[10], tasks[i].rwarn) | s_arr_i64(&a[11], tasks[i].cwarn);
    }
    if (rc)
        goto out_free;
    char starts_s[24], deadline_s[24], day_s[16], phase_s[16], now_s[24], problem_s[24];
    snprintf(problem_s, sizeof(problem_s), "%lld", (long long)problem_id);
    snprintf(starts_s, sizeof(starts_s), "%lld", (long long)starts);
    snprintf(deadline_s, sizeof(deadline_s), "%lld", (long long)w->deadline_us);
    snprintf(day_s, sizeof(day_s), "%d", w->report_day);
    snprintf(phase_s, sizeof(phase_s), "%d", w->phase);
    snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
    /* a rhythm the rules let through, or none */
    bool reports = !s_empty_rhythm(w->report_rhythm);
    bool leader_assigned = w->n_leaders > 0 || strcmp(w->source, "instruction") == 0;
    pg_param_t p[31] = {
        PG_TEXT(w->ref), PG_TEXT(w->source), PG_TEXT(w->title), PG_TEXT(w->content),
        PG_TEXT(s_arr_done(&a[0])), PG_TEXT(w->lead_division), PG_TEXT(s_arr_done(&a[1])),
        PG_TEXT(w->named_units ? w->named_units : ""), PG_TEXT(starts_s), PG_TEXT(deadline_s),
        PG_TEXT(reports ? w->report_rhythm : "none"), PG_TEXT(reports ? day_s : "0"),
        PG_TEXT(w->plan ? w->plan : ""), PG_TEXT(phase_s),
        PG_TEXT(leader_assigned ? "true" : "false"), PG_TEXT(who->staff),
        PG_TEXT(s_arr_done(&a[2])), PG_TEXT(s_arr_done(&a[3])), PG_TEXT(now_s),
        PG_TEXT(s_arr_done(&a[4])), PG_TEXT(s_arr_done(&a[5])), PG_TEXT(s_arr_done(&a[6])),
        PG_TEXT(s_arr_done(&a[7])), PG_TEXT(s_arr_done(&a[8])), PG_TEXT(s_arr_done(&a[9])),
        PG_TEXT(s_arr_done(&a[10])), PG_TEXT(s_arr_done(&a[11])), PG_TEXT(problem_s),
        PG_TEXT(problem_id && w->responsible_staff ? w->responsible_staff : ""),
        PG_TEXT(problem_id && w->measure ? w->measure : ""),
        PG_TEXT(review_reason ? review_reason : "")};
    txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "workitem_create", 31, p) < 0)
        goto out_free;
    for (int i = 0; i < n; i++) {
        if (!tasks[i].body)
            continue;
        pg_param_t q[4] = {PG_TEXT(w->ref), PG_TEXT(tasks[i].division), PG_TEXT(tasks[i].role),
                           PG_BINARY(tasks[i].body, tasks[i].body_len)};
        if (pg_txn_add(txn, true, "workitem_dispatched", 4, q) < 0)
            goto out_free;
    }
    c->cb = cb;
    c->arg = arg;
    c->relay = relay;
    c->problem = problem_id;
    snprintf(c->ref, sizeof(c->ref), "%s", w->ref);
    pg_txn_submit(pg, &txn, s_created, c);
    c = NULL;
    status = 0;

out_free:
    pg_txn_destroy(&txn);
    for (int i = 0; i < 16; i++)
        free(a[i].buf);
    for (int i = 0; tasks && i < WORKITEM_MAX_TASKS; i++)
        free(tasks[i].body);
    free(tasks);
    free(c);
    if (status)
        cb(arg, status, "", why);
}
