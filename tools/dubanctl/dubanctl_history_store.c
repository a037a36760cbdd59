/* dubanctl import-history: writing a replayed case (see dubanctl_history.c)
 * in one transaction, so that nothing of an invalid case is stored: a new
 * case whole, or the later steps of one imported before. Tasks are keyed
 * by (case, division, role, round), so a task of an earlier import keeps its
 * row and id; events, clock changes and violations of the steps already
 * stored are not written again. */
#include "dubanctl_history.h"

#include "pg_time.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(n) PG_TIME_TS(n) /* short: the statements below use it often */

/* SQL reads best laid out as SQL, not as clang-format would. */
/* clang-format off */
static const char *s_find_sql =
    "SELECT id, case_number, import_steps, coalesce(import_digest, '') FROM cases"
    " WHERE external_ref = $1 FOR UPDATE";

static const char *s_case_sql =
    "INSERT INTO cases (case_number, query_code_sha256, channel, kind, category, priority,"
    " subject, description, requester_name, requester_phone, requester_email,"
    " requester_anonymous, first_responder, external_ref, source, flagged, state, returns,"
    " reopened, result, replied_at, informed_at, satisfaction, closed_at, created_at, updated_at,"
    " import_steps, import_digest, place)"
    " SELECT case_number_next(" TS(1) "),"
    "  sha256(convert_to(gen_random_uuid()::text, 'UTF8')), $2, $3, $4, $5, $6, $7, $8, $9,"
    "  $10, $8::text IS NULL AND $9::text IS NULL, $11, $12, 'history-import',"
    "  $13::boolean OR EXISTS (SELECT 1 FROM watchlist w WHERE w.removed_at IS NULL AND"
    "   ((w.kind = 'phone' AND w.value = $9) OR (w.kind = 'email' AND w.value = $10))),"
    "  $14, $15::int, $16::int, $17, " TS(18) ", " TS(19) ", $20, " TS(21) ","
    "  " TS(1) ", " TS(22) ", $23::int, $24, $25"
    " RETURNING id, case_number";

/* The later steps of a case imported before: its state as they leave it. */
static const char *s_case_update_sql =
    "UPDATE cases SET state = $2, returns = $3::int, reopened = $4::int, result = $5,"
    " replied_at = " TS(6) ", informed_at = " TS(7) ", satisfaction = $8, closed_at = " TS(9) ","
    " updated_at = " TS(10) ", import_steps = $11::int, import_digest = $12"
    " WHERE id = $1::bigint";

/* A task as the steps leave it; one still open is stamped as changed now,
 * so that the deadline watch's poll picks it up at once. */
static const char *s_task_sql =
    "INSERT INTO tasks (case_id, division, role, round, state, dispatched_at, response_due,"
    " completion_due, response_warn, completion_warn, signed_at, handler, returned_at,"
    " return_reason, return_to, replied_at, result, paused_at, paused_total, extension_state,"
    " extension_by, extension_reason, arbitrated, updated_at)"
    " VALUES ($1::bigint, $2, $3, $4::int, $5, " TS(6) ", " TS(7) ", " TS(8) ", " TS(9) ","
    " " TS(10) ", " TS(11) ", $12, " TS(13) ", $14, $15, " TS(16) ", $17, " TS(18) ","
    " $19::bigint * interval '1 microsecond', $20, $21::bigint * interval '1 microsecond',"
    " $22, $23::boolean, CASE WHEN $5 IN ('dispatched', 'signed') THEN now() ELSE " TS(24) " END)"
    " ON CONFLICT (case_id, division, role, round) DO UPDATE SET state = EXCLUDED.state,"
    " response_due = EXCLUDED.response_due, completion_due = EXCLUDED.completion_due,"
    " response_warn = EXCLUDED.response_warn, completion_warn = EXCLUDED.completion_warn,"
    " signed_at = EXCLUDED.signed_at, handler = EXCLUDED.handler,"
    " returned_at = EXCLUDED.returned_at, return_reason = EXCLUDED.return_reason,"
    " return_to = EXCLUDED.return_to, replied_at = EXCLUDED.replied_at,"
    " result = EXCLUDED.result, paused_at = EXCLUDED.paused_at,"
    " paused_total = EXCLUDED.paused_total, extension_state = EXCLUDED.extension_state,"
    " extension_by = EXCLUDED.extension_by, extension_reason = EXCLUDED.extension_reason,"
    " updated_at = EXCLUDED.updated_at"
    " RETURNING id";

