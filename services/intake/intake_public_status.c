/* The public status look-up (GET /status, GET /api/v1/public/cases/{number}
 * ?code=...): a case by its number and query code, as a page or as JSON; see
 * intake_public.h. The reply is sent exactly once, also when the client left
 * while the lookup was pending. */
#include "intake_public_html.h"
#include "intake_public_internal.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libpq-fe.h>

/* clang-format off */
#define PUBLIC_TIME "'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'"
#define PUBLIC_CN_TIME "'YYYY\"年\"FMMM\"月\"FMDD\"日\" HH24:MI'"
#define PUBLIC_CN_DATE "'YYYY\"年\"FMMM\"月\"FMDD\"日\"'"
#define PUBLIC_CHINA(col) "(" col " AT TIME ZONE 'Asia/Shanghai')"

/* The columns of intake_public_html.h's STATUS_COL_*. The reply shown is
 * cases.result, the part of a reply meant for the requester; its internal
 * part stays in the event, for staff. */
static const char *s_status_sql =
    "SELECT c.case_number, c.kind, coalesce(c.category, ''), c.state,"
    " to_char(" PUBLIC_CHINA("c.created_at") ", " PUBLIC_TIME "),"
    " to_char(" PUBLIC_CHINA("c.updated_at") ", " PUBLIC_TIME "),"
    " coalesce((SELECT d.name FROM tasks t JOIN divisions d ON d.code = t.division"
    "  WHERE t.case_id = c.id AND t.role = 'lead' AND t.state <> 'returned'"
    "  ORDER BY t.id DESC LIMIT 1), ''),"
    " coalesce((SELECT d.case_number FROM cases d WHERE d.id = c.duplicate_of"
    "  AND case_public(d)), ''),"
    " coalesce((SELECT string_agg(DISTINCT d.name, '、') FROM tasks t"
    "  JOIN divisions d ON d.code = t.division WHERE t.case_id = c.id AND t.role = 'co'"
    "  AND t.state <> 'returned'), ''),"
    " coalesce((SELECT to_char(" PUBLIC_CHINA("t.completion_due") ", " PUBLIC_CN_DATE ")"
    "  FROM tasks t WHERE t.case_id = c.id AND t.role = 'lead'"
    "  AND t.state IN ('dispatched', 'signed') ORDER BY t.id DESC LIMIT 1), ''),"
    " CASE WHEN c.state IN ('replied', 'informed', 'closed') THEN coalesce(c.result, '')"
    "  ELSE '' END,"
    " to_char(" PUBLIC_CHINA("c.created_at") ", " PUBLIC_CN_TIME ")"
    " FROM cases c WHERE c.case_number = $1 AND c.query_code_sha256 = sha256(convert_to($2, 'UTF8'))";

/* The columns of STEP_COL_*: the lead division's steps and the case's. */
static const char *s_steps_sql =
    "SELECT e.type, to_char(" PUBLIC_CHINA("e.at") ", " PUBLIC_TIME "),"
    " to_char(" PUBLIC_CHINA("e.at") ", " PUBLIC_CN_TIME "), coalesce(e.detail->>'role', t.role, 'lead')"
    " FROM case_events e JOIN cases c ON c.id = e.case_id LEFT JOIN tasks t ON t.id = e.task_id"
    " WHERE c.case_number = $1 AND c.query_code_sha256 = sha256(convert_to($2, 'UTF8'))"
    " AND e.type IN ('received', 'triaged', 'needs_triage', 'dispatched', 'signed', 'replied',"
    "  'closed', 'reopened', 'duplicate', 'informed', 'callback', 'out_of_jurisdiction')"
    " AND coalesce(e.detail->>'role', t.role, 'lead') <> 'co'"
    " ORDER BY e.id";
/* clang-format on */

int intake_public_status_prepare(pg_t *pg)
{
    return pg_prepare(pg, "public_status", s_status_sql) |
           pg_prepare(pg, "public_steps", s_steps_sql);
}

