/* The inspection office's board and decision queues; see intake_board.h.
 * The board reads the open tasks' counts kept by PostgreSQL and passes over
 * the warned and overdue ones in the queue's partial indexes (which carry
 * the states and deadlines it counts), and over the cases waiting for
 * arbitration (their own table, 042);
 * the queues read their partial indexes too, so none of them grows with
 * the history. */
#include "intake_board.h"

#include "clock.h"
#include "http.h"
#include "intake_office.h"
#include "intake_queue.h"
#include "log.h"
#include "pg_time.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOARD_MAX_ROWS 200
#define UTC_TEXT(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* clang-format off */
/* $1 now (us). Each division's open tasks as PostgreSQL keeps them counted
 * (task_queue_counts, 021), and those past their warning point and those
 * overdue counted from the heads of the queue's two indexes, as the queue
 * counts them: a task's warning point is never after its deadline (least),
 * so the warned (amber) are those past it less the overdue. One pass over
 * every open task (280 ms over 100,000 on a busy machine, read again on
 * every live event) becomes a pass over the warned and overdue ones. */
#define BOARD_WARN_EFF "least(" INTAKE_WARN_NOW ", " INTAKE_DUE_NOW ")"
#define BOARD_OPEN "t.division = d.division AND t.state IN ('dispatched', 'signed')"
static const char *s_board_sql =
    "SELECT d.division, d.open, w.n - o.n, o.n"
    " FROM (SELECT division, sum(n) AS open FROM task_queue_counts GROUP BY division) d,"
    " LATERAL (SELECT count(*) AS n FROM tasks t WHERE " BOARD_OPEN
    "  AND " BOARD_WARN_EFF " <= " PG_TIME_TS(1) " AND " INTAKE_DUE_NOW " IS NOT NULL) w,"
    " LATERAL (SELECT count(*) AS n FROM tasks t WHERE " BOARD_OPEN
    "  AND " INTAKE_DUE_NOW " <= " PG_TIME_TS(1) ") o";

/* Cases waiting for arbitration, under each division that returned them. */
static const char *s_board_arbitration_sql =
    "SELECT r.division, count(DISTINCT c.id) FROM cases_in_arbitration a"
    " JOIN cases c ON c.id = a.case_id"
    " JOIN tasks r ON r.case_id = c.id AND r.state = 'returned' AND r.role = 'lead'"
    " WHERE c.state = 'arbitration' GROUP BY r.division";

/* The cases waiting, once each (a case two divisions returned is in two
 * rows of the board). */
static const char *s_board_waiting_sql =
    "SELECT count(*) FROM cases_in_arbitration a JOIN cases c ON c.id = a.case_id"
    " WHERE c.state = 'arbitration'";

/* $1 division ("" for all), $2 rows. The returns of each, oldest first. */
static const char *s_arbitrations_sql =
    "SELECT c.case_number, c.kind, coalesce(c.category, ''), c.priority, c.subject,"
    " " UTC_TEXT("c.created_at") ","
    " coalesce((SELECT " UTC_TEXT("max(e.at)") " FROM case_events e WHERE e.case_id = c.id"
    "  AND e.type = 'arbitration_requested'), ''),"
    " coalesce((SELECT json_agg(json_build_object('division', r.division, 'reason',"
    "  r.return_reason, 'to', r.return_to, 'at', " UTC_TEXT("r.returned_at") ")"
    "  ORDER BY r.returned_at, r.id) FROM tasks r WHERE r.case_id = c.id AND r.role = 'lead'"
    "  AND r.state = 'returned'), '[]')::text, c.first_responder"
    " FROM cases_in_arbitration a JOIN cases c ON c.id = a.case_id WHERE c.state = 'arbitration'"
    " AND ($1::text = '' OR EXISTS (SELECT 1 FROM tasks r WHERE r.case_id = c.id"
    "  AND r.state = 'returned' AND r.role = 'lead' AND r.division = $1))"
    " ORDER BY c.updated_at, c.id LIMIT $2::bigint";

