/* Acting on entries that fell due; see watch_fire.h.
 *
 * The entries of one claim are handled together, in two transactions: a
 * read (their tasks, what each raised, alert ids from the sequence so that
 * a message can name its alert before it is inserted, and for repeats the
 * alerts themselves) and, for those the rules say still count, one write
 * with a guarded statement each, committed once for the whole batch. A
 * batch PostgreSQL refuses is tried again one entry per batch, so one bad
 * entry cannot hold up the others.
 *
 * Between the read and the write a task may change: the write's own guards
 * (deadline unchanged, still open at the event's instant) decide. What the
 * write did is applied to the tasks as read, and each task's next entry is
 * armed from that; a task whose guard failed has changed, and the poll for
 * changed tasks arms it from its new state instead. */
#include "watch_fire.h"

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "watch_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIRE_RETRY_US 1000000
#define FIRE_WAIT_LADDER_US 200000
#define FIRE_REFUSED_RETRY_US 10000000

/* The tasks ($1 bigint[]), and whether each breach's violation is recorded. */
static const char *s_read_sql =
    "SELECT " WATCH_ROW_SELECT ", " WATCH_RAISED_OF_T ", c.case_number, left(c.subject, 120),"
    " EXISTS (SELECT 1 FROM violations v WHERE v.task_id = t.id AND v.kind = 'response_overdue'),"
    " EXISTS (SELECT 1 FROM violations v WHERE v.task_id = t.id"
    "  AND v.kind = 'completion_overdue')"
    " FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.id = ANY($1::bigint[]) ORDER BY t.id";
enum { COL_CASE_NUMBER = WATCH_ROW_COLS, COL_SUBJECT, COL_RECORDED };

/* $1 fresh alert ids. */
static const char *s_ids_sql = "SELECT nextval('alerts_id_seq') FROM generate_series(1, $1::int)";

static metrics_family_t *s_raised_family(void)
{
    return metrics_counter("duban_alerts_raised_total",
                           "Warnings and alerts raised, by kind and escalation level.",
                           "kind,level");
}

/* The alerts repeats re-send, of the tasks $1. */
static const char *s_alerts_sql =
    "SELECT a.task_id, a.deadline, a.level, a.id, a.violations, coalesce(a.rung, ''),"
    " " PG_TIME_US_OR_0("a.raised_at") ", a.repeats, " PG_TIME_US_OR_0("a.next_repeat_at")
    " FROM alerts a WHERE a.task_id = ANY($1::bigint[]) AND a.kind <> 'warning'";

typedef watch_apply_task_t task_t;
typedef watch_apply_item_t item_t;

struct watch_fire {
    pg_t *pg;
    watch_index_t *index;
    watch_ladder_t *ladder;
    const watch_sla_t *sla;
    outbox_relay_t *relay;
    bool fault_exit;
    watch_fire_stats_t stats;
};

typedef struct {
    watch_fire_t *owner;
    int64_t now_us;
    int n;
    item_t *items;
    int ntasks;
    task_t *tasks;
} batch_t;

int watch_fire_prepare(pg_t *pg)
{
    return pg_prepare(pg, "watch_fire_read", s_read_sql) |
           pg_prepare(pg, "watch_fire_ids", s_ids_sql) |
           pg_prepare(pg, "watch_fire_alerts", s_alerts_sql) | watch_apply_prepare(pg);
}

/* Ends every claim of the batch (put back, due after delay_us, when retry)
 * and frees it. */
static void s_finish(batch_t *b, bool retry, int64_t delay_us)
{
    for (int i = 0; i < b->n; i++) {
        if (retry)
            watch_index_retry(b->owner->index, b->items[i].member, clock_now_us() + delay_us);
        else
            watch_index_done(b->owner->index, b->items[i].member);
    }
    if (retry)
        b->owner->stats.failures += (unsigned long)b->n;
    free(b->items);
    free(b->tasks);
    free(b);
}

/* Arms each task's next entry from what it is now known to be. */
static void s_arm(batch_t *b)
{
    watch_entry_t *next = malloc((size_t)(b->ntasks ? b->ntasks : 1) * sizeof(*next));
    int n = 0;
    for (int i = 0; next && i < b->ntasks; i++)
        if (!b->tasks[i].stale)
            n += watch_next(watch_sla_policy(b->owner->sla), &b->tasks[i].row.t, b->now_us,
                            &next[n]);
    if (!next || watch_index_arm(b->owner->index, next, n) < 0)
        log_warn(
            "could not arm the next deadline entries (redis down?); the rebuild on reconnect will",
            "tasks=%d", b->ntasks);
    free(next);
}

