/* Open311 GeoReport v2 on top of intake, with mySociety's service request
 * updates, so that existing Open311 clients can file and follow cases.
 *
 * One jurisdiction: jurisdiction_id is accepted and ignored. Services are
 * the org file's categories. A POST needs an api_key (open311_clients holds
 * its SHA-256; dubanctl open311 add-client issues keys) and becomes a case
 * of channel "open311" through intake_submit, like every other case. Reads
 * are public and rate-limited per address like the status page; they show
 * only cases the public filed itself (web form, public JSON, an Open311
 * client) that are neither reports (举报) nor marked confidential (the
 * schema's case_public), never the requester's name, phone or e-mail and
 * never a text written by staff. Any other case answers as an unknown id.
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
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define OPEN311_MAX_IDS 2000 /* bytes of the service_request_id list */
/* The one answer for an id that is not there and for a case the public may
 * not see, so that neither can be told from the other. */
#define OPEN311_UNKNOWN_ID "没有这个编号的服务请求（service_request_id），或它不公开"

/* clang-format off */
#define OPEN311_TIME(col) \
    "to_char(" col " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')"

/* mySociety's extended status of one case event, NULL for events that do
 * not change what the public sees (co-handling tasks, unknown types). */
#define OPEN311_EVENT_STATUS(e) \
    "CASE WHEN coalesce(" e ".detail->>'role', 'lead') = 'co' THEN NULL" \
    " WHEN " e ".type = 'triaged' THEN 'INVESTIGATING'" \
    " WHEN " e ".type = 'dispatched' AND EXISTS (SELECT 1 FROM case_events r" \
    "  WHERE r.case_id = " e ".case_id AND r.type = 'returned' AND r.id < " e ".id)" \
    "  THEN 'INTERNAL_REFERRAL'" \
    " WHEN " e ".type = 'dispatched' THEN 'IN_PROGRESS'" \
    " WHEN " e ".type = 'duplicate' THEN 'DUPLICATE'" \
    " WHEN " e ".type = 'out_of_jurisdiction' THEN 'NOT_COUNCILS_RESPONSIBILITY'" \
    " WHEN " e ".type = 'replied' THEN 'FIXED'" \
    " WHEN " e ".type = 'closed' THEN 'CLOSED'" \
    " WHEN " e ".type = 'reopened' THEN 'OPEN' END"

/* Without dates: the last 90 days (before end_date when only that is given). */
#define OPEN311_PERIOD(col) \
    col " >= coalesce($1::timestamptz, coalesce($2::timestamptz, now()) - interval '90 days')" \
    " AND " col " <= coalesce($2::timestamptz, now())"

/* The columns intake_open311_format_requests expects; never the requester. */
#define OPEN311_REQUEST_COLUMNS \
    "SELECT c.case_number, c.state, coalesce(c.category, ''), c.description," \
    " coalesce((SELECT t.division FROM tasks t WHERE t.case_id = c.id AND t.role = 'lead'" \
    "  AND t.state <> 'returned' ORDER BY t.id DESC LIMIT 1), '')," \
    " " OPEN311_TIME("c.created_at") ", " OPEN311_TIME("c.updated_at") "," \
    " coalesce(c.place, ''), coalesce(c.latitude::text, ''), coalesce(c.longitude::text, '')," \
    " coalesce((SELECT x.s FROM (SELECT " OPEN311_EVENT_STATUS("e") " AS s, e.id" \
    "  FROM case_events e WHERE e.case_id = c.id) x WHERE x.s IS NOT NULL" \
    "  ORDER BY x.id DESC LIMIT 1), '')" \
    " FROM cases c"

static const char *s_client_sql =
    "SELECT name FROM open311_clients"
    " WHERE key_sha256 = decode($1, 'hex') AND revoked_at IS NULL";

static const char *s_requests_sql =
    OPEN311_REQUEST_COLUMNS
    " WHERE case_public(c) AND " OPEN311_PERIOD("c.created_at")
    " AND ($3::text IS NULL OR c.category = $3)"
    " AND ($4::text IS NULL OR (c.state = 'closed') = ($4 = 'closed'))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT 1000";

