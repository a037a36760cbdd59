/* Open311 GeoReport v2 on top of intake, with mySociety's service request
 * updates, so that existing Open311 clients can file and follow cases.
 *
 * One jurisdiction: jurisdiction_id is accepted and ignored. Services are
 * the org file's categories. A POST needs an api_key (open311_clients holds
 * its SHA-256; dubanctl open311 add-client issues keys) and becomes a case
 * of channel "open311" through intake_submit, like every other case. Reads
 * are public: they never show the requester's name, phone or e-mail.
 * Every handler ends in exactly one reply; replies that wait for
 * PostgreSQL hold their request, so a client that leaves is only noticed. */
#include "intake_open311.h"

#include "intake_open311_format.h"
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

#define OPEN311_SUBJECT_CHARS 30 /* a case's subject: the start of its description */
#define OPEN311_MAX_IDS 2000     /* bytes of the service_request_id list */

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
    " WHERE " OPEN311_PERIOD("c.created_at")
    " AND ($3::text IS NULL OR c.category = $3)"
    " AND ($4::text IS NULL OR (c.state = 'closed') = ($4 = 'closed'))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT 1000";

static const char *s_requests_by_id_sql =
    OPEN311_REQUEST_COLUMNS
    " WHERE c.case_number = ANY (string_to_array($1, ','))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT 1000";

/* The columns intake_open311_format_updates expects, oldest first. */
static const char *s_updates_sql =
    "SELECT u.id, u.case_number, u.status, " OPEN311_TIME("u.at") ", u.type, u.division"
    " FROM (SELECT e.id, c.case_number, " OPEN311_EVENT_STATUS("e") " AS status, e.at, e.type,"
    "  coalesce(e.detail->>'division', '') AS division"
    "  FROM case_events e JOIN cases c ON c.id = e.case_id"
    "  WHERE e.type IN ('triaged', 'dispatched', 'duplicate', 'out_of_jurisdiction',"
    "   'replied', 'closed', 'reopened')"
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
 * Helpers */

static void s_unavailable(struct evhttp_request *req, intake_open311_format_type_t fmt)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    intake_open311_format_error(
        req, fmt, 503,
        "the case store is not reachable right now; nothing was recorded, please retry in a moment");
}

static bool s_utf8_valid(const char *text)
{
    static const unsigned int min[4] = {0, 0x80, 0x800, 0x10000};
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        int n;
        unsigned int cp;
        if (*s < 0x80) {
            s++;
            continue;
        } else if ((*s & 0xE0) == 0xC0) {
            n = 1;
            cp = *s & 0x1Fu;
        } else if ((*s & 0xF0) == 0xE0) {
            n = 2;
            cp = *s & 0x0Fu;
        } else if ((*s & 0xF8) == 0xF0) {
            n = 3;
            cp = *s & 0x07u;
        } else {
            return false;
        }
        for (int k = 1; k <= n; k++) {
            if ((s[k] & 0xC0) != 0x80) /* also stops at the terminating NUL */
                return false;
            cp = (cp << 6) | (s[k] & 0x3Fu);
        }
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += n + 1;
    }
    return true;
}

/* A query or form argument; NULL when absent or empty. */
static const char *s_arg(struct evkeyvalq *args, const char *name)
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
 * that form decoding turned into a space is restored. -1 when it has not
 * the shape of one (PostgreSQL checks the values). */
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
    return 0;
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
    if (!req || ok)
        return req;
    PGresult *res = pg_txn_result(txn, 0);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (pg_txn_connection_lost(txn)) {
        s_unavailable(req, rd->fmt);
    } else if (state && strncmp(state, "22", 2) == 0) {
        /* data exception: a date PostgreSQL could not read */
        intake_open311_format_error(
            req, rd->fmt, 400,
            "start_date or end_date is not a valid date; use W3C format such as 2026-11-27T12:47:12+08:00");
    } else {
        log_error("could not read open311 data: %s", pg_txn_error(txn));
        intake_open311_format_error(req, rd->fmt, 500, "the cases could not be read; try again");
    }
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
        intake_open311_format_error(req, rd->fmt, 404,
                                    "no service request has that service_request_id");
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
        s_unavailable(req, fmt);
        return;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn || pg_txn_add(txn, true, stmt, nparams, params) < 0 ||
        !(rd->held = http_hold(req))) {
        free(rd);
        pg_txn_destroy(&txn);
        intake_open311_format_error(req, fmt, 500, "out of memory; try again");
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
    const char *s = s_arg(args, "start_date"), *e = s_arg(args, "end_date");
    *start_p = *end_p = NULL;
    if ((s && s_w3c_time(s, start, len) < 0) || (e && s_w3c_time(e, end, len) < 0)) {
        intake_open311_format_error(
            req, fmt, 400,
            "start_date and end_date must be W3C dates such as 2026-11-27T12:47:12+08:00");
        return false;
    }
    *start_p = s ? start : NULL;
    *end_p = e ? end : NULL;
    return true;
}

