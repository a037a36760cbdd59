/* mySociety's POST Service Request Update: a follow-up from an Open311
 * client (FixMyStreet sends its users' updates this way) to a case that
 * client filed.
 *
 * The follow-up is recorded on the case's timeline (a "followup" event,
 * with the client's update_id, status and text; the contact details given
 * are kept there for the handlers only) and announced as a CaseNotice to
 * the lead division's console and to the first responder. It changes no
 * state: the status the client sends is its own view of the case. A
 * REOPEN -- or OPEN while duban holds the case as answered or closed --
 * asks for the case to be reopened, and the workflow's rules say who
 * decides: after a reply, the first responder, whose callback records the
 * requester as unsatisfied and so reopens the case to the division; after
 * closure, the inspection office, which re-checks closed cases (回头看).
 * A "reopen_requested" event and a notice to them record the request;
 * nothing is reopened around them.
 *
 * Idempotent on the client's update_id: open311_updates keeps one row per
 * client and update_id, written in the same statement as the event, and a
 * second post of the same update_id answers the first one's id (duban's
 * own: the follow-up event's id). An advisory lock on the pair makes two
 * simultaneous posts of it take turns. */
#include "duban.pb-c.h"
#include "intake_open311_internal.h"
#include "log.h"
#include "outbox.h"
#include "text.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define UPDATE_MAX_ID 64
#define UPDATE_MAX_URL 1000

/* clang-format off */
static const char *s_lock_sql =
    "SELECT pg_advisory_xact_lock(hashtext('open311_update:' || $1 || ':' || $2)::bigint)";

/* $1 client id, $2 client name, $3 the client's update_id, $4 case number,
 * $5 status (upper case), $6 text (NULL none), $7 more detail (jsonb), $8
 * the follow-up's CaseNotice, $9 the reopen request's. */
static const char *s_update_sql =
    "WITH c AS (SELECT c.id, c.case_number, c.state, c.first_responder, l.id AS lead_task,"
    "  l.division AS lead FROM cases c LEFT JOIN LATERAL (SELECT t.id, t.division FROM tasks t"
    "   WHERE t.case_id = c.id AND t.role = 'lead' AND t.state <> 'returned'"
    "   ORDER BY t.id DESC LIMIT 1) l ON true"
    "  WHERE c.case_number = $4 AND c.source = 'open311:' || $2),"
    " prior AS (SELECT event_id FROM open311_updates WHERE client_id = $1::bigint AND update_id = $3),"
    " d AS (SELECT c.*, CASE WHEN NOT ($5 = 'REOPEN' OR ($5 = 'OPEN'"
    "   AND c.state IN ('replied', 'informed', 'closed'))) THEN NULL"
    "   WHEN c.state = 'closed' THEN 'inspection'"
    "   WHEN c.state IN ('replied', 'informed') THEN 'first_responder' END AS reopen_by"
    "  FROM c WHERE NOT EXISTS (SELECT 1 FROM prior)),"
    " e AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT d.id, d.lead_task, 'followup', 'open311:' || $2, $7::jsonb"
    "   || jsonb_strip_nulls(jsonb_build_object('update_id', $3::text, 'status', $5::text,"
    "   'text', $6::text, 'case_state', d.state, 'reopen_requested', d.reopen_by IS NOT NULL))"
    "  FROM d RETURNING id, case_id),"
    " r AS (INSERT INTO case_events (case_id, task_id, type, actor, detail)"
    "  SELECT d.id, d.lead_task, 'reopen_requested', 'open311:' || $2,"
    "   jsonb_build_object('decided_by', d.reopen_by, 'followup', e.id, 'case_state', d.state)"
    "  FROM d, e WHERE d.reopen_by IS NOT NULL),"
    " u AS (INSERT INTO open311_updates (client_id, update_id, case_id, event_id)"
    "  SELECT $1::bigint, $3, case_id, id FROM e),"
    " n AS (" OUTBOX_INSERT("'intake'", "'console'", "x.topic", OUTBOX_MSG(CASE_NOTICE), "d.id",
                            "d.case_number", "d.lead_task", "x.body", OUTBOX_UNCLAIMED)
    "  FROM d CROSS JOIN e CROSS JOIN LATERAL (VALUES"
    "   (d.lead IS NOT NULL, 'div.' || d.lead || '|', $8::bytea),"
    "   (true, 'staff.' || d.first_responder || '|', $8::bytea),"
    "   (d.reopen_by IS NOT NULL, 'staff.' || d.first_responder || '|', $9::bytea),"
    "   (d.reopen_by = 'inspection', 'inspection|', $9::bytea)) x(wanted, topic, body)"
    "  WHERE x.wanted)"
    " SELECT (SELECT count(*) FROM c), (SELECT event_id FROM prior), (SELECT id FROM e),"
    " coalesce((SELECT state FROM c), ''), coalesce((SELECT reopen_by FROM d), '')";
