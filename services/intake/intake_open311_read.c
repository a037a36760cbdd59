/* Open311's public reads: requests (a list, filtered), requests/{id} and
 * mySociety's servicerequestupdates, asynchronous on in->pg.
 *
 * A list is filtered first (its window: start_date and end_date, or the
 * last 90 days; service_code and status, each a comma list), then ordered
 * newest first, then cut into pages (page from 1, page_size up to 1000,
 * 1000 when not given), so that a client asking for a window always gets
 * its newest entries first. A page that is not the last says so with a
 * Link header (rel="next", RFC 8288) naming the next page. Every datetime
 * is written with its zone (+08:00). */
#include "intake_open311_internal.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define OPEN311_MAX_IDS 2000   /* bytes of the service_request_id list */
#define OPEN311_MAX_PAGE 1000  /* entries in a page, and the default */
#define OPEN311_MAX_PAGES 1000 /* pages: a deeper page is refused, not scanned */

/* clang-format off */
#define OPEN311_TIME(col) \
    "to_char(" col " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')"

/* mySociety's extended status of one case event e (its task t, LEFT
 * JOINed), NULL for events that do not change what the public sees
 * (co-handling tasks, notes, material). Signing is IN_PROGRESS; a dispatch
 * (and a granted extension, which moves the date) ACTION_SCHEDULED, or
 * INTERNAL_REFERRAL after a return. */
#define OPEN311_EVENT_STATUS \
    "CASE WHEN coalesce(e.detail->>'role', t.role, 'lead') = 'co' THEN NULL" \
    " WHEN e.type IN ('triaged', 'needs_triage') THEN 'INVESTIGATING'" \
    " WHEN e.type = 'dispatched' AND EXISTS (SELECT 1 FROM case_events r" \
    "  WHERE r.case_id = e.case_id AND r.type = 'returned' AND r.id < e.id)" \
    "  THEN 'INTERNAL_REFERRAL'" \
    " WHEN e.type IN ('dispatched', 'extension_granted') THEN 'ACTION_SCHEDULED'" \
    " WHEN e.type = 'signed' THEN 'IN_PROGRESS'" \
    " WHEN e.type = 'duplicate' THEN 'DUPLICATE'" \
    " WHEN e.type = 'out_of_jurisdiction' THEN 'NOT_COUNCILS_RESPONSIBILITY'" \
    " WHEN e.type = 'replied' THEN 'FIXED'" \
    " WHEN e.type = 'closed' THEN 'CLOSED'" \
    " WHEN e.type = 'reopened' THEN 'OPEN' END"
#define OPEN311_EVENT_TYPES \
    "('triaged', 'needs_triage', 'dispatched', 'extension_granted', 'signed', 'duplicate'," \
    " 'out_of_jurisdiction', 'replied', 'closed', 'reopened')"

/* Without dates: the last 90 days (before end_date when only that is given). */
#define OPEN311_PERIOD(col) \
    col " >= coalesce($1::timestamptz, coalesce($2::timestamptz, now()) - interval '90 days')" \
    " AND " col " <= coalesce($2::timestamptz, now())"

/* The columns of intake_open311_format.h's OPEN311_REQ_*; never the requester. */
#define OPEN311_REQUEST_COLUMNS \
    "SELECT c.case_number, c.state, coalesce(c.category, ''), c.description," \
    " coalesce(l.division, ''), " OPEN311_TIME("c.created_at") ", " OPEN311_TIME("c.updated_at") "," \
    " coalesce(c.place, ''), coalesce(c.latitude::text, ''), coalesce(c.longitude::text, '')," \
    " coalesce((SELECT x.s FROM (SELECT " OPEN311_EVENT_STATUS " AS s, e.id" \
    "  FROM case_events e LEFT JOIN tasks t ON t.id = e.task_id WHERE e.case_id = c.id) x" \
    "  WHERE x.s IS NOT NULL ORDER BY x.id DESC LIMIT 1), '')," \
    " coalesce(CASE WHEN l.state IN ('dispatched', 'signed') THEN " OPEN311_TIME("l.completion_due") " END, '')," \
    " coalesce((SELECT d.case_number FROM cases d WHERE d.id = c.duplicate_of AND case_public(d)), '')" \
    " FROM cases c LEFT JOIN LATERAL (SELECT t.division, t.state, t.completion_due FROM tasks t" \
    "  WHERE t.case_id = c.id AND t.role = 'lead' AND t.state <> 'returned'" \
    "  ORDER BY t.id DESC LIMIT 1) l ON true"

