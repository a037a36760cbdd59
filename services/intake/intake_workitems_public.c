/* The work items' public pages, and the routing, rate limit and reply of
 * their evaluations (checked and stored by intake_workitems_evaluate.c); see
 * intake_workitems_public.h. Every reply is sent exactly once, also when
 * the client left while the rate limiter or PostgreSQL was asked. */
#include "intake_workitems_public_internal.h"

#include "intake_problem.h"
#include "intake_workitems_public_html.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define WP_CN_DATE(col) "to_char((" col ") AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"FMDD\"日\"')"
/* The public status: 已销号 once closed, 待核验 while the completion report
 * awaits verification, 未开始 before the item's clocks start, else 办理中. */
#define WP_STATUS \
    "CASE WHEN c.state = 'closed' THEN 'closed'" \
    " WHEN c.state = 'replied' OR w.verification = 'awaiting' THEN 'awaiting'" \
    " WHEN now() < w.starts_at THEN 'not_started' ELSE 'in_progress' END"
/* The public columns of an item, and nothing else. */
#define WP_ITEM_COLS \
    " c.case_number AS number, c.subject AS title, d.name AS lead_division," \
    " coalesce((SELECT string_agg(x.name, '、' ORDER BY x.code) FROM divisions x" \
    "  WHERE x.code = ANY (w.divisions)), '') AS divisions," \
    " " WP_CN_DATE("w.deadline") " AS deadline, " WP_STATUS " AS status," \
    " w.percent::text AS percent, coalesce(w.completion_summary, '') AS completion_summary"
#define WP_ITEM_FROM \
    " FROM work_items w JOIN cases c ON c.id = w.case_id JOIN divisions d ON d.code = w.lead_division"
#define WP_RECTIFICATION_COLS \
    " coalesce(w.measure, '') AS measure, coalesce(s.name, '') AS responsible"
#define WP_PAGE " LIMIT 20 OFFSET $1::int * 20"

static const char *s_rectification_sql =
    "SELECT" WP_ITEM_COLS "," WP_RECTIFICATION_COLS ", count(*) OVER ()::text AS total"
    WP_ITEM_FROM " LEFT JOIN staff s ON s.code = w.responsible_staff"
    " WHERE w.source = 'problem' ORDER BY w.deadline, c.id" WP_PAGE;

/* $2 the plan, $3 its lead division ('' every division). */
static const char *s_plan_sql =
    "SELECT" WP_ITEM_COLS ", count(*) OVER ()::text AS total" WP_ITEM_FROM
    " WHERE w.plan = $2 AND ($3 = '' OR w.lead_division = $3)"
    " ORDER BY d.name, w.deadline, c.id" WP_PAGE;

static const char *s_plan_head_sql =
    "SELECT p.title, coalesce((SELECT name FROM divisions WHERE code = $2), '')"
    " FROM plans p WHERE p.code = $1";

/* A problem with its rectification item's division, deadline, status and
 * summary once accepted; never source_detail nor filed_by. */
static const char *s_problems_sql =
    "SELECT p.id::text AS id, p.title, p.description, p.source, p.state,"
    " " WP_CN_DATE("p.filed_at") " AS filed,"
    " coalesce(c.case_number, '') AS number, coalesce(d.name, '') AS lead_division,"
    " coalesce(" WP_CN_DATE("w.deadline") ", '') AS deadline,"
    " CASE WHEN w.case_id IS NULL THEN '' ELSE " WP_STATUS " END AS status,"
    " coalesce(w.completion_summary, '') AS completion_summary,"
    " count(*) OVER ()::text AS total"
    " FROM problems p LEFT JOIN work_items w ON w.case_id = p.rectification_case_id"
    " LEFT JOIN cases c ON c.id = w.case_id LEFT JOIN divisions d ON d.code = w.lead_division"
    " ORDER BY p.id DESC" WP_PAGE;

static const char *s_index_sql =
    "SELECT p.code AS plan, p.title AS plan_title, w.lead_division AS division,"
    " d.name AS division_name, count(*)::text AS items"
    " FROM plans p JOIN work_items w ON w.plan = p.code JOIN divisions d ON d.code = w.lead_division"
    " GROUP BY p.code, p.title, w.lead_division, d.name ORDER BY p.code, d.name LIMIT 500";

/* One item with its plan and the counts of its evaluations (flagged ones
 * left out). */