static const char *s_requests_by_id_sql =
    OPEN311_REQUEST_COLUMNS
    " WHERE c.case_number = ANY (string_to_array($1, ',')) AND case_public(c)"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT 1000";

/* The columns intake_open311_format_updates expects, oldest first. */
static const char *s_updates_sql =
    "SELECT u.id, u.case_number, u.status, " OPEN311_TIME("u.at") ", u.type, u.division"
    " FROM (SELECT e.id, c.case_number, " OPEN311_EVENT_STATUS("e") " AS status, e.at, e.type,"
    "  coalesce(e.detail->>'division', '') AS division"
    "  FROM case_events e JOIN cases c ON c.id = e.case_id"
    "  WHERE case_public(c) AND e.type IN ('triaged', 'dispatched', 'duplicate',"
    "   'out_of_jurisdiction', 'replied', 'closed', 'reopened')"
    "  AND " OPEN311_PERIOD("e.at") ") u"
    " WHERE u.status IS NOT NULL ORDER BY u.at, u.id LIMIT 1000";
/* clang-format on */

int intake_open311_prepare(pg_t *pg)
{
    /* libxml2 sets up its globals once, before the loop, not in a request. */
    LIBXML_TEST_VERSION;
    xmlInitParser();
    return pg_prepare(pg, "open311_client", s_client_sql) |
           pg_prepare(pg, "open311_requests", s_requests_sql) |
           pg_prepare(pg, "open311_requests_by_id", s_requests_by_id_sql) |
           pg_prepare(pg, "open311_updates", s_updates_sql);
}

/* ------------------------------------------------------------------------
 * Helpers shared with intake_open311_post.c */

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

/* A query or form argument; NULL when absent or empty. */
const char *intake_open311_arg(struct evkeyvalq *args, const char *name)
{
    const char *v = evhttp_find_header(args, name);
    return v && v[0] ? v : NULL;
}

static bool s_is_code(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* Normalises a W3C date or datetime into out for timestamptz: a date alone
 * is midnight China time, a time without zone is China time, and a '+'
 * that form decoding turned into a space is restored. -1 when it is not
 * one, or not a real date of the years duban takes: PostgreSQL never sees
 * a value it would refuse. */
static int s_w3c_time(const char *in, char *out, size_t len)
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

/* ------------------------------------------------------------------------
 * Reads: requests and service request updates, asynchronous on in->pg */

typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_open311_format_type_t fmt;
    bool one; /* requests/{id}: 404 when it is not found */
} read_t;

/* The request waiting for rd when the read succeeded; otherwise replies
 * with the failure (if the client is still there) and returns NULL. */
static struct evhttp_request *s_read_outcome(read_t *rd, pg_txn_t *txn, bool ok)
{
    struct evhttp_request *req = http_held_request(rd->held);
    if (ok)
        return req;
    const intake_problem_t *problem =
        intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read open311 requests");
    if (req)
        intake_open311_problem(req, rd->fmt, problem);
    return NULL;
}

static void s_requests_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = s_read_outcome(rd, txn, ok);
    if (!req)
        goto out_free;
    PGresult *res = pg_txn_result(txn, 0);
    if (rd->one && PQntuples(res) == 0) {
        intake_open311_format_error(req, rd->fmt, 404, OPEN311_UNKNOWN_ID);
        goto out_free;
    }
    intake_open311_format_requests(req, rd->fmt, rd->in->org, res);
out_free:
    http_release(&rd->held);
    free(rd);
}

static void s_updates_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = s_read_outcome(rd, txn, ok);
    if (!req)
        goto out_free;
    intake_open311_format_updates(req, rd->fmt, rd->in->org, pg_txn_result(txn, 0));
out_free:
    http_release(&rd->held);
    free(rd);
}

