/* What a step the rules allowed does: its deadlines, the messages it sends,
 * its statement (dispatch_apply.h) and the answer from its outcome; see
 * dispatch_workflow_internal.h. */
#include "dispatch_workflow_internal.h"

#include "clock.h"
#include "dispatch_apply.h"
#include "dispatch_workitem.h"
#include "fingerprint.h"
#include "log.h"
#include "redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t s_i64(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? 0 : strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static int s_pack_notice(run_t *r)
{
    Duban__CaseNotice n = DUBAN__CASE_NOTICE__INIT;
    n.event = r->action->action;
    n.actor = r->who.staff;
    /* A call attached to a case is news for the division handling it. */
    n.division = r->step.action == ACTION_ATTACH_CALL ? r->ctx.lead_division : r->ctx.division;
    n.text = r->action->text;
    n.case_state = r->ctx.case_state;
    r->notice_len = duban__case_notice__get_packed_size(&n);
    r->notice = malloc(r->notice_len ? r->notice_len : 1);
    if (!r->notice)
        return -1;
    duban__case_notice__pack(&n, r->notice);
    return 0;
}

/* The message a new task's division console gets. */
static int s_pack_dispatched(run_t *r, const char *division, const char *role,
                             const dispatch_dues_t *dues)
{
    Duban__TaskDispatched t = DUBAN__TASK_DISPATCHED__INIT;
    t.division = (char *)division;
    t.role = (char *)role;
    t.category = r->ctx.category;
    t.kind = r->ctx.kind;
    t.subject = r->ctx.subject;
    t.priority = r->ctx.priority;
    t.dispatched_us = clock_now_us();
    t.response_due_us = dues->response_due;
    t.completion_due_us = dues->completion_due;
    r->dispatched_len = duban__task_dispatched__get_packed_size(&t);
    r->dispatched = malloc(r->dispatched_len ? r->dispatched_len : 1);
    if (!r->dispatched)
        return -1;
    duban__task_dispatched__pack(&t, r->dispatched);
    snprintf(r->new_division, sizeof(r->new_division), "%s", division);
    return 0;
}

/* Manual triage sends the case on to dispatch as triage would have, with
 * priority as decided. */
static int s_pack_triaged(run_t *r, const org_category_t *cat, const char *priority)
{
    Duban__CaseTriaged t = DUBAN__CASE_TRIAGED__INIT;
    t.category = cat->code;
    t.priority = (char *)priority;
    t.rule = "manual";
    t.kind = r->ctx.kind;
    t.subject = r->ctx.subject;
    t.lead_division = "";
    r->dispatched_len = duban__case_triaged__get_packed_size(&t);
    r->dispatched = malloc(r->dispatched_len ? r->dispatched_len : 1);
    if (!r->dispatched)
        return -1;
    duban__case_triaged__pack(&t, r->dispatched);
    return 0;
}

/* A statement of the step failed. A refusal the schema words for the
 * caller (SQLSTATE DB422, e.g. case_attachments_bind) is answered as such;
 * anything else is logged and answered without PostgreSQL's own text,
 * which is not for the caller's eyes. */
static void s_refused_by_store(run_t *r, pg_txn_t *txn)
{
    for (int i = 0; i < pg_txn_count(txn); i++) {
        PGresult *res = pg_txn_result(txn, i);
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        if (state && primary && strcmp(state, "DB422") == 0) {
            dispatch_workflow_finish(r, 422, NULL, NULL, 0, "%s refused: %s", r->action->action,
                                     primary);
            return;
        }
    }
    log_error("could not apply step", "step=%s case=%s err=%s", r->action->action,
              r->action->case_number, pg_txn_error(txn));
    dispatch_workflow_finish(r, 500, NULL, NULL, 0,
                             "could not apply the step (the error is logged); nothing "
                             "changed, tell an administrator if it happens again");
}

