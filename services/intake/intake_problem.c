/* Problems intake answers with; see intake_problem.h. */
#include "intake_problem.h"

#include "http.h"
#include "log.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const intake_problem_t INTAKE_PROBLEM_UNAVAILABLE = {
    503, "暂时无法处理", "数据库暂时无法连接，本次请求未保存任何内容，请稍后重试"};
const intake_problem_t INTAKE_PROBLEM_BUSY = {
    503, "暂时无法处理", "当前提交过多，本次请求未保存任何内容，请稍后重试"};
const intake_problem_t INTAKE_PROBLEM_INTERNAL = {
    500, "系统内部错误",
    "系统内部错误，本次请求未保存任何内容；请稍后重试，如仍不成功请拨打受理热线"};
const intake_problem_t INTAKE_PROBLEM_KEY_REUSED = {
    409, "Idempotency-Key 已被使用",
    "这个 Idempotency-Key 已用于另一份内容，本次未保存；新的案件请使用新的 Idempotency-Key"};
const intake_problem_t INTAKE_PROBLEM_NO_ACCEPTOR = {
    500, "暂无受理人员",
    "当前没有在岗的受理人员，本次请求未保存任何内容；请稍后重试或拨打受理热线"};

static const intake_problem_t s_bad_value_write = {
    400, "数据无法保存",
    "提交的内容中有值的格式或范围不对（例如日期、数字），未保存任何内容；请检查后重新提交"};
static const intake_problem_t s_bad_value_read = {
    400, "查询条件无效", "查询条件中有值的格式或范围不对（例如日期），请检查后重试"};
static const intake_problem_t s_conflict_write = {
    409, "与已有记录冲突",
    "提交与已保存的记录冲突，未保存任何内容；请稍后重新提交，如仍不成功请拨打受理热线"};
static const intake_problem_t s_conflict_read = {409, "与已有记录冲突",
                                                 "查询与已保存的记录冲突，请稍后重试"};
static const intake_problem_t s_internal_read = {500, "系统内部错误", "系统内部错误，请稍后重试"};
/* The request names a code (a category, a division, ...) this service knows
 * and the database does not yet: not the caller's fault, and it passes once
 * the database is set up again. */
static const intake_problem_t s_codes_behind = {
    503, "暂时无法处理", "系统配置正在更新，本次请求未保存任何内容，请稍后重试"};

/* Failures that pass by themselves: the connection, the server shutting
 * down or out of resources, a serialization failure or deadlock. */
static bool s_transient(const char *state)
{
    return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
           strncmp(state, "57P0", 4) == 0 || strcmp(state, "40001") == 0 ||
           strcmp(state, "40P01") == 0;
}

const intake_problem_t *intake_problem_of_sqlstate(const char *sqlstate, bool connection_lost,
                                                   intake_problem_op_t op)
{
    bool write = op == INTAKE_PROBLEM_WRITE;
    if (connection_lost || (sqlstate && s_transient(sqlstate)))
        return &INTAKE_PROBLEM_UNAVAILABLE;
    if (sqlstate && strncmp(sqlstate, "22", 2) == 0)
        return write ? &s_bad_value_write : &s_bad_value_read;
    if (sqlstate && strncmp(sqlstate, "23", 2) == 0)
        return write ? &s_conflict_write : &s_conflict_read;
    return write ? &INTAKE_PROBLEM_INTERNAL : &s_internal_read;
}

/* The result of the statement PostgreSQL refused, NULL when none did (the
 * connection went before). */
static PGresult *s_refused(pg_txn_t *txn)
{
    for (int i = 0; i < pg_txn_count(txn); i++) {
        PGresult *res = pg_txn_result(txn, i);
        if (res && PQresultStatus(res) == PGRES_FATAL_ERROR)
            return res;
    }
    return NULL;
}

const intake_problem_t *intake_problem_of_txn(pg_txn_t *txn, intake_problem_op_t op,
                                              const char *what)
{
    PGresult *res = s_refused(txn);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    bool lost = pg_txn_connection_lost(txn);
    const intake_problem_t *problem = intake_problem_of_sqlstate(state, lost, op);
    if (pg_refused_unknown_code(res)) {
        log_error("the database lacks a code of this service's org file: run dubanctl setup",
                  "op=%s err=%s", what, primary ? primary : "-");
        return &s_codes_behind;
    }
    /* PostgreSQL's primary text only: its DETAIL can quote the failing row
     * ("Failing row contains (...)"), a requester's phone and address with it,
     * which no log may keep. */
    log_write(problem->status >= 500 && !lost ? LOG_ERROR : LOG_WARN,
              "postgresql refused a statement", "op=%s status=%d sqlstate=%s constraint=%s err=%s",
              what, problem->status, state ? state : "none", constraint ? constraint : "-",
              primary ? primary : pg_txn_error(txn));
    return problem;
}

