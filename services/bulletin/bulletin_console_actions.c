/* What the bulletin console's worker does for each action: list, show,
 * html, run, rechecks, recheck and to_date; see
 * bulletin_console_internal.h. Blocking libpq on the worker's own
 * connection, never on the loop: each action leaves its answer in the job,
 * and bulletin_console.c sends it from the loop. */
#include "bulletin_console_internal.h"

#include "bulletin_recheck.h"
#include "bulletin_render.h"
#include "bulletin_run.h"
#include "bulletin_store.h"
#include "bulletin_to_date.h"
#include "clock.h"
#include "log.h"
#include "pg.h"
#include "pg_time.h"

#include <stdlib.h>
#include <string.h>

#define JSON_TYPE "application/json"
#define HTML_TYPE "text/html; charset=utf-8"

/* clang-format off */
static const char *s_list_sql =
    "SELECT b.kind, b.label, b.digest, b.revision, b.trigger, b.generated_by,"
    " " PG_TIME_US("b.created_at") ", " PG_TIME_US_OR_0("b.revised_at") ","
    " (SELECT count(*) FROM bulletin_rechecks r WHERE r.bulletin_id = b.id),"
    " (SELECT count(*) FROM bulletin_rechecks r WHERE r.bulletin_id = b.id"
    "  AND r.state = 'pending')"
    " FROM bulletins b ORDER BY b.period_from DESC, b.kind LIMIT 1000";

/* $1 period ("" for every period), $2 true for the decided ones too. */
static const char *s_rechecks_sql =
    "SELECT r.id, r.period, c.case_number, r.division, r.state, coalesce(r.decided_by, ''),"
    " coalesce(r.note, ''), c.subject, c.kind, coalesce(c.category, ''),"
    " " PG_TIME_US_OR_0("c.closed_at") ", " PG_TIME_US_OR_0("r.decided_at") ","
    " coalesce(r.reopened_task_id, 0)"
    " FROM bulletin_rechecks r JOIN cases c ON c.id = r.case_id"
    " WHERE ($1::text = '' OR r.period = $1) AND ($2::boolean OR r.state = 'pending')"
    " ORDER BY r.id LIMIT 1001";
/* clang-format on */

static bool s_connected(bulletin_console_t *self)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return true;
    if (self->conn)
        PQreset(self->conn);
    else
        self->conn = PQconnectdb(self->conninfo);
    if (self->conn)
        pg_log_notices(self->conn);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        log_warn("bulletin console could not connect to PostgreSQL", "err=%s",
                 PQerrorMessage(self->conn));
        return false;
    }
    PQclear(PQexec(self->conn, "SET client_min_messages = warning"));
    PQsetErrorVerbosity(self->conn, PQERRORS_TERSE); /* no DETAIL (a failing row) in logs */
    return true;
}

static void s_json_body(job_t *job, json_t *j)
{
    job->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    job->body_len = job->body ? strlen(job->body) : 0;
    job->content_type = JSON_TYPE;
    json_decref(j);
    if (!job->body)
        bulletin_console_say(job, 500, "out of memory");
}

static char *s_utc(int64_t us, char *buf, size_t len)
{
    if (us)
        clock_format_utc(us, buf, (int)len);
    else
        buf[0] = '\0';
    return buf;
}

static int64_t s_i64(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void s_list(bulletin_console_t *self, job_t *job)
{
    PGresult *res = PQexec(self->conn, s_list_sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("could not list bulletins", "err=%s", PQresultErrorMessage(res));
        bulletin_console_say(job, 503, "the bulletin store could not be read; try again");
        PQclear(res);
        return;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        bulletin_period_t p;
        char title[64] = "", created[40], revised[40];
        if (bulletin_period_parse(PQgetvalue(res, i, 1), &p) == 0)
            bulletin_period_title(&p, title, sizeof(title));
        bulletin_kind_t kind = BULLETIN_MONTH;
        bulletin_kind_parse(PQgetvalue(res, i, 0), &kind);
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s?, s:I, s:I}", "kind",
                      PQgetvalue(res, i, 0), "kind_name", bulletin_kind_name(kind), "period",
                      PQgetvalue(res, i, 1), "title", title, "digest", PQgetvalue(res, i, 2),
                      "revision", atoi(PQgetvalue(res, i, 3)), "trigger", PQgetvalue(res, i, 4),
                      "generated_by", PQgetvalue(res, i, 5), "created_at",
                      s_utc(s_i64(res, i, 6), created, sizeof(created)), "revised_at",
                      s_i64(res, i, 7) ? s_utc(s_i64(res, i, 7), revised, sizeof(revised)) : NULL,
                      "rechecks", (json_int_t)s_i64(res, i, 8), "rechecks_pending",
                      (json_int_t)s_i64(res, i, 9)));
    }
    PQclear(res);
    bulletin_console_say(job, 200, "%zu bulletin(s)", json_array_size(list));
    s_json_body(job, json_pack("{s:o}", "bulletins", list));
}

/* The stored record of the request's period into *res (record, digest,
 * revision); false with the answer said when there is none. */