/* The steps' events, clock changes and violations, each in one statement
 * from a JSON array, in its order ($2). */
static const char *s_events_sql =
    "INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    " SELECT $1::bigint, (e->>'task')::bigint, e->>'type', e->>'actor', (e->'detail')::jsonb,"
    "  task_clock_us(e->>'at') FROM json_array_elements($2::json) WITH ORDINALITY x(e, i)"
    " ORDER BY i";
static const char *s_clocks_sql = "SELECT task_clock_record($1::json)";
static const char *s_violations_sql =
    "INSERT INTO violations (division, handler, case_id, task_id, kind, at)"
    " SELECT v->>'division', v->>'handler', $1::bigint, (v->>'task')::bigint, v->>'kind',"
    "  task_clock_us(v->>'at') FROM json_array_elements($2::json) v"
    " ON CONFLICT (task_id, kind) DO NOTHING";
/* clang-format on */

/* Text of a timestamp parameter: NULL for 0 (not happened). */
static const char *s_us(char *buf, int64_t us)
{
    if (!us)
        return NULL;
    snprintf(buf, 24, "%lld", (long long)us);
    return buf;
}

static bool s_exec(PGconn *conn, const char *sql, int n, const char *const *v, PGresult **out,
                   h_case_t *h)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        history_fail(h, "could not store it: %s", PQresultErrorMessage(res));
        h->error[strcspn(h->error, "\n")] = '\0';
        PQclear(res);
        return false;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return true;
}

/* The case row, new (returns its id into case_id). */
static bool s_insert_case(PGconn *conn, h_case_t *h, const char *steps, const char *digest,
                          char *case_id, char *number, size_t len)
{
    char b[8][24], returns[12], reopened[12];
    snprintf(returns, sizeof(returns), "%d", h->returns);
    snprintf(reopened, sizeof(reopened), "%d", h->reopened);
    const char *c[25] = {s_us(b[0], h->received),
                         h->channel,
                         h->kind,
                         h->category,
                         h->priority,
                         h->subject,
                         h->description,
                         h->name,
                         h->phone,
                         h->email,
                         h->responder,
                         h->ref,
                         h->flagged ? "true" : "false",
                         h->state,
                         returns,
                         reopened,
                         h->result,
                         s_us(b[1], h->replied_at),
                         s_us(b[2], h->informed_at),
                         h->satisfaction,
                         s_us(b[3], h->closed_at),
                         s_us(b[4], h->updated),
                         steps,
                         digest,
                         h->place};
    PGresult *res = NULL;
    if (!s_exec(conn, s_case_sql, 25, c, &res, h))
        return false;
    snprintf(case_id, 24, "%s", PQgetvalue(res, 0, 0));
    snprintf(number, len, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    return true;
}

static bool s_update_case(PGconn *conn, h_case_t *h, const char *case_id, const char *steps,
                          const char *digest)
{
    char b[8][24], returns[12], reopened[12];
    snprintf(returns, sizeof(returns), "%d", h->returns);
    snprintf(reopened, sizeof(reopened), "%d", h->reopened);
    const char *v[12] = {case_id,
                         h->state,
                         returns,
                         reopened,
                         h->result,
                         s_us(b[0], h->replied_at),
                         s_us(b[1], h->informed_at),
                         h->satisfaction,
                         s_us(b[2], h->closed_at),
                         s_us(b[3], h->updated),
                         steps,
                         digest};
    return s_exec(conn, s_case_update_sql, 12, v, NULL, h);
}

static bool s_tasks(PGconn *conn, h_case_t *h, const char *case_id, int64_t *ids)
{
    for (int i = 0; i < h->ntasks; i++) {
        h_task_t *t = &h->tasks[i];
        const deadline_run_t *rc = &t->clocks.clock[DEADLINE_RESPONSE];
        const deadline_run_t *cc = &t->clocks.clock[DEADLINE_COMPLETION];
        char tb[12][24], round[12], paused[24], ext[24];
        snprintf(round, sizeof(round), "%d", t->round);
        snprintf(paused, sizeof(paused), "%lld", (long long)t->paused_total);
        snprintf(ext, sizeof(ext), "%lld", (long long)t->extension_by);
        const char *v[24] = {case_id,
                             t->division,
                             t->role,
                             round,
                             t->state,
                             s_us(tb[0], t->dispatched),
                             s_us(tb[1], rc->due_us),
                             s_us(tb[2], cc->due_us),
                             s_us(tb[3], rc->warn_us),
                             s_us(tb[4], cc->warn_us),
                             s_us(tb[5], t->signed_at),
                             t->handler,
                             s_us(tb[6], t->returned_at),
                             t->reason,
                             t->return_to,
                             s_us(tb[7], t->replied_at),
                             t->result,
                             s_us(tb[8], t->paused_at),
                             paused,
                             t->extension_state,
                             t->extension_by ? ext : NULL,
                             t->extension_reason,
                             t->arbitrated ? "true" : "false",
                             s_us(tb[9], t->updated)};
        PGresult *res = NULL;
        if (!s_exec(conn, s_task_sql, 24, v, &res, h))
            return false;
        ids[i] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    return true;
}

static json_t *s_us_json(int64_t us)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)us);
    return us ? json_string(buf) : json_null();
}

