#include "intake_staff_read.h"

#include "clock.h"
#include "dispatch_context.h"
#include "http.h"
#include "intake_queue.h"
#include "log.h"
#include "pg_time.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define UTC_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"

static const char *s_case_sql =
    "SELECT c.id, c.case_number, c.channel, c.kind, coalesce(c.category, ''), c.priority,"
    " c.subject, c.description, coalesce(c.requester_name, ''), coalesce(c.requester_phone, ''),"
    " c.first_responder, c.state, to_char(c.created_at AT TIME ZONE 'UTC', " UTC_FORMAT "),"
    " coalesce(c.lead_hint, ''), coalesce(c.requester_email, ''), c.requester_anonymous,"
    " coalesce(c.callback_phone, ''), coalesce(c.place, ''), coalesce(c.enterprise, ''),"
    " coalesce(c.product, ''), c.flagged, coalesce(c.external_ref, ''), coalesce(c.source, ''),"
    " coalesce(c.recorded_by, ''), c.confidential, case_public(c)"
    " FROM cases c WHERE c.case_number = $1";

#define US(col) PG_TIME_US_OR_0(col)

static const char *s_case_tasks_sql =
    "SELECT t.id, t.division, t.role, t.state, to_char(t.dispatched_at AT TIME ZONE 'UTC', "
    UTC_FORMAT "), " US("t.response_warn") ", " US("t.response_due") ", "
    US("t.completion_warn") ", " US("t.completion_due") ", " US("t.paused_at") ","
    " coalesce(t.extension_state, ''), coalesce(t.handler, ''), t.arbitrated"
    " FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = $1 ORDER BY t.id";

/* The buttons of the case page: every step, in the order people meet them. */
static const dispatch_action_t s_page_actions[] = {
    ACTION_SIGN,   ACTION_RETURN,    ACTION_REPLY,           ACTION_NEED_MATERIAL,
    ACTION_MATERIAL_ARRIVED, ACTION_EXTEND, ACTION_NOTE,     ACTION_DECIDE_EXTENSION,
    ACTION_ARBITRATE, ACTION_TRIAGE, ACTION_INFORM,          ACTION_CALLBACK,
    ACTION_CLOSE,     ACTION_ATTACH_CALL, ACTION_PROGRESS, ACTION_COMPLETE, ACTION_VERIFY,
    ACTION_ASK_REASSIGN, ACTION_REASSIGN};

static const char *s_case_events_sql =
    "SELECT e.type, e.actor, to_char(e.at AT TIME ZONE 'UTC', " UTC_FORMAT "),"
    " e.detail::text, coalesce(e.task_id, 0)"
    " FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = $1"
    " ORDER BY e.id";

/* A division's tasks by id ($1 the division, $2 the state asked for), one
 * statement per shape, so that each one's generic plan reads an index made
 * for it. One statement for every state had a generic plan that read all
 * tasks by id and filtered them: 1.1 s a call over 1,000,000 tasks (dubanctl
 * bench-bulletin), from a connection's sixth call on. Open tasks (the
 * default) are those dispatched or signed, as in the division queue
 * (intake_queue.c): a partial index of them is read, the division's open
 * tasks sorted by id. All, returned and replied: the tasks by id. */
#define DIVISION_TASKS_SQL(state_filter)                                                           \
    "SELECT t.id, c.case_number, t.role, t.state, c.kind, coalesce(c.category, ''), c.priority,"   \
    " c.subject, to_char(t.dispatched_at AT TIME ZONE 'UTC', " UTC_FORMAT ")"                      \
    " FROM tasks t JOIN cases c ON c.id = t.case_id"                                               \
    " WHERE t.division = $1 AND " state_filter " ORDER BY t.id LIMIT 1000"
static const char *s_division_tasks_open_sql =
    DIVISION_TASKS_SQL("t.state IN ('dispatched', 'signed') AND ($2 = 'open' OR t.state = $2)");
static const char *s_division_tasks_sql = DIVISION_TASKS_SQL("($2 = 'all' OR t.state = $2)");

