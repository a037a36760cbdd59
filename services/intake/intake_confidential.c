/* Marking a case confidential; see intake_confidential.h. */
#include "intake_confidential.h"

#include "http.h"
#include "log.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The row is locked first, so that two staff changing it at once record
 * one event each only when each changed something. */
static const char *s_set_sql =
    "WITH old AS (SELECT id, confidential FROM cases WHERE case_number = $1 FOR UPDATE),"
    " u AS (UPDATE cases c SET confidential = $2::boolean FROM old"
    "  WHERE c.id = old.id AND old.confidential <> $2::boolean RETURNING c.id)"
    " INSERT INTO case_events (case_id, type, actor, detail)"
    " SELECT id, 'confidential', $3, jsonb_build_object('confidential', $2::boolean) FROM u";

/* In the same transaction, after the change: what the public may see now. */
static const char *s_state_sql =
    "SELECT c.confidential, case_public(c) FROM cases c WHERE c.case_number = $1";

static const char *const s_markers[] = {"operator", "clerk", "inspector", "admin", NULL};
static const char *const s_unmarkers[] = {"inspector", "admin", NULL};

typedef struct {
    http_held_t *held;
    char number[48];
    char staff[48];
    bool value;
} setting_t;

int intake_confidential_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_confidential_set", s_set_sql) |
           pg_prepare(pg, "intake_confidential_state", s_state_sql);
}

static void s_done(pg_txn_t *txn, bool ok, void *arg)
{
    setting_t *s = arg;
    struct evhttp_request *req = http_held_request(s->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_WRITE, "mark case confidential");
        if (req)
            intake_problem_reply(req, problem);
        goto out_free;
    }
    PGresult *set = pg_txn_result(txn, 0), *state = pg_txn_result(txn, 1);
    if (PQntuples(state) != 1) {
        if (req)
            http_reply_problem(req, 404, "case not found", "no case has that number", NULL);
        goto out_free;
    }
    bool changed = strcmp(PQcmdTuples(set), "1") == 0;
    if (changed)
        log_info("case confidentiality set", "confidential=%s case=%s staff=%s",
                 s->value ? "true" : "false", s->number, s->staff);
    if (req)
        http_reply_json(req, 200,
                        json_pack("{s:s, s:b, s:b, s:b}", "case_number", s->number, "confidential",
                                  strcmp(PQgetvalue(state, 0, 0), "t") == 0, "changed", changed,
                                  "public", strcmp(PQgetvalue(state, 0, 1), "t") == 0));
out_free:
    http_release(&s->held);
    free(s);
}

/* The body's confidential member; -1 when the body is not an object with a
 * boolean confidential. */
static int s_parse(struct evhttp_request *req, size_t max, bool *value)
{
    char *body = NULL;
    size_t len = 0;
    if (http_read_body(req, max, &body, &len) < 0)
        return -1;
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *v = json_object_get(root, "confidential");
    int rc = json_is_boolean(v) ? 0 : -1;
    *value = json_is_true(v);
    json_decref(root);
    free(body);
    return rc;
}

void intake_confidential_set(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                             const char *case_number)
{
    bool value = false;
    size_t n = strlen(case_number);
    if (n == 0 || n >= sizeof(((setting_t *)0)->number) ||
        strspn(case_number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n) {
        http_reply_problem(req, 404, "case not found", "that is not a case number", NULL);
        return;
    }
    if (s_parse(req, in->max_body, &value) < 0) {
        http_reply_problem(req, 400, "invalid request",
                           "send {\"confidential\": true} or {\"confidential\": false}",
                           "confidential");
        return;
    }
    if (!auth_role_in(who, value ? s_markers : s_unmarkers)) {
        http_reply_problem(req, 403, "forbidden",
                           value ? "operators, clerks, the inspection office and administrators "
                                   "mark a case confidential"
                                 : "only the inspection office and administrators make a "
                                   "confidential case public again",
                           NULL);
        return;
    }
    if (!pg_is_up(in->pg)) {
        intake_reply_unavailable(req);
        return;
    }
    setting_t *s = calloc(1, sizeof(*s));
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[3] = {PG_TEXT(case_number), PG_TEXT(value ? "true" : "false"),
                            PG_TEXT(who->staff)};
    if (!s || !txn || pg_txn_add(txn, true, "intake_confidential_set", 3, params) < 0 ||
        pg_txn_add(txn, true, "intake_confidential_state", 1, params) < 0 ||
        !(s->held = http_hold(req))) {
        free(s);
        pg_txn_destroy(&txn);
        intake_problem_reply(req, &INTAKE_PROBLEM_INTERNAL);
        return;
    }
    snprintf(s->number, sizeof(s->number), "%s", case_number);
    snprintf(s->staff, sizeof(s->staff), "%s", who->staff);
    s->value = value;
    pg_txn_submit(in->pg, &txn, s_done, s);
}
