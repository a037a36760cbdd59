/* The division queue; see intake_queue.h. The open queue reads the partial
 * index tasks_division_queue_idx in its order, so the first page of 100,000
 * open tasks costs 50 index entries. The tab counts cost no pass over the
 * queue either: the counts by state are kept by PostgreSQL
 * (task_queue_counts, migration 021), and overdue and warned, which change
 * with the clock, are counted from the head of an index each, never more
 * than INTAKE_QUEUE_COUNT_LIMIT + 1 entries. Statements are built from fixed
 * pieces for the filters given (values are always parameters), so
 * PostgreSQL plans each shape with the real values. */
#include "intake_queue.h"

#include "calendar.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "pg_time.h"
#include "sla.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define US(col) PG_TIME_US_OR_0(col)
#define STR_(x) #x
#define STR(x) STR_(x)
#define INTAKE_QUEUE_COUNT_SCAN STR(INTAKE_QUEUE_COUNT_SCAN_N)
#define INTAKE_QUEUE_COUNT_SCAN_N 1001 /* INTAKE_QUEUE_COUNT_LIMIT + 1 */
_Static_assert(INTAKE_QUEUE_COUNT_SCAN_N == INTAKE_QUEUE_COUNT_LIMIT + 1, "count scan is limit + 1");
#define DUE_NOW INTAKE_DUE_NOW
#define WARN_NOW INTAKE_WARN_NOW
#define NOW_TS PG_TIME_TS(2)

static const char *s_columns =
    "SELECT t.id, c.case_number, t.role, t.state, c.kind, coalesce(c.category, ''), c.priority,"
    " c.subject, " US("t.dispatched_at") ", " US("t.response_warn") ", " US("t.response_due") ","
    " " US("t.completion_warn") ", " US("t.completion_due") ", " US("t.paused_at") ","
    " coalesce(t.extension_state, ''), coalesce(t.handler, ''), " US("t.updated_at") ","
    " c.state FROM tasks t JOIN cases c ON c.id = t.case_id";

/* A task's warning point, never after its deadline: the key of
 * tasks_division_warn_idx, spelt as there. */
#define WARN_EFF "least(" WARN_NOW ", " DUE_NOW ")"
#define OPEN_TASK "t.division = $1 AND t.state IN ('dispatched', 'signed')"

/* $1 division, $2 now. The counts by state; the overdue tasks up to the
 * limit + 1; and among the limit's worth of tasks most recently past their
 * warning point, those not yet overdue (with how many were looked at: fewer
 * than that many means every one was). */
static const char *s_counts_sql =
    "SELECT coalesce((SELECT sum(n) FROM task_queue_counts WHERE division = $1"
    "  AND state = 'dispatched'), 0),"
    " coalesce((SELECT sum(n) FROM task_queue_counts WHERE division = $1 AND state = 'signed'), 0),"
    " (SELECT count(*) FROM (SELECT 1 FROM tasks t WHERE " OPEN_TASK " AND " DUE_NOW " <= " NOW_TS
    "  LIMIT " INTAKE_QUEUE_COUNT_SCAN ") o),"
    " w.warned, w.seen FROM (SELECT count(*) FILTER (WHERE due > " NOW_TS ") AS warned,"
    "  count(*) AS seen FROM (SELECT " DUE_NOW " AS due FROM tasks t WHERE " OPEN_TASK
    "  AND " WARN_EFF " <= " NOW_TS " ORDER BY " WARN_EFF " DESC LIMIT " INTAKE_QUEUE_COUNT_SCAN
    "  ) p) w";

enum { COUNT_DISPATCHED, COUNT_SIGNED, COUNT_OVERDUE, COUNT_WARNED, COUNT_WARN_SEEN };

typedef struct {
    char state[16];
    char kind[32];
    char category[64];
    bool overdue;
    bool warned; /* past the warning point, not yet overdue (amber) */
    long page;
    long limit;
} filter_t;

typedef struct {
    intake_t *in;
    http_held_t *held;
    char division[64];
    filter_t f;
    int64_t now_us;
    bool counted; /* the filtered total comes from its own statement */
} queue_t;

void intake_time_left(const intake_t *in, const char *kind, const char *priority,
                      const char *deadline, int64_t now_us, int64_t warn_us, int64_t due_us,
                      int64_t paused_us, time_left_t *out)
{
    time_left_of_task(in->sla, in->calendar, in->natural, kind, priority, deadline, now_us, warn_us,
                      due_us, paused_us, out);
}

