/* Routing, staff authentication and the staff API of intake. Every handler
 * ends in exactly one reply; replies that wait for PostgreSQL hold their
 * request (http_hold) so a client that leaves is noticed. */
#include "intake_api.h"

#include "auth_http.h"
#include "http.h"
#include "intake_confidential.h"
#include "intake_desk.h"
#include "intake_office.h"
#include "intake_open311.h"
#include "intake_attachment.h"
#include "intake_photo_api.h"
#include "intake_public.h"
#include "intake_queue.h"
#include "intake_search.h"
#include "intake_staff_read.h"
#include "intake_steps.h"
#include "intake_workitems_public.h"
#include "log.h"
#include "metrics.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct intake_api {
    intake_t *intake;
};

typedef enum {
    ROUTE_POST_CASE,
    ROUTE_GET_CASE,
    ROUTE_CONFIDENTIAL,
    ROUTE_DIVISION_TASKS,
    ROUTE_DIVISION_QUEUE,
    ROUTE_HANDLER /* another module's handler (intake_api_staff) */
} route_t;

/* A staff request waiting for its token check. */
typedef struct {
    intake_api_t *api;
    http_held_t *held;
    route_t route;
    char key[80]; /* case number or division code */
    char query[1024]; /* a search's words, URL-encoded, fit */
    intake_staff_handler_t handler; /* ROUTE_HANDLER */
} staff_req_t;

static const char *const s_acceptors[] = {"operator", "clerk", "admin", NULL};
/* Only an administrator marks cases as a benchmark's (dubanctl bench). */
static const char *const s_benchmarkers[] = {"admin", NULL};

static bool s_forbid(struct evhttp_request *req, const char *detail)
{
    http_reply_problem(req, 403, "forbidden", detail, NULL);
    return false;
}

/* Decides who the first responder is for a case entered by staff, per the
 * first-responder rule: an operator or walk-in clerk records as themself;
 * letters and e-mail go to the on-duty roster. False when refused (the
 * reply is sent). */
static bool s_staff_may_record(const auth_identity_t *who, intake_request_t *r,
                               struct evhttp_request *req)
{
    bool admin = strcmp(who->role, "admin") == 0;
    const char *ch = r->channel;
    if ((strcmp(ch, "web") == 0 || strcmp(ch, "open311") == 0) && !admin)
        return s_forbid(req, "web and Open311 cases come in through the public endpoints");
    if (r->received_at && !admin)
        return s_forbid(req, "only administrators import historical cases with received_at");
    if (strcmp(who->role, "operator") == 0) {
        if (strcmp(ch, "hotline") != 0 && strcmp(ch, "walk-in") != 0)
            return s_forbid(req, "operators record hotline and walk-in cases");
        if (r->first_responder && strcmp(r->first_responder, who->staff) != 0)
            return s_forbid(req, "an operator records cases as their own first responder");
        if (!r->first_responder)
            r->first_responder = strdup(who->staff);
    } else if (strcmp(who->role, "clerk") == 0) {
        if (strcmp(ch, "hotline") == 0)
            return s_forbid(req, "hotline cases are recorded by operators");
        if (strcmp(ch, "walk-in") == 0 && !r->first_responder)
            r->first_responder = strdup(who->staff);
    }
    return true;
}

static void s_case_submitted(http_held_t *held, intake_outcome_t outcome, const char *response,
                             const char *case_number, const intake_problem_t *problem, void *arg)
{
    struct evhttp_request *req = held ? http_held_request(held) : NULL;
    if (req) {
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);
        switch (outcome) {
        case INTAKE_CREATED:
        case INTAKE_REPLAYED: {
            /* A new case's answer goes out as PostgreSQL wrote it; a replay's
             * (rare) is read for its number. */
            json_t *body = case_number ? NULL : json_loads(response, 0, NULL);
            const char *number =
                case_number ? case_number : json_string_value(json_object_get(body, "case_number"));
            char location[96];
            snprintf(location, sizeof(location), "/api/v1/cases/%s", number ? number : "");
            evhttp_add_header(out, "Location", location);
            if (outcome == INTAKE_REPLAYED)
                evhttp_add_header(out, "Idempotent-Replayed", "true");
            else
                log_info("case accepted", "case=%s", number ? number : "?");
            json_decref(body);
            http_reply_json_text(req, 201, response);
            break;
        }
        case INTAKE_ALREADY_IMPORTED:
            http_reply_json_text(req, 200, response);
            break;
        case INTAKE_CONFLICT:
        case INTAKE_UNAVAILABLE:
        case INTAKE_FAILED:
            intake_problem_reply(req, problem ? problem : &INTAKE_PROBLEM_INTERNAL);
            break;
        }
    }
    http_release(&held);
}