static void s_read(intake_t *in, struct evhttp_request *req, intake_open311_format_type_t fmt,
                   bool one, const char *stmt, int nparams, const pg_param_t *params, pg_txn_cb cb)
{
    if (!pg_is_up(in->pg)) {
        intake_open311_unavailable(req, fmt);
        return;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn || pg_txn_add(txn, true, stmt, nparams, params) < 0 ||
        !(rd->held = http_hold(req))) {
        free(rd);
        pg_txn_destroy(&txn);
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    rd->in = in;
    rd->fmt = fmt;
    rd->one = one;
    pg_txn_submit(in->pg, &txn, cb, rd);
}

/* start_date and end_date into start and end (NULL when not given); false
 * after replying 400. */
static bool s_period(struct evkeyvalq *args, struct evhttp_request *req,
                     intake_open311_format_type_t fmt, char *start, char *end, size_t len,
                     const char **start_p, const char **end_p)
{
    const char *s = intake_open311_arg(args, "start_date"),
               *e = intake_open311_arg(args, "end_date");
    *start_p = *end_p = NULL;
    if ((s && s_w3c_time(s, start, len) < 0) || (e && s_w3c_time(e, end, len) < 0)) {
        log_info("open311 refused read status=400 peer=%s: start_date or end_date invalid",
                 http_peer(req));
        intake_open311_format_error(req, fmt, 400,
                                    "start_date 和 end_date 须为 1990 至 2100 年间真实存在的 W3C 日期或时间，例如 2026-11-27T12:47:12+08:00");
        return false;
    }
    *start_p = s ? start : NULL;
    *end_p = e ? end : NULL;
    return true;
}

static void s_requests_get(intake_t *in, struct evhttp_request *req,
                           intake_open311_format_type_t fmt, struct evkeyvalq *args)
{
    const char *ids = intake_open311_arg(args, "service_request_id");
    if (ids) {
        /* The spec: a list of ids overrides every other filter. */
        size_t n = strlen(ids);
        if (n > OPEN311_MAX_IDS ||
            strspn(ids, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_,") != n) {
            intake_open311_format_error(
                req, fmt, 400, "service_request_id 须为以逗号分隔的案件编号");
            return;
        }
        pg_param_t params[1] = {PG_TEXT(ids)};
        s_read(in, req, fmt, false, "open311_requests_by_id", 1, params, s_requests_read);
        return;
    }
    const char *code = intake_open311_arg(args, "service_code"),
               *status = intake_open311_arg(args, "status");
    if (code && !org_category_find(in->org, code)) {
        intake_open311_format_error(req, fmt, 400,
                                    "service_code 不是本局的服务代码，请见 services.xml");
        return;
    }
    if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0) {
        if (strcmp(status, "open,closed") != 0 && strcmp(status, "closed,open") != 0) {
            intake_open311_format_error(req, fmt, 400, "status 须为 open 或 closed");
            return;
        }
        status = NULL;
    }
    char start[48], end[48];
    const char *from, *to;
    if (!s_period(args, req, fmt, start, end, sizeof(start), &from, &to))
        return;
    pg_param_t params[4] = {PG_TEXT(from), PG_TEXT(to), PG_TEXT(code), PG_TEXT(status)};
    s_read(in, req, fmt, false, "open311_requests", 4, params, s_requests_read);
}

static void s_request_get(intake_t *in, struct evhttp_request *req,
                          intake_open311_format_type_t fmt, const char *id)
{
    if (!s_is_code(id, 40)) {
        intake_open311_format_error(req, fmt, 404, OPEN311_UNKNOWN_ID);
        return;
    }
    pg_param_t params[1] = {PG_TEXT(id)};
    s_read(in, req, fmt, true, "open311_requests_by_id", 1, params, s_requests_read);
}

static void s_updates_get(intake_t *in, struct evhttp_request *req,
                          intake_open311_format_type_t fmt, struct evkeyvalq *args)
{
    char start[48], end[48];
    const char *from, *to;
    if (!s_period(args, req, fmt, start, end, sizeof(start), &from, &to))
        return;
    pg_param_t params[2] = {PG_TEXT(from), PG_TEXT(to)};
    s_read(in, req, fmt, false, "open311_updates", 2, params, s_updates_read);
}

/* ------------------------------------------------------------------------
 * Rate limiting of reads: per address, in the status page's bucket */

typedef enum { READ_REQUESTS, READ_REQUEST, READ_UPDATES } read_kind_t;

/* A read waiting for the rate limiter. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_open311_format_type_t fmt;
    read_kind_t kind;
    char key[80];
    char *query; /* NULL when none */
} limited_t;