/* Runs sql with the case id and a JSON array (taken); nothing for an empty one. */
static bool s_batch(PGconn *conn, h_case_t *h, const char *sql, const char *case_id, json_t *list)
{
    bool ok = true;
    if (!list)
        return history_fail(h, "out of memory") == 0;
    if (json_array_size(list) > 0) {
        char *text = json_dumps(list, JSON_COMPACT);
        const char *v[2] = {case_id, text};
        ok = text && s_exec(conn, sql, 2, v, NULL, h);
        if (!text)
            history_fail(h, "out of memory");
        free(text);
    }
    json_decref(list);
    return ok;
}

/* Events, clock changes and violations of the steps from `from` on (the
 * entry's own events too when from is 0), one statement each. */
static bool s_history(PGconn *conn, h_case_t *h, const char *case_id, const int64_t *ids,
                      int from)
{
    json_t *events = json_array(), *clocks = json_array(), *violations = json_array();
    for (int i = 0; i < h->nevents; i++) {
        h_event_t *e = &h->events[i];
        if (e->step < from && !(from == 0 && e->step < 0))
            continue;
        json_array_append_new(
            events, json_pack("{s:o, s:s, s:s, s:O, s:o}", "task",
                              e->task >= 0 ? json_integer(ids[e->task]) : json_null(), "type",
                              e->type, "actor", e->actor, "detail", e->detail, "at",
                              s_us_json(e->at)));
    }
    for (int i = 0; i < h->nclocks; i++) {
        const h_clock_t *k = &h->clocks[i];
        if (k->step < from)
            continue;
        const h_task_t *t = &h->tasks[k->task];
        json_t *c = json_pack("{s:I, s:b, s:o}", "task", (json_int_t)ids[k->task], "start",
                              k->start, "at", s_us_json(k->at));
        json_object_set_new(c, "response_due", s_us_json(k->ch.due_us[DEADLINE_RESPONSE]));
        json_object_set_new(c, "completion_due", s_us_json(k->ch.due_us[DEADLINE_COMPLETION]));
        if (k->start) {
            json_object_set_new(c, "case_id", json_string(case_id));
            json_object_set_new(c, "division", json_string(t->division));
            json_object_set_new(c, "role", json_string(t->role));
        } else {
            json_object_set_new(
                c, "response", json_string(deadline_action_str(k->ch.action[DEADLINE_RESPONSE])));
            json_object_set_new(
                c, "completion",
                json_string(deadline_action_str(k->ch.action[DEADLINE_COMPLETION])));
        }
        json_array_append_new(clocks, c);
    }
    for (int i = 0; i < h->nviolations; i++) {
        const h_violation_t *x = &h->violations[i];
        const h_task_t *t = &h->tasks[x->task];
        json_array_append_new(violations,
                              json_pack("{s:s, s:s?, s:I, s:s, s:o}", "division", t->division,
                                        "handler", t->handler, "task", (json_int_t)ids[x->task],
                                        "kind", x->kind, "at", s_us_json(x->at)));
    }
    char *text = json_dumps(clocks, JSON_COMPACT);
    const char *only[1] = {text};
    bool ok = s_batch(conn, h, s_events_sql, case_id, events);
    ok = ok && text &&
         (json_array_size(clocks) == 0 || s_exec(conn, s_clocks_sql, 1, only, NULL, h));
    ok = s_batch(conn, h, s_violations_sql, case_id, violations) && ok;
    free(text);
    json_decref(clocks);
    return ok;
}

