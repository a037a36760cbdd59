/* Applying deadline events in PostgreSQL; see watch_apply.h. */
#include "watch_apply.h"

#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $1 alert id, $2 task, $3 deadline, $4 kind, $5 level, $6 due us, $7 the
 * event's instant us, $8 violations, $9 rung, $10 next repeat us (NULL for
 * warnings), $11 violation kind (NULL: none), $12 destination, $13 topic,
 * $14 message type, $15 body, $16 case number, $17 raised us, $18 the
 * handler's violations (NULL: no handler), $19 true for a catch-up (no
 * message of its own). Answers whether the guard held, the alert was
 * inserted, the violation too. */
static const char *s_raise_sql =
    "WITH k AS (SELECT t.id, t.case_id, t.division, t.handler FROM tasks t WHERE t.id = $2::bigint"
    "  AND " PG_TIME_US_OR_0("CASE WHEN $3 = 'response' THEN t.response_due"
                             " ELSE t.completion_due END")
    "   = $6::bigint"
    "  AND (t.paused_at IS NULL OR t.paused_at > " PG_TIME_TS(7) ")"
    "  AND coalesce(CASE WHEN $3 = 'response' THEN least(t.signed_at, t.returned_at)"
    "   ELSE least(t.replied_at, t.returned_at) END > " PG_TIME_TS(7) ", true)"
    /* and open now: alerts are for tasks overdue now (watch_rules.h) */
    "  AND t.state IN ('dispatched', 'signed') AND t.paused_at IS NULL"
    "  AND ($3 = 'completion' OR (t.signed_at IS NULL AND t.returned_at IS NULL))),"
    " v AS (INSERT INTO violations (division, handler, case_id, task_id, kind, at)"
    "  SELECT division, handler, case_id, id, $11, " PG_TIME_TS(6) " FROM k"
    "  WHERE $11::text IS NOT NULL"
    "  ON CONFLICT (task_id, kind) DO NOTHING RETURNING id),"
    " a AS (INSERT INTO alerts (id, task_id, case_id, division, handler, deadline, kind, level,"
    "  due_at, raised_at, violations, rung, next_repeat_at, handler_violations)"
    "  SELECT $1::bigint, id, case_id, division, handler, $3, $4, $5::int, " PG_TIME_TS(6) ", "
    PG_TIME_TS(17) ", $8::int, $9, " PG_TIME_TS(10) ", $18::int FROM k"
    "  ON CONFLICT (task_id, deadline, kind, level) DO NOTHING RETURNING id),"
    " o AS (" OUTBOX_INSERT("'watch'", "$12", "$13", "$14::int", "k.case_id", "$16", "k.id",
                            "$15::bytea", OUTBOX_UNCLAIMED) " FROM a CROSS JOIN k"
    "  WHERE NOT $19::boolean RETURNING id)"
    " SELECT (SELECT count(*) FROM k), (SELECT count(*) FROM a), (SELECT count(*) FROM v)";

/* $1 AlertsCaughtUp body, $2 the alerts it announces (bigint[]). */
static const char *s_caught_up_sql =
    OUTBOX_INSERT("'watch'", "'watch-pub'", "'inspection|'", OUTBOX_MSG(ALERTS_CAUGHT_UP), "NULL",
                  "NULL", "NULL", "$1::bytea", OUTBOX_UNCLAIMED)
    " WHERE EXISTS (SELECT 1 FROM alerts WHERE id = ANY($2::bigint[]))";

/* $1 alert id, $2 next_repeat_at as read (us), $3 the next one, $4 body,
 * $5 case number. */
static const char *s_repeat_sql =
    "WITH a AS (UPDATE alerts SET repeats = repeats + 1, next_repeat_at = " PG_TIME_TS(3)
    "  WHERE id = $1::bigint AND acknowledged_at IS NULL"
    "  AND " PG_TIME_US_OR_0("next_repeat_at") " = $2::bigint RETURNING id, task_id, case_id),"
    " o AS (" OUTBOX_INSERT("'watch'", "'watch-pub'", "'inspection|'",
                            OUTBOX_MSG(ESCALATION_ALERT), "case_id", "$5", "task_id", "$4::bytea",
                            OUTBOX_UNCLAIMED) " FROM a)"
    " SELECT count(*) FROM a";