static void s_limited(void *arg, bool allowed)
{
    limited_t *l = arg;
    struct evhttp_request *req = http_held_request(l->held);
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    http_release(&l->held);
    if (!req)
        goto out_free;
    if (!allowed) {
        log_info("rate limited open311 read address=%s", http_peer(req));
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        intake_open311_format_error(req, l->fmt, 429, "查询过于频繁，请一分钟后再试");
        goto out_free;
    }
    /* It was parsed once before the limiter was asked: it parses again. */
    if (l->query)
        evhttp_parse_query_str(l->query, &args);
    if (l->kind == READ_REQUESTS)
        s_requests_get(l->in, req, l->fmt, &args);
    else if (l->kind == READ_REQUEST)
        s_request_get(l->in, req, l->fmt, l->key);
    else
        s_updates_get(l->in, req, l->fmt, &args);
out_free:
    evhttp_clear_headers(&args);
    free(l->query);
    free(l);
}

/* Counts the read against its address, then answers it (or 429). */
static void s_read_limited(intake_t *in, struct evhttp_request *req,
                           intake_open311_format_type_t fmt, read_kind_t kind, const char *key,
                           const char *query)
{
    limited_t *l = calloc(1, sizeof(*l));
    if (!l || (query && query[0] && !(l->query = strdup(query))) || !(l->held = http_hold(req))) {
        if (l)
            free(l->query);
        free(l);
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    l->in = in;
    l->fmt = fmt;
    l->kind = kind;
    snprintf(l->key, sizeof(l->key), "%s", key);
    intake_ratelimit_check(in->ratelimit, "lookup", in->lookup_per_minute, http_peer(req),
                           s_limited, l);
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
    bool has_key = key[0] != '\0' || strchr(rest, '/') != NULL;
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && query[0] && evhttp_parse_query_str(query, &args) < 0) {
        intake_open311_format_error(
            req, fmt, 400, "查询字符串格式不对，请用 & 连接的 name=value");
        goto out_clear;
    }
    if (strcmp(resource, "services") == 0 && !has_key) {
        if (get)
            intake_open311_format_services(req, fmt, in->org);
        else
            s_not_allowed(req, fmt, "GET");
    } else if (strcmp(resource, "services") == 0) {
        if (!get)
            s_not_allowed(req, fmt, "GET");
        else if (!org_category_find(in->org, key))
            intake_open311_format_error(req, fmt, 404,
                                        "没有这个 service_code 的服务，请见 services.xml");
        else
            intake_open311_format_service_definition(req, fmt, in->org, key);
    } else if (strcmp(resource, "requests") == 0 && !has_key) {
        if (get)
            s_read_limited(in, req, fmt, READ_REQUESTS, key, query);
        else if (method == EVHTTP_REQ_POST)
            intake_open311_post(in, req, fmt);
        else
            s_not_allowed(req, fmt, "GET, POST");
    } else if (strcmp(resource, "requests") == 0) {
        if (get)
            s_read_limited(in, req, fmt, READ_REQUEST, key, query);
        else
            s_not_allowed(req, fmt, "GET");
    } else if (strcmp(resource, "servicerequestupdates") == 0 && !has_key) {
        if (get)
            s_read_limited(in, req, fmt, READ_UPDATES, key, query);
        else
            s_not_allowed(req, fmt, "GET");
    } else {
        intake_open311_format_error(
            req, fmt, 404,
            "没有这个 Open311 资源；可用 services、requests 或 servicerequestupdates");
    }
out_clear:
    evhttp_clear_headers(&args);
}