json_t *intake_task_deadline_json(const intake_t *in, const char *kind, const char *priority,
                                  const char *state, int64_t now_us, int64_t response_warn,
                                  int64_t response_due, int64_t completion_warn,
                                  int64_t completion_due, int64_t paused)
{
    bool response = strcmp(state, "dispatched") == 0;
    if (!response && strcmp(state, "signed") != 0)
        return NULL;
    int64_t due = response ? response_due : completion_due;
    int64_t warn = response ? response_warn : completion_warn;
    if (!due)
        return NULL;
    time_left_t left;
    const char *which = response ? "response" : "completion";
    intake_time_left(in, kind, priority, which, now_us, warn, due, paused, &left);
    char due_text[40], warn_text[40];
    clock_format_utc(due, due_text, sizeof(due_text));
    clock_format_utc(warn ? warn : due, warn_text, sizeof(warn_text));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b}", "deadline", which, "due", due_text,
                     "warn", warn_text, "light", time_left_light_str(left.light), "left_seconds",
                     (json_int_t)(left.left_us / 1000000), "left_text", left.text, "paused",
                     left.paused);
}

static int64_t s_i64(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static json_t *s_task_json(queue_t *q, PGresult *res, int i)
{
    char dispatched[40], updated[40];
    clock_format_utc(s_i64(res, i, 8), dispatched, sizeof(dispatched));
    clock_format_utc(s_i64(res, i, 16), updated, sizeof(updated));
    const char *kind = PQgetvalue(res, i, 4), *priority = PQgetvalue(res, i, 6);
    json_t *t = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "task_id",
        (json_int_t)s_i64(res, i, 0), "case_number", PQgetvalue(res, i, 1), "role",
        PQgetvalue(res, i, 2), "state", PQgetvalue(res, i, 3), "kind", kind, "category",
        PQgetvalue(res, i, 5), "priority", priority, "subject", PQgetvalue(res, i, 7),
        "dispatched_at", dispatched, "updated_at", updated, "handler", PQgetvalue(res, i, 15),
        "case_state", PQgetvalue(res, i, 17));
    if (PQgetvalue(res, i, 14)[0])
        json_object_set_new(t, "extension", json_string(PQgetvalue(res, i, 14)));
    json_t *d = intake_task_deadline_json(q->in, kind, priority, PQgetvalue(res, i, 3), q->now_us,
                                          s_i64(res, i, 9), s_i64(res, i, 10), s_i64(res, i, 11),
                                          s_i64(res, i, 12), s_i64(res, i, 13));
    if (d)
        json_object_update_new(t, d);
    return t;
}

/* Whether the total under the filters is the sum of counts kept by state
 * (no per-row filter), so it needs no statement of its own. */
static bool s_total_from_counts(const filter_t *f)
{
    bool live = strcmp(f->state, "open") == 0 || strcmp(f->state, "dispatched") == 0 ||
                strcmp(f->state, "signed") == 0;
    return live && !f->kind[0] && !f->category[0] && !f->overdue && !f->warned;
}

