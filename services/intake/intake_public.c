/* Public endpoints; see intake_public.h: their routing and rate limit, and
 * a case submitted by the report form or as JSON (the status look-up is
 * intake_public_status.c). Every reply is sent exactly once, also when the
 * client left while the rate limiter, the photos or a commit were pending. */
#include "intake_public.h"

#include "intake_public_html.h"
#include "intake_public_internal.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libxml/xmlstring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

int intake_public_prepare(pg_t *pg)
{
    intake_public_form_init();
    return intake_public_status_prepare(pg);
}

bool intake_public_handles(const char *path)
{
    return strcmp(path, "/") == 0 || strcmp(path, "/report") == 0 ||
           strcmp(path, "/status") == 0 || strcmp(path, "/public.js") == 0 ||
           strcmp(path, "/api/v1/public/cases") == 0 ||
           strncmp(path, "/api/v1/public/cases/", 21) == 0;
}

void intake_public_free(intake_public_req_t *p)
{
    http_release(&p->held);
    intake_public_form_clear(&p->form);
    intake_request_destroy(&p->req);
    free(p);
}

void intake_public_send_html(struct evhttp_request *req, int code, struct evbuffer *page)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
    /* No script but ours, no frame around the page, forms only to us. */
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                      "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_send_reply(req, code, NULL, page);
}

static void s_view_init(intake_t *in, intake_form_view_t *view, struct evkeyvalq *fields)
{
    memset(view, 0, sizeof(*view));
    view->bureau = in->bureau_name;
    view->fields = fields;
    view->max_photos = INTAKE_PHOTO_MAX;
    view->photo_max_mb = (long)(in->photo_max_bytes / (1024 * 1024));
}

static void s_form_page(intake_t *in, struct evhttp_request *req, int code,
                        const intake_form_view_t *view)
{
    struct evbuffer *page = evbuffer_new();
    if (!page) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    intake_html_form(page, in->org, view);
    intake_public_send_html(req, code, page);
    evbuffer_free(page);
}

/* The form again, everything typed kept, with one error for the page or a field. */
static void s_form_error(intake_public_req_t *p, struct evhttp_request *req, int code,
                         const char *field, const char *error)
{
    intake_form_view_t view;
    s_view_init(p->in, &view, &p->form.fields);
    view.photos_dropped = p->form.nphotos > 0;
    intake_form_view_error(&view, field, error);
    s_form_page(p->in, req, code, &view);
}

static void s_too_many(intake_public_req_t *p, struct evhttp_request *req)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
    if (p->kind == PUBLIC_FORM_POST) {
        s_form_error(p, req, 429, "", "提交过于频繁，请一分钟后再试。");
    } else if (p->kind == PUBLIC_HTML_STATUS) {
        struct evbuffer *page = evbuffer_new();
        intake_html_status(page, p->in->org, p->in->bureau_name, NULL, NULL, p->number,
                           "查询过于频繁，请一分钟后再试。");
        intake_public_send_html(req, 429, page);
        evbuffer_free(page);
    } else {
        http_reply_problem(req, 429, "请求过于频繁", "这个地址的请求过多，请一分钟后再试", NULL);
    }
}

