/* Public endpoints; see intake_public.h. Every reply is sent exactly once,
 * also when the client left while a lookup or a commit was pending. */
#include "intake_public.h"

#include "intake_public_html.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libxml/xmlstring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define PUBLIC_TIME "'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'"

static const char *s_status_sql =
    "SELECT c.case_number, c.kind, coalesce(c.category, ''), c.state,"
    " to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', " PUBLIC_TIME "),"
    " to_char(c.updated_at AT TIME ZONE 'Asia/Shanghai', " PUBLIC_TIME "),"
    " coalesce((SELECT string_agg(d.name, '、' ORDER BY t.id) FROM tasks t"
    "  JOIN divisions d ON d.code = t.division WHERE t.case_id = c.id AND t.role = 'lead'"
    "  AND t.state <> 'returned'), ''),"
    " coalesce((SELECT d.case_number FROM cases d WHERE d.id = c.duplicate_of"
    "  AND case_public(d)), '')"
    " FROM cases c WHERE c.case_number = $1 AND c.query_code_sha256 = sha256(convert_to($2, 'UTF8'))";

static const char *s_steps_sql =
    "SELECT e.type, to_char(e.at AT TIME ZONE 'Asia/Shanghai', " PUBLIC_TIME ")"
    " FROM case_events e JOIN cases c ON c.id = e.case_id"
    " WHERE c.case_number = $1 AND c.query_code_sha256 = sha256(convert_to($2, 'UTF8'))"
    " AND e.type IN ('received', 'triaged', 'needs_triage', 'dispatched', 'replied', 'closed',"
    "  'reopened', 'duplicate', 'informed')"
    " ORDER BY e.id";

int intake_public_prepare(pg_t *pg)
{
    return pg_prepare(pg, "public_status", s_status_sql) |
           pg_prepare(pg, "public_steps", s_steps_sql);
}

bool intake_public_handles(const char *path)
{
    return strcmp(path, "/") == 0 || strcmp(path, "/report") == 0 ||
           strcmp(path, "/status") == 0 || strcmp(path, "/api/v1/public/cases") == 0 ||
           strncmp(path, "/api/v1/public/cases/", 21) == 0;
}

typedef enum { PUBLIC_FORM_POST, PUBLIC_JSON_POST, PUBLIC_JSON_STATUS, PUBLIC_HTML_STATUS } kind_t;

/* A public request waiting for the rate limiter, then for PostgreSQL. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    kind_t kind;
    char number[40];
    char code[24];
} public_req_t;

static void s_send_html(struct evhttp_request *req, int code, struct evbuffer *page)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/html; charset=utf-8");
    evhttp_send_reply(req, code, NULL, page);
}

static void s_form_error(intake_t *in, struct evhttp_request *req, int code, const char *error)
{
    struct evbuffer *page = evbuffer_new();
    if (!page) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    intake_html_form(page, in->org, error);
    s_send_html(req, code, page);
    evbuffer_free(page);
}

static void s_too_many(struct evhttp_request *req, bool html, intake_t *in)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
    if (html)
        s_form_error(in, req, 429, "提交过于频繁，请一分钟后再试。");
    else
        http_reply_problem(req, 429, "请求过于频繁", "这个地址的请求过多，请一分钟后再试", NULL);
}

/* The form's label of a field the validator named, for the form's page. */
static const char *s_form_label(const char *field)
{
    static const char *const labels[][2] = {
        {"kind", "类型"},          {"category", "事项分类"},   {"subject", "标题"},
        {"description", "具体情况"}, {"place", "地点"},         {"enterprise", "涉及企业"},
        {"product", "涉及产品"},    {"requester.name", "您的姓名"}, {"requester.phone", "联系电话"},
    };
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(field, labels[i][0]) == 0)
            return labels[i][1];
    return NULL;
}