pg_t *intake_reader(const intake_t *self)
{
    pg_t *best = NULL;
    for (int i = 0; i < self->nreaders; i++)
        if (pg_is_up(self->readers[i]) &&
            (!best || pg_backlog(self->readers[i]) < pg_backlog(best)))
            best = self->readers[i];
    return best ? best : self->pg;
}

int intake_staff_read_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_case", s_case_sql) | dispatch_context_prepare(pg) |
           pg_prepare(pg, "intake_case_tasks", s_case_tasks_sql) |
           pg_prepare(pg, "intake_case_events", s_case_events_sql) |
           pg_prepare(pg, "intake_division_tasks_open", s_division_tasks_open_sql) |
           pg_prepare(pg, "intake_division_tasks", s_division_tasks_sql);
}

/* A read waiting for PostgreSQL. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    auth_identity_t who;
    char key[80];
} read_t;

static const char *s_opt(PGresult *res, int col)
{
    const char *v = PQgetvalue(res, 0, col);
    return v[0] ? v : NULL;
}

static bool s_holds_task(PGresult *tasks, const char *division)
{
    for (int i = 0; i < PQntuples(tasks); i++)
        if (strcmp(PQgetvalue(tasks, i, 1), division) == 0)
            return true;
    return false;
}

static json_t *s_case_json(PGresult *c, bool personal)
{
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:b, s:s?,"
        " s:s?}",
        "case_number", PQgetvalue(c, 0, 1), "channel", PQgetvalue(c, 0, 2), "kind",
        PQgetvalue(c, 0, 3), "category", s_opt(c, 4), "priority", PQgetvalue(c, 0, 5),
        "subject", PQgetvalue(c, 0, 6), "description", PQgetvalue(c, 0, 7), "first_responder",
        PQgetvalue(c, 0, 10), "state", PQgetvalue(c, 0, 11), "received_at", PQgetvalue(c, 0, 12),
        "division", s_opt(c, 13), "place", s_opt(c, 17), "enterprise", s_opt(c, 18), "product",
        s_opt(c, 19), "flagged", strcmp(PQgetvalue(c, 0, 20), "t") == 0, "external_ref",
        s_opt(c, 21), "recorded_by", s_opt(c, 23));
    /* What the public sees of it: Open311 lists public cases only. */
    json_object_set_new(out, "confidential", json_boolean(strcmp(PQgetvalue(c, 0, 24), "t") == 0));
    json_object_set_new(out, "public", json_boolean(strcmp(PQgetvalue(c, 0, 25), "t") == 0));
    if (personal) {
        json_object_set_new(
            out, "requester",
            json_pack("{s:s?, s:s?, s:s?, s:b}", "name", s_opt(c, 8), "phone", s_opt(c, 9),
                      "email", s_opt(c, 14), "anonymous", strcmp(PQgetvalue(c, 0, 15), "t") == 0));
        if (s_opt(c, 16))
            json_object_set_new(out, "callback_phone", json_string(s_opt(c, 16)));
    } else {
        json_object_set_new(out, "requester", json_pack("{s:b}", "redacted", 1));
    }
    return out;
}

/* The waiting request, or NULL when there is nothing to answer (the client
 * left) or the read failed (the error is answered here). */
static struct evhttp_request *s_read_outcome(read_t *rd, pg_txn_t *txn, bool ok)
{
    struct evhttp_request *req = http_held_request(rd->held);
    if (ok)
        return req;
    const intake_problem_t *problem =
        intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read case for staff");
    if (req)
        intake_problem_reply(req, problem);
    return NULL;
}