static const char *s_item_sql =
    "SELECT" WP_ITEM_COLS "," WP_RECTIFICATION_COLS ","
    " coalesce(pl.title, '') AS plan_title, " WP_CN_DATE("w.starts_at") " AS starts,"
    " ev.satisfied::text AS satisfied, ev.basically::text AS basically,"
    " ev.dissatisfied::text AS dissatisfied"
    WP_ITEM_FROM " LEFT JOIN staff s ON s.code = w.responsible_staff"
    " LEFT JOIN plans pl ON pl.code = w.plan"
    " CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE e.rating = 'satisfied') AS satisfied,"
    "  count(*) FILTER (WHERE e.rating = 'basically') AS basically,"
    "  count(*) FILTER (WHERE e.rating = 'dissatisfied') AS dissatisfied"
    "  FROM work_item_evaluations e WHERE e.case_id = w.case_id AND NOT e.flagged) ev"
    " WHERE c.case_number = $1 AND c.kind = 'workitem'";

/* clang-format on */

int intake_workitems_public_prepare(pg_t *pg)
{
    return pg_prepare(pg, "wp_rectification", s_rectification_sql) |
           pg_prepare(pg, "wp_plan", s_plan_sql) | pg_prepare(pg, "wp_plan_head", s_plan_head_sql) |
           pg_prepare(pg, "wp_problems", s_problems_sql) |
           pg_prepare(pg, "wp_index", s_index_sql) | pg_prepare(pg, "wp_item", s_item_sql) |
           intake_workitems_public_evaluation_prepare(pg);
}

#define WP_PAGES "/workitems"
#define WP_API "/api/v1/public/workitems"

bool intake_workitems_public_handles(const char *path)
{
    return strcmp(path, WP_PAGES) == 0 || strncmp(path, WP_PAGES "/", 11) == 0 ||
           strcmp(path, WP_API) == 0 || strncmp(path, WP_API "/", 25) == 0;
}

static void s_free(wp_req_t *p)
{
    http_release(&p->held);
    free(p->comment);
    free(p);
}

static void s_send_html(struct evhttp_request *req, int code, struct evbuffer *page)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
    /* The public pages' policy (intake_public.c): no script, frame or form but ours. */
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                      "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_send_reply(req, code, NULL, page);
}

static void s_message(wp_req_t *p, struct evhttp_request *req, int code, const char *title,
                      const char *message)
{
    if (p->json) {
        http_reply_problem(req, code, title, message, NULL);
        return;
    }
    struct evbuffer *page = evbuffer_new();
    if (!page) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    wp_html_message(page, p->in->bureau_name, title, message);
    s_send_html(req, code, page);
    evbuffer_free(page);
}

/* ------------------------------------------------------------------------
 * JSON */

/* Row i of res as an object of its columns (all text), "total" left out,
 * with the Chinese labels of the coded ones. */
static json_t *s_row_json(PGresult *res, int i)
{
    json_t *o = json_object();
    for (int col = 0; o && col < PQnfields(res); col++) {
        const char *name = PQfname(res, col), *v = PQgetvalue(res, i, col);
        if (strcmp(name, "total") == 0)
            continue;
        json_object_set_new(o, name, json_string(v));
        if (strcmp(name, "status") == 0 && v[0])
            json_object_set_new(o, "status_label", json_string(wp_status_label(v)));
        else if (strcmp(name, "source") == 0)
            json_object_set_new(o, "source_label", json_string(wp_source_label(v)));
        else if (strcmp(name, "state") == 0)
            json_object_set_new(o, "state_label", json_string(wp_problem_state_label(v)));
    }
    return o;
}

static void s_list_json(wp_req_t *p, struct evhttp_request *req, const char *list, PGresult *rows)
{
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(rows); i++)
        json_array_append_new(items, s_row_json(rows, i));
    long total = PQntuples(rows) > 0 ? atol(PQgetvalue(rows, 0, PQfnumber(rows, "total"))) : 0;
    http_reply_json(req, 200,
                    json_pack("{s:s, s:i, s:i, s:I, s:o}", "list", list, "page", p->page + 1,
                              "per_page", WP_PER_PAGE, "total", (json_int_t)total, "items",
                              items));
}

/* The item with its evaluations' counts and 满意率 (null while none). */
static void s_item_json(struct evhttp_request *req, PGresult *item, int code, const char *message)
{
    json_t *o = s_row_json(item, 0);
    long sat = atol(PQgetvalue(item, 0, PQfnumber(item, "satisfied")));
    long basic = atol(PQgetvalue(item, 0, PQfnumber(item, "basically")));
    long dis = atol(PQgetvalue(item, 0, PQfnumber(item, "dissatisfied")));
    json_t *ev = json_pack("{s:I, s:I, s:I}", "satisfied", (json_int_t)sat, "basically",
                           (json_int_t)basic, "dissatisfied", (json_int_t)dis);
    json_object_set_new(ev, "satisfaction_rate",
                        sat + basic + dis > 0
                            ? json_real((double)(sat + basic) / (double)(sat + basic + dis))
                            : json_null());
    for (const char *const *k = (const char *const[]){"satisfied", "basically", "dissatisfied",
                                                       NULL};
         *k; k++)
        json_object_del(o, *k);
    json_object_set_new(o, "evaluations", ev);
    if (message)
        json_object_set_new(o, "message", json_string(message));
    http_reply_json(req, code, o);
}

