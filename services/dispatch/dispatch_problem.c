/* The problem list; see dispatch_problem.h. */
#include "dispatch_problem.h"

#include "clock.h"
#include "log.h"
#include "pg_time.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $1 ref, $2 source, $3 source detail, $4 plan, $5 title, $6 description,
 * $7 division hint, $8 filer, $9 case number of the source case, $10 the
 * instant. Columns: the new problem's id (NULL when none was filed), the id
 * of the problem with the same ref, whether the case named is missing,
 * whether the plan named is missing. */
static const char *s_file_sql =
    "WITH src AS (SELECT id FROM cases WHERE case_number = nullif($9, '')),"
    " chk AS (SELECT (nullif($9, '') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM src)) AS no_case,"
    "  (nullif($4, '') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plans WHERE code = $4))"
    "  AS no_plan),"
    " p AS (INSERT INTO problems (ref, source, source_detail, case_id, plan, title, description,"
    "  division_hint, filed_by, filed_at)"
    "  SELECT $1, $2, nullif($3, ''), (SELECT id FROM src), nullif($4, ''), $5, $6,"
    "   nullif($7, ''), $8, " PG_TIME_TS(10) " FROM chk WHERE NOT no_case AND NOT no_plan"
    "  ON CONFLICT (ref) DO NOTHING RETURNING id)"
    " SELECT (SELECT id FROM p), (SELECT id FROM problems WHERE ref = $1),"
    "  (SELECT no_case FROM chk), (SELECT no_plan FROM chk)";

/* $1 problem: what the review needs. */
static const char *s_read_sql =
    "SELECT state, title, description, coalesce(plan, '') FROM problems WHERE id = $1";

/* $1 problem, $2 reviewer, $3 reason, $4 the instant. */
static const char *s_reject_sql =
    "UPDATE problems SET state = 'rejected', reviewed_by = $2, reviewed_at = " PG_TIME_TS(4) ","
    " review_reason = $3 WHERE id = $1 AND state = 'open' RETURNING id";

int dispatch_problem_prepare(pg_t *pg)
{
    return pg_prepare(pg, "problem_file", s_file_sql) |
           pg_prepare(pg, "problem_read", s_read_sql) |
           pg_prepare(pg, "problem_reject", s_reject_sql);
}

typedef struct {
    dispatch_problem_cb cb;
    void *arg;
    int64_t problem;
    /* review */
    pg_t *pg;
    const org_t *org;
    const dispatch_deadline_t *deadline;
    outbox_relay_t *relay;
    auth_identity_t who;
    bool accept;
    char reason[1024];
    const Duban__WorkItemSpec *rect;
    Duban__WorkItemSpec spec; /* rect with the problem's defaults */
    char ref[40], title[320], plan[80];
    char *content;
} run_t;

static void s_done(run_t *r, int status, const char *case_number, const char *message)
{
    r->cb(r->arg, status, r->problem, case_number ? case_number : "", message);
    free(r->content);
    free(r);
}

static void s_filed(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    char message[200];
    if (!ok) {
        s_done(r, pg_txn_connection_lost(txn) ? 503 : 500, NULL,
               pg_txn_connection_lost(txn) ? "the store is not reachable; nothing changed, try "
                                             "again"
                                           : pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
        s_done(r, 422, NULL, "file-problem refused: no case has that number");
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
        s_done(r, 422, NULL, "file-problem refused: no plan has that code (import it first)");
        return;
    }
    bool made = !PQgetisnull(res, 0, 0);
    r->problem = strtoll(PQgetvalue(res, 0, made ? 0 : 1), NULL, 10);
    if (made)
        log_info("problem filed", "problem=%lld", (long long)r->problem);
    snprintf(message, sizeof(message), made ? "problem %lld filed for review"
                                            : "problem %lld was filed already; nothing changed",
             (long long)r->problem);
    s_done(r, 200, NULL, message);
}

void dispatch_problem_file(pg_t *pg, const org_t *org, const auth_identity_t *who,
                           const Duban__ProblemSpec *p, dispatch_problem_cb cb, void *arg)
{
    dispatch_verdict_t verdict;
    if (!dispatch_rules_problem_spec(p, &verdict)) {
        cb(arg, verdict.status, 0, "", verdict.message);
        return;
    }
    const char *single[] = {p->ref,           p->source, p->source_detail, p->title,
                            p->division_hint, p->case_number, p->plan};
    size_t at;
    uint32_t cp;
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (single[i] && text_check(single[i], false, &at, &cp) != TEXT_OK) {
            cb(arg, 400, 0, "", "file-problem refused: a field has a control character");
            return;
        }
    if (text_check(p->description, true, &at, &cp) != TEXT_OK) {
        cb(arg, 400, 0, "", "file-problem refused: the description has a control character");
        return;
    }
    if (p->division_hint && p->division_hint[0] && !org_division_find(org, p->division_hint)) {
        cb(arg, 422, 0, "", "file-problem refused: the division is not configured");
        return;
    }
    run_t *r = calloc(1, sizeof(*r));
    if (!r) {
        cb(arg, 500, 0, "", "out of memory");
        return;
    }
    r->cb = cb;
    r->arg = arg;
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)clock_now_us());
    pg_param_t params[10] = {
        PG_TEXT(p->ref),           PG_TEXT(p->source),
        PG_TEXT(p->source_detail ? p->source_detail : ""),
        PG_TEXT(p->plan ? p->plan : ""),
        PG_TEXT(p->title),         PG_TEXT(p->description),
        PG_TEXT(p->division_hint ? p->division_hint : ""),
        PG_TEXT(who->staff),       PG_TEXT(p->case_number ? p->case_number : ""),
        PG_TEXT(now)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "problem_file", 10, params) < 0) {
        pg_txn_destroy(&txn);
        s_done(r, 500, NULL, "out of memory");
        return;
    }
    pg_txn_submit(pg, &txn, s_filed, r);
}

