/* Open311 GeoReport v2 on top of intake, with mySociety's extension
 * (service request updates, GET and POST, and the extended statuses), so
 * that existing Open311 clients -- FixMyStreet first -- can file, follow
 * and add to cases.
 *
 * This file routes /open311/v2/ and holds what the resources share. The
 * jurisdictions served are the setting intake.open311_jurisdictions (a
 * comma list); a request naming another answers 404, one naming none is
 * served. Services are the org file's categories with their attributes. A
 * POST needs an api_key (open311_clients holds its SHA-256; dubanctl
 * open311 add-client issues keys). Reads are public, rate-limited per
 * address like the status page, and show only what case_public allows.
 * Every handler ends in exactly one reply; replies that wait for
 * PostgreSQL hold their request, so a client that leaves is only noticed. */
#include "intake_open311.h"

#include "intake_open311_format.h"
#include "intake_open311_internal.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <libxml/parser.h>
#include <libxml/xmlstring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

static const char *s_client_sql = "SELECT id, name FROM open311_clients"
                                  " WHERE key_sha256 = decode($1, 'hex') AND revoked_at IS NULL";

int intake_open311_prepare(pg_t *pg)
{
    /* libxml2 sets up its globals once, before the loop, not in a request. */
    LIBXML_TEST_VERSION;
    xmlInitParser();
    return pg_prepare(pg, "open311_client", s_client_sql) | intake_open311_read_prepare(pg) |
           intake_open311_update_prepare(pg);
}

/* ------------------------------------------------------------------------
 * Helpers */

void intake_open311_problem(struct evhttp_request *req, intake_open311_format_type_t fmt,
                            const intake_problem_t *problem)
{
    if (problem->status == 503)
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    intake_open311_format_error(req, fmt, problem->status, problem->detail);
}

void intake_open311_unavailable(struct evhttp_request *req, intake_open311_format_type_t fmt)
{
    intake_open311_problem(req, fmt, &INTAKE_PROBLEM_UNAVAILABLE);
}

const char *intake_open311_arg(struct evkeyvalq *args, const char *name)
{
    const char *v = evhttp_find_header(args, name);
    return v && v[0] ? v : NULL;
}

bool intake_open311_jurisdiction_ok(intake_t *in, struct evhttp_request *req,
                                    intake_open311_format_type_t fmt, const char *jurisdiction)
{
    if (!jurisdiction)
        return true;
    const char *list = in->open311_jurisdictions ? in->open311_jurisdictions : "";
    size_t n = strlen(jurisdiction);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, jurisdiction, n) == 0)
            return true;
        p += len + (comma ? 1 : 0);
    }
    log_info("open311 refused: jurisdiction_id not served", "status=404 peer=%s",
             log_addr(http_client_addr(req, &in->trusted_proxies)));
    intake_open311_format_error(
        req, fmt, 404,
        "本服务器不受理这个 jurisdiction_id 的服务请求；请核对 Open311 接口配置中的辖区代码");
    return false;
}

int intake_open311_w3c_time(const char *in, char *out, size_t len)
{
    size_t n = strlen(in);
    if (n < 10 || n > 35 || in[4] != '-' || in[7] != '-' || strspn(in, "0123456789-:T+.Z ") != n ||
        (n > 10 && in[10] != 'T' && in[10] != ' '))
        return -1;
    char buf[40];
    snprintf(buf, sizeof(buf), "%s", in);
    if (n >= 22 && buf[n - 6] == ' ' && buf[n - 3] == ':')
        buf[n - 6] = '+';
    bool zone = buf[n - 1] == 'Z' || (n > 16 && strpbrk(buf + 16, "+-"));
    if (n == 10)
        snprintf(out, len, "%.10sT00:00:00+08:00", buf);
    else
        snprintf(out, len, "%s%s", buf, zone ? "" : "+08:00");
    return intake_request_time_ok(out) ? 0 : -1;
}

/* Refuses bodies that are not a form: multipart (media uploads) and JSON. */
static bool s_form_type(struct evhttp_request *req)
{
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    return !type || strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
}