static void s_requests_get(intake_t *in, struct evhttp_request *req,
                           intake_open311_format_type_t fmt, struct evkeyvalq *args)
{
    const char *ids = s_arg(args, "service_request_id");
    if (ids) {
        /* The spec: a list of ids overrides every other filter. */
        size_t n = strlen(ids);
        if (n > OPEN311_MAX_IDS ||
            strspn(ids, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_,") != n) {
            intake_open311_format_error(
                req, fmt, 400, "service_request_id must be case numbers separated by commas");
            return;
        }
        pg_param_t params[1] = {PG_TEXT(ids)};
        s_read(in, req, fmt, false, "open311_requests_by_id", 1, params, s_requests_read);
        return;
    }
    const char *code = s_arg(args, "service_code"), *status = s_arg(args, "status");
    if (code && !org_category_find(in->org, code)) {
        intake_open311_format_error(req, fmt, 400,
                                    "service_code is not one of the services; see services.xml");
        return;
    }
    if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0) {
        if (strcmp(status, "open,closed") != 0 && strcmp(status, "closed,open") != 0) {
            intake_open311_format_error(req, fmt, 400, "status must be open or closed");
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
        intake_open311_format_error(req, fmt, 404,
                                    "no service request has that service_request_id");
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
 * POST requests: a new case from an Open311 client */

/* A POST waiting for its api_key check. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_open311_format_type_t fmt;
    intake_submission_t *sub;
    bool media; /* a media_url was sent (not stored) */
} post_t;

/* What intake_submit's callback needs to answer and log. */
typedef struct {
    intake_open311_format_type_t fmt;
    char client[49];      /* a client's name is at most 48 characters (dubanctl) */
    const char *location; /* "coordinates", "address" or "none" (allowed, but logged) */
    bool media;           /* a media_url was sent: not stored */
} posted_t;

/* Open311's name for a field intake_request_check named. */
static const char *s_open311_field(const char *field)
{
    static const char *const names[][2] = {
        {"category", "service_code"},     {"subject", "description"},
        {"requester.name", "first_name"}, {"requester.phone", "phone"},
        {"requester.email", "email"},     {"place", "address_string"},
        {"location.lat", "lat"},          {"location.long", "long"},
        {"kind", "attribute[kind]"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(field, names[i][0]) == 0)
            return names[i][1];
    return field;
}

static int s_refuse(intake_error_t *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_refuse(intake_error_t *err, const char *field, const char *fmt, ...)
{
    err->status = 400;
    snprintf(err->field, sizeof(err->field), "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return -1;
}

/* A strict decimal number within [-limit, limit]: digits, one point, sign. */
static bool s_coordinate_ok(const char *s, double limit)
{
    size_t n = strlen(s);
    const char *digits = s + (s[0] == '-' || s[0] == '+');
    if (n == 0 || n > 24 || strspn(digits, "0123456789.") != strlen(digits) ||
        !strpbrk(digits, "0123456789") || strchr(digits, '.') != strrchr(digits, '.'))
        return false;
    double v = strtod(s, NULL);
    return v >= -limit && v <= limit;
}

/* The first OPEN311_SUBJECT_CHARS characters of the description, on one line. */
static char *s_subject(const char *description)
{
    char *out = malloc(OPEN311_SUBJECT_CHARS * 4 + 8); /* UTF-8: at most 4 bytes each */
    if (!out)
        return NULL;
    size_t j = 0, chars = 0;
    const char *p = description;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    for (; *p && chars < OPEN311_SUBJECT_CHARS; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80)
            chars++;
        out[j++] = (*p == '\t' || *p == '\r' || *p == '\n') ? ' ' : *p;
    }
    while (((unsigned char)*p & 0xC0) == 0x80) /* finish the last character */
        out[j++] = *p++;
    if (*p)
        j += (size_t)sprintf(out + j, "…");
    out[j] = '\0';
    return out;
}

static bool s_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Requester's name: family name first for Chinese names ("张" + "三"),
 * given name first with a space for names written in Latin letters. */
static char *s_name(const char *first, const char *last)
{
    if (!first || !last)
        return first ? strdup(first) : last ? strdup(last) : NULL;
    size_t len = strlen(first) + strlen(last) + 2;
    char *out = malloc(len);
    if (!out)
        return NULL;
    if (s_ascii(first) && s_ascii(last))
        snprintf(out, len, "%s %s", first, last);
    else
        snprintf(out, len, "%s%s", last, first);
    return out;
}

/* *out = a copy of value (none when value is NULL); -1 when out of memory. */
static int s_dup(char **out, const char *value)
{
    *out = value ? strdup(value) : NULL;
    return value && !*out ? -1 : 0;
}

/* Checks the form's fields under their Open311 names and builds the case
 * request; -1 with err filled when refused. */
static int s_build(intake_t *in, struct evkeyvalq *args, intake_request_t **out,
                   intake_error_t *err)
{
    const char *code = s_arg(args, "service_code"), *text = s_arg(args, "description");
    const char *lat = s_arg(args, "lat"), *lon = s_arg(args, "long");
    const char *kind = s_arg(args, "attribute[kind]");
    const char *first = s_arg(args, "first_name"), *last = s_arg(args, "last_name");
    if (!code)
        return s_refuse(err, "service_code",
                        "service_code is required: one of the codes that services.xml lists");
    if (!org_category_find(in->org, code))
        return s_refuse(err, "service_code",
                        "service_code is not one of the services; see services.xml");
    if (!text)
        return s_refuse(err, "description", "description is required: what happened, where");
    if (intake_utf8_length(text) > INTAKE_MAX_DESCRIPTION)
        return s_refuse(err, "description", "description is longer than %d characters",
                        INTAKE_MAX_DESCRIPTION);
    if ((lat && !lon) || (!lat && lon))
        return s_refuse(err, lat ? "long" : "lat",
                        "lat and long go together: send both or neither");
    if (lat && !s_coordinate_ok(lat, 90))
        return s_refuse(err, "lat", "lat must be a decimal number between -90 and 90");
    if (lon && !s_coordinate_ok(lon, 180))
        return s_refuse(err, "long", "long must be a decimal number between -180 and 180");
    if ((first ? intake_utf8_length(first) : 0) + (last ? intake_utf8_length(last) : 0) >
        INTAKE_MAX_NAME)
        return s_refuse(err, "first_name",
                        "first_name and last_name together are longer than %d characters",
                        INTAKE_MAX_NAME);
    if (kind && (!org_kind_find(in->org, kind)))
        return s_refuse(err, "attribute[kind]",
                        "attribute[kind] must be complaint, report, enquiry or suggestion");
    intake_request_t *r = calloc(1, sizeof(*r));
    if (!r || s_dup(&r->channel, "open311") < 0 || s_dup(&r->kind, kind ? kind : "complaint") < 0 ||
        s_dup(&r->category, code) < 0 || s_dup(&r->description, text) < 0 ||
        s_dup(&r->requester_phone, s_arg(args, "phone")) < 0 ||
        s_dup(&r->requester_email, s_arg(args, "email")) < 0 ||
        s_dup(&r->place, s_arg(args, "address_string")) < 0 || s_dup(&r->latitude, lat) < 0 ||
        s_dup(&r->longitude, lon) < 0 || !(r->subject = s_subject(text)) ||
        ((first || last) && !(r->requester_name = s_name(first, last)))) {
        intake_request_destroy(&r);
        err->status = 500;
        snprintf(err->detail, sizeof(err->detail), "out of memory; try again");
        return -1;
    }
    intake_error_t check;
    if (intake_request_check(in->org, r, &check) < 0) {
        intake_request_destroy(&r);
        return s_refuse(err, s_open311_field(check.field), "%s is not valid: %s",
                        s_open311_field(check.field), check.detail);
    }
    *out = r;
    return 0;
}

static void s_post_reply(http_held_t *held, intake_outcome_t outcome, const char *response,
                         const char *error, void *arg)
{
    posted_t *posted = arg;
    struct evhttp_request *req = held ? http_held_request(held) : NULL;
    json_t *body = response ? json_loads(response, 0, NULL) : NULL;
    const char *number = json_string_value(json_object_get(body, "case_number"));
    bool created = (outcome == INTAKE_CREATED || outcome == INTAKE_REPLAYED) && number;
    if (created)
        log_info("open311 case accepted case=%s client=%s location=%s media_url=%s", number,
                 posted->client, posted->location, posted->media ? "ignored" : "none");
    else
        log_warn("open311 case not stored client=%s: %s", posted->client,
                 error ? error : "no case number");
    if (!req)
        goto out_free;
    if (created) {
        char location[128];
        snprintf(location, sizeof(location), "/open311/v2/requests/%s.%s", number,
                 posted->fmt == INTAKE_OPEN311_FORMAT_XML ? "xml" : "json");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Location", location);
        intake_open311_format_created(req, posted->fmt, number);
    } else if (outcome == INTAKE_UNAVAILABLE) {
        s_unavailable(req, posted->fmt);
    } else {
        intake_open311_format_error(req, posted->fmt, 500,
                                    error ? error : "the case store refused the request");
    }
out_free:
    json_decref(body);
    http_release(&held);
    free(posted);
}

static void s_client_checked(pg_txn_t *txn, bool ok, void *arg)
{
    post_t *p = arg;
    struct evhttp_request *req = http_held_request(p->held);
    if (!req)
        goto out_free;
    if (!ok) {
        if (pg_txn_connection_lost(txn)) {
            s_unavailable(req, p->fmt);
        } else {
            log_error("could not look up open311 client: %s", pg_txn_error(txn));
            intake_open311_format_error(req, p->fmt, 500, "the api_key could not be checked");
        }
        goto out_free;
    }
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) == 0) {
        log_info("open311 refused post status=403 peer=%s: api_key unknown or revoked",
                 http_peer(req));
        intake_open311_format_error(
            req, p->fmt, 403,
            "api_key is not valid (unknown or revoked); ask the bureau for an Open311 key");
        goto out_free;
    }
    posted_t *posted = calloc(1, sizeof(*posted));
    if (!posted) {
        intake_open311_format_error(req, p->fmt, 500, "out of memory; try again");
        goto out_free;
    }
    posted->fmt = p->fmt;
    snprintf(posted->client, sizeof(posted->client), "%s", PQgetvalue(res, 0, 0));
    snprintf(p->sub->source, sizeof(p->sub->source), "open311:%s", posted->client);
    posted->media = p->media;
    posted->location = p->sub->req->latitude ? "coordinates"
                       : p->sub->req->place  ? "address"
                                             : "none";
    /* intake_submit holds the request again for the commit. */
    http_release(&p->held);
    intake_submit(p->in, req, &p->sub, s_post_reply, posted);
out_free:
    http_release(&p->held);
    intake_submission_destroy(&p->sub);
    free(p);
}

/* Refuses bodies that are not a form: multipart (media uploads) and JSON. */
static bool s_form_type(struct evhttp_request *req)
{
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    return !type || strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
}

static void s_post(intake_t *in, struct evhttp_request *req, intake_open311_format_type_t fmt)
{
    char *body = NULL;
    size_t len = 0;
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    post_t *p = NULL;
    intake_error_t err = {0};
    if (!s_form_type(req)) {
        intake_open311_format_error(req, fmt, 415,
                                    "send the request as application/x-www-form-urlencoded");
        goto out_free;
    }
    if (http_read_body(req, in->max_body, &body, &len) < 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", in->max_body);
        intake_open311_format_error(req, fmt, 413, detail);
        goto out_free;
    }
    if (strlen(body) != len || evhttp_parse_query_str(body, &args) < 0) {
        intake_open311_format_error(
            req, fmt, 400,
            "the body is not a form: send name=value pairs joined by &, URL-encoded");
        goto out_free;
    }
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &args, next)
    {
        if (!s_utf8_valid(kv->key) || !s_utf8_valid(kv->value)) {
            intake_open311_format_error(req, fmt, 400,
                                        "the form holds text that is not valid UTF-8; send UTF-8");
            goto out_free;
        }
    }
    const char *key = s_arg(&args, "api_key");
    if (!key || strlen(key) > 256) {
        intake_open311_format_error(req, fmt, 403,
                                    "api_key is required; ask the bureau for an Open311 key");
        goto out_free;
    }
    p = calloc(1, sizeof(*p));
    if (!p || !(p->sub = calloc(1, sizeof(*p->sub)))) {
        intake_open311_format_error(req, fmt, 500, "out of memory; try again");
        goto out_free;
    }
    if (s_build(in, &args, &p->sub->req, &err) < 0) {
        log_info("open311 refused post status=%d field=%s: %s", err.status, err.field, err.detail);
        intake_open311_format_error(req, fmt, err.status, err.detail);
        goto out_free;
    }
    if (!pg_is_up(in->pg)) {
        s_unavailable(req, fmt);
        goto out_free;
    }
    p->in = in;
    p->fmt = fmt;
    p->media = s_arg(&args, "media_url") != NULL;
    snprintf(p->sub->peer, sizeof(p->sub->peer), "%s", http_peer(req));
    char hash[65];
    intake_sha256_hex(key, strlen(key), hash);
    pg_param_t params[1] = {PG_TEXT(hash)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "open311_client", 1, params) < 0 ||
        !(p->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        intake_open311_format_error(req, fmt, 500, "out of memory; try again");
        goto out_free;
    }
    pg_txn_submit(in->pg, &txn, s_client_checked, p);
    p = NULL;
out_free:
    if (p)
        intake_submission_destroy(&p->sub);
    free(p);
    evhttp_clear_headers(&args);
    free(body);
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
    snprintf(detail, sizeof(detail), "this resource answers %s only", allow);
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
            "no such Open311 resource; ask for services, requests or servicerequestupdates ending in .xml or .json");
        return;
    }
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    bool get = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;
    bool has_key = key[0] != '\0' || strchr(rest, '/') != NULL;
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && query[0] && evhttp_parse_query_str(query, &args) < 0) {
        intake_open311_format_error(
            req, fmt, 400, "the query string is malformed; send name=value pairs joined by &");
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
                                        "no service has that service_code; see services.xml");
        else
            intake_open311_format_service_definition(req, fmt, in->org, key);
    } else if (strcmp(resource, "requests") == 0 && !has_key) {
        if (get)
            s_requests_get(in, req, fmt, &args);
        else if (method == EVHTTP_REQ_POST)
            s_post(in, req, fmt);
        else
            s_not_allowed(req, fmt, "GET, POST");
    } else if (strcmp(resource, "requests") == 0) {
        if (get)
            s_request_get(in, req, fmt, key);
        else
            s_not_allowed(req, fmt, "GET");
    } else if (strcmp(resource, "servicerequestupdates") == 0 && !has_key) {
        if (get)
            s_updates_get(in, req, fmt, &args);
        else
            s_not_allowed(req, fmt, "GET");
    } else {
        intake_open311_format_error(
            req, fmt, 404,
            "no such Open311 resource; ask for services, requests or servicerequestupdates");
    }
out_clear:
    evhttp_clear_headers(&args);
}
