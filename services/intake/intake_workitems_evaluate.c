/* The public evaluation (网上评议) of a work item; see
 * intake_workitems_public.h. Read and checked before anything is asked of
 * PostgreSQL, then stored once per item, month and visitor. */
#include "intake_workitems_public_internal.h"

#include "clock.h"
#include "fingerprint.h"
#include "log.h"
#include "pg_time.h"
#include "text.h"

#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

/* clang-format off */
/* Stores an evaluation once per item, period and visitor: answers whether
 * the item exists, whether this one was stored, and whether it was
 * flagged (the address on the watchlist, compared here, stored nowhere).
 * $7 is its instant on the service's clock, which its period is the month
 * of: the bulletins count it in that month. */
static const char *s_evaluate_sql =
    "WITH i AS (SELECT w.case_id FROM work_items w JOIN cases c ON c.id = w.case_id"
    "  WHERE c.case_number = $1 AND c.kind = 'workitem'),"
    " ins AS (INSERT INTO work_item_evaluations (case_id, period, visitor, rating, comment, flagged,"
    "  at)"
    "  SELECT i.case_id, $2, $3, $4, nullif($5, ''), EXISTS (SELECT 1 FROM watchlist x"
    "   WHERE x.removed_at IS NULL AND x.kind = 'ip' AND x.value = $6), " PG_TIME_TS(7) " FROM i"
    "  ON CONFLICT (case_id, period, visitor) DO NOTHING RETURNING flagged)"
    " SELECT (SELECT count(*) FROM i)::int, (SELECT count(*) FROM ins)::int,"
    " coalesce((SELECT flagged FROM ins), false)";
/* clang-format on */

int intake_workitems_public_evaluation_prepare(pg_t *pg)
{
    return pg_prepare(pg, "wp_evaluate", s_evaluate_sql);
}

static void s_refuse(wp_req_t *p, const char *field, const char *error, const char *why)
{
    p->field = field;
    snprintf(p->error, sizeof(p->error), "%s", error);
    log_info("refused public evaluation", "status=422 field=%s case=%s reason=%s", field, p->number,
             why);
}

/* Takes rating and comment (either may be NULL) into p, or the reason
 * they are refused into p->error. */
static void s_evaluation_check(wp_req_t *p, const char *rating, const char *comment)
{
    static const char *const ratings[] = {"satisfied", "basically", "dissatisfied"};
    bool known = false;
    for (size_t i = 0; rating && i < sizeof(ratings) / sizeof(ratings[0]); i++)
        known = known || strcmp(rating, ratings[i]) == 0;
    if (known)
        snprintf(p->rating, sizeof(p->rating), "%s", rating);
    if (comment && !(p->comment = strdup(comment))) {
        s_refuse(p, "", "服务器暂时繁忙，请稍后再试。", "out of memory");
        return;
    }
    if (!known) {
        s_refuse(p, "rating", "请选择 满意、基本满意 或 不满意。", "no known rating");
        return;
    }
    if (!p->comment)
        return;
    text_normalize_newlines(p->comment);
    size_t offset = 0;
    uint32_t cp = 0;
    text_status_t st = text_check(p->comment, true, &offset, &cp);
    if (st != TEXT_OK) {
        char why[128];
        text_describe(st, offset, cp, why, sizeof(why));
        s_refuse(p, "comment",
                 st == TEXT_CONTROL ? "意见中含有不允许的控制字符，请删除后再提交。"
                                    : "意见中含有无法识别的字符，请检查后再提交。",
                 why);
        return;
    }
    size_t chars = 0;
    for (const unsigned char *c = (const unsigned char *)p->comment; *c; c++)
        chars += (*c & 0xC0) != 0x80;
    if (chars > WP_COMMENT_MAX_CHARS) {
        char error[120];
        snprintf(error, sizeof(error), "意见最多 %d 个字，请精简后再提交。", WP_COMMENT_MAX_CHARS);
        s_refuse(p, "comment", error, "comment too long");
    }
}

/* The form's fields or the JSON body. */
void intake_workitems_public_evaluation_read(wp_req_t *p, struct evhttp_request *req)
{
    char *body = NULL;
    size_t len = 0;
    if (http_read_body(req, 4096, &body, &len) < 0) {
        s_refuse(p, "comment", "内容过长：意见最多 300 个字，请精简后再提交。", "body too large");
        return;
    }
    if (p->json) {
        json_error_t jerr;
        json_t *o = json_loadb(body ? body : "", len, 0, &jerr);
        const json_t *rating = json_object_get(o, "rating"), *comment = json_object_get(o, "comment");
        if (!json_is_object(o) || (rating && !json_is_string(rating)) ||
            (comment && !json_is_null(comment) && !json_is_string(comment)))
            s_refuse(p, "", "请求内容须为 JSON 对象：{\"rating\": \"satisfied\", \"comment\": \"…\"}。",
                     "not a JSON object of strings");
        else
            s_evaluation_check(p, json_string_value(rating), json_string_value(comment));
        json_decref(o);
    } else {
        struct evkeyvalq fields;
        TAILQ_INIT(&fields);
        if (!body || memchr(body, '\0', len) || evhttp_parse_query_str(body, &fields) < 0) {
            s_refuse(p, "", "表单内容无法识别，请重新填写。", "form not parsed");
        } else {
            const char *comment = evhttp_find_header(&fields, "comment");
            s_evaluation_check(p, evhttp_find_header(&fields, "rating"),
                               comment && comment[0] ? comment : NULL);
        }
        evhttp_clear_headers(&fields);
    }
    free(body);
}

int intake_workitems_public_evaluation_add(wp_req_t *p, pg_txn_t *txn)
{
    char period[8], visitor[FINGERPRINT_HEX_LEN + 1];
    /* The month in China (UTC+8 all year), on the service's clock. */
    int64_t now_us = clock_now_us();
    time_t now = (time_t)(now_us / 1000000) + 8 * 3600;
    char at[24];
    snprintf(at, sizeof(at), "%lld", (long long)now_us);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(period, sizeof(period), "%Y-%m", &tm);
    char keyed[256];
    int n = snprintf(keyed, sizeof(keyed), "workitem-evaluation\n%s\n%s\n%s", p->peer, p->number,
                     period);
    fingerprint_bytes(p->in->fingerprint, keyed, (size_t)n, visitor);
    pg_param_t params[7] = {PG_TEXT(p->number),
                            PG_TEXT(period),
                            PG_TEXT(visitor),
                            PG_TEXT(p->rating),
                            PG_TEXT(p->comment ? p->comment : ""),
                            PG_TEXT(p->peer),
                            PG_TEXT(at)};
    return pg_txn_add(txn, true, "wp_evaluate", 7, params);
}

int intake_workitems_public_evaluation_outcome(wp_req_t *p, PGresult *ev, const char **notice)
{
    if (atoi(PQgetvalue(ev, 0, 0)) == 0)
        return 200; /* no such item: the 404 of its read */
    if (atoi(PQgetvalue(ev, 0, 1)) == 0) {
        p->field = "";
        snprintf(p->error, sizeof(p->error),
                 "您本月已经评价过这项工作，每月可评价一次，感谢参与。");
        log_info("refused public evaluation: evaluated this period", "status=409 case=%s",
                 p->number);
        return 409;
    }
    *notice = "感谢您的评价！评价结果将计入这项工作的满意率。";
    log_info("public evaluation stored", "case=%s rating=%s flagged=%s", p->number, p->rating,
             PQgetvalue(ev, 0, 2)[0] == 't' ? "true" : "false");
    return 201;
}