static void s_log_raised(batch_t *b, const item_t *it)
{
    char due[48];
    calendar_format_instant(watch_sla_calendar(b->owner->sla), it->e.due_us, due, sizeof(due));
    log_info("raised alert",
             "kind=%s caught_up=%s alert=%lld case=%s task=%lld division=%s deadline=%s "
             "deadline_level=%d due=%s violations=%d rung=%s",
             it->alert.kind, it->catch_up ? "true" : "false", (long long)it->alert.alert_id,
             it->task->case_number, (long long)it->e.task_id, it->task->row.division,
             watch_deadline_str(it->e.deadline), it->e.level, due, it->alert.violations,
             it->rung[0] ? it->rung : "-");
}

static void s_one_by_one(batch_t *b);

static void s_written(pg_txn_t *txn, bool ok, void *arg)
{
    batch_t *b = arg;
    watch_fire_t *self = b->owner;
    if (!ok && (pg_txn_connection_lost(txn) || b->n == 1)) {
        log_warn("could not apply deadline entries", "entries=%d first=%s err=%s", b->n,
                 b->items[0].member, pg_txn_error(txn));
        s_finish(b, true, pg_txn_connection_lost(txn) ? FIRE_RETRY_US : FIRE_REFUSED_RETRY_US);
        return;
    }
    if (!ok) {
        log_warn("a batch of deadline entries was refused; trying them one by one",
                 "entries=%d err=%s", b->n, pg_txn_error(txn));
        s_one_by_one(b);
        return;
    }
    bool published = false, fault = false;
    for (int i = 0; i < b->n; i++) {
        item_t *it = &b->items[i];
        PGresult *res = it->stmt >= 0 ? pg_txn_result(txn, it->stmt) : NULL;
        if (!res)
            continue;
        bool applied = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
        if (it->verdict == WATCH_REPEAT) {
            watch_apply_done(it, applied, b->now_us, watch_sla_policy(self->sla));
            if (applied) {
                self->stats.repeats++;
                published = true;
                log_info("repeated alert",
                         "alert=%lld case=%s task=%lld deadline=%s deadline_level=%d repeat=%d",
                         (long long)it->alert.alert_id, it->task->case_number,
                         (long long)it->e.task_id, watch_deadline_str(it->e.deadline), it->e.level,
                         it->alert.repeat);
            }
            continue;
        }
        if (!applied) { /* the task changed between read and write */
            it->task->stale = true;
            self->stats.skipped++;
            continue;
        }
        watch_apply_done(it, true, b->now_us, watch_sla_policy(self->sla));
        if (strcmp(PQgetvalue(res, 0, 1), "1") != 0)
            continue; /* raised before (another instance, a re-fired entry) */
        bool warning = it->e.kind == WATCH_KIND_WARNING;
        self->stats.warnings += warning;
        self->stats.alerts += !warning;
        char level[12];
        snprintf(level, sizeof(level), "%d", it->e.level);
        metrics_add(s_raised_family(), 1, warning ? "warning" : "alert", level);
        published |= !warning;
        fault |= !warning && self->fault_exit;
        s_log_raised(b, it);
    }
    if (fault) {
        log_warn(
            "fault injection (DUBAN_WATCH_FAULT=exit_after_commit): exiting right after the commit, before publishing");
        _exit(1);
    }
    if (published && self->relay)
        outbox_relay_kick(self->relay);
    s_arm(b);
    s_finish(b, false, 0);
}

static int s_cmp_task(const void *key, const void *elem)
{
    int64_t id = *(const int64_t *)key, other = ((const task_t *)elem)->row.t.id;
    return id < other ? -1 : id > other;
}

/* The tasks as read; false when the result is not what was asked. */
static bool s_read_tasks(batch_t *b, PGresult *res)
{
    int n = PQntuples(res);
    b->tasks = calloc((size_t)(n ? n : 1), sizeof(task_t));
    if (!b->tasks)
        return false;
    for (int i = 0; i < n; i++) {
        task_t *t = &b->tasks[b->ntasks];
        if (watch_row_read(res, i, &t->row) < 0)
            continue;
        snprintf(t->case_number, sizeof(t->case_number), "%s",
                 PQgetvalue(res, i, COL_CASE_NUMBER));
        snprintf(t->subject, sizeof(t->subject), "%s", PQgetvalue(res, i, COL_SUBJECT));
        t->recorded[WATCH_RESPONSE] = strcmp(PQgetvalue(res, i, COL_RECORDED), "t") == 0;
        t->recorded[WATCH_COMPLETION] = strcmp(PQgetvalue(res, i, COL_RECORDED + 1), "t") == 0;
        b->ntasks++;
    }
    return true;
}