/* clang-format on */

enum { COL_FOUND, COL_PRIOR, COL_NEW, COL_STATE, COL_REOPEN_BY };

int intake_open311_update_prepare(pg_t *pg)
{
    return pg_prepare(pg, "open311_update_lock", s_lock_sql) |
           pg_prepare(pg, "open311_update", s_update_sql);
}

/* The statuses mySociety's extension lets a client send. */
static const char *const s_statuses[] = {"OPEN",
                                         "CLOSED",
                                         "FIXED",
                                         "IN_PROGRESS",
                                         "ACTION_SCHEDULED",
                                         "INVESTIGATING",
                                         "DUPLICATE",
                                         "NOT_COUNCILS_RESPONSIBILITY",
                                         "NO_FURTHER_ACTION",
                                         "INTERNAL_REFERRAL",
                                         "REOPEN",
                                         NULL};

/* An update waiting for its api_key check, then for PostgreSQL. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_open311_format_type_t fmt;
    char number[48];
    char update_id[UPDATE_MAX_ID + 1];
    char status[32];
    char *text;   /* NULL when none */
    char *detail; /* JSON: client_at, media_url, contact */
    char client[49];
    char client_id[24];
} update_t;

static void s_update_free(void *arg)
{
    update_t *u = arg;
    http_release(&u->held);
    free(u->text);
    free(u->detail);
    free(u);
}

static bool s_id_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:") == n;
}

/* The status in upper case into out, or false when it is not one of
 * s_statuses (FixMyStreet sends upper case; the spec's examples lower). */
static bool s_status(const char *in, char *out, size_t len)
{
    for (int i = 0; s_statuses[i]; i++)
        if (strcasecmp(in, s_statuses[i]) == 0) {
            snprintf(out, len, "%s", s_statuses[i]);
            return true;
        }
    return false;
}

/* Checks the contact details and the text as a case's would be checked
 * (intake_request_check: lengths, control characters, phone, e-mail), the
 * text's line ends made LF. Returns 0, or -1 with the Chinese refusal in
 * out naming the field as Open311 calls it. */
static int s_check_fields(intake_t *in, struct evkeyvalq *args, char **text, char *name,
                          size_t name_len, intake_refusal_t *out)
{
    const char *first = intake_open311_arg(args, "first_name"),
               *last = intake_open311_arg(args, "last_name");
    snprintf(name, name_len, "%s%s%s", last ? last : "", last && first ? " " : "",
             first ? first : "");
    /* intake_request_check rewrites line ends in place: every field is ours. */
    char channel[] = "open311", kind[] = "complaint", subject[] = "-", none[] = "-";
    intake_request_t r = {.channel = channel,
                          .kind = kind,
                          .subject = subject,
                          .description = *text ? *text : none,
                          .requester_name = name[0] ? name : NULL,
                          .requester_phone = (char *)intake_open311_arg(args, "phone"),
                          .requester_email = (char *)intake_open311_arg(args, "email")};
    intake_error_t err = {0};
    if (intake_request_check(in->org, &r, &err) == 0)
        return 0;
    const char *field = strcmp(err.field, "requester.name") == 0
                            ? "first_name"
                            : intake_open311_field_name(err.field);
    intake_problem_describe(&err, field, out);
    return -1;
}