static void s_case_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = s_read_outcome(rd, txn, ok);
    if (!req)
        goto out_free;
    PGresult *c = pg_txn_result(txn, 0), *t = pg_txn_result(txn, 1), *e = pg_txn_result(txn, 2);
    const char *role = rd->who.role;
    bool handler = strcmp(role, "handler") == 0;
    if (PQntuples(c) == 0 || (handler && !s_holds_task(t, rd->who.division))) {
        /* A division must not learn which case numbers exist elsewhere. */
        char detail[160];
        snprintf(detail, sizeof(detail), "no case %s is visible to you", rd->key);
        http_reply_problem(req, 404, "case not found", detail, NULL);
        goto out_free;
    }
    /* A handler reaching here holds a task of the case (else 404 above). */
    bool personal = auth_may_see_requester(&rd->who, PQgetvalue(c, 0, 10), handler);
    json_t *out = s_case_json(c, personal);
    int64_t now = clock_now_us();
    json_t *tasks = json_array();
    for (int i = 0; i < PQntuples(t); i++) {
        json_t *task = json_pack(
            "{s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "task_id",
            (json_int_t)strtoll(PQgetvalue(t, i, 0), NULL, 10), "division", PQgetvalue(t, i, 1),
            "role", PQgetvalue(t, i, 2), "state", PQgetvalue(t, i, 3), "dispatched_at",
            PQgetvalue(t, i, 4), "handler", PQgetvalue(t, i, 11), "arbitrated",
            strcmp(PQgetvalue(t, i, 12), "t") == 0);
        if (PQgetvalue(t, i, 10)[0])
            json_object_set_new(task, "extension", json_string(PQgetvalue(t, i, 10)));
        json_t *d = intake_task_deadline_json(
            rd->in, PQgetvalue(c, 0, 3), PQgetvalue(c, 0, 5), PQgetvalue(t, i, 3), now,
            strtoll(PQgetvalue(t, i, 5), NULL, 10), strtoll(PQgetvalue(t, i, 6), NULL, 10),
            strtoll(PQgetvalue(t, i, 7), NULL, 10), strtoll(PQgetvalue(t, i, 8), NULL, 10),
            strtoll(PQgetvalue(t, i, 9), NULL, 10));
        if (d)
            json_object_update_new(task, d);
        json_array_append_new(tasks, task);
    }
    /* What the viewer may do now, by the workflow's own rules: the context
     * of the viewer's division's task, and of the task with an extension
     * waiting (decide-extension). */
    dispatch_context_t own = {0}, ext = {0};
    PGresult *own_res = pg_txn_result(txn, 3), *ext_res = pg_txn_result(txn, 4);
    json_t *actions = json_array();
    if (PQntuples(own_res) == 1 && PQntuples(ext_res) == 1) {
        dispatch_context_read(&own, own_res);
        dispatch_context_read(&ext, ext_res);
        for (size_t i = 0; i < sizeof(s_page_actions) / sizeof(s_page_actions[0]); i++) {
            dispatch_action_t a = s_page_actions[i];
            if (dispatch_rules_may(a == ACTION_DECIDE_EXTENSION ? &ext : &own, a, &rd->who, now))
                json_array_append_new(actions, json_string(dispatch_action_str(a)));
        }
    }
    if (own.has_task)
        json_object_set_new(out, "my_task_id", json_integer(own.task_id));
    json_t *events = json_array();
    for (int i = 0; i < PQntuples(e); i++) {
        json_t *detail = json_loads(PQgetvalue(e, i, 3), 0, NULL);
        json_t *ev = json_pack("{s:s, s:s, s:s, s:o}", "type", PQgetvalue(e, i, 0), "actor",
                               PQgetvalue(e, i, 1), "at", PQgetvalue(e, i, 2), "detail",
                               detail ? detail : json_object());
        long long task_id = strtoll(PQgetvalue(e, i, 4), NULL, 10);
        if (task_id)
            json_object_set_new(ev, "task_id", json_integer(task_id));
        json_array_append_new(events, ev);
    }
    json_object_set_new(out, "tasks", tasks);
    json_object_set_new(out, "timeline", events);
    json_object_set_new(out, "actions", actions);
    http_reply_json(req, 200, out);
out_free:
    http_release(&rd->held);
    free(rd);
}