static bool s_stored(bulletin_console_t *self, job_t *job, bulletin_period_t *p, PGresult **res)
{
    if (bulletin_period_parse(job->req->period, p) < 0) {
        bulletin_console_say(job, 400, "a period is 2017-03, 2017-Q2, 2017-H1 or 2017");
        return false;
    }
    const char *params[2] = {bulletin_kind_str(p->kind), p->label};
    *res = PQexecParams(self->conn, BULLETIN_STORE_READ_SQL, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(*res) != PGRES_TUPLES_OK) {
        log_error("could not read bulletin", "period=%s err=%s", p->label,
                  PQresultErrorMessage(*res));
        bulletin_console_say(job, 503, "the bulletin store could not be read; try again");
    } else if (PQntuples(*res) != 1) {
        bulletin_console_say(job, 404, "no bulletin %s is published", p->label);
    } else {
        return true;
    }
    PQclear(*res);
    *res = NULL;
    return false;
}

static void s_show(bulletin_console_t *self, job_t *job, bool html)
{
    bulletin_period_t p;
    PGresult *res = NULL;
    if (!s_stored(self, job, &p, &res))
        return;
    const char *text = PQgetvalue(res, 0, 0), *digest = PQgetvalue(res, 0, 1);
    if (html) {
        json_t *record = json_loads(text, 0, NULL);
        job->body = record ? bulletin_render_html(record, digest) : NULL;
        json_decref(record);
        job->content_type = HTML_TYPE;
    } else {
        job->body = strdup(text);
        job->content_type = JSON_TYPE;
    }
    job->body_len = job->body ? strlen(job->body) : 0;
    if (job->body)
        bulletin_console_say(job, 200, "%s revision %s", digest, PQgetvalue(res, 0, 2));
    else
        bulletin_console_say(job, 500, "bulletin %s could not be rendered", p.label);
    PQclear(res);
}

static void s_run(bulletin_console_t *self, job_t *job)
{
    const Duban__BulletinRequest *r = job->req;
    bulletin_kind_t kind;
    bulletin_period_t p;
    if (bulletin_kind_parse(r->kind, &kind) < 0) {
        bulletin_console_say(job, 400, "kind is month, quarter, half or year");
        return;
    }
    if (bulletin_period_parse_kind(kind, r->period, &p) < 0) {
        bulletin_console_say(job, 400, "a %s's period is written like %s", bulletin_kind_str(kind),
                             kind == BULLETIN_MONTH     ? "2017-03"
                             : kind == BULLETIN_QUARTER ? "2017-Q2"
                             : kind == BULLETIN_HALF    ? "2017-H1"
                                                        : "2017");
        return;
    }
    int64_t now = clock_now_us(), offset = self->engine->offset_us;
    int end_year, end_month;
    bulletin_period_month(&p, p.months, &end_year, &end_month);
    if (bulletin_month_start_us(end_year, end_month, offset) > now) {
        bulletin_period_t last;
        bulletin_period_last_ended(kind, now, offset, &last);
        bulletin_console_say(job, 409, "period %s has not ended yet; the latest ended %s is %s",
                             p.label, bulletin_kind_str(kind), last.label);
        return;
    }
    bulletin_run_opts_t opts = {.trigger = "demand", .by = job->who.staff, .replace = r->replace};
    bulletin_run_info_t info;
    if (bulletin_run(self->conn, self->engine, &p, &opts, &info) < 0) {
        bulletin_console_say(job, 503,
                             "bulletin %s was not produced (the service's log says why); try again",
                             p.label);
        return;
    }
    char title[64];
    bulletin_period_title(&p, title, sizeof(title));
    job->kick = info.result == BULLETIN_RUN_PUBLISHED || info.result == BULLETIN_RUN_REPLACED;
    if (info.result == BULLETIN_RUN_DIFFERS)
        bulletin_console_say(
            job, 409,
            "%s was published before with other figures (the data changed since); the "
            "published record stays: ask to replace it to publish revision %d",
            title, info.revision + 1);
    else
        bulletin_console_say(job, 200, "%s %s", title, bulletin_run_result_str(info.result));
    log_info("bulletin on demand", "period=%s kind=%s staff=%s result=%s digest=%s", p.label,
             bulletin_kind_str(kind), job->who.staff, bulletin_run_result_str(info.result),
             info.digest);
    s_json_body(job, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "kind",
                               bulletin_kind_str(kind), "period", p.label, "title", title, "result",
                               bulletin_run_result_str(info.result), "digest", info.digest,
                               "published_digest", info.stored_digest, "revision", info.revision,
                               "rechecks", info.rechecks));
}