static void s_applied(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    if (!ok) {
        if (pg_txn_connection_lost(txn))
            dispatch_workflow_finish(r, 503, NULL, NULL, 0,
                                     "the task store is not reachable; nothing changed, "
                                     "try again");
        else
            s_refused_by_store(r, txn);
        return;
    }
    PGresult *step = pg_txn_result(txn, 0), *states = pg_txn_result(txn, 1);
    const char *case_state = PQgetvalue(states, 0, APPLY_COL_CASE_STATE);
    const char *task_state = PQgetvalue(states, 0, APPLY_COL_TASK_STATE);
    if (strcmp(PQgetvalue(step, 0, APPLY_COL_APPLIED), "1") != 0) {
        dispatch_workflow_finish(
            r, 409, case_state, task_state, 0,
            "%s refused: the case changed meanwhile (it is now %s); look again and retry",
            r->action->action, case_state);
        return;
    }
    int64_t new_task = s_i64(step, APPLY_COL_NEW_TASK);
    if (!PQgetisnull(step, 0, APPLY_COL_NEW_DIVISION))
        snprintf(r->new_division, sizeof(r->new_division), "%s",
                 PQgetvalue(step, 0, APPLY_COL_NEW_DIVISION));
    outbox_relay_kick(r->wf->relay);
    char fingerprint[FINGERPRINT_HEX_LEN + 1];
    if (r->step.action == ACTION_TRIAGE && r->wf->redis && pg_txn_count(txn) > 2 &&
        PQntuples(pg_txn_result(txn, 2)) == 1 &&
        fingerprint_phone(r->wf->fingerprint,
                          PQgetvalue(pg_txn_result(txn, 2), 0, APPLY_COL_FP_PHONE), fingerprint)) {
        PGresult *fp = pg_txn_result(txn, 2);
        char key[200];
        snprintf(key, sizeof(key), "%sdup:%s:%s", r->wf->prefix, fingerprint,
                 PQgetvalue(fp, 0, APPLY_COL_FP_CATEGORY));
        const char *argv[] = {"SET", key, PQgetvalue(fp, 0, APPLY_COL_FP_CASE_NUMBER), "EX",
                              r->wf->window_s};
        redis_command_argv(r->wf->redis, NULL, NULL, 5, argv);
    }
    if (new_task)
        dispatch_workflow_finish(r, 200, case_state, task_state, new_task,
                                 "%s done; new task #%lld for %s", r->action->action,
                                 (long long)new_task, r->new_division);
    else
        dispatch_workflow_finish(r, 200, case_state, task_state, 0, "%s done; case is %s",
                                 r->action->action, case_state);
}

/* The task's clocks as its row holds them now (common/deadline.c). */
static int s_clocks(const run_t *r, deadline_task_t *t)
{
    const dispatch_context_t *c = &r->ctx;
    int64_t due[2] = {c->response_due_us, c->completion_due_us};
    int64_t warn[2] = {c->response_warn_us, c->completion_warn_us};
    bool open = strcmp(c->task_state, "dispatched") == 0 || strcmp(c->task_state, "signed") == 0;
    return deadline_from_row(dispatch_deadline_rules(r->wf->deadline), c->kind, c->priority, due,
                             warn, strcmp(c->task_state, "dispatched") == 0, open, c->paused_at_us,
                             t);
}

/* What the step does to the task's deadlines: a.clocks for the clock
 * history, a.dues for the row (moved by a pause or an extension), a.shift_us
 * for the event. Returns 0, or -1 with the reason in why. */
static int s_deadlines(run_t *r, dispatch_apply_t *a, int64_t now, char *why, size_t len)
{
    const deadline_rules_t *rules = dispatch_deadline_rules(r->wf->deadline);
    const dispatch_context_t *c = &r->ctx;
    deadline_task_t t;
    switch (r->step.action) {
    case ACTION_SIGN:
    case ACTION_NEED_MATERIAL:
    case ACTION_MATERIAL_ARRIVED:
    case ACTION_EXTEND:
    case ACTION_DECIDE_EXTENSION:
    case ACTION_REPLY:
    case ACTION_RETURN:
    case ACTION_COMPLETE:
        break;
    default:
        return 0; /* the step touches no task's deadlines */
    }
    if (!c->has_task)
        return 0;
    if (s_clocks(r, &t) < 0) {
        snprintf(why, len, "no SLA policy for kind %s priority %s", c->kind, c->priority);
        return -1;
    }
    switch (r->step.action) {
    case ACTION_SIGN:
        deadline_sign(rules, &t, now, &a->clocks);
        break;
    case ACTION_NEED_MATERIAL:
        deadline_pause(rules, &t, now, &a->clocks);
        break;
    case ACTION_MATERIAL_ARRIVED:
        /* the working time it waited, for the event */
        a->shift_us = calendar_working_between(rules->working, c->paused_at_us, now);
        deadline_resume(rules, &t, now, &a->clocks);
        dispatch_dues_from(&t, &a->dues);
        break;
    case ACTION_EXTEND:
        a->shift_us = deadline_window_us(rules, &t, r->step.window);
        if (a->shift_us <= 0) {
            snprintf(why, len, "extend refused: %s is not a window such as 5d or 8h",
                     r->step.window);
            return -1;
        }
        break;
    case ACTION_DECIDE_EXTENSION:
        if (r->step.grant)
            deadline_extend(rules, &t, now, c->extension_by_us, &a->clocks);
        dispatch_dues_from(&t, &a->dues);
        break;
    case ACTION_REPLY:
    case ACTION_COMPLETE: /* a work item's completion report */
        deadline_reply(rules, &t, now, &a->clocks);
        break;
    case ACTION_RETURN:
        deadline_return(rules, &t, now, &a->clocks);
        break;
    default:
        break;
    }
    return 0;
}