/* The form's name and label of a field the validator named. */
static const char *s_form_field(const char *field, const char **label)
{
    static const char *const map[][3] = {
        {"kind", "kind", "类型"},
        {"category", "category", "事项分类"},
        {"subject", "subject", "标题"},
        {"description", "description", "具体情况"},
        {"place", "place", "地点"},
        {"enterprise", "enterprise", "涉及企业"},
        {"product", "product", "涉及产品"},
        {"requester.name", "name", "您的姓名"},
        {"requester.phone", "phone", "联系电话"},
        {"location.lat", "lat", "当前位置"},
        {"location.long", "lat", "当前位置"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(field, map[i][0]) == 0) {
            *label = map[i][2];
            return map[i][1];
        }
    *label = NULL;
    return "";
}

/* Builds a web case from the form's fields into p->req; false with the
 * errors (every missing required field, else the validator's first) in
 * view. */
static bool s_from_form(intake_public_req_t *p, intake_form_view_t *view)
{
    struct evkeyvalq *fields = &p->form.fields;
    static const char *const required[][2] = {{"subject", "请填写 标题：用一句话说明问题"},
                                              {"description", "请填写 具体情况"}};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const char *v = evhttp_find_header(fields, required[i][0]);
        if (!v || strspn(v, " \t\r\n") == strlen(v))
            intake_form_view_error(view, required[i][0], required[i][1]);
    }
    if (view->nerrors > 0)
        return false;
    intake_request_t *r = calloc(1, sizeof(*r));
    static const char *names[] = {"kind",       "category", "subject", "description", "place",
                                  "enterprise", "product",  "name",    "phone",       "lat",
                                  "long"};
    char **slots[] = {r ? &r->kind : NULL,        r ? &r->category : NULL,
                      r ? &r->subject : NULL,     r ? &r->description : NULL,
                      r ? &r->place : NULL,       r ? &r->enterprise : NULL,
                      r ? &r->product : NULL,     r ? &r->requester_name : NULL,
                      r ? &r->requester_phone : NULL, r ? &r->latitude : NULL,
                      r ? &r->longitude : NULL};
    bool oom = !r;
    for (size_t i = 0; r && i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = evhttp_find_header(fields, names[i]);
        if (v && v[0] && !(*slots[i] = strdup(v)))
            oom = true;
    }
    if (r) {
        r->channel = strdup("web");
        const char *anonymous = evhttp_find_header(fields, "anonymous");
        r->anonymous = anonymous && anonymous[0];
        const char *confidential = evhttp_find_header(fields, "confidential");
        r->confidential = confidential && confidential[0];
        if (!r->kind)
            r->kind = strdup("complaint");
        oom = oom || !r->channel || !r->kind;
    }
    if (oom) {
        intake_request_destroy(&r);
        intake_form_view_error(view, "", "服务器暂时繁忙，请稍后再试");
        return false;
    }
    intake_error_t err = {0};
    if (intake_request_check(p->in->org, r, &err) < 0) {
        const char *label = NULL;
        const char *field = s_form_field(err.field, &label);
        intake_refusal_t refusal;
        intake_problem_describe(&err, label, &refusal);
        log_info("refused public submission", "status=%d field=%s reason=%s", refusal.status,
                 err.field, err.detail);
        intake_count_refused("web_form", err.title);
        intake_form_view_error(view, field, refusal.detail);
        intake_request_destroy(&r);
        return false;
    }
    p->req = r;
    return true;
}

