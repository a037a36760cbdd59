/* HTTP handlers of intake. Every handler ends in exactly one reply; a
 * submission's reply waits for its group commit (intake_commit). */
#include "intake_api.h"

#include "http.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define INTAKE_QUERY_CODE_LEN 8

struct intake_api {
    const org_t *org;
    pg_t *pg;
    intake_commit_t *commit;
    size_t max_body;
    unsigned roster_next;
};

/* A submission waiting for its commit. */
typedef struct {
    intake_api_t *api;
    struct evhttp_request *req;
    char query_code[INTAKE_QUERY_CODE_LEN + 1];
    char first_responder[48];
    char channel[32];
    char kind[32];
} submission_t;

static const char *s_case_sql =
    "SELECT c.id, c.case_number, c.channel, c.kind, coalesce(c.category, ''), c.priority,"
    " c.subject, c.description, coalesce(c.requester_name, ''), coalesce(c.requester_phone, ''),"
    " c.first_responder, c.state, to_char(c.created_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), coalesce(c.lead_hint, '')"
    " FROM cases c WHERE c.case_number = $1";

static const char *s_case_tasks_sql =
    "SELECT t.id, t.division, t.role, t.state, to_char(t.dispatched_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    " FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = $1 ORDER BY t.id";

static const char *s_case_events_sql =
    "SELECT e.type, e.actor, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " e.detail::text, coalesce(e.task_id, 0)"
    " FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = $1 ORDER BY e.id";

static const char *s_division_tasks_sql =
    "SELECT t.id, c.case_number, t.role, t.state, c.kind, coalesce(c.category, ''), c.priority,"
    " c.subject, to_char(t.dispatched_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    " FROM tasks t JOIN cases c ON c.id = t.case_id"
    " WHERE t.division = $1 AND ($2 = 'all' OR ($2 = 'open' AND t.state <> 'replied')"
    "  OR t.state = $2)"
    " ORDER BY t.id LIMIT 1000";

int intake_api_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_case", s_case_sql) | pg_prepare(pg, "intake_case_tasks",
                                                                  s_case_tasks_sql) |
           pg_prepare(pg, "intake_case_events", s_case_events_sql) |
           pg_prepare(pg, "intake_division_tasks", s_division_tasks_sql);
}

static int s_query_code(char *out)
{
    static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    unsigned char raw[INTAKE_QUERY_CODE_LEN];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -1;
    for (int i = 0; i < INTAKE_QUERY_CODE_LEN; i++)
        out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
    out[INTAKE_QUERY_CODE_LEN] = '\0';
    return 0;
}

static void s_unavailable(struct evhttp_request *req)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    http_reply_problem(req, 503, "database unavailable",
                       "the case store is not reachable right now; nothing was recorded, "
                       "please retry in a moment", NULL);
}

static void s_connection_closed_cb(struct evhttp_connection *conn, void *arg)
{
    submission_t *sub = arg;
    log_warn("client went away before its case was committed channel=%s", sub->channel);
    intake_commit_cancel(sub->api->commit, sub);
    free(sub);
}

static void s_committed(void *ctx, int status, const intake_case_t *c, const char *error)
{
    submission_t *sub = ctx;
    struct evhttp_connection *conn = evhttp_request_get_connection(sub->req);
    if (conn)
        evhttp_connection_set_closecb(conn, NULL, NULL);
    if (status == 201) {
        log_info("case accepted case=%s channel=%s kind=%s first_responder=%s", c->case_number,
                 sub->channel, sub->kind, sub->first_responder);
        char location[96];
        snprintf(location, sizeof(location), "/api/v1/cases/%s", c->case_number);
        evhttp_add_header(evhttp_request_get_output_headers(sub->req), "Location", location);
        http_reply_json(sub->req, 201,
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "case_number",
                                  c->case_number, "query_code", sub->query_code, "state",
                                  c->state, "first_responder", sub->first_responder, "channel",
                                  sub->channel, "kind", sub->kind));
    } else if (status == 503) {
        s_unavailable(sub->req);
    } else {
        http_reply_problem(sub->req, 500, "case not stored",
                           "the case store refused the case; nothing was recorded", NULL);
    }
    free(sub);
}

static const char *s_assign_responder(intake_api_t *self, intake_request_t *r)
{
    if (r->first_responder)
        return r->first_responder;
    if (self->org->non_duty == 0)
        return NULL;
    const char *code = self->org->on_duty[self->roster_next++ % (unsigned)self->org->non_duty];
    r->first_responder = strdup(code);
    return r->first_responder;
}