intake_open311_form_t intake_open311_parse_form(const char *body, size_t len,
                                                struct evkeyvalq *args)
{
    if (strlen(body) != len || evhttp_parse_query_str(body, args) < 0)
        return OPEN311_FORM_NOT_FORM;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, args, next)
    {
        /* libevent decodes values, not names; FixMyStreet encodes the
         * brackets of attribute[code] as every form encoder does. */
        char *name = evhttp_uridecode(kv->key, 1, NULL);
        if (!name)
            return OPEN311_FORM_NO_MEMORY;
        free(kv->key);
        kv->key = name;
        if (strlen(name) > 128 || !xmlCheckUTF8((const unsigned char *)kv->key) ||
            !xmlCheckUTF8((const unsigned char *)kv->value))
            return OPEN311_FORM_NOT_UTF8;
    }
    return OPEN311_FORM_OK;
}

int intake_open311_read_form(intake_t *in, struct evhttp_request *req,
                             intake_open311_format_type_t fmt, struct evkeyvalq *args)
{
    char *body = NULL;
    size_t len = 0;
    int rc = -1;
    if (!s_form_type(req)) {
        intake_open311_format_error(req, fmt, 415, "请以 application/x-www-form-urlencoded 提交");
        goto out_free;
    }
    if (http_read_body(req, in->max_body, &body, &len) < 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "请求正文超过 %zu 字节的上限", in->max_body);
        intake_open311_format_error(req, fmt, 413, detail);
        goto out_free;
    }
    switch (intake_open311_parse_form(body, len, args)) {
    case OPEN311_FORM_OK:
        break;
    case OPEN311_FORM_NOT_FORM:
        intake_open311_format_error(req, fmt, 400,
                                    "请求正文不是表单：请用 & 连接、URL 编码的 name=value");
        goto out_free;
    case OPEN311_FORM_NOT_UTF8:
        intake_open311_format_error(req, fmt, 400, "表单中有不是 UTF-8 的文字，请用 UTF-8 提交");
        goto out_free;
    case OPEN311_FORM_NO_MEMORY:
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        goto out_free;
    }
    if (!intake_open311_jurisdiction_ok(in, req, fmt, intake_open311_arg(args, "jurisdiction_id")))
        goto out_free;
    rc = 0;
out_free:
    free(body);
    return rc;
}

/* A client lookup waiting for PostgreSQL. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_open311_format_type_t fmt;
    intake_open311_client_cb cb;
    void (*fail)(void *arg);
    void *arg;
} client_t;

static void s_client_checked(pg_txn_t *txn, bool ok, void *arg)
{
    client_t *c = arg;
    struct evhttp_request *req = http_held_request(c->held);
    http_release(&c->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "look up open311 client");
        if (req)
            intake_open311_problem(req, c->fmt, problem);
        c->fail(c->arg);
    } else if (!req) {
        c->fail(c->arg);
    } else if (PQntuples(pg_txn_result(txn, 0)) == 0) {
        log_info("open311 refused post: api_key unknown or revoked", "status=403 peer=%s",
                 log_addr(http_client_addr(req, &c->in->trusted_proxies)));
        intake_open311_format_error(req, c->fmt, 403,
                                    "api_key 无效（不存在或已吊销），请向本局申请 Open311 密钥");
        c->fail(c->arg);
    } else {
        PGresult *res = pg_txn_result(txn, 0);
        c->cb(req, strtoll(PQgetvalue(res, 0, 0), NULL, 10), PQgetvalue(res, 0, 1), c->arg);
    }
    free(c);
}

void intake_open311_client(intake_t *in, struct evhttp_request *req,
                           intake_open311_format_type_t fmt, const char *api_key,
                           intake_open311_client_cb cb, void (*fail)(void *arg), void *arg)
{
    if (!api_key || strlen(api_key) > 256) {
        intake_open311_format_error(req, fmt, 403, "缺少 api_key：请向本局申请 Open311 密钥");
        fail(arg);
        return;
    }
    if (!pg_is_up(in->pg)) {
        intake_open311_unavailable(req, fmt);
        fail(arg);
        return;
    }
    char hash[65];
    intake_sha256_hex(api_key, strlen(api_key), hash);
    pg_param_t params[1] = {PG_TEXT(hash)};
    client_t *c = calloc(1, sizeof(*c));
    pg_txn_t *txn = pg_txn_new();
    if (!c || !txn || pg_txn_add(txn, true, "open311_client", 1, params) < 0 ||
        !(c->held = http_hold(req))) {
        free(c);
        pg_txn_destroy(&txn);
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        fail(arg);
        return;
    }
    c->in = in;
    c->fmt = fmt;
    c->cb = cb;
    c->fail = fail;
    c->arg = arg;
    pg_txn_submit(in->pg, &txn, s_client_checked, c);
}

/* ------------------------------------------------------------------------
 * Routing */