static void s_post_case(intake_api_t *self, struct evhttp_request *req, const auth_identity_t *who)
{
    intake_t *in = self->intake;
    if (!auth_role_in(who, s_acceptors)) {
        s_forbid(req, "only operators, clerks and administrators record cases");
        return;
    }
    char *body = NULL;
    size_t len = 0;
    if (http_read_body(req, in->max_body, &body, &len) < 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", in->max_body);
        http_reply_problem(req, 413, "body too large", detail, NULL);
        return;
    }
    intake_error_t err;
    intake_request_t *r = intake_request_parse(in->org, body, len, &err);
    if (!r) {
        free(body);
        log_info("refused submission", "status=%d field=%s staff=%s reason=%s", err.status,
                 err.field, who->staff, err.detail);
        intake_count_refused("api", err.title);
        http_reply_problem(req, err.status, err.title, err.detail, err.field[0] ? err.field : NULL);
        return;
    }
    if (!s_staff_may_record(who, r, req)) {
        free(body);
        intake_request_destroy(&r);
        return;
    }
    /* A benchmark's case (X-Duban-Benchmark): recorded like any other, but
     * counted in no figure (cases.source 'benchmark', see 018). */
    bool benchmark =
        evhttp_find_header(evhttp_request_get_input_headers(req), "X-Duban-Benchmark") != NULL;
    if (benchmark && !auth_role_in(who, s_benchmarkers)) {
        free(body);
        intake_request_destroy(&r);
        s_forbid(req, "only an administrator records a benchmark's cases");
        return;
    }
    intake_submission_t *sub = calloc(1, sizeof(*sub));
    if (!sub) {
        free(body);
        intake_request_destroy(&r);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    sub->req = r;
    snprintf(sub->recorded_by, sizeof(sub->recorded_by), "%s", who->staff);
    snprintf(sub->source, sizeof(sub->source), "%s",
             benchmark ? "benchmark" : r->external_ref ? "import" : "api");
    snprintf(sub->peer, sizeof(sub->peer), "%s", http_client_addr(req, &in->trusted_proxies));
    const char *key = evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
    if (key) {
        if (strlen(key) == 0 || strlen(key) >= sizeof(sub->idem_key)) {
            free(body);
            intake_submission_destroy(&sub);
            http_reply_problem(req, 400, "invalid header",
                               "Idempotency-Key must be 1 to 127 characters", "Idempotency-Key");
            return;
        }
        snprintf(sub->idem_scope, sizeof(sub->idem_scope), "staff:%s", who->staff);
        snprintf(sub->idem_key, sizeof(sub->idem_key), "%s", key);
        intake_sha256_hex(body, len, sub->request_sha256);
    }
    free(body);
    intake_submit(in, req, &sub, s_case_submitted, NULL);
}

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    staff_req_t *s = arg;
    struct evhttp_request *req = http_held_request(s->held);
    if (!req)
        goto out_free;
    switch (result) {
    case AUTH_MISSING:
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Bearer realm=\"duban\"");
        http_reply_problem(req, 401, "authentication required",
                           "send your staff token as Authorization: Bearer <token>", NULL);
        goto out_free;
    case AUTH_REFUSED:
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Bearer realm=\"duban\", error=\"invalid_token\"");
        http_reply_problem(req, 401, "invalid token",
                           "the token is unknown or revoked; ask an administrator for a new one",
                           NULL);
        goto out_free;
    case AUTH_UNAVAILABLE:
        intake_reply_unavailable(req);
        goto out_free;
    case AUTH_OK:
        break;
    }
    /* The handler takes over the request (and holds it again if it waits). */
    http_release(&s->held);
    switch (s->route) {
    case ROUTE_POST_CASE:
        s_post_case(s->api, req, who);
        break;
    case ROUTE_GET_CASE:
        intake_staff_read_case(s->api->intake, req, who, s->key);
        break;
    case ROUTE_CONFIDENTIAL:
        intake_confidential_set(s->api->intake, req, who, s->key);
        break;
    case ROUTE_DIVISION_TASKS:
        intake_staff_read_tasks(s->api->intake, req, who, s->key, s->query);
        break;
    case ROUTE_DIVISION_QUEUE:
        intake_queue_read(s->api->intake, req, who, s->key, s->query);
        break;
    case ROUTE_HANDLER:
        s->handler(s->api->intake, req, who, s->key, s->query);
        break;
    }
