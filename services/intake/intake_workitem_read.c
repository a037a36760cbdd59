/* The staff's reads of work items and problems; see intake_workitem_read.h.
 * Each list is one statement, its rows built into JSON by PostgreSQL
 * (jsonb_agg), at most WORKITEM_READ_MAX rows (then "cut": true). */
#include "intake_workitem_read.h"

#include "clock.h"
#include "http.h"
#include "pg_time.h"
#include "intake_office.h"
#include "intake_problem.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKITEM_READ_MAX 500

/* $1 plan, $2 division (lead or responsible), $3 state (open, closed or
 * ''), $4 the viewer's division when only its own items may be read ('' for
 * all), $5 the instant (us), $6 the limit, $7 a lead leader ('' for any),
 * $8 one item's case number ('' for all). Names of leaders and of the
 * person responsible come with their codes, so that a page or dubanctl
 * needs no second read. */
static const char *s_items_sql =
    "SELECT coalesce(jsonb_agg(x ORDER BY x.deadline, x.case_number), '[]'::jsonb)::text,"
    " count(*) FROM (SELECT c.case_number, c.subject AS title, c.description AS content,"
    "  c.state, w.ref, w.source, w.plan, w.phase, w.leaders,"
    "  (SELECT coalesce(jsonb_agg(s.name ORDER BY array_position(w.leaders, s.code)), '[]')"
    "   FROM staff s WHERE s.code = ANY (w.leaders)) AS leader_names,"
    "  w.leader_assigned, w.lead_division, w.divisions, w.named_units, w.starts_at, w.deadline,"
    "  w.report_rhythm, w.report_day, w.percent, w.verification, w.verified_at, w.verified_by,"
    "  w.completion_summary, w.problem_id, w.responsible_staff,"
    "  (SELECT name FROM staff WHERE code = w.responsible_staff) AS responsible_name, w.measure,"
    "  c.state <> 'closed' AND w.deadline <= " PG_TIME_TS(5) " AS overdue,"
    "  (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', m.seq, 'title', m.title, 'due', m.due)"
    "   ORDER BY m.seq), '[]') FROM work_item_milestones m WHERE m.case_id = w.case_id)"
    "   AS milestones,"
    "  (SELECT jsonb_build_object('due', count(*) FILTER (WHERE t.completion_due <= "
    PG_TIME_TS(5) "), 'met', count(*) FILTER (WHERE t.state = 'replied'"
    "    AND t.replied_at <= t.completion_due AND t.result IS DISTINCT FROM 'completed'),"
    "   'missed', count(*) FILTER (WHERE t.completion_due <= " PG_TIME_TS(5)
    "    AND (t.state = 'dispatched' OR t.replied_at > t.completion_due)),"
    "   'next_due', min(t.completion_due) FILTER (WHERE t.state = 'dispatched'"
    "    AND t.completion_due > " PG_TIME_TS(5) "))"
    "   FROM tasks t WHERE t.case_id = c.id AND t.role = 'report') AS reports"
    "  FROM work_items w JOIN cases c ON c.id = w.case_id"
    "  WHERE ($1 = '' OR w.plan = $1)"
    "  AND ($2 = '' OR w.lead_division = $2 OR $2 = ANY (w.divisions))"
    "  AND ($3 = '' OR ($3 = 'closed') = (c.state = 'closed'))"
    "  AND ($4 = '' OR w.lead_division = $4 OR $4 = ANY (w.divisions))"
    "  AND ($7 = '' OR $7 = ANY (w.leaders))"
    "  AND ($8 = '' OR c.case_number = $8)"
    "  ORDER BY w.deadline, c.case_number LIMIT $6::int) x";

/* $1 state ('' for all), $2 the limit. */
static const char *s_problems_sql =
    "SELECT coalesce(jsonb_agg(x ORDER BY x.id), '[]'::jsonb)::text, count(*) FROM ("
    " SELECT p.id, p.source, p.source_detail, p.title, p.description, p.division_hint AS division,"
    "  p.plan, (SELECT case_number FROM cases WHERE id = p.case_id) AS case_number, p.filed_by,"
    "  p.filed_at, p.state, p.reviewed_by, p.reviewed_at, p.review_reason,"
    "  (SELECT case_number FROM cases WHERE id = p.rectification_case_id) AS rectification"
    " FROM problems p WHERE ($1 = '' OR p.state = $1) ORDER BY p.id LIMIT $2::int) x";

int intake_workitem_read_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_workitems", s_items_sql) |
           pg_prepare(pg, "intake_problems", s_problems_sql);
}

typedef struct {
    http_held_t *held;
    const char *name; /* "workitems" or "problems" */
    char number[40];  /* one item's case number: answer it alone, or 404 */
} read_t;