/* ------------------------------------------------------------------------
 * Reads */

static void s_read_done(pg_txn_t *txn, bool ok, void *arg)
{
    wp_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, p->what == WP_EVALUATE ? INTAKE_PROBLEM_WRITE
                                                              : INTAKE_PROBLEM_READ,
                                  "public work items");
        if (req && problem->status == 503)
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        if (req && p->json)
            intake_problem_reply(req, problem);
        else if (req)
            s_message(p, req, problem->status, "暂时无法显示", problem->detail);
        goto out_free;
    }
    if (!req)
        goto out_free;
    const char *bureau = p->in->bureau_name;
    struct evbuffer *page = p->json ? NULL : evbuffer_new();
    if (!p->json && !page) {
        evhttp_send_error(req, 500, NULL);
        goto out_free;
    }
    PGresult *r0 = pg_txn_result(txn, 0);
    char query[160];
    switch (p->what) {
    case WP_INDEX:
        if (p->json) {
            json_t *plans = json_array();
            for (int i = 0; i < PQntuples(r0); i++)
                json_array_append_new(plans, s_row_json(r0, i));
            http_reply_json(req, 200, json_pack("{s:o}", "plans", plans));
        } else {
            wp_html_index(page, bureau, r0);
            s_send_html(req, 200, page);
        }
        break;
    case WP_PROBLEMS:
    case WP_RECTIFICATION:
        if (p->json) {
            s_list_json(p, req, p->what == WP_PROBLEMS ? "problems" : "rectification", r0);
        } else {
            wp_html_list(page, bureau,
                         p->what == WP_PROBLEMS ? WP_LIST_PROBLEMS : WP_LIST_RECTIFICATION,
                         p->what == WP_PROBLEMS ? "问题清单" : "整改清单", r0, p->page, "");
            s_send_html(req, 200, page);
        }
        break;
    case WP_PLAN: {
        PGresult *head = pg_txn_result(txn, 1);
        if (PQntuples(head) != 1) {
            s_message(p, req, 404, "未找到工作方案", "没有这个工作方案，请从督办事项公开页进入。");
            break;
        }
        if (p->json) {
            s_list_json(p, req, "plan", r0);
            break;
        }
        char title[512];
        snprintf(title, sizeof(title), "%s%s%s", PQgetvalue(head, 0, 0),
                 PQgetvalue(head, 0, 1)[0] ? " · " : "", PQgetvalue(head, 0, 1));
        snprintf(query, sizeof(query), "plan=%s&division=%s", p->plan, p->division);
        wp_html_list(page, bureau, WP_LIST_PLAN, title, r0, p->page, query);
        s_send_html(req, 200, page);
        break;
    }
    case WP_ITEM:
    case WP_EVALUATE: {
        PGresult *item = r0;
        int code = 200;
        const char *notice = NULL;
        if (p->what == WP_EVALUATE && !p->error[0]) {
            /* the insert came first, the item after it */
            item = pg_txn_result(txn, 1);
            code = intake_workitems_public_evaluation_outcome(p, r0, &notice);
        } else if (p->error[0]) {
            code = 422;
        }
        if (PQntuples(item) != 1) {
            s_message(p, req, 404, "未找到督办事项", "没有这个编号的督办事项，请核对后重试。");
            break;
        }
        if (p->json && p->error[0]) {
            http_reply_problem(req, code, code == 409 ? "已经评价过" : "评价内容有误", p->error,
                               p->field && p->field[0] ? p->field : NULL);
        } else if (p->json) {
            s_item_json(req, item, code, notice);
        } else {
            wp_form_t form = {.rating = p->error[0] ? p->rating : NULL,
                              .comment = p->error[0] ? p->comment : NULL,
                              .field = p->field,
                              .error = p->error[0] ? p->error : NULL,
                              .notice = notice};
            wp_html_item(page, bureau, item, &form);
            s_send_html(req, code, page);
        }
        break;
    }
    }
    if (page)
        evbuffer_free(page);
out_free:
    s_free(p);
}

