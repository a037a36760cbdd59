/* The hotline desk's lists; see intake_desk.h. */
#include "intake_desk.h"

#include "clock.h"
#include "http.h"
#include "intake_case_list.h"
#include "intake_problem.h"
#include "phone.h"
#include "pg_time.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

typedef enum { LIST_CALLER, LIST_RESPONDER, LIST_TRIAGE } list_kind_t;

typedef struct {
    intake_t *in;
    http_held_t *held;
    auth_identity_t who;
    list_kind_t kind;
    bool all; /* who sees every case (else only the division's) */
    long page, limit;
    int64_t now_us;
    char key[64];  /* the phone's digits, the first responder */
    char show[16]; /* responder: all, inform, callback, overdue */
} list_t;

#define DUE(t) "(CASE WHEN " t ".state = 'dispatched' THEN " t ".response_due ELSE " t ".completion_due END)"
#define FINISHED "c.state IN ('closed', 'merged')"

/* A caller's cases, open ones first then newest: $1 digits, $2 division
 * ("" for all), $3 limit, $4 cases to read at most. The phone's cases come
 * from case_phone_newest (migration 064), as a search by phone: a number that
 * called thousands of times (a switchboard, a caller who rings every day)
 * costs what one that called $4 times does, and the answer says where it was
 * cut (column 0, NULL when whole). Then the count, the open ones among them,
 * and the page's cases; no case: one row, its columns from 1 on NULL. */
static const char *s_caller_sql =
    "WITH r AS MATERIALIZED (SELECT id, created_at FROM case_phone_newest($1, $2, $4::int,"
    "  NULL, NULL)),"
    " meta AS (SELECT max(created_at) FILTER (WHERE id IS NULL) AS cut FROM r)"
    " SELECT " CASE_LIST_CUT_TEXT("meta.cut") ", p.* FROM meta LEFT JOIN (SELECT count(*) OVER (),"
    "  count(*) FILTER (WHERE NOT " FINISHED ") OVER (), " CASE_LIST_COLUMNS ", " FINISHED
    "  AS o_done, c.created_at AS o_at, c.id AS o_id FROM r JOIN cases c ON c.id = r.id"
    CASE_LIST_LEAD " ORDER BY " FINISHED ", c.created_at DESC, c.id DESC LIMIT $3) p ON true"
    " ORDER BY p.o_done, p.o_at DESC, p.o_id DESC";

/* A first responder's cases ($1) that are not closed, in four views, each
 * read from an index in its order, so the cost follows the page and what
 * waits, not how many cases the person holds: all of them newest first
 * (cases_first_responder_open_idx); those waiting to be told (replied) or
 * for the callback (informed), longest waiting first
 * (cases_first_responder_replied_idx); those with a task overdue at $5,
 * found from the overdue tasks (the head of tasks_division_queue_idx of
 * each division $6). $2 view, $3 limit, $4 offset. */
#define MINE "c.first_responder = $1 AND c.closed_at IS NULL AND c.state <> 'merged'"
#define WAITING(state) MINE " AND c.replied_at IS NOT NULL AND c.state = '" state "'"
#define OVERDUE_TASK                                                                               \
    "t.division = ANY ($6::text[]) AND t.state IN ('dispatched', 'signed') AND " DUE("t")          \
    " <= " PG_TIME_TS(5)
#define OVERDUE_CASES "SELECT t.case_id FROM tasks t WHERE " OVERDUE_TASK

/* Typing the parameters a statement does not use. */
#define TYPED " AND $2::text IS NOT NULL AND $3::bigint IS NOT NULL AND $4::bigint IS NOT NULL"

static const char *s_responder_counts_sql =
    "SELECT (SELECT count(*) FROM cases c WHERE " MINE "),"
    " (SELECT count(*) FROM cases c WHERE " WAITING("replied") "),"
    " (SELECT count(*) FROM cases c WHERE " WAITING("informed") "),"
    " (SELECT count(*) FROM cases c WHERE " MINE " AND c.id IN (" OVERDUE_CASES "))"
    " WHERE true" TYPED;