static void s_submitted(http_held_t *held, intake_outcome_t outcome, const char *response,
                        const char *case_number, const intake_problem_t *problem, void *arg)
{
    intake_public_req_t *p = arg;
    struct evhttp_request *req = held ? http_held_request(held) : NULL;
    bool html = p->kind == PUBLIC_FORM_POST;
    bool stored = outcome == INTAKE_CREATED || outcome == INTAKE_REPLAYED;
    json_t *body = response ? json_loads(response, 0, NULL) : NULL;
    if (!stored && p->photos.ok)
        intake_photo_store_forget(p->in->photos, &p->photos);
    if (!req) {
        /* the client left; the case (if created) stands */
    } else if (stored) {
        const char *number = json_string_value(json_object_get(body, "case_number"));
        log_info("public case accepted", "case=%s photos=%d", number ? number : "?",
                 p->photos.ok ? p->photos.count : 0);
        if (html) {
            struct evbuffer *page = evbuffer_new();
            intake_html_receipt(page, p->in->bureau_name, number,
                                json_string_value(json_object_get(body, "query_code")));
            intake_public_send_html(req, 201, page);
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
        if (problem->status == 503)
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        if (html)
            s_form_error(p, req, problem->status, "", problem->detail);
        else
            intake_problem_reply(req, problem);
    }
    json_decref(body);
    http_release(&held);
    intake_public_free(p);
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

/* Commits p->req (taken) with the photos stored for it. */
static void s_commit(intake_public_req_t *p, struct evhttp_request *req)
{
    intake_submission_t *sub = calloc(1, sizeof(*sub));
    if (!sub || (p->photos.ok && p->photos.count > 0 &&
                 !(sub->photos_json = intake_photo_store_json(&p->photos)))) {
        intake_submission_destroy(&sub);
        s_submitted(NULL, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL, p);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    sub->req = p->req;
    p->req = NULL;
    snprintf(sub->source, sizeof(sub->source), "web-form");
    snprintf(sub->peer, sizeof(sub->peer), "%s", http_client_addr(req, &p->in->trusted_proxies));
    intake_submit(p->in, req, &sub, s_submitted, p);
}

static void s_photos_stored(const intake_photo_result_t *result, void *arg)
{
    intake_public_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    http_release(&p->held);
    p->photos = *result;
    if (!req) {
        if (result->ok)
            intake_photo_store_forget(p->in->photos, result);
        intake_public_free(p);
        return;
    }
    if (!result->ok) {
        log_info("refused public submission", "status=400 field=photo peer=%s reason=%s",
                 log_addr(http_client_addr(req, &p->in->trusted_proxies)), result->why);
        intake_count_refused("web_form", "photo");
        s_form_error(p, req, result->failed >= 0 ? 400 : 503, "photo", result->why);
        intake_public_free(p);
        return;
    }
    s_commit(p, req);
}

/* Reads, checks and stores the report form: fields, then photos, then the case. */
static void s_form_post(intake_public_req_t *p, struct evhttp_request *req)
{
    intake_t *in = p->in;
    char *body = NULL, why[256];
    size_t len = 0;
    if (http_read_body(req, in->max_form_body, &body, &len) < 0) {
        log_info("refused public submission: body too large", "status=413 peer=%s max_bytes=%zu",
                 log_addr(http_client_addr(req, &in->trusted_proxies)), in->max_form_body);
        intake_count_refused("web_form", "body too large");
        char detail[160];
        snprintf(detail, sizeof(detail), "内容过长：照片每张不超过 %zu MB，最多 %d 张，请精简后再提交。",
                 in->photo_max_bytes / (1024 * 1024), INTAKE_PHOTO_MAX);
        s_form_error(p, req, 413, "photo", detail);
        intake_public_free(p);
        return;
    }
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    int parsed = intake_public_form_parse(type, body, len, &p->form, why, sizeof(why));
    free(body);
    if (parsed < 0) {
        log_info("refused public submission", "status=400 peer=%s reason=%s",
                 log_addr(http_client_addr(req, &in->trusted_proxies)), why);
        intake_count_refused("web_form", "malformed form");
        s_form_error(p, req, 400, "", why);
        intake_public_free(p);
        return;
    }
    intake_form_view_t view;
    s_view_init(in, &view, &p->form.fields);
    view.photos_dropped = p->form.nphotos > 0;
    if (!s_from_form(p, &view)) {
        s_form_page(in, req, 400, &view);
        intake_public_free(p);
        return;
    }
    if (p->form.nphotos == 0) {
        s_commit(p, req);
        return;
    }
    if (!in->photos || !(p->held = http_hold(req)) ||
        intake_photo_store_submit(in->photos, p->form.photos, p->form.nphotos, s_photos_stored,
                                  p) < 0) {
        http_release(&p->held);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
        s_form_error(p, req, 503, "photo", "照片暂时无法处理，请稍后再提交");
        intake_public_free(p);
        return;
    }
    p->form.nphotos = 0; /* the store has them now */
}

/* Reads, checks and submits the body of a JSON submission. */
static void s_json_post(intake_public_req_t *p, struct evhttp_request *req)
{
    intake_t *in = p->in;
    char *body = NULL;
    size_t len = 0;
    intake_error_t err = {0};
    if (http_read_body(req, in->max_body, &body, &len) < 0) {
        log_info("refused public submission: body too large", "status=413 peer=%s max_bytes=%zu",
                 log_addr(http_client_addr(req, &in->trusted_proxies)), in->max_body);
        intake_count_refused("web", "body too large");
        http_reply_problem(req, 413, "内容过长", "请求正文超过上限，请精简后再提交", NULL);
        intake_public_free(p);
        return;
    }
    intake_request_t *r = intake_request_parse(in->org, body, len, &err);
    if (r && (strcmp(r->channel, "web") != 0 || r->first_responder || r->received_at ||
              r->external_ref || r->division)) {
        intake_request_destroy(&r);
        log_info("refused public submission: staff-only fields", "status=422 field=channel peer=%s",
                 log_addr(http_client_addr(req, &in->trusted_proxies)));
        intake_count_refused("web", "staff-only fields");
        http_reply_problem(req, 422, "不接受的字段",
                           "公众提交只接受 channel 为 web 的案件，且不能指定 first_responder、"
                           "division、external_ref 或 received_at",
                           "channel");
        free(body);
        intake_public_free(p);
        return;
    }
    if (!r) {
        intake_refusal_t refusal;
        intake_problem_describe(&err, NULL, &refusal);
        log_info("refused public submission", "status=%d field=%s peer=%s reason=%s",
                 refusal.status, err.field, log_addr(http_client_addr(req, &in->trusted_proxies)), err.detail);
        intake_count_refused("web", err.title);
        http_reply_problem(req, refusal.status, refusal.title, refusal.detail,
                           err.field[0] ? err.field : NULL);
        free(body);
        intake_public_free(p);
        return;
    }
    intake_submission_t *sub = calloc(1, sizeof(*sub));
    if (!sub) {
        free(body);
        intake_request_destroy(&r);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        intake_public_free(p);
        return;
    }
    sub->req = r;
    snprintf(sub->source, sizeof(sub->source), "web-api");
    snprintf(sub->peer, sizeof(sub->peer), "%s", http_client_addr(req, &in->trusted_proxies));
    const char *key = evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
    if (key && key[0] && strlen(key) < sizeof(sub->idem_key)) {
        s_public_scope(sub->peer, sub->idem_scope, sizeof(sub->idem_scope));
        snprintf(sub->idem_key, sizeof(sub->idem_key), "%s", key);
        intake_sha256_hex(body, len, sub->request_sha256);
    }
    free(body);
    intake_submit(in, req, &sub, s_submitted, p);
}

static void s_limited(void *arg, bool allowed)
{
    intake_public_req_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    http_release(&p->held);
    if (!req) {
        intake_public_free(p);
        return;
    }
    if (!allowed) {
        log_info("rate limited", "peer=%s", log_addr(http_client_addr(req, &p->in->trusted_proxies)));
        intake_count_refused("public", "rate limited");
        s_too_many(p, req);
        intake_public_free(p);
        return;
    }
    if (p->kind == PUBLIC_FORM_POST)
        s_form_post(p, req);
    else if (p->kind == PUBLIC_JSON_POST)
        s_json_post(p, req);
    else
        intake_public_status(p, req);
}

void intake_public_handle(intake_t *in, struct evhttp_request *req, const char *path,
                          const char *query)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    bool get = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;
    if (strcmp(path, "/public.js") == 0 && get) {
        struct evbuffer *js = evbuffer_new();
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        evbuffer_add(js, INTAKE_PUBLIC_JS, strlen(INTAKE_PUBLIC_JS));
        evhttp_add_header(h, "Content-Type", "application/javascript; charset=utf-8");
        evhttp_add_header(h, "Cache-Control", "max-age=3600");
        evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
        evhttp_send_reply(req, 200, NULL, js);
        evbuffer_free(js);
        return;
    }
    intake_public_req_t *p = calloc(1, sizeof(*p));
    if (!p) {
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    p->in = in;
    TAILQ_INIT(&p->form.fields);
    if ((strcmp(path, "/") == 0 || strcmp(path, "/report") == 0) && get) {
        intake_form_view_t view;
        s_view_init(in, &view, NULL);
        s_form_page(in, req, 200, &view);
        intake_public_free(p);
        return;
    }
    const char *bucket = "lookup";
    int limit = in->lookup_per_minute;
    if (strcmp(path, "/report") == 0 && method == EVHTTP_REQ_POST) {
        p->kind = PUBLIC_FORM_POST;
    } else if (strcmp(path, "/api/v1/public/cases") == 0 && method == EVHTTP_REQ_POST) {
        p->kind = PUBLIC_JSON_POST;
    } else if (strcmp(path, "/status") == 0 && get) {
        p->kind = PUBLIC_HTML_STATUS;
        http_query_code(query, "number", p->number, sizeof(p->number));
        http_query_code(query, "code", p->code, sizeof(p->code));
    } else if (strncmp(path, "/api/v1/public/cases/", 21) == 0 && get &&
               strlen(path + 21) < sizeof(p->number)) {
        p->kind = PUBLIC_JSON_STATUS;
        snprintf(p->number, sizeof(p->number), "%s", path + 21);
        http_query_code(query, "code", p->code, sizeof(p->code));
    } else {
        intake_public_free(p);
        http_reply_problem(req, 405, "不支持的请求方法", "这个地址不接受该请求方法", NULL);
        return;
    }
    if (p->kind == PUBLIC_FORM_POST || p->kind == PUBLIC_JSON_POST) {
        bucket = "submit";
        limit = in->submit_per_minute;
    }
    if (!(p->held = http_hold(req))) {
        intake_public_free(p);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    intake_ratelimit_check(in->ratelimit, bucket, limit, http_client_addr(req, &in->trusted_proxies), s_limited, p);
}