out_free:
    http_release(&s->held);
    free(s);
}

static void s_staff_handler(intake_api_t *self, struct evhttp_request *req, route_t route,
                            intake_staff_handler_t handler, const char *key, const char *query)
{
    staff_req_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->held = http_hold(req))) {
        free(s);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    s->api = self;
    s->route = route;
    s->handler = handler;
    if (handler && key && strlen(key) >= sizeof(s->key)) {
        http_release(&s->held);
        free(s);
        http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        return;
    }
    snprintf(s->key, sizeof(s->key), "%s", key ? key : "");
    if (query && strlen(query) >= sizeof(s->query)) {
        http_release(&s->held);
        free(s);
        http_reply_problem(req, 414, "query too long", "the query string is too long", NULL);
        return;
    }
    snprintf(s->query, sizeof(s->query), "%s", query ? query : "");
    auth_http_cred_t cred;
    auth_http_credential(req, &cred);
    const char *refusal = auth_http_csrf_refusal(req, &cred);
    if (refusal) {
        log_info("refused a console request without CSRF proof", "path=%.*s peer=%s",
                 (int)strcspn(evhttp_request_get_uri(req), "?"), evhttp_request_get_uri(req),
                 log_addr(http_client_addr(req, &self->intake->trusted_proxies)));
        http_release(&s->held);
        free(s);
        http_reply_problem(req, 403, "forbidden", refusal, AUTH_HTTP_CSRF_HEADER);
        return;
    }
    auth_verify(self->intake->auth, cred.credential, s_authed, s);
}

static void s_staff(intake_api_t *self, struct evhttp_request *req, route_t route,
                    const char *key, const char *query)
{
    s_staff_handler(self, req, route, NULL, key, query);
}

void intake_api_staff(intake_api_t *self, struct evhttp_request *req,
                      intake_staff_handler_t handler, const char *key, const char *query)
{
    s_staff_handler(self, req, ROUTE_HANDLER, handler, key, query);
}

static void s_health(intake_api_t *self, struct evhttp_request *req)
{
    bool up = pg_is_up(self->intake->pg);
    json_t *report = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "service", "intake", "version",
                               metrics_version(), "status", up ? "ok" : "degraded", "postgres",
                               up, "backlog", (json_int_t)pg_backlog(self->intake->pg),
                               "cases_waiting",
                               (json_int_t)intake_commit_waiting(self->intake->commit));
    if (report && self->intake->relay)
        outbox_relay_health(self->intake->relay, report);
    if (report && self->intake->handoff)
        handoff_health(self->intake->handoff, report);
    http_reply_json(req, up ? 200 : 503, report);
}

static bool s_prefix(const char *path, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return false;
    *rest = path + n;
    return true;
}