/* The page of the view: whether each case has a task overdue, then the case. */
static const char *s_responder_sql =
    "SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND " OVERDUE_TASK "), "
    CASE_LIST_COLUMNS " FROM cases c" CASE_LIST_LEAD " WHERE c.id IN ("
    " (SELECT c.id FROM cases c WHERE $2 = 'all' AND " MINE
    "  ORDER BY c.created_at DESC, c.id DESC LIMIT $3 OFFSET $4)"
    " UNION ALL (SELECT c.id FROM cases c WHERE $2 = 'inform' AND " WAITING("replied")
    "  ORDER BY c.replied_at, c.id LIMIT $3 OFFSET $4)"
    " UNION ALL (SELECT c.id FROM cases c WHERE $2 = 'callback' AND " WAITING("informed")
    "  ORDER BY c.replied_at, c.id LIMIT $3 OFFSET $4)"
    " UNION ALL (SELECT c.id FROM cases c WHERE $2 = 'overdue' AND " MINE
    "  AND c.id IN (" OVERDUE_CASES ") ORDER BY c.created_at DESC, c.id DESC LIMIT $3 OFFSET $4))"
    " ORDER BY CASE WHEN $2 IN ('inform', 'callback') THEN c.replied_at END, c.created_at DESC,"
    " c.id DESC";

/* The cases still without a category lead cases_uncategorised_idx; those
 * waiting for a person are the needs_triage ones among them. */
static const char *s_triage_count_sql =
    "SELECT count(*) FROM cases c WHERE c.category IS NULL AND c.state = 'needs_triage'";

/* $1 limit, $2 offset. */
static const char *s_triage_sql =
    "SELECT " CASE_LIST_COLUMNS " FROM cases c" CASE_LIST_LEAD
    " WHERE c.category IS NULL AND c.state = 'needs_triage'"
    " ORDER BY c.created_at, c.id LIMIT $1 OFFSET $2";

int intake_desk_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_desk_caller", s_caller_sql) |
           pg_prepare(pg, "intake_desk_responder_counts", s_responder_counts_sql) |
           pg_prepare(pg, "intake_desk_responder", s_responder_sql) |
           pg_prepare(pg, "intake_desk_triage_count", s_triage_count_sql) |
           pg_prepare(pg, "intake_desk_triage", s_triage_sql);
}

static long long s_ll(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static json_t *s_cases(list_t *l, PGresult *res, int first)
{
    json_t *cases = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(cases, intake_case_list_json(l->in, res, i, first, &l->who, !l->all,
                                                           l->now_us));
    return cases;
}

static json_t *s_caller_json(list_t *l, pg_txn_t *txn)
{
    PGresult *res = pg_txn_result(txn, 0);
    bool any = PQntuples(res) > 0 && !PQgetisnull(res, 0, 1);
    const char *cut = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL;
    json_t *cases = json_array();
    for (int i = 0; any && i < PQntuples(res); i++)
        json_array_append_new(cases, intake_case_list_json(l->in, res, i, 3, &l->who, !l->all,
                                                           l->now_us));
    json_t *body = json_pack("{s:s, s:I, s:I, s:b, s:o}", "phone", l->key, "total",
                             (json_int_t)(any ? s_ll(res, 0, 1) : 0), "open",
                             (json_int_t)(any ? s_ll(res, 0, 2) : 0), "complete", !cut, "cases",
                             cases);
    /* Too many cases to read them all: the answer holds every one received
     * since cut, none before it was looked for. */
    if (cut)
        json_object_set_new(body, "searched_since", json_string(cut));
    return body;
}

static json_t *s_responder_json(list_t *l, pg_txn_t *txn)
{
    PGresult *counts = pg_txn_result(txn, 0), *res = pg_txn_result(txn, 1);
    long long total = s_ll(counts, 0, 0), inform = s_ll(counts, 0, 1);
    long long callback = s_ll(counts, 0, 2), overdue = s_ll(counts, 0, 3);
    long long shown = strcmp(l->show, "inform") == 0     ? inform
                      : strcmp(l->show, "callback") == 0 ? callback
                      : strcmp(l->show, "overdue") == 0  ? overdue
                                                         : total;
    json_t *cases = s_cases(l, res, 1);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *state = json_string_value(json_object_get(c, "state"));
        const char *waiting = strcmp(state, "replied") == 0    ? "inform"
                              : strcmp(state, "informed") == 0 ? "callback"
                                                               : NULL;
        json_object_set_new(c, "waiting", waiting ? json_string(waiting) : json_null());
        json_object_set_new(c, "overdue", json_boolean(strcmp(PQgetvalue(res, (int)i, 0), "t") == 0));
    }
    long pages = shown > 0 ? (long)((shown + l->limit - 1) / l->limit) : 1;
    return json_pack("{s:s, s:s, s:i, s:i, s:I, s:i, s:{s:I, s:I, s:I, s:I}, s:o}", "staff",
                     l->key, "show", l->show, "page", (int)l->page, "limit", (int)l->limit,
                     "total", (json_int_t)shown, "pages", (int)pages, "counts", "open",
                     (json_int_t)total, "inform", (json_int_t)inform, "callback",
                     (json_int_t)callback, "overdue", (json_int_t)overdue, "cases", cases);
}