static void s_status_page(intake_public_req_t *p, struct evhttp_request *req, int code, PGresult *c,
                          PGresult *steps, const char *error)
{
    struct evbuffer *page = evbuffer_new();
    if (!page) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    intake_html_status(page, p->in->org, p->in->bureau_name, c, steps, p->number, error);
    intake_public_send_html(req, code, page);
    evbuffer_free(page);
}

static void s_status_json(intake_public_req_t *p, struct evhttp_request *req, PGresult *c,
                          PGresult *steps)
{
#define V(col) PQgetvalue(c, 0, col)
#define OPT(col) (V(col)[0] ? V(col) : NULL)
    const char *category = V(STATUS_COL_CATEGORY);
    const org_category_t *cat = category[0] ? org_category_find(p->in->org, category) : NULL;
    const org_named_t *kind = org_kind_find(p->in->org, V(STATUS_COL_KIND));
    json_t *timeline = json_array();
    for (int i = 0; i < PQntuples(steps); i++)
        json_array_append_new(
            timeline, json_pack("{s:s, s:s, s:s}", "step", PQgetvalue(steps, i, STEP_COL_TYPE),
                                "label", intake_step_label(PQgetvalue(steps, i, STEP_COL_TYPE)),
                                "at", PQgetvalue(steps, i, STEP_COL_AT)));
    http_reply_json(
        req, 200,
        json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?,"
                  " s:o}",
                  "case_number", V(STATUS_COL_NUMBER), "kind", V(STATUS_COL_KIND), "kind_name",
                  kind ? kind->name : NULL, "category", cat ? cat->code : NULL, "category_name",
                  cat ? cat->name : NULL, "state", V(STATUS_COL_STATE), "state_name",
                  intake_state_label(V(STATUS_COL_STATE)), "received_at", V(STATUS_COL_RECEIVED),
                  "updated_at", V(STATUS_COL_UPDATED), "handled_by", OPT(STATUS_COL_LEAD),
                  "co_handled_by", OPT(STATUS_COL_CO), "expected_completion",
                  OPT(STATUS_COL_EXPECTED), "reply", OPT(STATUS_COL_RESULT), "merged_into",
                  OPT(STATUS_COL_MERGED_INTO), "timeline", timeline));
#undef OPT
#undef V
}

static void s_status_read(pg_txn_t *txn, bool ok, void *arg)
{
    intake_public_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    bool html = p->kind == PUBLIC_HTML_STATUS;
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read public status");
        if (req && problem->status == 503)
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        if (req && html)
            s_status_page(p, req, problem->status, NULL, NULL, problem->detail);
        else if (req)
            intake_problem_reply(req, problem);
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *c = pg_txn_result(txn, 0), *steps = pg_txn_result(txn, 1);
    if (PQntuples(c) != 1) {
        /* The same answer for an unknown number and a wrong code, so that a
         * case number alone reveals nothing; the number stays as typed. */
        if (html)
            s_status_page(p, req, 404, NULL, NULL,
                          "案件编号或查询码不正确，请核对后重新输入查询码。");
        else
            http_reply_problem(req, 404, "未找到案件", "案件编号或查询码不正确", NULL);
        goto out_free;
    }
    if (html)
        s_status_page(p, req, 200, c, steps, NULL);
    else
        s_status_json(p, req, c, steps);
out_free:
    intake_public_free(p);
}

void intake_public_status(intake_public_req_t *p, struct evhttp_request *req)
{
    if (!p->number[0] || !p->code[0]) {
        if (p->kind == PUBLIC_HTML_STATUS)
            s_status_page(p, req, 200, NULL, NULL, NULL);
        else
            http_reply_problem(req, 400, "缺少查询码", "请在 ?code= 中提供受理时拿到的查询码",
                               "code");
        intake_public_free(p);
        return;
    }
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[2] = {PG_TEXT(p->number), PG_TEXT(p->code)};
    if (!txn || !(p->held = http_hold(req)) ||
        pg_txn_add(txn, true, "public_status", 2, params) < 0 ||
        pg_txn_add(txn, true, "public_steps", 2, params) < 0) {
        pg_txn_destroy(&txn);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        intake_public_free(p);
        return;
    }
    pg_txn_submit(p->in->pg, &txn, s_status_read, p);
}