/* Builds a web case from form fields; NULL with err filled when refused. */
static intake_request_t *s_from_form(intake_t *in, const char *body, intake_error_t *err)
{
    struct evkeyvalq fields;
    TAILQ_INIT(&fields);
    if (evhttp_parse_query_str(body, &fields) != 0) {
        snprintf(err->title, sizeof(err->title), "malformed request");
        snprintf(err->detail, sizeof(err->detail), "the form could not be read");
        err->status = 400;
        return NULL;
    }
    intake_request_t *r = calloc(1, sizeof(*r));
    static const char *names[] = {"kind", "category", "subject", "description", "place",
                                  "enterprise", "product", "name", "phone"};
    char **slots[] = {&r->kind,       &r->category, &r->subject,        &r->description,
                      &r->place,      &r->enterprise, &r->product,      &r->requester_name,
                      &r->requester_phone};
    bool utf8 = true;
    for (size_t i = 0; r && i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = evhttp_find_header(&fields, names[i]);
        if (v && v[0]) {
            utf8 = utf8 && xmlCheckUTF8((const unsigned char *)v);
            *slots[i] = strdup(v);
        }
    }
    if (r) {
        r->channel = strdup("web");
        const char *anonymous = evhttp_find_header(&fields, "anonymous");
        r->anonymous = anonymous && anonymous[0];
        const char *confidential = evhttp_find_header(&fields, "confidential");
        r->confidential = confidential && confidential[0];
    }
    evhttp_clear_headers(&fields);
    if (!r || !utf8) {
        err->status = r ? 400 : 500;
        snprintf(err->title, sizeof(err->title), r ? "invalid UTF-8" : "out of memory");
        snprintf(err->detail, sizeof(err->detail), "the form is not valid UTF-8");
        intake_request_destroy(&r);
        return NULL;
    }
    if (intake_request_check(in->org, r, err) < 0) {
        intake_request_destroy(&r);
        return NULL;
    }
    return r;
}

static void s_submitted(http_held_t *held, intake_outcome_t outcome, const char *response,
                        const intake_problem_t *problem, void *arg)
{
    public_req_t *p = arg;
    struct evhttp_request *req = held ? http_held_request(held) : NULL;
    bool html = p->kind == PUBLIC_FORM_POST;
    json_t *body = response ? json_loads(response, 0, NULL) : NULL;
    if (!req) {
        /* the client left; the case (if created) stands */
    } else if (outcome == INTAKE_CREATED || outcome == INTAKE_REPLAYED) {
        const char *number = json_string_value(json_object_get(body, "case_number"));
        log_info("public case accepted case=%s", number ? number : "?");
        if (html) {
            struct evbuffer *page = evbuffer_new();
            intake_html_receipt(page, number, json_string_value(json_object_get(body, "query_code")));
            s_send_html(req, 201, page);
            evbuffer_free(page);
        } else {
            if (outcome == INTAKE_REPLAYED)
                evhttp_add_header(evhttp_request_get_output_headers(req), "Idempotent-Replayed",
                                  "true");
            json_object_del(body, "first_responder");
            http_reply_json(req, 201, json_incref(body));
        }
    } else {
        /* The problem was logged where it arose, with PostgreSQL's text. */
        if (!problem)
            problem = &INTAKE_PROBLEM_INTERNAL;
        if (html && problem->status == 503)
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        if (html)
            s_form_error(p->in, req, problem->status, problem->detail);
        else
            intake_problem_reply(req, problem);
    }
    json_decref(body);
    http_release(&held);
    free(p);
}

/* The idempotency scope of one public client: its address, hashed (the
 * table keeps no address). Someone who learns another client's key and
 * sends it from elsewhere is in another scope and gets their own case. */
static void s_public_scope(const char *peer, char *out, size_t len)
{
    char salted[96], hash[65];
    snprintf(salted, sizeof(salted), "duban-idempotency:%s", peer);
    intake_sha256_hex(salted, strlen(salted), hash);
    snprintf(out, len, "public:%.40s", hash);
}