static json_t *s_triage_json(list_t *l, pg_txn_t *txn)
{
    long long total = s_ll(pg_txn_result(txn, 0), 0, 0);
    long pages = total > 0 ? (long)((total + l->limit - 1) / l->limit) : 1;
    return json_pack("{s:i, s:i, s:I, s:i, s:o}", "page", (int)l->page, "limit", (int)l->limit,
                     "total", (json_int_t)total, "pages", (int)pages, "cases",
                     s_cases(l, pg_txn_result(txn, 1), 0));
}

static void s_done(pg_txn_t *txn, bool ok, void *arg)
{
    list_t *l = arg;
    struct evhttp_request *req = http_held_request(l->held);
    if (!req)
        goto out_free;
    if (!ok) {
        intake_problem_reply(req, intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read desk list"));
        goto out_free;
    }
    json_t *body = l->kind == LIST_CALLER      ? s_caller_json(l, txn)
                   : l->kind == LIST_RESPONDER ? s_responder_json(l, txn)
                                               : s_triage_json(l, txn);
    http_reply_json(req, 200, body);
out_free:
    http_release(&l->held);
    free(l);
}

/* A list waiting for PostgreSQL, or NULL (the reply is sent) when the
 * reader is down or memory ran out. */
static list_t *s_list_new(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          list_kind_t kind, pg_t **pg_out)
{
    pg_t *pg = intake_reader(in);
    if (!pg_is_up(pg)) {
        intake_reply_unavailable(req);
        return NULL;
    }
    list_t *l = calloc(1, sizeof(*l));
    if (!l || !(l->held = http_hold(req))) {
        free(l);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return NULL;
    }
    l->in = in;
    l->who = *who;
    l->kind = kind;
    l->all = auth_may_see_all_cases(who);
    l->now_us = clock_now_us();
    *pg_out = pg;
    return l;
}

/* Sends txn (taken) for l, or answers 500 when it could not be built. */
static void s_submit(list_t *l, pg_t *pg, pg_txn_t **txn_p, bool built)
{
    if (!*txn_p || !built) {
        pg_txn_destroy(txn_p);
        struct evhttp_request *req = http_held_request(l->held);
        if (req)
            http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        http_release(&l->held);
        free(l);
        return;
    }
    pg_txn_submit(pg, txn_p, s_done, l);
}

/* Parses the query's page and limit (and show, for the responder's list)
 * into the out parameters; false (reply sent) when one is wrong. */
static bool s_args(struct evhttp_request *req, const char *query, long default_limit,
                   long *page, long *limit, char *show, size_t show_len)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && query[0] && evhttp_parse_query_str(query, &args) != 0) {
        http_reply_problem(req, 400, "invalid query", "the query string is malformed", NULL);
        return false;
    }
    const char *bad = NULL, *why = NULL;
    intake_case_list_paging(&args, default_limit, page, limit, &bad, &why);
    if (!bad && show) {
        const char *v = evhttp_find_header(&args, "show");
        snprintf(show, show_len, "%s", v && v[0] ? v : "all");
        if (strcmp(show, "all") != 0 && strcmp(show, "inform") != 0 &&
            strcmp(show, "callback") != 0 && strcmp(show, "overdue") != 0)
            bad = "show", why = "show is all, inform, callback or overdue";
    }
    evhttp_clear_headers(&args);
    if (bad)
        http_reply_problem(req, 400, "invalid field", why, bad);
    return !bad;
}