/* The CaseNotice a console gets, packed into a malloc'ed buffer. */
static uint8_t *s_notice(const char *event, const char *actor, const char *text, size_t *len)
{
    Duban__CaseNotice n = DUBAN__CASE_NOTICE__INIT;
    n.event = (char *)event;
    n.actor = (char *)actor;
    n.division = "";
    n.text = (char *)text;
    n.case_state = "";
    *len = duban__case_notice__get_packed_size(&n);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        duban__case_notice__pack(&n, buf);
    return buf;
}

static void s_stored(pg_txn_t *txn, bool ok, void *arg)
{
    update_t *u = arg;
    struct evhttp_request *req = http_held_request(u->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_WRITE, "store open311 update");
        if (req)
            intake_open311_problem(req, u->fmt, problem);
        goto out_free;
    }
    PGresult *res = pg_txn_result(txn, 1);
    const char *prior = PQgetvalue(res, 0, COL_PRIOR), *fresh = PQgetvalue(res, 0, COL_NEW);
    if (strcmp(PQgetvalue(res, 0, COL_FOUND), "0") == 0) {
        log_info("open311 refused update: case unknown or not filed by this client",
                 "status=404 client=%s case=%s", u->client, u->number);
        if (req)
            intake_open311_format_error(
                req, u->fmt, 404,
                "没有这个编号的服务请求（service_request_id），或它不是经本客户端提交的");
        goto out_free;
    }
    if (fresh[0])
        log_info("open311 update stored",
                 "case=%s client=%s update=%s client_update_id=%s status=%s reopen_requested=%s",
                 u->number, u->client, fresh, u->update_id, u->status,
                 PQgetvalue(res, 0, COL_REOPEN_BY)[0] ? PQgetvalue(res, 0, COL_REOPEN_BY) : "no");
    else
        log_info("open311 update replayed", "case=%s client=%s update=%s client_update_id=%s",
                 u->number, u->client, prior, u->update_id);
    if (req)
        intake_open311_format_update_stored(req, u->fmt, fresh[0] ? 201 : 200,
                                            fresh[0] ? fresh : prior);
out_free:
    s_update_free(u);
}