static void s_tasks_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    struct evhttp_request *req = s_read_outcome(rd, txn, ok);
    if (!req)
        goto out_free;
    PGresult *t = pg_txn_result(txn, 0);
    json_t *tasks = json_array();
    for (int i = 0; i < PQntuples(t); i++)
        json_array_append_new(
            tasks,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "task_id",
                      (json_int_t)strtoll(PQgetvalue(t, i, 0), NULL, 10), "case_number",
                      PQgetvalue(t, i, 1), "role", PQgetvalue(t, i, 2), "state",
                      PQgetvalue(t, i, 3), "kind", PQgetvalue(t, i, 4), "category",
                      PQgetvalue(t, i, 5), "priority", PQgetvalue(t, i, 6), "subject",
                      PQgetvalue(t, i, 7), "dispatched_at", PQgetvalue(t, i, 8)));
    http_reply_json(req, 200, json_pack("{s:s, s:o}", "division", rd->key, "tasks", tasks));
out_free:
    http_release(&rd->held);
    free(rd);
}

static void s_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                   const char *key, const char *const *stmts, int nstmts, const char *extra,
                   pg_txn_cb cb)
{
    pg_t *pg = intake_reader(in);
    if (!pg_is_up(pg)) {
        intake_reply_unavailable(req);
        return;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn || !(rd->held = http_hold(req))) {
        free(rd);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    rd->in = in;
    rd->who = *who;
    snprintf(rd->key, sizeof(rd->key), "%s", key);
    pg_param_t params[2] = {PG_TEXT(key), PG_TEXT(extra)};
    for (int i = 0; i < nstmts; i++)
        pg_txn_add(txn, true, stmts[i], extra ? 2 : 1, params);
    pg_txn_submit(pg, &txn, cb, rd);
}

static bool s_code_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

void intake_staff_read_case(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                            const char *case_number)
{
    if (!s_code_ok(case_number, 40)) {
        http_reply_problem(req, 404, "case not found", "that is not a case number", NULL);
        return;
    }
    pg_t *pg = intake_reader(in);
    if (!pg_is_up(pg)) {
        intake_reply_unavailable(req);
        return;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn || !(rd->held = http_hold(req))) {
        free(rd);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    rd->in = in;
    rd->who = *who;
    snprintf(rd->key, sizeof(rd->key), "%s", case_number);
    pg_param_t one[1] = {PG_TEXT(case_number)};
    pg_param_t own[4] = {PG_TEXT(case_number), PG_TEXT("0"), PG_TEXT(who->division),
                         PG_TEXT("false")};
    pg_param_t ext[4] = {PG_TEXT(case_number), PG_TEXT("0"), PG_TEXT(""), PG_TEXT("true")};
    pg_txn_add(txn, true, "intake_case", 1, one);
    pg_txn_add(txn, true, "intake_case_tasks", 1, one);
    pg_txn_add(txn, true, "intake_case_events", 1, one);
    pg_txn_add(txn, true, DISPATCH_CONTEXT_STMT, 4, own);
    pg_txn_add(txn, true, DISPATCH_CONTEXT_STMT, 4, ext);
    pg_txn_submit(pg, &txn, s_case_read, rd);
}

void intake_staff_read_tasks(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
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
    char state[16] = "open";
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && query[0] && evhttp_parse_query_str(query, &args) == 0) {
        const char *s = evhttp_find_header(&args, "state");
        if (s)
            snprintf(state, sizeof(state), "%s", s);
    }
    evhttp_clear_headers(&args);
    static const char *states[] = {"open", "all", "dispatched", "signed", "returned", "replied"};
    bool known = false;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        known = known || strcmp(state, states[i]) == 0;
    if (!known) {
        http_reply_problem(req, 400, "invalid field",
                           "state must be open, all, dispatched, signed, returned or replied",
                           "state");
        return;
    }
    bool open = strcmp(state, "open") == 0 || strcmp(state, "dispatched") == 0 ||
                strcmp(state, "signed") == 0;
    const char *stmts[] = {open ? "intake_division_tasks_open" : "intake_division_tasks"};
    s_read(in, req, who, division, stmts, 1, state, s_tasks_read);
}