/* $1 division ("" for all), $2 rows. */
static const char *s_extensions_sql =
    "SELECT t.id, c.case_number, t.division, t.role, t.state, c.kind, c.priority, c.subject,"
    " coalesce(t.extension_reason, ''), coalesce(x.detail->>'window', ''),"
    " coalesce(" UTC_TEXT("x.at") ", ''), coalesce(x.actor, ''),"
    " " PG_TIME_US_OR_0("t.response_warn") ", " PG_TIME_US_OR_0("t.response_due") ","
    " " PG_TIME_US_OR_0("t.completion_warn") ", " PG_TIME_US_OR_0("t.completion_due") ","
    " " PG_TIME_US_OR_0("t.paused_at")
    " FROM tasks t JOIN cases c ON c.id = t.case_id"
    " LEFT JOIN LATERAL (SELECT e.detail, e.at, e.actor FROM case_events e"
    "  WHERE e.task_id = t.id AND e.type = 'extension_requested'"
    "  ORDER BY e.id DESC LIMIT 1) x ON true"
    " WHERE t.extension_state = 'requested' AND t.state IN ('dispatched', 'signed')"
    " AND ($1::text = '' OR t.division = $1)"
    " ORDER BY t.completion_due, t.id LIMIT $2::bigint";
/* clang-format on */

typedef struct {
    intake_t *in;
    http_held_t *held;
    int64_t now_us;
} read_t;

int intake_board_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_board", s_board_sql) |
           pg_prepare(pg, "intake_board_arbitration", s_board_arbitration_sql) |
           pg_prepare(pg, "intake_board_waiting", s_board_waiting_sql) |
           pg_prepare(pg, "intake_arbitrations", s_arbitrations_sql) |
           pg_prepare(pg, "intake_extensions", s_extensions_sql);
}

bool intake_board_may_read(const auth_identity_t *who)
{
    static const char *const readers[] = {"inspector", "admin", "leader", NULL};
    return auth_role_in(who, readers);
}

static int64_t s_i64(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* The waiting request when the read succeeded and the client is there;
 * NULL otherwise (a failure is answered here). */
static struct evhttp_request *s_outcome(read_t *rd, pg_txn_t *txn, bool ok, const char *what)
{
    struct evhttp_request *req = http_held_request(rd->held);
    if (!ok && req)
        intake_problem_reply(req, intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, what));
    return ok ? req : NULL;
}

static void s_done(read_t *rd)
{
    http_release(&rd->held);
    free(rd);
}

/* A read waiting for PostgreSQL, or NULL (answered) when it cannot start;
 * *txn_p gets its transaction. */
static read_t *s_start(intake_t *in, struct evhttp_request *req, pg_txn_t **txn_p)
{
    if (!pg_is_up(in->pg)) {
        intake_reply_unavailable(req);
        return NULL;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn || !(rd->held = http_hold(req))) {
        free(rd);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return NULL;
    }
    rd->in = in;
    rd->now_us = clock_now_us();
    *txn_p = txn;
    return rd;
}

/* Refuses who unless they read the bureau as a whole; true when refused. */
static bool s_refused(struct evhttp_request *req, const auth_identity_t *who)
{
    if (intake_board_may_read(who))
        return false;
    http_reply_problem(req, 403, "forbidden",
                       "the bureau's board is for the inspection office and the leaders", NULL);
    return true;
}

/* ---------------------------------------------------------------------
 * The board. Its statement passes over every open task, and every open
 * board page reads it again on each live event; so readers share reads:
 * one runs at a time, those who ask meanwhile wait for the next one, which
 * starts when it ends. Each reader gets counts taken after it asked, and
 * however many read, PostgreSQL runs at most one board statement. */

typedef struct waiter {
    http_held_t *held;
    struct waiter *next;
} waiter_t;

static struct {
    bool running;
    waiter_t *reading; /* answered by the read in flight */
    waiter_t *waiting; /* answered by the next read */
    intake_t *in;
    int64_t now_us;
} s_board;

static void s_board_start(void);

/* Answers the readers of the read that ended with body (stolen), and starts
 * the next read for those waiting; or answers every reader with problem
 * when body is NULL. */