int watch_apply_prepare(pg_t *pg)
{
    return pg_prepare(pg, "watch_raise", s_raise_sql) |
           pg_prepare(pg, "watch_repeat", s_repeat_sql) |
           pg_prepare(pg, "watch_caught_up", s_caught_up_sql);
}

static const char *s_violation_kind(watch_deadline_t d)
{
    return d == WATCH_RESPONSE ? "response_overdue" : "completion_overdue";
}

int watch_apply_raise(pg_txn_t *txn, watch_apply_item_t *it, const char *alert_id,
                      int64_t now_us, const watch_sla_t *wsla, watch_ladder_t *ladder)
{
    const sla_t *sla = watch_sla_get(wsla);
    const watch_policy_t *pol = watch_sla_policy(wsla);
    watch_apply_task_t *t = it->task;
    watch_deadline_t d = it->e.deadline;
    bool warning = it->e.kind == WATCH_KIND_WARNING;
    /* the deadline's first alert records its violation (a catch-up's level may be above 1) */
    bool violation = !warning && !t->recorded[d];
    watch_alert_t *a = &it->alert;
    a->alert_id = strtoll(alert_id, NULL, 10);
    a->kind = watch_alert_kind_str(&it->e);
    if (violation) { /* a new violation */
        t->recorded[d] = true;
        watch_ladder_add(ladder, t->row.division, t->row.handler);
    }
    a->violations = watch_ladder_division(ladder, t->row.division);
    a->handler_violations = watch_ladder_handler(ladder, t->row.handler);
    a->raised_us = now_us;
    a->warn_us = t->row.t.warn_us[d];
    int64_t at = warning ? a->warn_us : watch_level_at(pol, it->e.due_us, it->e.level);
    const char *rung = warning ? NULL : sla_ladder_rung(sla, a->violations, NULL);
    snprintf(it->rung, sizeof(it->rung), "%s", rung ? rung : "");
    a->rung = it->rung;
    uint8_t *body = NULL;
    size_t len = 0;
    if ((warning ? watch_warning_pack(a, &body, &len) : watch_alert_pack(a, sla, &body, &len)) < 0)
        return -1;
    char v[8][32], topic[96], type[8];
    snprintf(v[0], 32, "%lld", (long long)it->e.task_id);
    snprintf(v[1], 32, "%d", it->e.level);
    snprintf(v[2], 32, "%lld", (long long)it->e.due_us);
    snprintf(v[3], 32, "%lld", (long long)at);
    snprintf(v[4], 32, "%d", a->violations);
    snprintf(v[5], 32, "%lld", (long long)(now_us + pol->repeat_us));
    snprintf(v[6], 32, "%lld", (long long)now_us);
    snprintf(v[7], 32, "%d", a->handler_violations);
    bool has_handler = t->row.handler[0] != '\0';
    snprintf(topic, sizeof(topic), warning ? "div.%s|" : "inspection|", t->row.division);
    snprintf(type, sizeof(type), "%d", warning ? DUBAN__MSG_TYPE__DEADLINE_WARNING
                                               : DUBAN__MSG_TYPE__ESCALATION_ALERT);
    pg_param_t p[19] = {PG_TEXT(alert_id), PG_TEXT(v[0]), PG_TEXT(watch_deadline_str(d)),
                        PG_TEXT(a->kind), PG_TEXT(v[1]), PG_TEXT(v[2]), PG_TEXT(v[3]),
                        PG_TEXT(v[4]), PG_TEXT(rung),
                        PG_TEXT(warning || it->catch_up ? NULL : v[5]),
                        PG_TEXT(violation ? s_violation_kind(d) : NULL),
                        PG_TEXT(warning ? "console" : "watch-pub"), PG_TEXT(topic),
                        PG_TEXT(type), PG_BINARY(body, len), PG_TEXT(t->case_number),
                        PG_TEXT(v[6]), PG_TEXT(has_handler ? v[7] : NULL),
                        PG_TEXT(it->catch_up ? "true" : "false")};
    int rc = pg_txn_add(txn, true, "watch_raise", 19, p);
    free(body);
    return rc < 0 ? -1 : 0;
}

