/* The bulletin console; see bulletin_console.h. On the loop: receive,
 * unpack, authenticate, authorise, queue. In the worker: one job at a time
 * on the worker's own connection. Back on the loop (through a pipe, as
 * web_pwcheck.c does): answer, kick the relay. The worker owns a job from
 * the queue until it writes the job's pointer to the pipe. */
#include "bulletin_console.h"

#include "bulletin_recheck.h"
#include "bulletin_render.h"
#include "bulletin_run.h"
#include "bulletin_store.h"
#include "bulletin_to_date.h"
#include "bus.h"
#include "clock.h"
#include "log.h"
#include "pg.h"
#include "pg_time.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define CONSOLE_MAX_REQUEST (64 * 1024)
#define CONSOLE_MAX_NOTE 2000
/* A bus message is at most BUS_MAX_MESSAGE: room for the rest of the reply. */
#define CONSOLE_MAX_ANSWER (BUS_MAX_MESSAGE - 4096)
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

typedef enum { A_LIST, A_SHOW, A_HTML, A_RUN, A_RECHECKS, A_RECHECK, A_TO_DATE } action_t;

static const char *s_actions[] = {"list", "show", "html", "run", "rechecks", "recheck", "to_date"};

typedef struct job {
    bulletin_console_t *owner;
    bus_peer_t to;
    Duban__BulletinRequest *req;
    action_t action;
    auth_identity_t who;
    /* the answer, filled by the worker (or on the loop when refused) */
    int status;
    char message[400];
    const char *content_type;
    char *body;
    size_t body_len;
    bool kick; /* something for the relay to send */
    struct job *next;
} job_t;

struct bulletin_console {
    bus_sock_t *sock;
    auth_t *auth;
    const bulletin_engine_t *engine;
    outbox_relay_t *relay;
    char *conninfo;
    PGconn *conn; /* the worker's */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    job_t *head, *tail;
    int queued; /* waiting or running */
    bool stop;
    int pipe_fd[2];
    struct event *done_ev;
    unsigned long answered, refused;
};

static void s_say(job_t *job, int status, const char *fmt, ...)
{
    job->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->message, sizeof(job->message), fmt, ap);
    va_end(ap);
}

/* Answers the job and frees it (on the loop). An answer larger than a bus
 * message may be is refused with the reason instead: the peer would drop
 * the connection. */
static void s_answer(job_t *job)
{
    bulletin_console_t *self = job->owner;
    if (job->body && job->body_len > CONSOLE_MAX_ANSWER) {
        s_say(job, 413,
              "the answer is %zu bytes, more than the console passes (%d); the bulletin's files "
              "are in the bulletin folder (dubanctl bulletin render PERIOD writes them again)",
              job->body_len, CONSOLE_MAX_ANSWER);
        free(job->body);
        job->body = NULL;
        job->body_len = 0;
    }
    Duban__BulletinReply r = DUBAN__BULLETIN_REPLY__INIT;
    r.request_id = job->req ? job->req->request_id : "";
    r.status = job->status;
    r.message = job->message;
    r.content_type = (char *)(job->content_type ? job->content_type : "");
    r.body.data = (uint8_t *)job->body;
    r.body.len = job->body ? job->body_len : 0;
    size_t len = duban__bulletin_reply__get_packed_size(&r);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        duban__bulletin_reply__pack(&r, buf);
        bus_reply(self->sock, &job->to, "reply", buf, len);
        free(buf);
    }
    if (job->status == 200)
        self->answered++;
    else
        self->refused++;
    if (job->status >= 400)
        log_info("refused bulletin request", "action=%s staff=%s status=%d reason=%s",
                 job->req ? job->req->action : "-", job->who.staff[0] ? job->who.staff : "-",
                 job->status, job->message);
    if (job->kick && self->relay)
        outbox_relay_kick(self->relay);
    if (job->req)
        duban__bulletin_request__free_unpacked(job->req, NULL);
    free(job->body);
    free(job);
}

static void s_refuse(job_t *job, int status, const char *message)
{
    s_say(job, status, "%s", message);
    s_answer(job);
}

/* ---------------------------------------------------------------------
 * The worker's side: blocking libpq on its own connection. */

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
        s_say(job, 500, "out of memory");
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
        s_say(job, 503, "the bulletin store could not be read; try again");
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
    s_say(job, 200, "%zu bulletin(s)", json_array_size(list));
    s_json_body(job, json_pack("{s:o}", "bulletins", list));
}