/* The batch's catch-up alerts announced together, one message per division
 * (they send none of their own; watch_apply.h). Returns 0 / -1. */
static int s_caught_up(batch_t *b, pg_txn_t *write)
{
    item_t **group = calloc((size_t)b->n + 1, sizeof(*group));
    bool *done = calloc((size_t)b->n + 1, sizeof(*done));
    int rc = group && done ? 0 : -1;
    for (int i = 0; rc == 0 && i < b->n; i++) {
        item_t *first = &b->items[i];
        if (done[i] || first->stmt < 0 || !first->catch_up)
            continue;
        int n = 0;
        for (int j = i; j < b->n; j++) {
            item_t *it = &b->items[j];
            if (!done[j] && it->stmt >= 0 && it->catch_up &&
                strcmp(it->task->row.division, first->task->row.division) == 0) {
                group[n++] = it;
                done[j] = true;
            }
        }
        rc = watch_apply_caught_up(write, group, n, b->now_us);
        log_info(
            "caught up: overdue tasks found past several escalation instants, announced together",
            "alerts=%d division=%s", n, first->task->row.division);
    }
    free(group);
    free(done);
    return rc;
}

static void s_read(pg_txn_t *txn, bool ok, void *arg)
{
    batch_t *b = arg;
    watch_fire_t *self = b->owner;
    pg_txn_t *write = NULL;
    if (!ok) {
        log_warn("could not read tasks for their deadline entries", "tasks=%d err=%s", b->n,
                 pg_txn_error(txn));
        s_finish(b, true, pg_txn_connection_lost(txn) ? FIRE_RETRY_US : FIRE_REFUSED_RETRY_US);
        return;
    }
    PGresult *ids = pg_txn_result(txn, 1);
    if (!s_read_tasks(b, pg_txn_result(txn, 0)) || PQntuples(ids) != b->n ||
        !(write = pg_txn_new()))
        goto out_retry;
    for (int i = 0; i < b->n; i++) {
        item_t *it = &b->items[i];
        const char *why = "no such task";
        it->stmt = -1;
        it->task = bsearch(&it->e.task_id, b->tasks, (size_t)b->ntasks, sizeof(task_t),
                           s_cmp_task);
        it->verdict = it->task ? watch_decide(watch_sla_policy(self->sla), &it->task->row.t,
                                              &it->e, b->now_us, &why)
                               : WATCH_SKIP;
        if (it->verdict == WATCH_SKIP) {
            self->stats.skipped++;
            log_debug("skipped deadline entry", "entry=%s reason=%s", it->member, why);
            continue;
        }
        if (it->verdict == WATCH_RAISE) { /* at the level reached by now */
            int level = watch_raise_level(watch_sla_policy(self->sla), &it->e, b->now_us);
            it->catch_up = level > it->e.level;
            it->e.level = level;
        }
        watch_alert_t *a = &it->alert;
        *a = (watch_alert_t){.task_id = it->e.task_id, .case_number = it->task->case_number,
                             .subject = it->task->subject, .division = it->task->row.division,
                             .handler = it->task->row.handler, .deadline = it->e.deadline,
                             .level = it->e.level, .due_us = it->e.due_us};
        int rc = it->verdict == WATCH_REPEAT
                     ? watch_apply_repeat(write, it, pg_txn_result(txn, 2), b->now_us, self->sla)
                     : watch_apply_raise(write, it, PQgetvalue(ids, i, 0), b->now_us, self->sla,
                                         self->ladder);
        if (rc < 0)
            goto out_retry;
        it->verdict = rc == 0 ? it->verdict : WATCH_SKIP; /* the alert to repeat is gone */
        it->stmt = rc == 0 ? pg_txn_count(write) - 1 : -1;
    }
    if (s_caught_up(b, write) < 0)
        goto out_retry;
    bool warned = false;
    for (int i = 0; i < b->n; i++)
        warned |= b->items[i].stmt >= 0 && b->items[i].verdict != WATCH_REPEAT &&
                  b->items[i].e.kind == WATCH_KIND_WARNING;
    /* warnings go out through dispatch's console relay: wake it at the commit */
    if (warned && outbox_txn_notify(write, "console") < 0)
        goto out_retry;
    if (pg_txn_count(write) == 0) {
        pg_txn_destroy(&write);
        s_arm(b);
        s_finish(b, false, 0);
        return;
    }
    pg_txn_submit(self->pg, &write, s_written, b);
    return;

out_retry:
    pg_txn_destroy(&write);
    s_finish(b, true, FIRE_RETRY_US);
}