/* $1 $2 window, $3 service codes, $4 statuses (comma lists, NULL: any),
 * $5 rows (a page and one more), $6 offset. */
static const char *s_requests_sql =
    OPEN311_REQUEST_COLUMNS
    " WHERE case_public(c) AND " OPEN311_PERIOD("c.created_at")
    " AND ($3::text IS NULL OR c.category = ANY (string_to_array($3, ',')))"
    " AND ($4::text IS NULL OR CASE WHEN c.state IN ('closed', 'merged') THEN 'closed'"
    "  ELSE 'open' END = ANY (string_to_array($4, ',')))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT $5::bigint OFFSET $6::bigint";

static const char *s_requests_by_id_sql =
    OPEN311_REQUEST_COLUMNS
    " WHERE c.case_number = ANY (string_to_array($1, ',')) AND case_public(c)"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT 1000";

/* The columns of OPEN311_UPD_*, newest first: $1 $2 window, $3 rows, $4
 * offset. The window is applied first, then the order, then the page. */
static const char *s_updates_sql =
    "SELECT u.id, u.case_number, u.status, " OPEN311_TIME("u.at") ", u.type, u.division,"
    " u.result, u.merged_into, u.due"
    " FROM (SELECT e.id, c.case_number, " OPEN311_EVENT_STATUS " AS status, e.at, e.type,"
    "  coalesce(e.detail->>'division', t.division, '') AS division,"
    "  CASE WHEN e.type = 'replied' THEN coalesce(e.detail->>'result', '') ELSE '' END AS result,"
    "  coalesce((SELECT d.case_number FROM cases d WHERE e.type = 'duplicate'"
    "   AND d.case_number = e.detail->>'duplicate_of' AND case_public(d)), '') AS merged_into,"
    "  coalesce(CASE WHEN e.type IN ('dispatched', 'extension_granted') THEN"
    "   to_char(coalesce((e.detail->>'completion_due')::timestamptz, t.completion_due)"
    "   AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"FMDD\"日\"') END, '') AS due"
    "  FROM case_events e JOIN cases c ON c.id = e.case_id LEFT JOIN tasks t ON t.id = e.task_id"
    "  WHERE case_public(c) AND e.type IN " OPEN311_EVENT_TYPES
    "  AND " OPEN311_PERIOD("e.at") ") u"
    " WHERE u.status IS NOT NULL ORDER BY u.at DESC, u.id DESC LIMIT $3::bigint OFFSET $4::bigint";
/* clang-format on */

int intake_open311_read_prepare(pg_t *pg)
{
    return pg_prepare(pg, "open311_requests", s_requests_sql) |
           pg_prepare(pg, "open311_requests_by_id", s_requests_by_id_sql) |
           pg_prepare(pg, "open311_updates", s_updates_sql);
}

/* A read waiting for the rate limiter, then for PostgreSQL. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_open311_format_type_t fmt;
    open311_read_t kind;
    char key[80];
    char *query; /* NULL when none */
    int page;
    int page_size;
} read_t;

static void s_read_free(read_t *rd)
{
    http_release(&rd->held);
    free(rd->query);
    free(rd);
}

/* The address of the next page: this one's, with page raised by one. */
static void s_link_next(read_t *rd, struct evhttp_request *req)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    struct evbuffer *link = evbuffer_new();
    if (!link)
        return;
    static const char *const names[] = {"requests", "requests", "servicerequestupdates"};
    evbuffer_add_printf(link, "</open311/v2/%s.%s?", names[rd->kind],
                        rd->fmt == INTAKE_OPEN311_FORMAT_XML ? "xml" : "json");
    if (rd->query)
        evhttp_parse_query_str(rd->query, &args);
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &args, next)
    {
        if (strcmp(kv->key, "page") == 0)
            continue;
        char *k = evhttp_encode_uri(kv->key), *v = evhttp_encode_uri(kv->value);
        if (k && v)
            evbuffer_add_printf(link, "%s=%s&", k, v);
        free(k);
        free(v);
    }
    evbuffer_add_printf(link, "page=%d>; rel=\"next\"", rd->page + 1);
    evbuffer_add(link, "", 1);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Link",
                      (const char *)evbuffer_pullup(link, -1));
    evbuffer_free(link);
    evhttp_clear_headers(&args);
}