/* The stored record of the request's period into *res (record, digest,
 * revision); false with the answer said when there is none. */
static bool s_stored(bulletin_console_t *self, job_t *job, bulletin_period_t *p, PGresult **res)
{
    if (bulletin_period_parse(job->req->period, p) < 0) {
        s_say(job, 400, "a period is 2017-03, 2017-Q2, 2017-H1 or 2017");
        return false;
    }
    const char *params[2] = {bulletin_kind_str(p->kind), p->label};
    *res = PQexecParams(self->conn, BULLETIN_STORE_READ_SQL, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(*res) != PGRES_TUPLES_OK) {
        log_error("could not read bulletin", "period=%s err=%s", p->label,
                  PQresultErrorMessage(*res));
        s_say(job, 503, "the bulletin store could not be read; try again");
    } else if (PQntuples(*res) != 1) {
        s_say(job, 404, "no bulletin %s is published", p->label);
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
        s_say(job, 200, "%s revision %s", digest, PQgetvalue(res, 0, 2));
    else
        s_say(job, 500, "bulletin %s could not be rendered", p.label);
    PQclear(res);
}

static void s_run(bulletin_console_t *self, job_t *job)
{
    const Duban__BulletinRequest *r = job->req;
    bulletin_kind_t kind;
    bulletin_period_t p;
    if (bulletin_kind_parse(r->kind, &kind) < 0) {
        s_say(job, 400, "kind is month, quarter, half or year");
        return;
    }
    if (bulletin_period_parse_kind(kind, r->period, &p) < 0) {
        s_say(job, 400, "a %s's period is written like %s", bulletin_kind_str(kind),
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
        s_say(job, 409, "period %s has not ended yet; the latest ended %s is %s", p.label,
              bulletin_kind_str(kind), last.label);
        return;
    }
    bulletin_run_opts_t opts = {.trigger = "demand", .by = job->who.staff, .replace = r->replace};
    bulletin_run_info_t info;
    if (bulletin_run(self->conn, self->engine, &p, &opts, &info) < 0) {
        s_say(job, 503, "bulletin %s was not produced (the service's log says why); try again",
              p.label);
        return;
    }
    char title[64];
    bulletin_period_title(&p, title, sizeof(title));
    job->kick = info.result == BULLETIN_RUN_PUBLISHED || info.result == BULLETIN_RUN_REPLACED;
    if (info.result == BULLETIN_RUN_DIFFERS)
        s_say(job, 409,
              "%s was published before with other figures (the data changed since); the "
              "published record stays: ask to replace it to publish revision %d",
              title, info.revision + 1);
    else
        s_say(job, 200, "%s %s", title, bulletin_run_result_str(info.result));
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
        s_say(job, 503, "the re-checks could not be read; try again");
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
    s_say(job, 200, "%zu re-check(s)", json_array_size(list));
    s_json_body(job, json_pack("{s:o, s:b}", "rechecks", list, "cut", rows > 1000));
}

static void s_recheck(bulletin_console_t *self, job_t *job)
{
    const Duban__BulletinRequest *r = job->req;
    bulletin_recheck_info_t info;
    if (bulletin_recheck_decide(self->conn, self->engine, r->recheck_id, r->pass, r->note,
                                job->who.staff, &info) < 0) {
        s_say(job, 503, "re-check %lld was not recorded; nothing changed, try again",
              (long long)r->recheck_id);
        return;
    }
    long long id = (long long)r->recheck_id;
    switch (info.result) {
    case BULLETIN_RECHECK_NOT_FOUND:
        s_say(job, 404, "no re-check has the id %lld", id);
        return;
    case BULLETIN_RECHECK_DECIDED:
        s_say(job, 409, "re-check %lld of case %s was already decided (%s)", id, info.case_number,
              info.state);
        return;
    case BULLETIN_RECHECK_PASSED:
        s_say(job, 200, "re-check %lld of case %s passed", id, info.case_number);
        break;
    case BULLETIN_RECHECK_REOPENED:
        job->kick = true;
        s_say(job, 200, "re-check %lld of case %s failed: the case went back to %s", id,
              info.case_number, info.division);
        break;
    default:
        s_say(job, 200, "re-check %lld of case %s failed (the case was open already)", id,
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
        s_say(job, 503, "the month so far could not be computed; try again");
        return;
    }
    char as_of[40];
    clock_format_utc(now, as_of, sizeof(as_of));
    json_t *record = json_loads(report->json, JSON_DECODE_ANY, NULL);
    bulletin_report_destroy(&report);
    if (!json_is_object(record)) {
        json_decref(record);
        s_say(job, 500, "out of memory");
        return;
    }
    json_object_del(record, "overdue");
    json_object_del(record, "co_handling");
    json_object_del(record, "sample");
    s_say(job, 200, "the month so far as of %s", as_of);
    s_json_body(job, json_pack("{s:s, s:o}", "as_of", as_of, "record", record));
}

static void s_work(bulletin_console_t *self, job_t *job)
{
    if (!s_connected(self)) {
        s_say(job, 503, "the bulletin store is not reachable; try again");
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

static void *s_worker(void *arg)
{
    bulletin_console_t *self = arg;
    for (;;) {
        pthread_mutex_lock(&self->lock);
        while (!self->head && !self->stop)
            pthread_cond_wait(&self->wake, &self->lock);
        if (self->stop) {
            pthread_mutex_unlock(&self->lock);
            return NULL;
        }
        job_t *job = self->head;
        self->head = job->next;
        if (!self->head)
            self->tail = NULL;
        pthread_mutex_unlock(&self->lock);
        s_work(self, job);
        ssize_t n;
        do
            n = write(self->pipe_fd[1], &job, sizeof(job));
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(job)) {
            log_error("could not hand a bulletin answer back to the loop", "err=%s",
                      strerror(errno));
            if (job->req)
                duban__bulletin_request__free_unpacked(job->req, NULL);
            free(job->body);
            free(job); /* the caller times out; what was committed stays */
        }
    }
}

static void s_done_cb(evutil_socket_t fd, short what, void *arg)
{
    bulletin_console_t *self = arg;
    job_t *jobs[16];
    ssize_t n = read(fd, jobs, sizeof(jobs));
    for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(job_t *); i++) {
        pthread_mutex_lock(&self->lock);
        self->queued--;
        pthread_mutex_unlock(&self->lock);
        s_answer(jobs[i]);
    }
}

/* ---------------------------------------------------------------------
 * The loop's side. */

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    static const char *const office[] = {"inspector", "admin", NULL};
    static const char *const readers[] = {"inspector", "admin", "leader", NULL};
    job_t *job = arg;
    bulletin_console_t *self = job->owner;
    if (result == AUTH_UNAVAILABLE) {
        s_refuse(job, 503, "could not check the token; try again");
        return;
    }
    if (result != AUTH_OK) {
        s_refuse(job, 401, "authentication required: the token is missing, unknown or revoked");
        return;
    }
    job->who = *who;
    bool office_only =
        job->action == A_RUN || job->action == A_RECHECKS || job->action == A_RECHECK;
    if (office_only && !auth_role_in(who, office)) {
        s_say(job, 403, "forbidden: only the inspection office %s, not role %s",
              job->action == A_RUN ? "produces bulletins on demand" : "decides look-back re-checks",
              who->role);
        s_answer(job);
        return;
    }
    if (job->action == A_TO_DATE && !auth_role_in(who, readers)) {
        s_say(job, 403,
              "forbidden: the month so far is for the leaders and the inspection "
              "office, not role %s",
              who->role);
        s_answer(job);
        return;
    }
    pthread_mutex_lock(&self->lock);
    bool full = self->queued >= BULLETIN_CONSOLE_QUEUE;
    if (!full) {
        self->queued++;
        if (self->tail)
            self->tail->next = job;
        else
            self->head = job;
        self->tail = job;
        pthread_cond_signal(&self->wake);
    }
    pthread_mutex_unlock(&self->lock);
    if (full)
        s_refuse(job, 503, "the bulletin service is busy; try again in a moment");
}

/* Checks what can be checked before the token: the action and its fields. */
static const char *s_malformed(job_t *job)
{
    const Duban__BulletinRequest *r = job->req;
    int i = 0;
    for (; i < (int)(sizeof(s_actions) / sizeof(s_actions[0])); i++)
        if (strcmp(r->action, s_actions[i]) == 0)
            break;
    if (i == (int)(sizeof(s_actions) / sizeof(s_actions[0])))
        return "unknown action: list, show, html, run, rechecks, recheck or to_date";
    job->action = (action_t)i;
    if (strlen(r->period) >= BULLETIN_LABEL_MAX || strlen(r->kind) > 16)
        return "the period or kind is too long";
    if ((job->action == A_SHOW || job->action == A_HTML || job->action == A_RUN) && !r->period[0])
        return "a period is required, e.g. 2017-03";
    if (job->action == A_RECHECK && r->recheck_id <= 0)
        return "a re-check id is required (a positive number)";
    if (job->action == A_RECHECK && (!r->note[0] || strlen(r->note) > CONSOLE_MAX_NOTE))
        return "a note is required (at most 2000 bytes): say what the re-check found";
    return NULL;
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    bulletin_console_t *self = arg;
    for (int budget = 0; budget < 64; budget++) {
        bus_request_t in;
        int rc = bus_request_recv(sock, &in, CONSOLE_MAX_REQUEST);
        if (rc == 0)
            return;
        job_t *job = in.peer.identity_len ? calloc(1, sizeof(*job)) : NULL;
        if (!job) {
            self->refused++;
            log_warn("dropped a bulletin console message that cannot be answered");
            bus_request_clear(&in);
            continue;
        }
        job->owner = self;
        job->to = in.peer;
        if (rc == 1 && strcmp(in.type, "request") == 0)
            job->req = duban__bulletin_request__unpack(NULL, in.body_len, in.body);
        bus_request_clear(&in);
        const char *bad = job->req ? s_malformed(job)
                                   : "malformed request: send \"request\" and a BulletinRequest";
        if (bad) {
            s_refuse(job, 400, bad);
            continue;
        }
        char token[AUTH_MAX_CREDENTIAL + 1];
        snprintf(token, sizeof(token), "%s", job->req->token);
        auth_verify(self->auth, token, s_authed, job);
    }
}

bulletin_console_t *bulletin_console_new(struct event_base *base, void *zctx, auth_t *auth,
                                         const bulletin_engine_t *engine, outbox_relay_t *relay,
                                         const char *conninfo, const char *endpoint)
{
    bulletin_console_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pipe_fd[0] = self->pipe_fd[1] = -1;
    self->auth = auth;
    self->engine = engine;
    self->relay = relay;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    self->conninfo = strdup(conninfo);
    if (!self->conninfo || pipe2(self->pipe_fd, O_CLOEXEC) < 0 ||
        fcntl(self->pipe_fd[0], F_SETFL, O_NONBLOCK) < 0)
        goto out_fail;
    self->done_ev = event_new(base, self->pipe_fd[0], EV_READ | EV_PERSIST, s_done_cb, self);
    if (!self->done_ev || event_add(self->done_ev, NULL) < 0)
        goto out_fail;
    self->sock = bus_sock_bind(zctx, base, ZMQ_ROUTER, "bulletin.console", endpoint, s_readable, self);
    if (!self->sock || pthread_create(&self->thread, NULL, s_worker, self) != 0)
        goto out_fail;
    self->started = true;
    return self;

out_fail:
    log_error("could not start the bulletin console", "endpoint=%s", endpoint);
    bulletin_console_destroy(&self);
    return NULL;
}

void bulletin_console_destroy(bulletin_console_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_console_t *self = *self_p;
    if (self->started) {
        pthread_mutex_lock(&self->lock);
        self->stop = true;
        pthread_cond_signal(&self->wake);
        pthread_mutex_unlock(&self->lock);
        pthread_join(self->thread, NULL);
    }
    /* Answer what waits: finished (in the pipe), then queued. */
    if (self->pipe_fd[0] >= 0)
        s_done_cb(self->pipe_fd[0], EV_READ, self);
    while (self->head) {
        job_t *job = self->head;
        self->head = job->next;
        s_refuse(job, 503, "the bulletin service is stopping; try again");
    }
    if (self->done_ev)
        event_free(self->done_ev);
    for (int i = 0; i < 2; i++)
        if (self->pipe_fd[i] >= 0)
            close(self->pipe_fd[i]);
    bus_sock_destroy(&self->sock);
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void bulletin_console_report(const bulletin_console_t *self, json_t *report)
{
    json_object_set_new(report, "console_answered", json_integer((json_int_t)self->answered));
    json_object_set_new(report, "console_refused", json_integer((json_int_t)self->refused));
}
