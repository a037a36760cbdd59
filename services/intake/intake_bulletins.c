/* Bulletin requests forwarded to the bulletin console; see
 * intake_bulletins.h. Each handler fills a BulletinRequest with the
 * caller's credential, and the answer is passed on as it came: the body
 * (JSON or HTML) on success, the status and reason otherwise. */
#include "intake_bulletins.h"

#include "auth_http.h"
#include "bus.h"
#include "http.h"
#include "intake_office.h"
#include "intake_rpc.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bulletin run reads a quarter's or a year's rows: give it time. */
#define BULLETINS_TIMEOUT_US (120 * 1000000LL)

/* What a bulletin page may load: its own inline style and SVG, nothing
 * else, and only inside the console. */
#define BULLETINS_PAGE_CSP                                                                         \
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

struct intake_bulletins {
    intake_rpc_t *rpc;
};

typedef struct {
    http_held_t *held;
    bool change; /* the request changes something (run, recheck) */
} call_t;

static bool s_id_of(const char *type, const uint8_t *body, size_t len, char *id)
{
    if (strcmp(type, "reply") != 0)
        return false;
    Duban__BulletinReply *r = duban__bulletin_reply__unpack(NULL, len, body);
    if (!r)
        return false;
    snprintf(id, INTAKE_RPC_ID_LEN, "%s", r->request_id);
    duban__bulletin_reply__free_unpacked(r, NULL);
    return true;
}

intake_bulletins_t *intake_bulletins_new(struct event_base *base, void *zctx, const char *endpoint)
{
    intake_bulletins_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->rpc = intake_rpc_new(base, zctx, "bulletin", endpoint, s_id_of, BULLETINS_TIMEOUT_US);
    if (!self->rpc) {
        free(self);
        return NULL;
    }
    return self;
}

void intake_bulletins_destroy(intake_bulletins_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_rpc_destroy(&(*self_p)->rpc);
    free(*self_p);
    *self_p = NULL;
}

static const char *s_title(int status)
{
    return status == 400   ? "invalid request"
           : status == 401 ? "invalid token"
           : status == 403 ? "forbidden"
           : status == 404 ? "not found"
           : status == 409 ? "refused"
           : status == 413 ? "too large"
           : status == 503 ? "unavailable"
                           : "failed";
}

static void s_answered(void *arg, const char *type, const uint8_t *body, size_t len, bool closing)
{
    call_t *c = arg;
    struct evhttp_request *req = http_held_request(c->held);
    Duban__BulletinReply *r = type ? duban__bulletin_reply__unpack(NULL, len, body) : NULL;
    if (!req)
        goto out_free;
    if (!type && closing) {
        http_reply_problem(req, 503, "shutting down", "intake is stopping; retry", NULL);
    } else if (!type) {
        http_reply_problem(req, 504, "the bulletin service did not answer",
                           c->change ? "it may still be working on it: look at the list in a "
                                       "moment before you ask again"
                                     : "retry in a moment",
                           NULL);
    } else if (!r) {
        http_reply_problem(req, 502, "bad answer", "the bulletin service answered something else",
                           NULL);
    } else if (r->status != 200) {
        int status = r->status >= 400 && r->status < 600 ? r->status : 500;
        http_reply_problem(req, status, s_title(status), r->message, NULL);
    } else {
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);
        const char *ctype = r->content_type[0] ? r->content_type : "application/json";
        evhttp_add_header(out, "Content-Type", ctype);
        if (strncmp(ctype, "text/html", 9) == 0)
            evhttp_add_header(out, "Content-Security-Policy", BULLETINS_PAGE_CSP);
        evhttp_add_header(out, "Cache-Control", "no-store");
        struct evbuffer *buf = evbuffer_new();
        if (buf && evbuffer_add(buf, r->body.data, r->body.len) == 0) {
            evhttp_send_reply(req, 200, "OK", buf);
        } else {
            http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        }
        if (buf)
            evbuffer_free(buf);
    }
out_free:
    if (r)
        duban__bulletin_reply__free_unpacked(r, NULL);
    http_release(&c->held);
    free(c);
}