/* Splits "requests/DB1.json" into resource "requests", key "DB1" and the
 * format. -1 when the format is missing or neither xml nor json. */
static int s_split_path(const char *rest, char *resource, size_t rlen, char *key, size_t klen,
                        intake_open311_format_type_t *fmt)
{
    const char *dot = strrchr(rest, '.');
    if (!dot || dot == rest)
        return -1;
    if (strcmp(dot, ".xml") == 0)
        *fmt = INTAKE_OPEN311_FORMAT_XML;
    else if (strcmp(dot, ".json") == 0)
        *fmt = INTAKE_OPEN311_FORMAT_JSON;
    else
        return -1;
    size_t n = (size_t)(dot - rest);
    const char *slash = memchr(rest, '/', n);
    size_t rn = slash ? (size_t)(slash - rest) : n;
    size_t kn = slash ? n - rn - 1 : 0;
    if (rn >= rlen || kn >= klen)
        return -1;
    memcpy(resource, rest, rn);
    resource[rn] = '\0';
    if (slash)
        memcpy(key, slash + 1, kn);
    key[kn] = '\0';
    return 0;
}

static void s_not_allowed(struct evhttp_request *req, intake_open311_format_type_t fmt,
                          const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
    char detail[96];
    snprintf(detail, sizeof(detail), "这个资源只接受 %s 请求", allow);
    intake_open311_format_error(req, fmt, 405, detail);
}

void intake_open311_handle(intake_t *in, struct evhttp_request *req, const char *rest,
                           const char *query)
{
    char resource[64], key[80];
    intake_open311_format_type_t fmt;
    if (s_split_path(rest, resource, sizeof(resource), key, sizeof(key), &fmt) < 0) {
        intake_open311_format_error(
            req, INTAKE_OPEN311_FORMAT_JSON, 404,
            "没有这个 Open311 资源；可用 services、requests 或 servicerequestupdates，以 .xml 或 .json 结尾");
        return;
    }
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    bool get = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;
    bool post = method == EVHTTP_REQ_POST;
    bool has_key = key[0] != '\0' || strchr(rest, '/') != NULL;
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && query[0] && evhttp_parse_query_str(query, &args) < 0) {
        intake_open311_format_error(req, fmt, 400, "查询字符串格式不对，请用 & 连接的 name=value");
        goto out_clear;
    }
    /* A POST names its jurisdiction in the form (intake_open311_read_form). */
    if (get &&
        !intake_open311_jurisdiction_ok(in, req, fmt, intake_open311_arg(&args, "jurisdiction_id")))
        goto out_clear;
    if (strcmp(resource, "services") == 0 && !has_key) {
        if (get)
            intake_open311_format_services(req, fmt, in->org);
        else
            s_not_allowed(req, fmt, "GET");
    } else if (strcmp(resource, "services") == 0) {
        const org_category_t *cat = org_category_find(in->org, key);
        if (!get)
            s_not_allowed(req, fmt, "GET");
        else if (!cat)
            intake_open311_format_error(req, fmt, 404,
                                        "没有这个 service_code 的服务，请见 services.xml");
        else
            intake_open311_format_service_definition(req, fmt, in->org, cat);
    } else if (strcmp(resource, "requests") == 0 && !has_key) {
        if (get)
            intake_open311_read(in, req, fmt, OPEN311_READ_REQUESTS, key, query);
        else if (post)
            intake_open311_post(in, req, fmt);
        else
            s_not_allowed(req, fmt, "GET, POST");
    } else if (strcmp(resource, "requests") == 0) {
        if (get)
            intake_open311_read(in, req, fmt, OPEN311_READ_REQUEST, key, query);
        else
            s_not_allowed(req, fmt, "GET");
    } else if (strcmp(resource, "servicerequestupdates") == 0 && !has_key) {
        if (get)
            intake_open311_read(in, req, fmt, OPEN311_READ_UPDATES, key, query);
        else if (post)
            intake_open311_post_update(in, req, fmt);
        else
            s_not_allowed(req, fmt, "GET, POST");
    } else {
        intake_open311_format_error(
            req, fmt, 404,
            "没有这个 Open311 资源；可用 services、requests 或 servicerequestupdates");
    }
out_clear:
    evhttp_clear_headers(&args);
}