/* The earliest instant the steps from `from` on write (the entry's own
 * too when from is 0): every frozen month ending after it is thawed first
 * (bulletin_months_thaw, 026), since the import is new knowledge of that
 * past, not later activity. */
static int64_t s_earliest(const h_case_t *h, int from)
{
    int64_t since = from == 0 ? h->received : INT64_MAX;
    for (int i = 0; i < h->nevents; i++) {
        const h_event_t *e = &h->events[i];
        if ((e->step >= from || (from == 0 && e->step < 0)) && e->at < since)
            since = e->at;
    }
    for (int i = 0; i < h->nclocks; i++)
        if (h->clocks[i].step >= from && h->clocks[i].at < since)
            since = h->clocks[i].at;
    return since;
}

static bool s_thaw(PGconn *conn, h_case_t *h, int from)
{
    int64_t earliest = s_earliest(h, from);
    if (earliest == INT64_MAX)
        return true; /* writes nothing dated */
    char since[24];
    snprintf(since, sizeof(since), "%lld", (long long)earliest);
    const char *params[1] = {since};
    return s_exec(conn, "SELECT bulletin_months_thaw(task_clock_us($1))", 1, params, NULL, h);
}

int history_store(PGconn *conn, h_case_t *h, char *number, size_t len, int *added)
{
    char case_id[24] = "", steps[12], digest[65], stored_digest[65];
    int64_t ids[H_MAX_TASKS] = {0};
    int from = 0, rc = HISTORY_IMPORTED;
    PGresult *res = NULL;
    *added = 0;
    snprintf(steps, sizeof(steps), "%d", h->nsteps);
    history_digest(h, h->nsteps, digest);
    if (!s_exec(conn, "BEGIN", 0, NULL, NULL, h))
        return -1;
    const char *find[1] = {h->ref};
    if (!s_exec(conn, s_find_sql, 1, find, &res, h))
        goto out_rollback;
    if (PQntuples(res) == 1) {
        snprintf(case_id, sizeof(case_id), "%s", PQgetvalue(res, 0, 0));
        snprintf(number, len, "%s", PQgetvalue(res, 0, 1));
        snprintf(stored_digest, sizeof(stored_digest), "%s", PQgetvalue(res, 0, 3));
        bool counted = !PQgetisnull(res, 0, 2);
        from = counted ? atoi(PQgetvalue(res, 0, 2)) : h->nsteps;
        PQclear(res);
        res = NULL;
        char prefix[65];
        history_digest(h, from, prefix);
        if (counted && from > h->nsteps) {
            history_fail(h, "%d steps of this case were imported, the entry has only %d", from,
                         h->nsteps);
            goto out_rollback;
        }
        if (counted && strcmp(prefix, stored_digest) != 0) {
            history_fail(h, "the entry's first %d steps are not those imported into %s before; "
                            "an import may only add later steps", from, number);
            goto out_rollback;
        }
        if (from == h->nsteps) {
            PQclear(PQexec(conn, "ROLLBACK"));
            return HISTORY_PRESENT;
        }
        if (!s_update_case(conn, h, case_id, steps, digest))
            goto out_rollback;
        rc = HISTORY_EXTENDED;
    } else {
        PQclear(res);
        res = NULL;
        if (!s_insert_case(conn, h, steps, digest, case_id, number, len))
            goto out_rollback;
    }
    if (!s_thaw(conn, h, from) || !s_tasks(conn, h, case_id, ids) ||
        !s_history(conn, h, case_id, ids, from))
        goto out_rollback;
    if (!s_exec(conn, "COMMIT", 0, NULL, NULL, h))
        goto out_rollback;
    *added = h->nsteps - from;
    return rc;
out_rollback:
    PQclear(res);
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
}