static void s_route_cb(struct evhttp_request *req, void *arg)
{
    intake_api_t *self = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    const char *rest = NULL;
    if (!path)
        path = "/";
    /* Only the report form and a report's attachment carry files;
     * libevent's limit is raised for them, so any other body beyond the
     * old backstop is refused here (an attachment is bounded by its
     * handler). */
    if (strcmp(path, "/report") != 0 && !intake_attachment_upload_path(path) &&
        evbuffer_get_length(evhttp_request_get_input_buffer(req)) > self->intake->max_body * 4) {
        http_reply_problem(req, 413, "body too large", "the body is far larger than allowed",
                           NULL);
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        s_health(self, req);
    } else if (strcmp(path, "/api/v1/cases") == 0) {
        if (method == EVHTTP_REQ_POST)
            s_staff(self, req, ROUTE_POST_CASE, NULL, NULL);
        else if (method == EVHTTP_REQ_GET)
            intake_api_staff(self, req, intake_search_read, NULL, query);
        else
            http_reply_problem(req, 405, "method not allowed",
                               "use POST to submit a case, GET with q= to search", NULL);
    } else if (strcmp(path, "/api/v1/workitems") == 0 && method == EVHTTP_REQ_POST) {
        /* a supervised work item: dispatch checks the token and makes it */
        intake_steps_handle(self->intake->steps, req, NULL, "create-workitem");
    } else if (strcmp(path, "/api/v1/problems") == 0 && method == EVHTTP_REQ_POST) {
        /* the problem list: dispatch checks the token and files it */
        intake_steps_handle(self->intake->steps, req, NULL, "file-problem");
    } else if (s_prefix(path, "/api/v1/problems/", &rest) && method == EVHTTP_REQ_POST) {
        char *end = NULL;
        long long id = strtoll(rest, &end, 10);
        if (id <= 0 || !end || strcmp(end, "/review") != 0)
            http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        else
            intake_steps_review_problem(self->intake->steps, req, id);
    } else if (intake_photo_api_route(self, req, path, query)) {
        /* the report form's photos, for staff */
    } else if (intake_attachment_route(self, req, path, query)) {
        /* work items' report attachments */
    } else if (s_prefix(path, "/api/v1/cases/", &rest) && strstr(rest, "/steps/")) {
        /* /api/v1/cases/{number}/steps/{step}: dispatch checks the token. */
        char number[40];
        const char *slash = strchr(rest, '/');
        const char *step = strstr(rest, "/steps/") + 7;
        if ((size_t)(slash - rest) >= sizeof(number) || slash != strstr(rest, "/steps/") ||
            strchr(step, '/')) {
            http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
            return;
        }
        memcpy(number, rest, (size_t)(slash - rest));
        number[slash - rest] = '\0';
        intake_steps_handle(self->intake->steps, req, number, step);
    } else if (s_prefix(path, "/api/v1/cases/", &rest) && strchr(rest, '/') &&
               strcmp(strchr(rest, '/'), "/confidential") == 0) {
        char number[40];
        size_t n = (size_t)(strchr(rest, '/') - rest);
        if (method != EVHTTP_REQ_POST) {
            http_reply_problem(req, 405, "method not allowed",
                               "use POST with {\"confidential\": true} or false", NULL);
        } else if (n == 0 || n >= sizeof(number)) {
            http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        } else {
            memcpy(number, rest, n);
            number[n] = '\0';
            s_staff(self, req, ROUTE_CONFIDENTIAL, number, NULL);
        }
    } else if (s_prefix(path, "/api/v1/cases/", &rest) && method == EVHTTP_REQ_GET) {
        s_staff(self, req, ROUTE_GET_CASE, rest, NULL);
    } else if (s_prefix(path, "/api/v1/divisions/", &rest) && method == EVHTTP_REQ_GET) {
        const char *slash = strchr(rest, '/');
        char code[64];
        bool tasks = slash && strcmp(slash, "/tasks") == 0;
        if ((tasks || (slash && strcmp(slash, "/queue") == 0)) &&
            (size_t)(slash - rest) < sizeof(code)) {
            memcpy(code, rest, (size_t)(slash - rest));
            code[slash - rest] = '\0';
            s_staff(self, req, tasks ? ROUTE_DIVISION_TASKS : ROUTE_DIVISION_QUEUE, code, query);
        } else {
            http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        }
    } else if (intake_office_route(self, req, path, query)) {
        /* the inspection office's and leaders' API, and notices */
    } else if (intake_desk_route(self, req, path, query)) {
        /* the hotline desk's lists and the org */
    } else if (s_prefix(path, "/open311/v2/", &rest)) {
        intake_open311_handle(self->intake, req, rest, query);
    } else if (intake_workitems_public_handles(path)) {
        intake_workitems_public_handle(self->intake, req, path, query);
    } else if (intake_public_handles(path)) {
        intake_public_handle(self->intake, req, path, query);
    } else {
        http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
    }
}

intake_api_t *intake_api_new(struct evhttp *http, intake_t *intake)
{
    intake_api_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->intake = intake;
    evhttp_set_gencb(http, s_route_cb, self);
    return self;
}

void intake_api_destroy(intake_api_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

int intake_api_prepare_reads(pg_t *pg)
{
    return intake_staff_read_prepare(pg) | intake_queue_prepare(pg) | intake_desk_prepare(pg);
}

int intake_api_prepare(pg_t *pg)
{
    return intake_api_prepare_reads(pg) | intake_public_prepare(pg) |
           intake_workitems_public_prepare(pg) |
           intake_open311_prepare(pg) | intake_confidential_prepare(pg) |
           intake_office_prepare(pg) | intake_photo_api_prepare(pg) |
           intake_attachment_prepare(pg);
}