static void s_board_answer(json_t *body, const intake_problem_t *problem)
{
    waiter_t *list = s_board.reading;
    s_board.reading = NULL;
    if (!body) {
        /* A failed read fails those waiting too (PostgreSQL is away, or
         * intake is stopping): nothing new is started after a failure. */
        waiter_t **tail = &list;
        while (*tail)
            tail = &(*tail)->next;
        *tail = s_board.waiting;
        s_board.waiting = NULL;
    }
    while (list) {
        waiter_t *w = list;
        list = w->next;
        struct evhttp_request *req = http_held_request(w->held);
        if (req && body)
            http_reply_json(req, 200, json_incref(body));
        else if (req)
            intake_problem_reply(req, problem ? problem : &INTAKE_PROBLEM_INTERNAL);
        http_release(&w->held);
        free(w);
    }
    json_decref(body);
    s_board.running = false;
    if (s_board.waiting)
        s_board_start();
}

static void s_board_read(pg_txn_t *txn, bool ok, void *arg)
{
    json_t *body = NULL;
    const intake_problem_t *problem = NULL;
    if (!ok) {
        problem = intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read the board");
    } else {
        const org_t *org = s_board.in->org;
        PGresult *tasks = pg_txn_result(txn, 0), *arb = pg_txn_result(txn, 1);
        json_t *rows = json_array();
        long long total[3] = {0};
        for (int d = 0; d < org->ndivisions; d++) {
            const char *code = org->divisions[d].code;
            long long v[4] = {0};
            for (int i = 0; i < PQntuples(tasks); i++)
                if (strcmp(PQgetvalue(tasks, i, 0), code) == 0)
                    for (int k = 0; k < 3; k++)
                        v[k] = s_i64(tasks, i, k + 1);
            for (int i = 0; i < PQntuples(arb); i++)
                if (strcmp(PQgetvalue(arb, i, 0), code) == 0)
                    v[3] = s_i64(arb, i, 1);
            for (int k = 0; k < 3; k++)
                total[k] += v[k];
            json_array_append_new(rows,
                                  json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "division", code,
                                            "name", org->divisions[d].name, "open",
                                            (json_int_t)v[0], "warned", (json_int_t)v[1], "overdue",
                                            (json_int_t)v[2], "arbitration", (json_int_t)v[3]));
        }
        /* A case returned by two divisions is in two rows, and waits once. */
        long long waiting = s_i64(pg_txn_result(txn, 2), 0, 0);
        char now[40];
        clock_format_utc(s_board.now_us, now, sizeof(now));
        body = json_pack("{s:s, s:o, s:{s:I, s:I, s:I, s:I}}", "now", now, "divisions", rows,
                         "totals", "open", (json_int_t)total[0], "warned", (json_int_t)total[1],
                         "overdue", (json_int_t)total[2], "arbitration", (json_int_t)waiting);
    }
    s_board_answer(body, problem);
}

/* Starts a read for those waiting (the loop is theirs until it answers). */
static void s_board_start(void)
{
    s_board.reading = s_board.waiting;
    s_board.waiting = NULL;
    s_board.running = true;
    s_board.now_us = clock_now_us();
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)s_board.now_us);
    pg_param_t p[1] = {PG_TEXT(now)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "intake_board", 1, p) < 0 ||
        pg_txn_add(txn, true, "intake_board_arbitration", 0, NULL) < 0 ||
        pg_txn_add(txn, true, "intake_board_waiting", 0, NULL) < 0) {
        pg_txn_destroy(&txn);
        s_board_answer(NULL, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    pg_txn_submit(s_board.in->pg, &txn, s_board_read, NULL);
}

void intake_board_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                       const char *key, const char *query)
{
    if (s_refused(req, who))
        return;
    if (!pg_is_up(in->pg)) {
        intake_reply_unavailable(req);
        return;
    }
    waiter_t *w = calloc(1, sizeof(*w));
    if (!w || !(w->held = http_hold(req))) {
        free(w);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    s_board.in = in;
    w->next = s_board.waiting;
    s_board.waiting = w;
    if (!s_board.running)
        s_board_start();
}

/* ---------------------------------------------------------------------
 * The arbitration and extension queues. */

static void s_arbitrations_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = s_outcome(rd, txn, ok, "read the arbitration queue");
    if (!req) {
        s_done(rd);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int rows = PQntuples(res);
    json_t *list = json_array();
    for (int i = 0; i < rows && i < BOARD_MAX_ROWS; i++) {
        json_t *returns = json_loads(PQgetvalue(res, i, 7), 0, NULL);
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:s}", "case_number",
                      PQgetvalue(res, i, 0), "kind", PQgetvalue(res, i, 1), "category",
                      PQgetvalue(res, i, 2), "priority", PQgetvalue(res, i, 3), "subject",
                      PQgetvalue(res, i, 4), "received_at", PQgetvalue(res, i, 5), "waiting_since",
                      PQgetvalue(res, i, 6)[0] ? PQgetvalue(res, i, 6) : NULL, "returns",
                      returns ? returns : json_array(), "first_responder", PQgetvalue(res, i, 8)));
    }
    http_reply_json(req, 200, json_pack("{s:o, s:b}", "cases", list, "cut", rows > BOARD_MAX_ROWS));
    s_done(rd);
}