/* Sends r (action and fields filled) with the caller's credential. */
static void s_forward(intake_t *in, struct evhttp_request *req, Duban__BulletinRequest *r,
                      bool change)
{
    intake_bulletins_t *self = in->bulletins;
    call_t *c = calloc(1, sizeof(*c));
    if (!c || !(c->held = http_hold(req))) {
        free(c);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    c->change = change;
    auth_http_cred_t cred;
    auth_http_credential(req, &cred);
    char id[INTAKE_RPC_ID_LEN];
    r->request_id = (char *)intake_rpc_id(self->rpc, id);
    r->token = cred.credential;
    size_t len = duban__bulletin_request__get_packed_size(r);
    uint8_t *buf = malloc(len ? len : 1);
    int rc = -1;
    if (buf) {
        duban__bulletin_request__pack(r, buf);
        rc = intake_rpc_send(self->rpc, id, "request", buf, len, s_answered, c);
    }
    free(buf);
    if (rc < 0) {
        http_reply_problem(req, 503, "bulletin service unavailable",
                           "the bulletin service is not reachable; nothing changed, retry", NULL);
        http_release(&c->held);
        free(c);
    }
}

/* The request's JSON object body into *out; false (answered) when it is
 * not one. */
static bool s_body(intake_t *in, struct evhttp_request *req, json_t **out)
{
    char *text = NULL;
    size_t len = 0;
    if (http_read_body(req, in->max_body, &text, &len) < 0) {
        http_reply_problem(req, 413, "body too large", "the body is larger than allowed", NULL);
        return false;
    }
    json_error_t jerr;
    *out = len ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    free(text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        http_reply_problem(req, 400, "malformed JSON", "the body must be a JSON object", NULL);
        return false;
    }
    return true;
}

void intake_bulletins_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                           const char *key, const char *query)
{
    Duban__BulletinRequest r = DUBAN__BULLETIN_REQUEST__INIT;
    r.action = "list";
    s_forward(in, req, &r, false);
}

void intake_bulletins_show(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                           const char *key, const char *query)
{
    char period[32];
    size_t n = strlen(key);
    bool html = n > 5 && strcmp(key + n - 5, ".html") == 0;
    if (html)
        n -= 5;
    if (n == 0 || n >= sizeof(period)) {
        http_reply_problem(req, 404, "not found", "a period is 2017-03, 2017-Q2, 2017-H1 or 2017",
                           NULL);
        return;
    }
    memcpy(period, key, n);
    period[n] = '\0';
    Duban__BulletinRequest r = DUBAN__BULLETIN_REQUEST__INIT;
    r.action = html ? "html" : "show";
    r.period = period;
    s_forward(in, req, &r, false);
}

void intake_bulletins_run(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          const char *key, const char *query)
{
    json_t *body = NULL;
    if (!s_body(in, req, &body))
        return;
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const char *period = json_string_value(json_object_get(body, "period"));
    json_t *replace = json_object_get(body, "replace");
    const char *field = !kind ? "kind" : !period ? "period" : NULL;
    if (field || (replace && !json_is_boolean(replace))) {
        json_decref(body);
        http_reply_problem(req, 422, "invalid field",
                           field ? "give kind (month, quarter, half, year) and period "
                                   "(2017-03, 2017-Q2, 2017-H1, 2017)"
                                 : "replace is true or false",
                           field ? field : "replace");
        return;
    }
    Duban__BulletinRequest r = DUBAN__BULLETIN_REQUEST__INIT;
    r.action = "run";
    r.kind = (char *)kind;
    r.period = (char *)period;
    r.replace = json_is_true(replace);
    s_forward(in, req, &r, true);
    json_decref(body);
}

void intake_bulletins_rechecks(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                               const char *key, const char *query)
{
    char period[32], all[8];
    if (!intake_office_arg(req, query, "period", period, sizeof(period)) ||
        !intake_office_arg(req, query, "all", all, sizeof(all)))
        return;
    Duban__BulletinRequest r = DUBAN__BULLETIN_REQUEST__INIT;
    r.action = "rechecks";
    r.period = period;
    r.all = strcmp(all, "1") == 0 || strcmp(all, "true") == 0;
    s_forward(in, req, &r, false);
}

void intake_bulletins_recheck(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                              const char *key, const char *query)
{
    char *end = NULL;
    long long id = strtoll(key, &end, 10);
    if (!key[0] || *end || id <= 0) {
        http_reply_problem(req, 404, "not found", "a re-check id is a positive number", NULL);
        return;
    }
    json_t *body = NULL;
    if (!s_body(in, req, &body))
        return;
    const char *result = json_string_value(json_object_get(body, "result"));
    const char *note = json_string_value(json_object_get(body, "note"));
    bool pass = result && strcmp(result, "pass") == 0;
    if (!result || (!pass && strcmp(result, "fail") != 0) || !note || !note[0]) {
        json_decref(body);
        http_reply_problem(req, 422, "invalid field",
                           !note || !note[0] ? "a note is required: say what the re-check found"
                                             : "result is pass or fail",
                           !note || !note[0] ? "note" : "result");
        return;
    }
    Duban__BulletinRequest r = DUBAN__BULLETIN_REQUEST__INIT;
    r.action = "recheck";
    r.recheck_id = id;
    r.pass = pass;
    r.note = (char *)note;
    s_forward(in, req, &r, true);
    json_decref(body);
}

void intake_bulletins_dashboard(intake_t *in, struct evhttp_request *req,
                                const auth_identity_t *who, const char *key, const char *query)
{
    Duban__BulletinRequest r = DUBAN__BULLETIN_REQUEST__INIT;
    r.action = "to_date";
    s_forward(in, req, &r, false);
}