static void s_done(pg_txn_t *txn, bool ok, void *arg)
{
    queue_t *q = arg;
    struct evhttp_request *req = http_held_request(q->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read division queue");
        if (req)
            intake_problem_reply(req, problem);
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *counts = pg_txn_result(txn, 0), *rows = pg_txn_result(txn, 1);
    long long dispatched = s_i64(counts, 0, COUNT_DISPATCHED);
    long long signed_ = s_i64(counts, 0, COUNT_SIGNED);
    long long overdue = s_i64(counts, 0, COUNT_OVERDUE);
    long long warned = s_i64(counts, 0, COUNT_WARNED);
    bool overdue_more = overdue > INTAKE_QUEUE_COUNT_LIMIT;
    bool warned_more = s_i64(counts, 0, COUNT_WARN_SEEN) >= INTAKE_QUEUE_COUNT_SCAN_N;
    if (overdue_more)
        overdue = INTAKE_QUEUE_COUNT_LIMIT;
    if (warned > INTAKE_QUEUE_COUNT_LIMIT)
        warned = INTAKE_QUEUE_COUNT_LIMIT;
    long long total = dispatched + signed_;
    if (q->counted)
        total = s_i64(pg_txn_result(txn, 2), 0, 0);
    else if (strcmp(q->f.state, "dispatched") == 0)
        total = dispatched;
    else if (strcmp(q->f.state, "signed") == 0)
        total = signed_;
    json_t *tasks = json_array();
    for (int i = 0; i < PQntuples(rows); i++)
        json_array_append_new(tasks, s_task_json(q, rows, i));
    char now[40];
    clock_format_utc(q->now_us, now, sizeof(now));
    long pages = total > 0 ? (long)((total + q->f.limit - 1) / q->f.limit) : 1;
    json_t *body = json_pack(
        "{s:s, s:s, s:s?, s:s?, s:b, s:b, s:i, s:i, s:I, s:i, s:s,"
        " s:{s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:i}, s:o}",
        "division", q->division, "state", q->f.state, "kind", q->f.kind[0] ? q->f.kind : NULL,
        "category", q->f.category[0] ? q->f.category : NULL, "overdue", q->f.overdue, "warned",
        q->f.warned, "page",
        (int)q->f.page, "limit", (int)q->f.limit, "total", (json_int_t)total, "pages", (int)pages,
        "now", now, "counts", "open", (json_int_t)(dispatched + signed_), "dispatched",
        (json_int_t)dispatched, "signed", (json_int_t)signed_, "overdue", (json_int_t)overdue,
        "warned", (json_int_t)warned, "overdue_more", overdue_more, "warned_more", warned_more,
        "count_limit", INTAKE_QUEUE_COUNT_LIMIT, "tasks", tasks);
    http_reply_json(req, 200, body);
out_free:
    http_release(&q->held);
    free(q);
}

/* Parses the query string into f; false (reply sent) when a value is wrong. */
static bool s_parse(intake_t *in, struct evhttp_request *req, const char *query, filter_t *f)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    *f = (filter_t){.state = "open", .page = 1, .limit = INTAKE_QUEUE_DEFAULT_LIMIT};
    if (query && query[0] && evhttp_parse_query_str(query, &args) != 0) {
        http_reply_problem(req, 400, "invalid query", "the query string is malformed", NULL);
        return false;
    }
    const char *v, *bad = NULL, *why = NULL;
    if ((v = evhttp_find_header(&args, "state")) && v[0])
        snprintf(f->state, sizeof(f->state), "%s", v);
    static const char *states[] = {"open", "dispatched", "signed", "replied", "returned", "all"};
    bool known = false;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        known = known || strcmp(f->state, states[i]) == 0;
    if (!known) {
        bad = "state";
        why = "state must be open, dispatched, signed, replied, returned or all";
    }
    if (!bad && (v = evhttp_find_header(&args, "kind")) && v[0]) {
        if (!org_kind_find(in->org, v))
            bad = "kind", why = "no kind has that code";
        else
            snprintf(f->kind, sizeof(f->kind), "%s", v);
    }
    if (!bad && (v = evhttp_find_header(&args, "category")) && v[0]) {
        if (!org_category_find(in->org, v))
            bad = "category", why = "no category has that code";
        else
            snprintf(f->category, sizeof(f->category), "%s", v);
    }
    if (!bad && (v = evhttp_find_header(&args, "overdue")))
        f->overdue = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    if (!bad && (v = evhttp_find_header(&args, "warned")))
        f->warned = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    char *end = NULL;
    if (!bad && (v = evhttp_find_header(&args, "page")) && v[0]) {
        f->page = strtol(v, &end, 10);
        if (*end || f->page < 1 || f->page > 1000000)
            bad = "page", why = "page is a number from 1";
    }
    if (!bad && (v = evhttp_find_header(&args, "limit")) && v[0]) {
        f->limit = strtol(v, &end, 10);
        if (*end || f->limit < 1 || f->limit > INTAKE_QUEUE_MAX_LIMIT)
            bad = "limit", why = "limit is a number from 1 to 200";
    }
    evhttp_clear_headers(&args);
    if (bad)
        http_reply_problem(req, 400, "invalid field", why, bad);
    return !bad;
}

/* Appends the WHERE clause of the filters ($1 division, $2 now, $3 kind,
 * $4 category) to sql. */