static void s_extensions_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = s_outcome(rd, txn, ok, "read the extension requests");
    if (!req) {
        s_done(rd);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    int rows = PQntuples(res);
    json_t *list = json_array();
    for (int i = 0; i < rows && i < BOARD_MAX_ROWS; i++) {
        const char *kind = PQgetvalue(res, i, 5), *priority = PQgetvalue(res, i, 6);
        json_t *t = json_pack(
            "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "task_id",
            (json_int_t)s_i64(res, i, 0), "case_number", PQgetvalue(res, i, 1), "division",
            PQgetvalue(res, i, 2), "role", PQgetvalue(res, i, 3), "state", PQgetvalue(res, i, 4),
            "kind", kind, "priority", priority, "subject", PQgetvalue(res, i, 7), "reason",
            PQgetvalue(res, i, 8), "window", PQgetvalue(res, i, 9), "requested_at",
            PQgetvalue(res, i, 10)[0] ? PQgetvalue(res, i, 10) : NULL, "requested_by",
            PQgetvalue(res, i, 11));
        json_t *d = intake_task_deadline_json(
            rd->in, kind, priority, PQgetvalue(res, i, 4), rd->now_us, s_i64(res, i, 12),
            s_i64(res, i, 13), s_i64(res, i, 14), s_i64(res, i, 15), s_i64(res, i, 16));
        if (d)
            json_object_update_new(t, d);
        json_array_append_new(list, t);
    }
    http_reply_json(req, 200, json_pack("{s:o, s:b}", "tasks", list, "cut", rows > BOARD_MAX_ROWS));
    s_done(rd);
}

/* The optional division filter; false (answered) when it names none. */
static bool s_division(intake_t *in, struct evhttp_request *req, const char *query, char *out,
                       size_t len)
{
    if (!intake_office_arg(req, query, "division", out, len))
        return false;
    if (out[0] && !org_division_find(in->org, out)) {
        http_reply_problem(req, 404, "unknown division", "no division has that code", "division");
        return false;
    }
    return true;
}

static void s_queue(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                    const char *query, const char *stmt, pg_txn_cb cb)
{
    char division[64], rows[16];
    if (s_refused(req, who) || !s_division(in, req, query, division, sizeof(division)))
        return;
    pg_txn_t *txn = NULL;
    read_t *rd = s_start(in, req, &txn);
    if (!rd)
        return;
    snprintf(rows, sizeof(rows), "%d", BOARD_MAX_ROWS + 1);
    pg_param_t p[2] = {PG_TEXT(division), PG_TEXT(rows)};
    pg_txn_add(txn, true, stmt, 2, p);
    pg_txn_submit(in->pg, &txn, cb, rd);
}

void intake_board_arbitrations(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                               const char *key, const char *query)
{
    s_queue(in, req, who, query, "intake_arbitrations", s_arbitrations_read);
}

void intake_board_extensions(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                             const char *key, const char *query)
{
    s_queue(in, req, who, query, "intake_extensions", s_extensions_read);
}