/* Appends "id" to a "{...}" array literal being built in buf. */
static void s_append_id(char *buf, size_t len, size_t *used, int64_t id)
{
    int n = snprintf(buf + *used, len - *used, "%s%lld", *used > 1 ? "," : "", (long long)id);
    if (n > 0 && (size_t)n < len - *used)
        *used += (size_t)n;
}

/* Reads the batch's tasks (and the alerts repeats need). */
static void s_start(batch_t *b)
{
    watch_fire_t *self = b->owner;
    size_t cap = (size_t)b->n * 24 + 4, used = 1, pused = 1;
    char *ids = malloc(cap), *pids = malloc(cap), count[16];
    pg_txn_t *txn = ids && pids ? pg_txn_new() : NULL;
    if (!txn) {
        free(ids);
        free(pids);
        s_finish(b, true, FIRE_RETRY_US);
        return;
    }
    ids[0] = pids[0] = '{';
    for (int i = 0; i < b->n; i++) {
        s_append_id(ids, cap - 1, &used, b->items[i].e.task_id);
        if (b->items[i].e.kind == WATCH_KIND_REPEAT)
            s_append_id(pids, cap - 1, &pused, b->items[i].e.task_id);
    }
    memcpy(ids + used, "}", 2);
    memcpy(pids + pused, "}", 2);
    snprintf(count, sizeof(count), "%d", b->n);
    pg_param_t p_ids[1] = {PG_TEXT(ids)}, p_count[1] = {PG_TEXT(count)};
    pg_param_t p_pids[1] = {PG_TEXT(pids)};
    int rc = pg_txn_add(txn, true, "watch_fire_read", 1, p_ids) < 0 ||
             pg_txn_add(txn, true, "watch_fire_ids", 1, p_count) < 0 ||
             pg_txn_add(txn, true, "watch_fire_alerts", 1, p_pids) < 0;
    free(ids);
    free(pids);
    if (rc) {
        pg_txn_destroy(&txn);
        s_finish(b, true, FIRE_RETRY_US);
        return;
    }
    pg_txn_submit(self->pg, &txn, s_read, b);
}

static batch_t *s_batch_new(watch_fire_t *self, int n)
{
    batch_t *b = calloc(1, sizeof(*b));
    if (b)
        b->items = calloc((size_t)n, sizeof(item_t));
    if (!b || !b->items) {
        free(b);
        return NULL;
    }
    b->owner = self;
    b->n = n;
    b->now_us = clock_now_us();
    return b;
}

/* Each entry of a refused batch again, in a batch of its own (its claim
 * stays open meanwhile). */
static void s_one_by_one(batch_t *b)
{
    for (int i = 0; i < b->n; i++) {
        batch_t *one = s_batch_new(b->owner, 1);
        if (!one) {
            watch_index_retry(b->owner->index, b->items[i].member,
                              clock_now_us() + FIRE_RETRY_US);
            continue;
        }
        one->items[0].e = b->items[i].e;
        memcpy(one->items[0].member, b->items[i].member, WATCH_MEMBER_MAX);
        s_start(one);
    }
    free(b->items);
    free(b->tasks);
    free(b);
}

void watch_fire_entries(const watch_entry_t *entries, const char *const *members, int n,
                        void *arg)
{
    watch_fire_t *self = arg;
    batch_t *b = s_batch_new(self, n);
    if (!b || !watch_ladder_ready(self->ladder)) {
        /* Out of memory, or the counts for the ladder are not read yet (just
         * started): these entries wait a moment in the index. */
        for (int i = 0; i < n; i++)
            watch_index_retry(self->index, members[i],
                              clock_now_us() + (b ? FIRE_WAIT_LADDER_US : FIRE_RETRY_US));
        if (b) {
            free(b->items);
            free(b);
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        b->items[i].e = entries[i];
        snprintf(b->items[i].member, WATCH_MEMBER_MAX, "%s", members[i]);
    }
    s_start(b);
}

watch_fire_t *watch_fire_new(pg_t *pg, watch_index_t *index, watch_ladder_t *ladder,
                             const watch_sla_t *sla, outbox_relay_t *relay)
{
    watch_fire_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    s_raised_family(); /* listed in /metrics before the first alert */
    self->pg = pg;
    self->index = index;
    self->ladder = ladder;
    self->sla = sla;
    self->relay = relay;
    const char *fault = getenv("DUBAN_WATCH_FAULT");
    if (fault && strcmp(fault, "exit_after_commit") == 0) {
        self->fault_exit = true;
        log_warn("fault injection armed: exit after the first breach or escalation committed");
    }
    return self;
}

void watch_fire_destroy(watch_fire_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

watch_fire_stats_t watch_fire_stats(const watch_fire_t *self)
{
    return self->stats;
}