/* Reads, checks and submits the body of a public submission. */
static void s_submit(public_req_t *p, struct evhttp_request *req)
{
    intake_t *in = p->in;
    bool html = p->kind == PUBLIC_FORM_POST;
    char *body = NULL;
    size_t len = 0;
    intake_error_t err = {0};
    intake_request_t *r = NULL;
    if (http_read_body(req, in->max_body, &body, &len) < 0) {
        log_info("refused public submission status=413 peer=%s: body larger than %zu bytes",
                 http_peer(req), in->max_body);
        if (html)
            s_form_error(in, req, 413, "内容过长，请精简后再提交。");
        else
            http_reply_problem(req, 413, "内容过长", "请求正文超过上限，请精简后再提交", NULL);
        free(p);
        return;
    }
    r = html ? s_from_form(in, body, &err) : intake_request_parse(in->org, body, len, &err);
    if (r && !html &&
        (strcmp(r->channel, "web") != 0 || r->first_responder || r->received_at ||
         r->external_ref || r->division)) {
        intake_request_destroy(&r);
        log_info("refused public submission status=422 field=channel peer=%s: staff-only fields",
                 http_peer(req));
        http_reply_problem(req, 422, "不接受的字段",
                           "公众提交只接受 channel 为 web 的案件，且不能指定 first_responder、"
                           "division、external_ref 或 received_at",
                           "channel");
        free(body);
        free(p);
        return;
    }
    if (!r) {
        intake_refusal_t refusal;
        intake_problem_describe(&err, html ? s_form_label(err.field) : NULL, &refusal);
        log_info("refused public submission status=%d field=%s peer=%s: %s", refusal.status,
                 err.field, http_peer(req), err.detail);
        if (html)
            s_form_error(in, req, refusal.status, refusal.detail);
        else
            http_reply_problem(req, refusal.status, refusal.title, refusal.detail,
                               err.field[0] ? err.field : NULL);
        free(body);
        free(p);
        return;
    }
    intake_submission_t *sub = calloc(1, sizeof(*sub));
    if (!sub) {
        free(body);
        intake_request_destroy(&r);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        free(p);
        return;
    }
    sub->req = r;
    snprintf(sub->source, sizeof(sub->source), "%s", html ? "web-form" : "web-api");
    snprintf(sub->peer, sizeof(sub->peer), "%s", http_peer(req));
    const char *key = evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
    if (key && !html && key[0] && strlen(key) < sizeof(sub->idem_key)) {
        s_public_scope(sub->peer, sub->idem_scope, sizeof(sub->idem_scope));
        snprintf(sub->idem_key, sizeof(sub->idem_key), "%s", key);
        intake_sha256_hex(body, len, sub->request_sha256);
    }
    free(body);
    intake_submit(in, req, &sub, s_submitted, p);
}

static void s_status_read(pg_txn_t *txn, bool ok, void *arg)
{
    public_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    bool html = p->kind == PUBLIC_HTML_STATUS;
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read public status");
        if (req && html) {
            struct evbuffer *page = evbuffer_new();
            if (problem->status == 503)
                evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
            intake_html_status(page, p->in->org, NULL, NULL, problem->detail);
            s_send_html(req, problem->status, page);
            evbuffer_free(page);
        } else if (req) {
            intake_problem_reply(req, problem);
        }
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *c = pg_txn_result(txn, 0), *steps = pg_txn_result(txn, 1);
    if (PQntuples(c) != 1) {
        /* The same answer for an unknown number and a wrong code, so that a
         * case number alone reveals nothing. */
        if (html) {
            struct evbuffer *page = evbuffer_new();
            intake_html_status(page, p->in->org, NULL, NULL, "案件编号或查询码不正确。");
            s_send_html(req, 404, page);
            evbuffer_free(page);
        } else {
            http_reply_problem(req, 404, "未找到案件", "案件编号或查询码不正确", NULL);
        }
        goto out_free;
    }
    if (html) {
        struct evbuffer *page = evbuffer_new();
        intake_html_status(page, p->in->org, c, steps, NULL);
        s_send_html(req, 200, page);
        evbuffer_free(page);
        goto out_free;
    }
    const char *category = PQgetvalue(c, 0, 2);
    const org_category_t *cat = category[0] ? org_category_find(p->in->org, category) : NULL;
    const org_named_t *kind = org_kind_find(p->in->org, PQgetvalue(c, 0, 1));
    json_t *timeline = json_array();
    for (int i = 0; i < PQntuples(steps); i++)
        json_array_append_new(timeline,
                              json_pack("{s:s, s:s, s:s}", "step", PQgetvalue(steps, i, 0),
                                        "label", intake_step_label(PQgetvalue(steps, i, 0)), "at",
                                        PQgetvalue(steps, i, 1)));
    http_reply_json(
        req, 200,
        json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o}",
                  "case_number",
                  PQgetvalue(c, 0, 0), "kind", PQgetvalue(c, 0, 1), "kind_name",
                  kind ? kind->name : NULL, "category", cat ? cat->code : NULL, "category_name",
                  cat ? cat->name : NULL, "state", PQgetvalue(c, 0, 3), "state_name",
                  intake_state_label(PQgetvalue(c, 0, 3)), "received_at", PQgetvalue(c, 0, 4),
                  "updated_at", PQgetvalue(c, 0, 5), "handled_by",
                  PQgetvalue(c, 0, 6)[0] ? PQgetvalue(c, 0, 6) : NULL, "merged_into",
                  PQgetvalue(c, 0, 7)[0] ? PQgetvalue(c, 0, 7) : NULL, "timeline", timeline));