static void s_post_case(intake_api_t *self, struct evhttp_request *req)
{
    char *body = NULL;
    size_t len = 0;
    if (http_read_body(req, self->max_body, &body, &len) < 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", self->max_body);
        http_reply_problem(req, 413, "body too large", detail, NULL);
        return;
    }
    intake_error_t err;
    intake_request_t *r = intake_request_parse(self->org, body, len, &err);
    free(body);
    if (!r) {
        log_info("refused submission status=%d field=%s: %s", err.status, err.field, err.detail);
        http_reply_problem(req, err.status, err.title, err.detail, err.field[0] ? err.field : NULL);
        return;
    }
    if (!s_assign_responder(self, r)) {
        intake_request_destroy(&r);
        http_reply_problem(req, 500, "no first responder",
                           "no staff member is on duty to accept this case; configure the roster",
                           NULL);
        return;
    }
    if (!pg_is_up(self->pg)) {
        intake_request_destroy(&r);
        s_unavailable(req);
        return;
    }
    submission_t *sub = calloc(1, sizeof(*sub));
    if (!sub || s_query_code(sub->query_code) < 0) {
        free(sub);
        intake_request_destroy(&r);
        http_reply_problem(req, 500, "internal error", "could not prepare the case", NULL);
        return;
    }
    sub->api = self;
    sub->req = req;
    snprintf(sub->first_responder, sizeof(sub->first_responder), "%s", r->first_responder);
    snprintf(sub->channel, sizeof(sub->channel), "%s", r->channel);
    snprintf(sub->kind, sizeof(sub->kind), "%s", r->kind);
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn)
        evhttp_connection_set_closecb(conn, s_connection_closed_cb, sub);
    intake_commit_submit(self->commit, &r, sub->query_code, s_committed, sub);
}

/* A read waiting for PostgreSQL. */
typedef struct {
    struct evhttp_request *req;
    char key[80];
} read_t;

static json_t *s_case_json(PGresult *c)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:{s:s?, s:s?}, s:s, s:s, s:s, s:s?}",
                     "case_number", PQgetvalue(c, 0, 1), "channel", PQgetvalue(c, 0, 2), "kind",
                     PQgetvalue(c, 0, 3), "category",
                     PQgetvalue(c, 0, 4)[0] ? PQgetvalue(c, 0, 4) : NULL, "priority",
                     PQgetvalue(c, 0, 5), "subject", PQgetvalue(c, 0, 6), "description",
                     PQgetvalue(c, 0, 7), "requester", "name",
                     PQgetvalue(c, 0, 8)[0] ? PQgetvalue(c, 0, 8) : NULL, "phone",
                     PQgetvalue(c, 0, 9)[0] ? PQgetvalue(c, 0, 9) : NULL, "first_responder",
                     PQgetvalue(c, 0, 10), "state", PQgetvalue(c, 0, 11), "received_at",
                     PQgetvalue(c, 0, 12), "division",
                     PQgetvalue(c, 0, 13)[0] ? PQgetvalue(c, 0, 13) : NULL);
}

static void s_read_gone_cb(struct evhttp_connection *conn, void *arg)
{
    read_t *rd = arg;
    rd->req = NULL;
}

/* Detaches rd from its connection; false when the client already left. */
static bool s_read_still_wanted(read_t *rd)
{
    if (!rd->req) {
        free(rd);
        return false;
    }
    struct evhttp_connection *conn = evhttp_request_get_connection(rd->req);
    if (conn)
        evhttp_connection_set_closecb(conn, NULL, NULL);
    return true;
}

static void s_case_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    if (!s_read_still_wanted(rd))
        return;
    if (!ok) {
        if (pg_txn_connection_lost(txn))
            s_unavailable(rd->req);
        else
            http_reply_problem(rd->req, 500, "read failed", pg_txn_error(txn), NULL);
        free(rd);
        return;
    }
    PGresult *c = pg_txn_result(txn, 0);
    if (PQntuples(c) == 0) {
        char detail[160];
        snprintf(detail, sizeof(detail), "no case has the number %s", rd->key);
        http_reply_problem(rd->req, 404, "case not found", detail, NULL);
        free(rd);
        return;
    }
    json_t *out = s_case_json(c);
    json_t *tasks = json_array();
    PGresult *t = pg_txn_result(txn, 1);
    for (int i = 0; i < PQntuples(t); i++)
        json_array_append_new(
            tasks, json_pack("{s:I, s:s, s:s, s:s, s:s}", "task_id",
                             (json_int_t)strtoll(PQgetvalue(t, i, 0), NULL, 10), "division",
                             PQgetvalue(t, i, 1), "role", PQgetvalue(t, i, 2), "state",
                             PQgetvalue(t, i, 3), "dispatched_at", PQgetvalue(t, i, 4)));
    json_t *events = json_array();
    PGresult *e = pg_txn_result(txn, 2);
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
    http_reply_json(rd->req, 200, out);
    free(rd);
}