static void s_caller(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                     const char *phone, const char *query)
{
    char digits[48];
    long page, limit;
    if (!auth_may_see_all_cases(who) && strcmp(who->role, "handler") != 0) {
        http_reply_problem(req, 403, "forbidden", "your role does not look up callers", NULL);
        return;
    }
    if (phone_digits(phone, digits, sizeof(digits)) < PHONE_MIN_DIGITS) {
        http_reply_problem(req, 400, "invalid field",
                           "a phone number has at least 7 digits (separators are ignored)",
                           "phone");
        return;
    }
    if (!s_args(req, query, INTAKE_DESK_CALLER_LIMIT, &page, &limit, NULL, 0))
        return;
    pg_t *pg;
    list_t *l = s_list_new(in, req, who, LIST_CALLER, &pg);
    if (!l)
        return;
    snprintf(l->key, sizeof(l->key), "%s", digits);
    l->page = 1;
    l->limit = limit;
    char lim[24], budget[24];
    snprintf(lim, sizeof(lim), "%ld", limit);
    snprintf(budget, sizeof(budget), "%ld", in->search_max_rows);
    pg_param_t p[4] = {PG_TEXT(digits), PG_TEXT(l->all ? "" : who->division), PG_TEXT(lim),
                       PG_TEXT(budget)};
    pg_txn_t *txn = pg_txn_new();
    s_submit(l, pg, &txn, txn && pg_txn_add(txn, true, "intake_desk_caller", 4, p) >= 0);
}

/* Every division's code as a PostgreSQL array literal ({"a","b"}): the
 * overdue tasks are read division by division from the queue's index. */
static void s_division_array(const org_t *org, char *buf, size_t len)
{
    size_t n = 0;
    n += (size_t)snprintf(buf, len, "{");
    for (int i = 0; i < org->ndivisions && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s\"%s\"", i ? "," : "", org->divisions[i].code);
    if (n < len)
        snprintf(buf + n, len - n, "}");
}

static void s_responder(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                        const char *staff, const char *query)
{
    static const char *const overseers[] = {"inspector", "admin", NULL};
    if (strcmp(staff, who->staff) != 0 && !auth_role_in(who, overseers)) {
        http_reply_problem(req, 403, "forbidden",
                           "a first responder's cases are theirs to see (and the inspection "
                           "office's)",
                           NULL);
        return;
    }
    long page, limit;
    char show[16];
    if (!s_args(req, query, 20, &page, &limit, show, sizeof(show)))
        return;
    pg_t *pg;
    list_t *l = s_list_new(in, req, who, LIST_RESPONDER, &pg);
    if (!l)
        return;
    snprintf(l->key, sizeof(l->key), "%s", staff);
    snprintf(l->show, sizeof(l->show), "%s", show);
    l->page = page;
    l->limit = limit;
    char lim[24], off[24], now[24], divisions[1024];
    snprintf(lim, sizeof(lim), "%ld", limit);
    snprintf(off, sizeof(off), "%ld", (page - 1) * limit);
    snprintf(now, sizeof(now), "%lld", (long long)l->now_us);
    s_division_array(in->org, divisions, sizeof(divisions));
    pg_param_t p[6] = {PG_TEXT(staff), PG_TEXT(show), PG_TEXT(lim),
                       PG_TEXT(off),   PG_TEXT(now),  PG_TEXT(divisions)};
    pg_txn_t *txn = pg_txn_new();
    s_submit(l, pg, &txn,
             txn && pg_txn_add(txn, true, "intake_desk_responder_counts", 6, p) >= 0 &&
                 pg_txn_add(txn, true, "intake_desk_responder", 6, p) >= 0);
}