static void s_read_done(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = http_held_request(rd->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read open311 requests");
        if (req)
            intake_open311_problem(req, rd->fmt, problem);
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *res = pg_txn_result(txn, 0);
    if (rd->kind == OPEN311_READ_REQUEST && PQntuples(res) == 0) {
        intake_open311_format_error(req, rd->fmt, 404, OPEN311_UNKNOWN_ID);
        goto out_free;
    }
    int limit = rd->page_size ? rd->page_size : OPEN311_MAX_PAGE;
    if (PQntuples(res) > limit)
        s_link_next(rd, req);
    if (rd->kind == OPEN311_READ_UPDATES)
        intake_open311_format_updates(req, rd->fmt, rd->in->org, res, limit);
    else
        intake_open311_format_requests(req, rd->fmt, rd->in->org, res, limit);
out_free:
    s_read_free(rd);
}

/* Submits stmt for rd (which it then owns) and holds the request. */
static void s_submit(read_t *rd, struct evhttp_request *req, const char *stmt, int nparams,
                     const pg_param_t *params)
{
    if (!pg_is_up(rd->in->pg)) {
        intake_open311_unavailable(req, rd->fmt);
        s_read_free(rd);
        return;
    }
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, stmt, nparams, params) < 0 || !(rd->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        intake_open311_problem(req, rd->fmt, &INTAKE_PROBLEM_INTERNAL);
        s_read_free(rd);
        return;
    }
    pg_txn_submit(rd->in->pg, &txn, s_read_done, rd);
}

/* start_date and end_date into start and end (NULL when not given); false
 * after replying 400. */
static bool s_period(const read_t *rd, struct evkeyvalq *args, struct evhttp_request *req,
                     intake_open311_format_type_t fmt, char *start, char *end, size_t len,
                     const char **start_p, const char **end_p)
{
    const char *s = intake_open311_arg(args, "start_date"),
               *e = intake_open311_arg(args, "end_date");
    *start_p = *end_p = NULL;
    if ((s && intake_open311_w3c_time(s, start, len) < 0) ||
        (e && intake_open311_w3c_time(e, end, len) < 0)) {
        log_info("open311 refused read: start_date or end_date invalid", "status=400 peer=%s",
                 log_addr(http_client_addr(req, &rd->in->trusted_proxies)));
        intake_open311_format_error(
            req, fmt, 400,
            "start_date 和 end_date 须为 1990 至 2100 年间真实存在的 W3C 日期或时间，例如 2026-11-27T12:47:12+08:00");
        return false;
    }
    *start_p = s ? start : NULL;
    *end_p = e ? end : NULL;
    return true;
}

/* A whole number from 1 to max, or -1. */
static int s_count(const char *text, int max)
{
    if (!text)
        return 0;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    return end && *end == '\0' && text[0] != '-' && text[0] != '+' && v >= 1 && v <= max ? (int)v
                                                                                         : -1;
}

/* page and page_size into rd; false after replying 400. */
static bool s_paging(read_t *rd, struct evkeyvalq *args, struct evhttp_request *req)
{
    rd->page = s_count(intake_open311_arg(args, "page"), OPEN311_MAX_PAGES);
    rd->page_size = s_count(intake_open311_arg(args, "page_size"), OPEN311_MAX_PAGE);
    if (rd->page < 0 || rd->page_size < 0) {
        intake_open311_format_error(req, rd->fmt, 400,
                                    "page 须为 1 至 1000 的整数，page_size 须为 1 至 1000 的整数");
        return false;
    }
    if (!rd->page)
        rd->page = 1;
    if (!rd->page_size)
        rd->page_size = OPEN311_MAX_PAGE;
    return true;
}

/* True when every item of the comma list is accepted by ok(item, ctx). */
static bool s_each(const char *list, bool (*ok)(const char *item, const void *ctx), const void *ctx)
{
    char item[80];
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len >= sizeof(item))
            return false;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!ok(item, ctx))
            return false;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

static bool s_known_service(const char *code, const void *org)
{
    return org_category_find(org, code) != NULL;
}

static bool s_known_status(const char *status, const void *unused)
{
    return strcmp(status, "open") == 0 || strcmp(status, "closed") == 0;
}