static void s_where(const filter_t *f, char *sql, size_t len)
{
    size_t n = strlen(sql);
    bool open = strcmp(f->state, "open") == 0;
    bool live = open || strcmp(f->state, "dispatched") == 0 || strcmp(f->state, "signed") == 0;
    bool all = strcmp(f->state, "all") == 0;
    snprintf(sql + n, len - n, " WHERE t.division = $1 AND %s%s%s%s%s%s",
             live  ? "t.state IN ('dispatched', 'signed')"
             : all ? "true"
                   : "t.state = $5",
             live && !open ? " AND t.state = $5" : "", f->kind[0] ? " AND c.kind = $3" : "",
             f->category[0] ? " AND c.category = $4" : "",
             f->overdue && live ? " AND " DUE_NOW " <= " NOW_TS : "",
             f->warned && live ? " AND " DUE_NOW " > " NOW_TS " AND " WARN_NOW " <= " NOW_TS : "");
}

/* The page's statement for the filters: $1..$7 division, now, kind,
 * category, state, limit, offset. The parameters not used by a shape are
 * still typed by a no-op, so every shape takes the same seven. Open tasks by
 * the deadline that runs now; closed ones the latest first. */
static void s_page_sql(const filter_t *f, char *sql, size_t len)
{
    bool live = strcmp(f->state, "open") == 0 || strcmp(f->state, "dispatched") == 0 ||
                strcmp(f->state, "signed") == 0;
    snprintf(sql, len, "%s", s_columns);
    s_where(f, sql, len);
    size_t n = strlen(sql);
    snprintf(sql + n, len - n,
             " AND $2::bigint IS NOT NULL AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
             " AND $5::text IS NOT NULL ORDER BY %s LIMIT $6::bigint OFFSET $7::bigint",
             live ? DUE_NOW ", t.id" : "t.updated_at DESC, t.id DESC");
}

/* The queue as it opens (every open task, no filter): the page shown most,
 * prepared once per connection. */
static bool s_is_open_queue(const filter_t *f)
{
    return strcmp(f->state, "open") == 0 && !f->kind[0] && !f->category[0] && !f->overdue &&
           !f->warned;
}

int intake_queue_prepare(pg_t *pg)
{
    filter_t open = {.state = "open"};
    char sql[2048];
    s_page_sql(&open, sql, sizeof(sql));
    return pg_prepare(pg, "intake_queue_counts", s_counts_sql) |
           pg_prepare(pg, "intake_queue_open", sql);
}

void intake_queue_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                       const char *division, const char *query)
{
    if (!org_division_find(in->org, division)) {
        http_reply_problem(req, 404, "unknown division", "no division has that code", "division");
        return;
    }
    if (!auth_may_see_division(who, division)) {
        http_reply_problem(req, 403, "forbidden", "a division sees only its own tasks", NULL);
        return;
    }
    filter_t f;
    if (!s_parse(in, req, query, &f))
        return;
    pg_t *pg = intake_reader(in);
    if (!pg_is_up(pg)) {
        intake_reply_unavailable(req);
        return;
    }
    queue_t *q = calloc(1, sizeof(*q));
    pg_txn_t *txn = pg_txn_new();
    if (!q || !txn || !(q->held = http_hold(req))) {
        free(q);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    q->in = in;
    q->f = f;
    q->now_us = clock_now_us();
    snprintf(q->division, sizeof(q->division), "%s", division);
    char now[24], limit[24], offset[24], sql[2048];
    snprintf(now, sizeof(now), "%lld", (long long)q->now_us);
    snprintf(limit, sizeof(limit), "%ld", f.limit);
    snprintf(offset, sizeof(offset), "%ld", (f.page - 1) * f.limit);
    pg_param_t p[7] = {PG_TEXT(division), PG_TEXT(now),   PG_TEXT(f.kind),  PG_TEXT(f.category),
                       PG_TEXT(f.state),  PG_TEXT(limit), PG_TEXT(offset)};
    pg_txn_add(txn, true, "intake_queue_counts", 2, p);
    if (s_is_open_queue(&f)) {
        pg_txn_add(txn, true, "intake_queue_open", 7, p);
    } else {
        s_page_sql(&f, sql, sizeof(sql));
        pg_txn_add(txn, false, sql, 7, p);
    }
    q->counted = !s_total_from_counts(&f);
    if (q->counted) {
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id");
        s_where(&f, sql, sizeof(sql));
        size_t n = strlen(sql);
        snprintf(sql + n, sizeof(sql) - n,
                 " AND $2::bigint IS NOT NULL AND $3::text IS NOT NULL AND $4::text IS NOT NULL"
                 " AND $5::text IS NOT NULL");
        pg_txn_add(txn, false, sql, 5, p);
    }
    pg_txn_submit(pg, &txn, s_done, q);
}