/* Deadlines and messages the step needs, then the statement. */
void dispatch_workflow_apply(run_t *r)
{
    dispatch_workflow_t *wf = r->wf;
    dispatch_context_t *c = &r->ctx;
    dispatch_apply_t a = {.ctx = c, .step = &r->step, .actor = r->who.staff};
    int64_t now = clock_now_us();
    const char *new_division = NULL, *role = "lead";
    char why[160];
    if (s_deadlines(r, &a, now, why, sizeof(why)) < 0) {
        dispatch_workflow_finish(r, 422, c->case_state, c->task_state, 0, "%s", why);
        return;
    }
    switch (r->step.action) {
    case ACTION_RETURN:
        new_division = r->step.division && r->step.division[0] ? r->step.division : NULL;
        role = c->role;
        break;
    case ACTION_ARBITRATE:
        new_division = r->step.division && r->step.division[0] ? r->step.division : NULL;
        break;
    case ACTION_CALLBACK:
        if (strcmp(r->step.satisfaction, "unsatisfied") == 0)
            new_division = c->lead_division[0] ? c->lead_division : NULL;
        break;
    case ACTION_VERIFY: /* sent back: the lead division's task again */
        if (!r->step.grant)
            new_division = c->lead_division[0] ? c->lead_division : NULL;
        break;
    case ACTION_REASSIGN:
        new_division = r->step.division;
        break;
    case ACTION_TRIAGE: {
        const org_category_t *cat = org_category_find(wf->org, r->step.category);
        if (!cat) {
            dispatch_workflow_finish(r, 422, c->case_state, NULL, 0,
                                     "triage refused: category %s is not configured",
                                     r->step.category);
            return;
        }
        /* Urgent when the category is, or when the desk judged the case so
         * (triage kept that on the case), as triage_rule_decide decides. */
        a.priority = cat->urgent || strcmp(c->priority, "urgent") == 0 ? "urgent" : "normal";
        if (s_pack_triaged(r, cat, a.priority) < 0)
            goto out_oom;
        break;
    }
    default:
        break;
    }
    if (new_division) {
        if (!org_division_find(wf->org, new_division)) {
            dispatch_workflow_finish(r, 422, c->case_state, c->task_state, 0,
                                     "%s refused: division %s is not configured", r->action->action,
                                     new_division);
            return;
        }
        if (dispatch_deadline_for(wf->deadline, c->kind, c->priority, now, &a.dues) < 0) {
            dispatch_workflow_finish(r, 500, c->case_state, c->task_state, 0,
                                     "no SLA policy for this case");
            return;
        }
        if (dispatch_rules_is_workitem(c)) /* the item's deadline keeps running */
            a.dues.completion_due = c->lead_completion_due_us;
        if (s_pack_dispatched(r, new_division, role, &a.dues) < 0)
            goto out_oom;
        a.new_division = new_division;
    }
    if (s_pack_notice(r) < 0)
        goto out_oom;
    a.notice = r->notice;
    a.notice_len = r->notice_len;
    a.dispatched = r->dispatched;
    a.dispatched_len = r->dispatched_len;
    bool workitem_step = r->step.action >= ACTION_CREATE_WORKITEM;
    pg_txn_t *txn = pg_txn_new();
    if (!txn || (workitem_step ? dispatch_workitem_add(txn, &a, now) : dispatch_apply_add(txn, &a)) < 0) {
        pg_txn_destroy(&txn);
        goto out_oom;
    }
    pg_txn_submit(wf->pg, &txn, s_applied, r);
    return;

out_oom:
    dispatch_workflow_finish(r, 500, NULL, NULL, 0, "out of memory");
}