static void s_rechecks(bulletin_console_t *self, job_t *job)
{
    const char *params[2] = {job->req->period, job->req->all ? "true" : "false"};
    PGresult *res = PQexecParams(self->conn, s_rechecks_sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("could not list re-checks", "err=%s", PQresultErrorMessage(res));
        bulletin_console_say(job, 503, "the re-checks could not be read; try again");
        PQclear(res);
        return;
    }
    int rows = PQntuples(res);
    json_t *list = json_array();
    for (int i = 0; i < rows && i < 1000; i++) {
        char closed[40], decided[40];
        json_array_append_new(
            list,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:I}", "id",
                      (json_int_t)s_i64(res, i, 0), "period", PQgetvalue(res, i, 1), "case_number",
                      PQgetvalue(res, i, 2), "division", PQgetvalue(res, i, 3), "state",
                      PQgetvalue(res, i, 4), "decided_by",
                      PQgetvalue(res, i, 5)[0] ? PQgetvalue(res, i, 5) : NULL, "note",
                      PQgetvalue(res, i, 6)[0] ? PQgetvalue(res, i, 6) : NULL, "subject",
                      PQgetvalue(res, i, 7), "kind", PQgetvalue(res, i, 8), "category",
                      PQgetvalue(res, i, 9), "closed_at",
                      s_i64(res, i, 10) ? s_utc(s_i64(res, i, 10), closed, sizeof(closed)) : NULL,
                      "decided_at",
                      s_i64(res, i, 11) ? s_utc(s_i64(res, i, 11), decided, sizeof(decided)) : NULL,
                      "reopened_task_id", (json_int_t)s_i64(res, i, 12)));
    }
    PQclear(res);
    bulletin_console_say(job, 200, "%zu re-check(s)", json_array_size(list));
    s_json_body(job, json_pack("{s:o, s:b}", "rechecks", list, "cut", rows > 1000));
}

static void s_recheck(bulletin_console_t *self, job_t *job)
{
    const Duban__BulletinRequest *r = job->req;
    bulletin_recheck_info_t info;
    if (bulletin_recheck_decide(self->conn, self->engine, r->recheck_id, r->pass, r->note,
                                job->who.staff, &info) < 0) {
        bulletin_console_say(job, 503, "re-check %lld was not recorded; nothing changed, try again",
                             (long long)r->recheck_id);
        return;
    }
    long long id = (long long)r->recheck_id;
    switch (info.result) {
    case BULLETIN_RECHECK_NOT_FOUND:
        bulletin_console_say(job, 404, "no re-check has the id %lld", id);
        return;
    case BULLETIN_RECHECK_DECIDED:
        bulletin_console_say(job, 409, "re-check %lld of case %s was already decided (%s)", id,
                             info.case_number, info.state);
        return;
    case BULLETIN_RECHECK_PASSED:
        bulletin_console_say(job, 200, "re-check %lld of case %s passed", id, info.case_number);
        break;
    case BULLETIN_RECHECK_REOPENED:
        job->kick = true;
        bulletin_console_say(job, 200, "re-check %lld of case %s failed: the case went back to %s",
                             id, info.case_number, info.division);
        break;
    default:
        bulletin_console_say(job, 200,
                             "re-check %lld of case %s failed (the case was open already)", id,
                             info.case_number);
        break;
    }
    log_info("re-check decided", "id=%lld case=%s staff=%s result=%s", id, info.case_number,
             job->who.staff, r->pass ? "passed" : "failed");
    s_json_body(job, json_pack("{s:I, s:s, s:s, s:s, s:b, s:I}", "id", (json_int_t)id,
                               "case_number", info.case_number, "division", info.division, "period",
                               info.period, "reopened", info.result == BULLETIN_RECHECK_REOPENED,
                               "task_id", (json_int_t)info.task_id));
}

/* The month so far as the dashboard reads it: the record without its long
 * lists (the named overdue tasks, co-handling, the look-back draw), which
 * grow with the bureau, while the figures stay a row per division. */
static void s_to_date(bulletin_console_t *self, job_t *job)
{
    int64_t now = clock_now_us();
    bulletin_report_t *report = bulletin_to_date(self->conn, self->engine, now);
    if (!report) {
        bulletin_console_say(job, 503, "the month so far could not be computed; try again");
        return;
    }
    char as_of[40];
    clock_format_utc(now, as_of, sizeof(as_of));
    json_t *record = json_loads(report->json, JSON_DECODE_ANY, NULL);
    bulletin_report_destroy(&report);
    if (!json_is_object(record)) {
        json_decref(record);
        bulletin_console_say(job, 500, "out of memory");
        return;
    }
    json_object_del(record, "overdue");
    json_object_del(record, "co_handling");
    json_object_del(record, "sample");
    bulletin_console_say(job, 200, "the month so far as of %s", as_of);
    s_json_body(job, json_pack("{s:s, s:o}", "as_of", as_of, "record", record));
}

void bulletin_console_work(bulletin_console_t *self, job_t *job)
{
    if (!s_connected(self)) {
        bulletin_console_say(job, 503, "the bulletin store is not reachable; try again");
        return;
    }
    switch (job->action) {
    case A_LIST:
        s_list(self, job);
        break;
    case A_SHOW:
        s_show(self, job, false);
        break;
    case A_HTML:
        s_show(self, job, true);
        break;
    case A_RUN:
        s_run(self, job);
        break;
    case A_RECHECKS:
        s_rechecks(self, job);
        break;
    case A_RECHECK:
        s_recheck(self, job);
        break;
    case A_TO_DATE:
        s_to_date(self, job);
        break;
    }
}