static void s_read(wp_req_t *p, struct evhttp_request *req)
{
    pg_txn_t *txn = pg_txn_new();
    char page[16];
    snprintf(page, sizeof(page), "%d", p->page);
    int rc = txn ? 0 : -1;
    switch (p->what) {
    case WP_INDEX:
        rc = rc < 0 ? rc : pg_txn_add(txn, true, "wp_index", 0, NULL);
        break;
    case WP_PROBLEMS:
    case WP_RECTIFICATION: {
        pg_param_t params[1] = {PG_TEXT(page)};
        rc = rc < 0 ? rc
                    : pg_txn_add(txn, true,
                                 p->what == WP_PROBLEMS ? "wp_problems" : "wp_rectification", 1,
                                 params);
        break;
    }
    case WP_PLAN: {
        pg_param_t params[3] = {PG_TEXT(page), PG_TEXT(p->plan), PG_TEXT(p->division)};
        rc = rc < 0 ? rc : pg_txn_add(txn, true, "wp_plan", 3, params);
        rc = rc < 0 ? rc : pg_txn_add(txn, true, "wp_plan_head", 2, params + 1);
        break;
    }
    case WP_EVALUATE:
        if (!p->error[0])
            rc = rc < 0 ? rc : intake_workitems_public_evaluation_add(p, txn);
        break;
    case WP_ITEM:
        break;
    }
    if (p->what == WP_ITEM || p->what == WP_EVALUATE) {
        /* after the evaluation: the item with its counts as they are now */
        pg_param_t params[1] = {PG_TEXT(p->number)};
        rc = rc < 0 ? rc : pg_txn_add(txn, true, "wp_item", 1, params);
    }
    if (rc < 0 || !(p->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        s_free(p);
        return;
    }
    pg_txn_submit(p->in->pg, &txn, s_read_done, p);
}

/* ------------------------------------------------------------------------
 * Routing */

static void s_limited(void *arg, bool allowed)
{
    wp_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    http_release(&p->held);
    if (!req) {
        s_free(p);
        return;
    }
    if (!allowed) {
        log_info("rate limited", "peer=%s", log_addr(http_client_addr(req, &p->in->trusted_proxies)));
        intake_count_refused("public", "rate limited");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        s_message(p, req, 429, "请求过于频繁",
                  p->what == WP_EVALUATE ? "提交过于频繁，请一分钟后再试。"
                                         : "查询过于频繁，请一分钟后再试。");
        s_free(p);
        return;
    }
    if (p->what == WP_EVALUATE)
        intake_workitems_public_evaluation_read(p, req);
    s_read(p, req);
}

void intake_workitems_public_handle(intake_t *in, struct evhttp_request *req, const char *path,
                                    const char *query)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    bool get = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;
    bool post = method == EVHTTP_REQ_POST;
    wp_req_t *p = calloc(1, sizeof(*p));
    if (!p) {
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    p->in = in;
    p->field = "";
    p->json = strncmp(path, WP_API, strlen(WP_API)) == 0;
    const char *rest = path + strlen(p->json ? WP_API : WP_PAGES);
    char page[8];
    http_query_code(query, "page", page, sizeof(page));
    p->page = atoi(page) > 0 ? atoi(page) - 1 : 0;
    if (p->page >= WP_MAX_PAGE)
        p->page = WP_MAX_PAGE - 1;
    bool ok = true;
    if (rest[0] == '\0' && get) {
        p->what = WP_INDEX;
    } else if (strcmp(rest, "/problems") == 0 && get) {
        p->what = WP_PROBLEMS;
    } else if (strcmp(rest, "/rectification") == 0 && get) {
        p->what = WP_RECTIFICATION;
    } else if (strcmp(rest, "/plan") == 0 && get) {
        p->what = WP_PLAN;
        http_query_code(query, "plan", p->plan, sizeof(p->plan));
        http_query_code(query, "division", p->division, sizeof(p->division));
    } else if (!p->json && strcmp(rest, "/item") == 0 && (get || post)) {
        p->what = post ? WP_EVALUATE : WP_ITEM;
        http_query_code(query, "number", p->number, sizeof(p->number));
    } else if (p->json && rest[0] == '/' && (get || post)) {
        const char *slash = strchr(rest + 1, '/');
        size_t n = slash ? (size_t)(slash - rest - 1) : strlen(rest + 1);
        ok = n > 0 && n < sizeof(p->number) &&
             strspn(rest + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") >= n &&
             (slash ? post && strcmp(slash, "/evaluations") == 0 : get);
        if (ok) {
            memcpy(p->number, rest + 1, n);
            p->number[n] = '\0';
            p->what = post ? WP_EVALUATE : WP_ITEM;
        }
    } else {
        ok = false;
    }
    if (!ok) {
        s_free(p);
        http_reply_problem(req, get || post ? 404 : 405, get || post ? "未找到" : "不支持的请求方法",
                           get || post ? "没有这个地址" : "这个地址不接受该请求方法", NULL);
        return;
    }
    snprintf(p->peer, sizeof(p->peer), "%s", http_client_addr(req, &in->trusted_proxies));
    if (!(p->held = http_hold(req))) {
        s_free(p);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    if (p->what == WP_EVALUATE)
        intake_ratelimit_check(in->ratelimit, "evaluate", in->submit_per_minute, p->peer,
                               s_limited, p);
    else
        intake_ratelimit_check(in->ratelimit, "lookup", in->lookup_per_minute, p->peer,
                               s_limited, p);
}