static void s_triage(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                     const char *key, const char *query)
{
    (void)key;
    static const char *const triagers[] = {"operator", "clerk", "inspector", "admin", NULL};
    if (!auth_role_in(who, triagers)) {
        http_reply_problem(req, 403, "forbidden",
                           "the manual triage queue is the desk's and the inspection office's",
                           NULL);
        return;
    }
    long page, limit;
    if (!s_args(req, query, 20, &page, &limit, NULL, 0))
        return;
    pg_t *pg;
    list_t *l = s_list_new(in, req, who, LIST_TRIAGE, &pg);
    if (!l)
        return;
    l->page = page;
    l->limit = limit;
    char lim[24], off[24];
    snprintf(lim, sizeof(lim), "%ld", limit);
    snprintf(off, sizeof(off), "%ld", (page - 1) * limit);
    pg_param_t p[2] = {PG_TEXT(lim), PG_TEXT(off)};
    pg_txn_t *txn = pg_txn_new();
    s_submit(l, pg, &txn,
             txn && pg_txn_add(txn, true, "intake_desk_triage_count", 0, NULL) >= 0 &&
                 pg_txn_add(txn, true, "intake_desk_triage", 2, p) >= 0);
}

static json_t *s_named(const org_named_t *list, int n)
{
    json_t *out = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(out, json_pack("{s:s, s:s}", "code", list[i].code, "name",
                                             list[i].name));
    return out;
}

static void s_org(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                  const char *key, const char *query)
{
    (void)who, (void)key, (void)query;
    const org_t *org = in->org;
    json_t *cats = json_array();
    for (int i = 0; i < org->ncategories; i++) {
        const org_category_t *c = &org->categories[i];
        json_t *co = json_array(), *words = json_array();
        for (int j = 0; j < c->nco; j++)
            json_array_append_new(co, json_string(c->co[j]));
        for (int j = 0; j < c->nkeywords; j++)
            json_array_append_new(words, json_string(c->keywords[j]));
        json_array_append_new(cats, json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "code", c->code,
                                              "name", c->name, "lead", c->lead, "co", co, "urgent",
                                              c->urgent, "keywords", words));
    }
    /* The roster, for the pickers of a work item's lead leader and of a
     * rectification item's person responsible: codes, names, roles and
     * divisions only (the staff's own directory, no contact data). */
    json_t *staff = json_array();
    for (int i = 0; i < org->nstaff; i++) {
        const org_staff_t *st = &org->staff[i];
        json_array_append_new(staff, json_pack("{s:s, s:s, s:s, s:s?}", "code", st->code, "name",
                                               st->name, "role", st->role, "division",
                                               st->division[0] ? st->division : NULL));
    }
    http_reply_json(req, 200,
                    json_pack("{s:o, s:o, s:o, s:o, s:o}", "divisions",
                              s_named(org->divisions, org->ndivisions), "categories", cats,
                              "kinds", s_named(org->kinds, org->nkinds), "channels",
                              s_named(org->channels, org->nchannels), "staff", staff));
}

/* /api/v1/{prefix}{key}/cases: the key, URL-decoded, into key (len bytes);
 * false when path is not of that shape. */
static bool s_keyed(const char *path, const char *prefix, char *key, size_t len)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return false;
    const char *rest = path + n, *slash = strchr(rest, '/');
    if (!slash || slash == rest || strcmp(slash, "/cases") != 0 || (size_t)(slash - rest) >= 240)
        return false;
    char raw[240];
    memcpy(raw, rest, (size_t)(slash - rest));
    raw[slash - rest] = '\0';
    char *decoded = evhttp_uridecode(raw, 0, NULL);
    bool ok = decoded && strlen(decoded) < len;
    if (ok)
        snprintf(key, len, "%s", decoded);
    free(decoded);
    return ok;
}

bool intake_desk_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                       const char *query)
{
    intake_staff_handler_t handler = NULL;
    char key[80] = "";
    if (strcmp(path, "/api/v1/org") == 0)
        handler = s_org;
    else if (strcmp(path, "/api/v1/triage/cases") == 0)
        handler = s_triage;
    else if (s_keyed(path, "/api/v1/callers/", key, sizeof(key)))
        handler = s_caller;
    else if (s_keyed(path, "/api/v1/responders/", key, sizeof(key)))
        handler = s_responder;
    else if (strncmp(path, "/api/v1/callers/", 16) != 0 && strncmp(path, "/api/v1/responders/", 19) != 0)
        return false;
    if (!handler)
        http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
    else if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
        http_reply_problem(req, 405, "method not allowed", "use GET", NULL);
    else
        intake_api_staff(api, req, handler, key, query);
    return true;
}