static void s_requests(read_t *rd, struct evhttp_request *req, struct evkeyvalq *args)
{
    const char *ids = intake_open311_arg(args, "service_request_id");
    if (ids) {
        /* The spec: a list of ids overrides every other filter. */
        size_t n = strlen(ids);
        if (n > OPEN311_MAX_IDS ||
            strspn(ids, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_,") != n) {
            intake_open311_format_error(req, rd->fmt, 400,
                                        "service_request_id 须为以逗号分隔的案件编号");
            s_read_free(rd);
            return;
        }
        pg_param_t params[1] = {PG_TEXT(ids)};
        s_submit(rd, req, "open311_requests_by_id", 1, params);
        return;
    }
    const char *codes = intake_open311_arg(args, "service_code"),
               *status = intake_open311_arg(args, "status");
    if (codes && !s_each(codes, s_known_service, rd->in->org)) {
        intake_open311_format_error(
            req, rd->fmt, 400, "service_code 须为 services.xml 所列的服务代码，多个时以逗号分隔");
        s_read_free(rd);
        return;
    }
    if (status && !s_each(status, s_known_status, NULL)) {
        intake_open311_format_error(req, rd->fmt, 400, "status 须为 open、closed 或 open,closed");
        s_read_free(rd);
        return;
    }
    char start[48], end[48], rows[16], offset[24];
    const char *from, *to;
    if (!s_period(rd, args, req, rd->fmt, start, end, sizeof(start), &from, &to) ||
        !s_paging(rd, args, req)) {
        s_read_free(rd);
        return;
    }
    snprintf(rows, sizeof(rows), "%d", rd->page_size + 1);
    snprintf(offset, sizeof(offset), "%lld", (long long)(rd->page - 1) * rd->page_size);
    pg_param_t params[6] = {PG_TEXT(from),   PG_TEXT(to),   PG_TEXT(codes),
                            PG_TEXT(status), PG_TEXT(rows), PG_TEXT(offset)};
    s_submit(rd, req, "open311_requests", 6, params);
}

static void s_updates(read_t *rd, struct evhttp_request *req, struct evkeyvalq *args)
{
    char start[48], end[48], rows[16], offset[24];
    const char *from, *to;
    if (!s_period(rd, args, req, rd->fmt, start, end, sizeof(start), &from, &to) ||
        !s_paging(rd, args, req)) {
        s_read_free(rd);
        return;
    }
    snprintf(rows, sizeof(rows), "%d", rd->page_size + 1);
    snprintf(offset, sizeof(offset), "%lld", (long long)(rd->page - 1) * rd->page_size);
    pg_param_t params[4] = {PG_TEXT(from), PG_TEXT(to), PG_TEXT(rows), PG_TEXT(offset)};
    s_submit(rd, req, "open311_updates", 4, params);
}

static bool s_is_code(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static void s_limited(void *arg, bool allowed)
{
    read_t *rd = arg;
    struct evhttp_request *req = http_held_request(rd->held);
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    http_release(&rd->held);
    if (!req) {
        s_read_free(rd);
        return;
    }
    if (!allowed) {
        log_info("rate limited open311 read", "peer=%s",
                 log_addr(http_client_addr(req, &rd->in->trusted_proxies)));
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        intake_open311_format_error(req, rd->fmt, 429, "查询过于频繁，请一分钟后再试");
        s_read_free(rd);
        return;
    }
    /* It was parsed once before the limiter was asked: it parses again. */
    if (rd->query)
        evhttp_parse_query_str(rd->query, &args);
    if (rd->kind == OPEN311_READ_REQUESTS) {
        s_requests(rd, req, &args);
    } else if (rd->kind == OPEN311_READ_UPDATES) {
        s_updates(rd, req, &args);
    } else if (!s_is_code(rd->key, 40)) {
        intake_open311_format_error(req, rd->fmt, 404, OPEN311_UNKNOWN_ID);
        s_read_free(rd);
    } else {
        pg_param_t params[1] = {PG_TEXT(rd->key)};
        s_submit(rd, req, "open311_requests_by_id", 1, params);
    }
    evhttp_clear_headers(&args);
}

void intake_open311_read(intake_t *in, struct evhttp_request *req, intake_open311_format_type_t fmt,
                         open311_read_t kind, const char *key, const char *query)
{
    read_t *rd = calloc(1, sizeof(*rd));
    if (!rd || (query && query[0] && !(rd->query = strdup(query))) ||
        !(rd->held = http_hold(req))) {
        if (rd)
            free(rd->query);
        free(rd);
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    rd->in = in;
    rd->fmt = fmt;
    rd->kind = kind;
    snprintf(rd->key, sizeof(rd->key), "%s", key);
    intake_ratelimit_check(in->ratelimit, "lookup", in->lookup_per_minute, http_client_addr(req, &in->trusted_proxies),
                           s_limited, rd);
}