static void s_created(void *arg, int status, const char *case_number, const char *message)
{
    run_t *r = arg;
    s_done(r, status, case_number, message);
}

static void s_rejected(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    char message[160];
    if (!ok) {
        s_done(r, pg_txn_connection_lost(txn) ? 503 : 500, NULL, pg_txn_error(txn));
        return;
    }
    if (PQntuples(pg_txn_result(txn, 0)) != 1) {
        snprintf(message, sizeof(message), "review-problem refused: problem %lld was reviewed "
                                           "already",
                 (long long)r->problem);
        s_done(r, 409, NULL, message);
        return;
    }
    snprintf(message, sizeof(message), "problem %lld rejected", (long long)r->problem);
    s_done(r, 200, NULL, message);
}

static void s_read(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    char message[160];
    if (!ok) {
        s_done(r, pg_txn_connection_lost(txn) ? 503 : 500, NULL, pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) != 1) {
        snprintf(message, sizeof(message), "no problem has the number %lld",
                 (long long)r->problem);
        s_done(r, 404, NULL, message);
        return;
    }
    if (!r->accept) {
        /* a rejection of a problem reviewed already is refused by the guard */
        char id[24], now[24];
        snprintf(id, sizeof(id), "%lld", (long long)r->problem);
        snprintf(now, sizeof(now), "%lld", (long long)clock_now_us());
        pg_param_t p[4] = {PG_TEXT(id), PG_TEXT(r->who.staff), PG_TEXT(r->reason), PG_TEXT(now)};
        pg_txn_t *t = pg_txn_new();
        if (!t || pg_txn_add(t, true, "problem_reject", 4, p) < 0) {
            pg_txn_destroy(&t);
            s_done(r, 500, NULL, "out of memory");
            return;
        }
        pg_txn_submit(r->pg, &t, s_rejected, r);
        return;
    }
    /* The rectification item: the reviewer's, with the problem's title,
     * description and plan unless the reviewer gave them; keyed by the
     * problem, so a review sent again makes nothing twice. A problem
     * reviewed already is refused in the creation's own statement. */
    r->spec = *r->rect;
    snprintf(r->ref, sizeof(r->ref), "problem-%lld", (long long)r->problem);
    r->spec.ref = r->ref;
    r->spec.source = "problem";
    if (!r->spec.title || !r->spec.title[0]) {
        snprintf(r->title, sizeof(r->title), "%s", PQgetvalue(res, 0, 1));
        r->spec.title = r->title;
    }
    if (!r->spec.content || !r->spec.content[0]) {
        r->content = strdup(PQgetvalue(res, 0, 2));
        if (!r->content) {
            s_done(r, 500, NULL, "out of memory");
            return;
        }
        r->spec.content = r->content;
    }
    if (!r->spec.plan || !r->spec.plan[0]) {
        snprintf(r->plan, sizeof(r->plan), "%s", PQgetvalue(res, 0, 3));
        r->spec.plan = r->plan;
    }
    dispatch_workitem_create(r->pg, r->org, r->deadline, r->relay, &r->who, &r->spec, r->problem,
                             r->reason, s_created, r);
}

void dispatch_problem_review(pg_t *pg, const org_t *org, const dispatch_deadline_t *deadline,
                             outbox_relay_t *relay, const auth_identity_t *who,
                             int64_t problem_id, bool accept, const char *reason,
                             const Duban__WorkItemSpec *rect, dispatch_problem_cb cb, void *arg)
{
    if (problem_id <= 0) {
        cb(arg, 400, problem_id, "", "review-problem refused: name the problem");
        return;
    }
    if (!accept && (!reason || !reason[0])) {
        cb(arg, 422, problem_id, "", "review-problem refused: a rejection needs its reason");
        return;
    }
    if (accept && !rect) {
        cb(arg, 422, problem_id, "", "review-problem refused: an accepted problem needs its "
                                     "rectification item (lead division, person responsible, "
                                     "measure, deadline)");
        return;
    }
    run_t *r = calloc(1, sizeof(*r));
    if (!r) {
        cb(arg, 500, problem_id, "", "out of memory");
        return;
    }
    *r = (run_t){.cb = cb, .arg = arg, .problem = problem_id, .pg = pg, .org = org,
                 .deadline = deadline, .relay = relay, .who = *who, .accept = accept,
                 .rect = rect};
    snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)problem_id);
    pg_param_t p[1] = {PG_TEXT(id)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "problem_read", 1, p) < 0) {
        pg_txn_destroy(&txn);
        s_done(r, 500, NULL, "out of memory");
        return;
    }
    pg_txn_submit(pg, &txn, s_read, r);
}