static void s_division_read(pg_txn_t *txn, bool ok, void *arg)
{
    read_t *rd = arg;
    if (!s_read_still_wanted(rd))
        return;
    if (!ok) {
        if (pg_txn_connection_lost(txn))
            s_unavailable(rd->req);
        else
            http_reply_problem(rd->req, 500, "read failed", pg_txn_error(txn), NULL);
        free(rd);
        return;
    }
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
    http_reply_json(rd->req, 200, json_pack("{s:s, s:o}", "division", rd->key, "tasks", tasks));
    free(rd);
}

static void s_read(intake_api_t *self, struct evhttp_request *req, const char *key,
                   const char *const *stmts, int nstmts, const char *extra, pg_txn_cb cb)
{
    if (!pg_is_up(self->pg)) {
        s_unavailable(req);
        return;
    }
    read_t *rd = calloc(1, sizeof(*rd));
    pg_txn_t *txn = pg_txn_new();
    if (!rd || !txn) {
        free(rd);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    rd->req = req;
    snprintf(rd->key, sizeof(rd->key), "%s", key);
    pg_param_t params[2] = {PG_TEXT(key), PG_TEXT(extra)};
    for (int i = 0; i < nstmts; i++)
        pg_txn_add(txn, true, stmts[i], extra ? 2 : 1, params);
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn)
        evhttp_connection_set_closecb(conn, s_read_gone_cb, rd);
    pg_txn_submit(self->pg, &txn, cb, rd);
}

static bool s_code_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", *s))
            return false;
    return true;
}

static void s_get_division_tasks(intake_api_t *self, struct evhttp_request *req,
                                 const char *code, const char *query)
{
    if (!org_division_find(self->org, code)) {
        http_reply_problem(req, 404, "unknown division", "no division has that code", "division");
        return;
    }
    const char *state = "open";
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && evhttp_parse_query_str(query, &args) == 0) {
        const char *s = evhttp_find_header(&args, "state");
        if (s)
            state = s;
    }
    static const char *states[] = {"open", "all", "dispatched", "signed", "returned", "replied"};
    bool known = false;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        known = known || strcmp(state, states[i]) == 0;
    if (!known) {
        evhttp_clear_headers(&args);
        http_reply_problem(req, 400, "invalid field",
                           "state must be open, all, dispatched, signed, returned or replied",
                           "state");
        return;
    }
    const char *stmts[] = {"intake_division_tasks"};
    char state_copy[16];
    snprintf(state_copy, sizeof(state_copy), "%s", state);
    evhttp_clear_headers(&args);
    s_read(self, req, code, stmts, 1, state_copy, s_division_read);
}

static void s_health(intake_api_t *self, struct evhttp_request *req)
{
    bool up = pg_is_up(self->pg);
    http_reply_json(req, up ? 200 : 503,
                    json_pack("{s:s, s:s, s:b, s:I}", "service", "intake", "status",
                              up ? "ok" : "degraded", "postgres", up, "backlog",
                              (json_int_t)pg_backlog(self->pg)));
}

static void s_route_cb(struct evhttp_request *req, void *arg)
{
    intake_api_t *self = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (!path)
        path = "/";
    if (strcmp(path, "/healthz") == 0) {
        s_health(self, req);
        return;
    }
    if (strcmp(path, "/api/v1/cases") == 0) {
        if (method != EVHTTP_REQ_POST) {
            http_reply_problem(req, 405, "method not allowed", "use POST to submit a case", NULL);
            return;
        }
        s_post_case(self, req);
        return;
    }
    static const char cases_prefix[] = "/api/v1/cases/";
    static const char div_prefix[] = "/api/v1/divisions/";
    if (strncmp(path, cases_prefix, sizeof(cases_prefix) - 1) == 0 && method == EVHTTP_REQ_GET) {
        const char *number = path + sizeof(cases_prefix) - 1;
        if (!s_code_ok(number, 40)) {
            http_reply_problem(req, 404, "case not found", "that is not a case number", NULL);
            return;
        }
        const char *stmts[] = {"intake_case", "intake_case_tasks", "intake_case_events"};
        s_read(self, req, number, stmts, 3, NULL, s_case_read);
        return;
    }
    if (strncmp(path, div_prefix, sizeof(div_prefix) - 1) == 0 && method == EVHTTP_REQ_GET) {
        char code[64];
        const char *rest = path + sizeof(div_prefix) - 1;
        const char *slash = strchr(rest, '/');
        if (slash && strcmp(slash, "/tasks") == 0 && (size_t)(slash - rest) < sizeof(code)) {
            memcpy(code, rest, (size_t)(slash - rest));
            code[slash - rest] = '\0';
            s_get_division_tasks(self, req, code, query);
            return;
        }
    }
    http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
}

intake_api_t *intake_api_new(struct evhttp *http, const org_t *org, pg_t *pg,
                             intake_commit_t *commit, size_t max_body)
{
    intake_api_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->org = org;
    self->pg = pg;
    self->commit = commit;
    self->max_body = max_body;
    evhttp_set_gencb(http, s_route_cb, self);
    return self;
}

void intake_api_destroy(intake_api_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}