int watch_apply_caught_up(pg_txn_t *txn, watch_apply_item_t *const *items, int n, int64_t now_us)
{
    const char **numbers = calloc((size_t)n + 1, sizeof(*numbers));
    size_t cap = (size_t)n * 24 + 4, used = 1;
    char *ids = malloc(cap);
    int top = 0, rc = -1;
    uint8_t *body = NULL;
    size_t len = 0;
    if (!numbers || !ids)
        goto out_free;
    ids[0] = '{';
    for (int i = 0; i < n; i++) {
        numbers[i] = items[i]->task->case_number;
        top = items[i]->e.level > top ? items[i]->e.level : top;
        used += (size_t)snprintf(ids + used, cap - used, "%s%lld", i ? "," : "",
                                 (long long)items[i]->alert.alert_id);
    }
    snprintf(ids + used, cap - used, "}");
    if (watch_caught_up_pack(items[0]->task->row.division, n, top, numbers, now_us, &body,
                             &len) < 0)
        goto out_free;
    pg_param_t p[2] = {PG_BINARY(body, len), PG_TEXT(ids)};
    rc = pg_txn_add(txn, true, "watch_caught_up", 2, p) < 0 ? -1 : 0;
out_free:
    free(body);
    free(ids);
    free(numbers);
    return rc;
}

int watch_apply_repeat(pg_txn_t *txn, watch_apply_item_t *it, PGresult *alerts, int64_t now_us,
                       const watch_sla_t *wsla)
{
    int row = -1;
    for (int i = 0; alerts && i < PQntuples(alerts) && row < 0; i++)
        if (strtoll(PQgetvalue(alerts, i, 0), NULL, 10) == it->e.task_id &&
            strcmp(PQgetvalue(alerts, i, 1), watch_deadline_str(it->e.deadline)) == 0 &&
            atoi(PQgetvalue(alerts, i, 2)) == it->e.level)
            row = i;
    if (row < 0)
        return 1;
    watch_alert_t *a = &it->alert;
    a->alert_id = strtoll(PQgetvalue(alerts, row, 3), NULL, 10);
    watch_entry_t raised = {.kind = WATCH_KIND_ALERT, .level = it->e.level};
    a->kind = watch_alert_kind_str(&raised);
    a->violations = atoi(PQgetvalue(alerts, row, 4));
    snprintf(it->rung, sizeof(it->rung), "%s", PQgetvalue(alerts, row, 5));
    a->rung = it->rung;
    a->raised_us = strtoll(PQgetvalue(alerts, row, 6), NULL, 10);
    a->repeat = atoi(PQgetvalue(alerts, row, 7)) + 1;
    snprintf(it->seen_next, sizeof(it->seen_next), "%s", PQgetvalue(alerts, row, 8));
    uint8_t *body = NULL;
    size_t len = 0;
    if (watch_alert_pack(a, watch_sla_get(wsla), &body, &len) < 0)
        return -1;
    char id[32], next[32];
    snprintf(id, sizeof(id), "%lld", (long long)a->alert_id);
    snprintf(next, sizeof(next), "%lld",
             (long long)(now_us + watch_sla_policy(wsla)->repeat_us));
    pg_param_t p[5] = {PG_TEXT(id), PG_TEXT(it->seen_next), PG_TEXT(next), PG_BINARY(body, len),
                       PG_TEXT(it->task->case_number)};
    int rc = pg_txn_add(txn, true, "watch_repeat", 5, p);
    free(body);
    return rc < 0 ? -1 : 0;
}

void watch_apply_done(watch_apply_item_t *it, bool done, int64_t now_us,
                      const watch_policy_t *policy)
{
    watch_raised_t *r = &it->task->row.t.raised[it->e.deadline];
    int64_t next = now_us + policy->repeat_us;
    if (it->verdict == WATCH_REPEAT) {
        r->top_next_repeat_us = done ? next : 0;
        r->top_repeats += done;
    } else if (it->e.kind == WATCH_KIND_WARNING) {
        r->warned = true;
    } else if (it->e.level > r->max_level) {
        *r = (watch_raised_t){.warned = true, .max_level = it->e.level,
                              .top_id = it->alert.alert_id,
                              .top_next_repeat_us = it->catch_up ? 0 : next};
    }
}