static void s_client_found(struct evhttp_request *req, int64_t client_id, const char *client,
                           void *arg)
{
    update_t *u = arg;
    snprintf(u->client, sizeof(u->client), "%s", client);
    snprintf(u->client_id, sizeof(u->client_id), "%lld", (long long)client_id);
    char actor[64], reopen_text[160];
    snprintf(actor, sizeof(actor), "open311:%s", client);
    snprintf(reopen_text, sizeof(reopen_text), "诉求人经 %s 申请重新办理", client);
    size_t len = 0, reopen_len = 0;
    uint8_t *notice = s_notice("followup", actor, u->text ? u->text : "（补充了图片链接）", &len);
    uint8_t *reopen = s_notice("reopen_requested", actor, reopen_text, &reopen_len);
    pg_txn_t *txn = pg_txn_new();
    pg_param_t lock[2] = {PG_TEXT(u->client_id), PG_TEXT(u->update_id)};
    pg_param_t p[9] = {
        PG_TEXT(u->client_id), PG_TEXT(u->client),     PG_TEXT(u->update_id),
        PG_TEXT(u->number),    PG_TEXT(u->status),     PG_TEXT(u->text),
        PG_TEXT(u->detail),    PG_BINARY(notice, len), PG_BINARY(reopen, reopen_len)};
    if (!notice || !reopen || !txn || pg_txn_add(txn, true, "open311_update_lock", 2, lock) < 0 ||
        pg_txn_add(txn, true, "open311_update", 9, p) < 0 ||
        outbox_txn_notify(txn, "console") < 0 || !(u->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        intake_open311_problem(req, u->fmt, &INTAKE_PROBLEM_INTERNAL);
        s_update_free(u);
    } else {
        pg_txn_submit(u->in->pg, &txn, s_stored, u);
    }
    free(notice);
    free(reopen);
}

/* Checks the form; fills u. -1 after replying the refusal. */
static int s_parse(update_t *u, struct evhttp_request *req, struct evkeyvalq *args)
{
    const char *number = intake_open311_arg(args, "service_request_id"),
               *update_id = intake_open311_arg(args, "update_id"),
               *at = intake_open311_arg(args, "updated_datetime"),
               *status = intake_open311_arg(args, "status"),
               *text = intake_open311_arg(args, "description"),
               *media = intake_open311_arg(args, "media_url");
    const char *refusal = NULL;
    char when[48], name[160];
    if (!number || !s_id_ok(number, 40))
        refusal = "缺少 service_request_id，或它不是案件编号";
    else if (!update_id || !s_id_ok(update_id, UPDATE_MAX_ID))
        refusal = "缺少 update_id，或它不是 1 至 64 个字母、数字或 -_.: 组成的编号";
    else if (!at || intake_open311_w3c_time(at, when, sizeof(when)) < 0)
        refusal = "updated_datetime 须为带时区的 W3C 时间，例如 2017-03-02T10:30:00+08:00";
    else if (!status || !s_status(status, u->status, sizeof(u->status)))
        refusal = "status 须为 OPEN、CLOSED 或 mySociety 扩展状态之一（如 REOPEN、FIXED）";
    else if (!text && !media && strcmp(u->status, "REOPEN") != 0)
        refusal = "缺少 description：请写明补充的情况";
    else if (media &&
             (strlen(media) > UPDATE_MAX_URL || text_check(media, false, NULL, NULL) != TEXT_OK ||
              (strncmp(media, "https://", 8) != 0 && strncmp(media, "http://", 7) != 0)))
        refusal = "media_url 须为 http:// 或 https:// 开头、不超过 1000 个字符的网址";
    if (refusal) {
        log_info("open311 refused update", "status=400 peer=%s reason=%s",
                 log_addr(http_client_addr(req, &u->in->trusted_proxies)), refusal);
        intake_open311_format_error(req, u->fmt, 400, refusal);
        return -1;
    }
    snprintf(u->number, sizeof(u->number), "%s", number);
    snprintf(u->update_id, sizeof(u->update_id), "%s", update_id);
    if (text && !(u->text = strdup(text))) {
        intake_open311_problem(req, u->fmt, &INTAKE_PROBLEM_INTERNAL);
        return -1;
    }
    intake_refusal_t why;
    if (s_check_fields(u->in, args, &u->text, name, sizeof(name), &why) < 0) {
        log_info("open311 refused update", "status=%d peer=%s reason=%s", why.status,
                 log_addr(http_client_addr(req, &u->in->trusted_proxies)), why.detail);
        intake_open311_format_error(req, u->fmt, why.status, why.detail);
        return -1;
    }
    json_t *contact = json_object(), *detail = json_object();
    if (name[0])
        json_object_set_new(contact, "name", json_string(name));
    if (intake_open311_arg(args, "email"))
        json_object_set_new(contact, "email", json_string(intake_open311_arg(args, "email")));
    if (intake_open311_arg(args, "phone"))
        json_object_set_new(contact, "phone", json_string(intake_open311_arg(args, "phone")));
    json_object_set_new(detail, "client_at", json_string(when));
    if (media)
        json_object_set_new(detail, "media_url", json_string(media));
    if (json_object_size(contact))
        json_object_set(detail, "contact", contact);
    u->detail = json_dumps(detail, JSON_COMPACT);
    json_decref(contact);
    json_decref(detail);
    if (!u->detail) {
        intake_open311_problem(req, u->fmt, &INTAKE_PROBLEM_INTERNAL);
        return -1;
    }
    return 0;
}

void intake_open311_post_update(intake_t *in, struct evhttp_request *req,
                                intake_open311_format_type_t fmt)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    update_t *u = NULL;
    if (intake_open311_read_form(in, req, fmt, &args) < 0)
        goto out_free;
    const char *key = intake_open311_arg(&args, "api_key");
    if (!key) {
        intake_open311_format_error(req, fmt, 403, "缺少 api_key：请向本局申请 Open311 密钥");
        goto out_free;
    }
    u = calloc(1, sizeof(*u));
    if (!u) {
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        goto out_free;
    }
    u->in = in;
    u->fmt = fmt;
    if (s_parse(u, req, &args) < 0)
        goto out_free;
    intake_open311_client(in, req, fmt, key, s_client_found, s_update_free, u);
    u = NULL;
out_free:
    if (u)
        s_update_free(u);
    evhttp_clear_headers(&args);
}