static void s_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = http_held_request(rd->held);
    if (req && !ok) {
        intake_problem_reply(req, intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, rd->name));
    } else if (req && rd->number[0]) {
        PGresult *res = pg_txn_result(txn, 0);
        json_t *list = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        json_t *item = json_array_get(list, 0);
        if (item) {
            http_reply_json(req, 200, json_incref(item));
        } else {
            /* a division must not learn which items exist elsewhere */
            char detail[96];
            snprintf(detail, sizeof(detail), "no work item %s is visible to you", rd->number);
            http_reply_problem(req, 404, "work item not found", detail, NULL);
        }
        json_decref(list);
    } else if (req) {
        PGresult *res = pg_txn_result(txn, 0);
        json_t *list = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        long rows = strtol(PQgetvalue(res, 0, 1), NULL, 10);
        if (list && json_array_size(list) > WORKITEM_READ_MAX)
            json_array_remove(list, WORKITEM_READ_MAX);
        http_reply_json(req, 200, json_pack("{s:o, s:b}", rd->name, list ? list : json_array(),
                                            "cut", rows > WORKITEM_READ_MAX));
    }
    http_release(&rd->held);
    free(rd);
}

static void s_submit(intake_t *in, struct evhttp_request *req, const char *name,
                     const char *number, const char *stmt, int n, const pg_param_t *params)
{
    if (!pg_is_up(in->pg)) {
        intake_reply_unavailable(req);
        return;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn || !(rd->held = http_hold(req)) || pg_txn_add(txn, true, stmt, n, params) < 0) {
        if (rd)
            http_release(&rd->held);
        free(rd);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    rd->name = name;
    snprintf(rd->number, sizeof(rd->number), "%s", number);
    pg_txn_submit(in->pg, &txn, s_read, rd);
}

/* The list, or one item (number not ""), as the viewer may read them. */
static void s_items(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                    const char *number, const char *query)
{
    static const char *const all[] = {"inspector", "admin", "leader", NULL};
    char plan[80], division[64], state[16], leader[64], now[24], limit[16];
    bool everything = auth_role_in(who, all);
    if (!everything && strcmp(who->role, "handler") != 0) {
        http_reply_problem(req, 403, "forbidden",
                           "work items are read by the inspection office, the leaders and the "
                           "divisions concerned",
                           NULL);
        return;
    }
    if (!intake_office_arg(req, query, "plan", plan, sizeof(plan)) ||
        !intake_office_arg(req, query, "division", division, sizeof(division)) ||
        !intake_office_arg(req, query, "state", state, sizeof(state)) ||
        !intake_office_arg(req, query, "leader", leader, sizeof(leader)))
        return;
    if (state[0] && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0) {
        http_reply_problem(req, 400, "invalid field", "state is open or closed", "state");
        return;
    }
    if (strlen(number) >= sizeof(((read_t *)0)->number)) {
        http_reply_problem(req, 404, "work item not found", "no such work item", NULL);
        return;
    }
    snprintf(now, sizeof(now), "%lld", (long long)clock_now_us());
    snprintf(limit, sizeof(limit), "%d", WORKITEM_READ_MAX + 1);
    /* a division sees only the items it has tasks in */
    pg_param_t p[8] = {PG_TEXT(plan),  PG_TEXT(division), PG_TEXT(state),
                       PG_TEXT(everything ? "" : who->division), PG_TEXT(now),
                       PG_TEXT(limit), PG_TEXT(leader),   PG_TEXT(number)};
    s_submit(in, req, "workitems", number, "intake_workitems", 8, p);
}

void intake_workitem_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          const char *key, const char *query)
{
    (void)key;
    s_items(in, req, who, "", query);
}

void intake_workitem_show(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          const char *key, const char *query)
{
    (void)query;
    s_items(in, req, who, key, NULL);
}

void intake_problem_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                         const char *key, const char *query)
{
    static const char *const readers[] = {"inspector", "admin", "leader", "clerk", "operator",
                                          NULL};
    char state[16], limit[16];
    if (!auth_role_in(who, readers)) {
        http_reply_problem(req, 403, "forbidden",
                           "the problem list is read by those who file and review it", NULL);
        return;
    }
    if (!intake_office_arg(req, query, "state", state, sizeof(state)))
        return;
    if (state[0] && strcmp(state, "open") != 0 && strcmp(state, "accepted") != 0 &&
        strcmp(state, "rejected") != 0) {
        http_reply_problem(req, 400, "invalid field", "state is open, accepted or rejected",
                           "state");
        return;
    }
    snprintf(limit, sizeof(limit), "%d", WORKITEM_READ_MAX + 1);
    pg_param_t p[2] = {PG_TEXT(state), PG_TEXT(limit)};
    s_submit(in, req, "problems", "", "intake_problems", 2, p);
}