out_free:
    http_release(&p->held);
    free(p);
}

static void s_status(public_req_t *p, struct evhttp_request *req)
{
    if (!p->number[0] || !p->code[0]) {
        if (p->kind == PUBLIC_HTML_STATUS) {
            struct evbuffer *page = evbuffer_new();
            intake_html_status(page, p->in->org, NULL, NULL, NULL);
            s_send_html(req, 200, page);
            evbuffer_free(page);
        } else {
            http_reply_problem(req, 400, "缺少查询码", "请在 ?code= 中提供受理时拿到的查询码",
                               "code");
        }
        free(p);
        return;
    }
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[2] = {PG_TEXT(p->number), PG_TEXT(p->code)};
    if (!txn || !(p->held = http_hold(req)) ||
        pg_txn_add(txn, true, "public_status", 2, params) < 0 ||
        pg_txn_add(txn, true, "public_steps", 2, params) < 0) {
        pg_txn_destroy(&txn);
        http_release(&p->held);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        free(p);
        return;
    }
    pg_txn_submit(p->in->pg, &txn, s_status_read, p);
}

static void s_limited(void *arg, bool allowed)
{
    public_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    http_release(&p->held);
    if (!req) {
        free(p);
        return;
    }
    if (!allowed) {
        log_info("rate limited address=%s", http_peer(req));
        s_too_many(req, p->kind == PUBLIC_FORM_POST || p->kind == PUBLIC_HTML_STATUS, p->in);
        free(p);
        return;
    }
    if (p->kind == PUBLIC_FORM_POST || p->kind == PUBLIC_JSON_POST)
        s_submit(p, req);
    else
        s_status(p, req);
}

static void s_copy_arg(const char *query, const char *name, char *out, size_t len)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && evhttp_parse_query_str(query, &args) == 0) {
        const char *v = evhttp_find_header(&args, name);
        if (v && strlen(v) < len &&
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                strlen(v))
            snprintf(out, len, "%s", v);
    }
    evhttp_clear_headers(&args);
}

void intake_public_handle(intake_t *in, struct evhttp_request *req, const char *path,
                          const char *query)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if ((strcmp(path, "/") == 0 || strcmp(path, "/report") == 0) && method == EVHTTP_REQ_GET) {
        s_form_error(in, req, 200, NULL);
        return;
    }
    public_req_t *p = calloc(1, sizeof(*p));
    if (!p) {
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    p->in = in;
    const char *bucket = "lookup";
    int limit = in->lookup_per_minute;
    if (strcmp(path, "/report") == 0 && method == EVHTTP_REQ_POST) {
        p->kind = PUBLIC_FORM_POST;
    } else if (strcmp(path, "/api/v1/public/cases") == 0 && method == EVHTTP_REQ_POST) {
        p->kind = PUBLIC_JSON_POST;
    } else if (strcmp(path, "/status") == 0 && method == EVHTTP_REQ_GET) {
        p->kind = PUBLIC_HTML_STATUS;
        s_copy_arg(query, "number", p->number, sizeof(p->number));
        s_copy_arg(query, "code", p->code, sizeof(p->code));
    } else if (strncmp(path, "/api/v1/public/cases/", 21) == 0 && method == EVHTTP_REQ_GET &&
               strlen(path + 21) < sizeof(p->number)) {
        p->kind = PUBLIC_JSON_STATUS;
        snprintf(p->number, sizeof(p->number), "%s", path + 21);
        s_copy_arg(query, "code", p->code, sizeof(p->code));
    } else {
        free(p);
        http_reply_problem(req, 405, "不支持的请求方法", "这个地址不接受该请求方法", NULL);
        return;
    }
    if (p->kind == PUBLIC_FORM_POST || p->kind == PUBLIC_JSON_POST) {
        bucket = "submit";
        limit = in->submit_per_minute;
    }
    if (!(p->held = http_hold(req))) {
        free(p);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    intake_ratelimit_check(in->ratelimit, bucket, limit, http_peer(req), s_limited, p);
}