/* The number after "than " in the validator's "is longer than N characters". */
static unsigned long s_limit(const char *detail)
{
    const char *than = strstr(detail, "longer than ");
    return than ? strtoul(than + 12, NULL, 10) : 0;
}

void intake_problem_describe(const intake_error_t *err, const char *field, intake_refusal_t *out)
{
    const char *t = err->title;
    const char *f = field && field[0] ? field : err->field[0] ? err->field : "提交的内容";
    const char *cp = strstr(err->detail, "U+");
    out->status = err->status ? err->status : 400;
    snprintf(out->title, sizeof(out->title), "提交的内容不符合要求");
    if (strcmp(t, "missing field") == 0) {
        snprintf(out->title, sizeof(out->title), "缺少必填项");
        snprintf(out->detail, sizeof(out->detail), "请填写 %s，它不能为空", f);
    } else if (strcmp(t, "field too long") == 0) {
        snprintf(out->title, sizeof(out->title), "内容过长");
        snprintf(out->detail, sizeof(out->detail), "%s 最多 %lu 个字，请精简后再提交", f,
                 s_limit(err->detail));
    } else if (strcmp(t, "control character") == 0) {
        snprintf(out->title, sizeof(out->title), "含有控制字符");
        snprintf(out->detail, sizeof(out->detail),
                 "%s 含有不可见的控制字符 %.6s，请删除后重新提交（多行文字中只允许换行和制表符）",
                 f, cp ? cp : "");
    } else if (strcmp(t, "invalid UTF-8") == 0 || strcmp(t, "invalid text") == 0) {
        snprintf(out->title, sizeof(out->title), "文字无效");
        snprintf(out->detail, sizeof(out->detail), "%s 不是有效的 UTF-8 文字，请用 UTF-8 提交", f);
    } else if (strcmp(t, "wrong type") == 0) {
        snprintf(out->detail, sizeof(out->detail),
                 "%s 的类型不对：文字须为字符串，坐标为数字，是否类选项为 true 或 false", f);
    } else if (strcmp(t, "invalid field") == 0 && strstr(err->detail, "digits, spaces")) {
        snprintf(out->detail, sizeof(out->detail), "%s 只能包含数字、空格和 + - ( )", f);
    } else if (strcmp(t, "invalid field") == 0 && strstr(err->detail, "e-mail")) {
        snprintf(out->detail, sizeof(out->detail), "%s 须为电子邮件地址", f);
    } else if (strcmp(t, "invalid field") == 0 && strstr(err->detail, "number between")) {
        snprintf(out->detail, sizeof(out->detail),
                 "%s 须为数字：纬度在 -90 到 90 之间，经度在 -180 到 180 之间", f);
    } else if (strcmp(t, "invalid field") == 0 && strstr(err->detail, "RFC 3339")) {
        snprintf(out->detail, sizeof(out->detail),
                 "%s 须为 %d 至 %d 年间真实存在的时间，例如 2017-03-01T09:30:00+08:00", f,
                 INTAKE_MIN_YEAR, INTAKE_MAX_YEAR);
    } else if (strcmp(t, "invalid field") == 0) {
        snprintf(out->detail, sizeof(out->detail), "%s 的格式不对", f);
    } else if (strcmp(t, "unexpected field") == 0) {
        snprintf(out->detail, sizeof(out->detail), "%s 不是可以提交的项目", f);
    } else if (strncmp(t, "unknown ", 8) == 0 || strcmp(t, "not an acceptor") == 0) {
        snprintf(out->title, sizeof(out->title), "取值无效");
        snprintf(
            out->detail, sizeof(out->detail), "%s 不是可选的值%s", f,
            strcmp(t, "unknown kind") == 0
                ? "：可选 complaint（投诉）、report（举报）、enquiry（咨询）、suggestion（建议）"
                : "");
    } else if (strncmp(t, "malformed", 9) == 0) {
        snprintf(out->title, sizeof(out->title), "请求格式不对");
        snprintf(out->detail, sizeof(out->detail), "请求正文须为一个 JSON 对象");
    } else if (out->status >= 500) {
        snprintf(out->title, sizeof(out->title), "%s", INTAKE_PROBLEM_INTERNAL.title);
        snprintf(out->detail, sizeof(out->detail), "%s", INTAKE_PROBLEM_INTERNAL.detail);
    } else {
        snprintf(out->detail, sizeof(out->detail), "%s 不符合要求", f);
    }
}

void intake_problem_reply(struct evhttp_request *req, const intake_problem_t *problem)
{
    if (problem->status == 503)
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    http_reply_problem(req, problem->status, problem->title, problem->detail, NULL);
}
