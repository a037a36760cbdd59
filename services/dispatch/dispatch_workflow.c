/* Workflow steps from request to result; see dispatch_workflow.h. Every
 * path ends in exactly one callback. */
#include "dispatch_workflow.h"

#include "clock.h"
#include "dispatch_apply.h"
#include "dispatch_context.h"
#include "dispatch_rules.h"
#include "dispatch_problem.h"
#include "dispatch_workitem.h"
#include "fingerprint.h"
#include "log.h"
#include "pg_time.h"
#include "redis.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dispatch_workflow {
    redis_t *redis;
    const fingerprint_t *fingerprint;
    char prefix[64];
    char window_s[16];
    pg_t *pg;
    const org_t *org;
    auth_t *auth;
    dispatch_deadline_t *deadline;
    outbox_relay_t *relay;
};

typedef struct {
    dispatch_workflow_t *wf;
    Duban__TaskAction *action;
    dispatch_workflow_cb cb;
    void *arg;
    auth_identity_t who;
    dispatch_context_t ctx;
    dispatch_step_t step;
    uint8_t *notice;
    size_t notice_len;
    uint8_t *dispatched;
    size_t dispatched_len;
    char new_division[64];
    char created_number[32]; /* create-workitem: the item's case number */
    int64_t problem_id;      /* file-problem, review-problem */
} run_t;

int dispatch_workflow_prepare(pg_t *pg)
{
    return dispatch_context_prepare(pg) | dispatch_apply_prepare(pg) |
           dispatch_workitem_prepare(pg) | dispatch_problem_prepare(pg);
}

static void s_finish(run_t *r, int status, const char *case_state, const char *task_state,
                     int64_t new_task, const char *fmt, ...)
{
    char message[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    Duban__ActionResult res = DUBAN__ACTION_RESULT__INIT;
    res.request_id = r->action->request_id;
    res.status = status;
    res.message = message;
    res.case_number = r->created_number[0] ? r->created_number : r->action->case_number;
    res.case_state = (char *)(case_state ? case_state : "");
    res.task_id = r->ctx.task_id;
    res.task_state = (char *)(task_state ? task_state : "");
    res.new_task_id = new_task;
    res.new_division = new_task ? r->new_division : "";
    res.problem_id = r->problem_id;
    if (status == 200)
        log_info("workflow step done", "case=%s action=%s actor=%s task=%lld result=%s",
                 res.case_number, r->action->action, r->who.staff, (long long)r->ctx.task_id,
                 message);
    else
        log_info("workflow step refused", "case=%s action=%s actor=%s status=%d reason=%s",
                 r->action->case_number, r->action->action, r->who.staff[0] ? r->who.staff : "-",
                 status, message);
    r->cb(&res, r->arg);
    duban__task_action__free_unpacked(r->action, NULL);
    free(r->notice);
    free(r->dispatched);
    free(r);
}

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
            s_finish(r, 422, NULL, NULL, 0, "%s refused: %s", r->action->action, primary);
            return;
        }
    }
    log_error("could not apply step", "step=%s case=%s err=%s", r->action->action,
              r->action->case_number, pg_txn_error(txn));
    s_finish(r, 500, NULL, NULL, 0, "could not apply the step (the error is logged); nothing "
                                    "changed, tell an administrator if it happens again");
}

static void s_applied(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    if (!ok) {
        if (pg_txn_connection_lost(txn))
            s_finish(r, 503, NULL, NULL, 0, "the task store is not reachable; nothing changed, "
                                             "try again");
        else
            s_refused_by_store(r, txn);
        return;
    }
    PGresult *step = pg_txn_result(txn, 0), *states = pg_txn_result(txn, 1);
    const char *case_state = PQgetvalue(states, 0, APPLY_COL_CASE_STATE);
    const char *task_state = PQgetvalue(states, 0, APPLY_COL_TASK_STATE);
    if (strcmp(PQgetvalue(step, 0, APPLY_COL_APPLIED), "1") != 0) {
        s_finish(r, 409, case_state, task_state, 0,
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
        s_finish(r, 200, case_state, task_state, new_task, "%s done; new task #%lld for %s",
                 r->action->action, (long long)new_task, r->new_division);
    else
        s_finish(r, 200, case_state, task_state, 0, "%s done; case is %s", r->action->action,
                 case_state);
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
static void s_apply(run_t *r)
{
    dispatch_workflow_t *wf = r->wf;
    dispatch_context_t *c = &r->ctx;
    dispatch_apply_t a = {.ctx = c, .step = &r->step, .actor = r->who.staff};
    int64_t now = clock_now_us();
    const char *new_division = NULL, *role = "lead";
    char why[160];
    if (s_deadlines(r, &a, now, why, sizeof(why)) < 0) {
        s_finish(r, 422, c->case_state, c->task_state, 0, "%s", why);
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
            s_finish(r, 422, c->case_state, NULL, 0, "triage refused: category %s is not "
                                                     "configured", r->step.category);
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
            s_finish(r, 422, c->case_state, c->task_state, 0,
                     "%s refused: division %s is not configured", r->action->action, new_division);
            return;
        }
        if (dispatch_deadline_for(wf->deadline, c->kind, c->priority, now, &a.dues) < 0) {
            s_finish(r, 500, c->case_state, c->task_state, 0, "no SLA policy for this case");
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
    s_finish(r, 500, NULL, NULL, 0, "out of memory");
}

static void s_context_read(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    if (!ok) {
        s_finish(r, pg_txn_connection_lost(txn) ? 503 : 500, NULL, NULL, 0,
                 "could not read case %s: %s", r->action->case_number, pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) != 1) {
        s_finish(r, 404, NULL, NULL, 0, "no case has the number %s", r->action->case_number);
        return;
    }
    dispatch_context_read(&r->ctx, res);
    dispatch_verdict_t verdict;
    if (!dispatch_rules_check(&r->ctx, &r->step, &r->who, clock_now_us(), &verdict)) {
        s_finish(r, verdict.status, r->ctx.case_state, r->ctx.task_state, 0, "%s",
                 verdict.message);
        return;
    }
    s_apply(r);
}

static void s_created(void *arg, int status, const char *case_number, const char *message)
{
    run_t *r = arg;
    snprintf(r->created_number, sizeof(r->created_number), "%s", case_number);
    s_finish(r, status, status == 200 ? "dispatched" : NULL, NULL, 0, "%s", message);
}

static void s_problem_done(void *arg, int status, int64_t problem_id, const char *case_number,
                           const char *message)
{
    run_t *r = arg;
    r->problem_id = problem_id;
    snprintf(r->created_number, sizeof(r->created_number), "%s", case_number);
    s_finish(r, status, case_number[0] ? "dispatched" : NULL, NULL, 0, "%s", message);
}

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    run_t *r = arg;
    if (result == AUTH_UNAVAILABLE) {
        s_finish(r, 503, NULL, NULL, 0, "could not check the token; try again");
        return;
    }
    if (result != AUTH_OK) {
        s_finish(r, 401, NULL, NULL, 0, "the token is missing, unknown or revoked");
        return;
    }
    r->who = *who;
    Duban__TaskAction *a = r->action;
    if (r->step.action >= ACTION_CREATE_WORKITEM && !dispatch_action_on_case(r->step.action)) {
        /* creating a work item, filing and reviewing problems: no case yet */
        dispatch_verdict_t verdict;
        if (!dispatch_rules_check(&r->ctx, &r->step, &r->who, clock_now_us(), &verdict)) {
            s_finish(r, verdict.status, NULL, NULL, 0, "%s", verdict.message);
            return;
        }
        if (r->step.action == ACTION_CREATE_WORKITEM)
            dispatch_workitem_create(r->wf->pg, r->wf->org, r->wf->deadline, r->wf->relay,
                                     &r->who, a->workitem, 0, NULL, s_created, r);
        else if (r->step.action == ACTION_FILE_PROBLEM)
            dispatch_problem_file(r->wf->pg, r->wf->org, &r->who, a->problem, s_problem_done, r);
        else
            dispatch_problem_review(r->wf->pg, r->wf->org, r->wf->deadline, r->wf->relay,
                                    &r->who, a->problem_id, a->grant, a->text, a->workitem,
                                    s_problem_done, r);
        return;
    }
    /* Which task: the one named, else the actor's division's (an inspector or
     * administrator names the division acted for). */
    const char *division = r->who.division;
    bool staff_for_division = strcmp(who->role, "handler") != 0;
    if (staff_for_division && r->step.action != ACTION_RETURN && a->division && a->division[0])
        division = a->division;
    char task_id[24];
    snprintf(task_id, sizeof(task_id), "%lld", (long long)a->task_id);
    pg_param_t params[4] = {PG_TEXT(a->case_number), PG_TEXT(task_id), PG_TEXT(division),
                            PG_TEXT(r->step.action == ACTION_DECIDE_EXTENSION ? "true" : "false")};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, DISPATCH_CONTEXT_STMT, 4, params) < 0) {
        pg_txn_destroy(&txn);
        s_finish(r, 500, NULL, NULL, 0, "out of memory");
        return;
    }
    pg_txn_submit(r->wf->pg, &txn, s_context_read, r);
}

static bool s_bounded(const char *s, size_t max)
{
    return !s || strlen(s) <= max;
}

/* The step's texts come from consoles and intake, i.e. from people: no
 * control characters (see text.h), newlines only in the free text. Fills
 * why and returns false when one is refused. */
static bool s_clean(Duban__TaskAction *a, char *why, size_t len)
{
    const struct {
        const char *value;
        const char *field;
    } single[] = {{a->case_number, "case_number"}, {a->action, "action"},
                  {a->division, "division"},       {a->outside_agency, "outside_agency"},
                  {a->window, "window"},           {a->category, "category"},
                  {a->satisfaction, "satisfaction"}, {a->request_id, "request_id"}};
    size_t at = 0;
    uint32_t cp = 0;
    char what[96];
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
        text_status_t st = single[i].value ? text_check(single[i].value, false, &at, &cp) : TEXT_OK;
        if (st != TEXT_OK) {
            snprintf(why, len, "%s %s", single[i].field, text_describe(st, at, cp, what, sizeof(what)));
            return false;
        }
    }
    char *multi[2] = {a->text, a->internal};
    const char *names[2] = {"text", "internal"};
    for (int i = 0; i < 2; i++) {
        if (!multi[i])
            continue;
        /* Only rewrite when needed: an empty field is protobuf-c's shared
         * read-only "". */
        if (strchr(multi[i], '\r'))
            text_normalize_newlines(multi[i]);
        text_status_t st = text_check(multi[i], true, &at, &cp);
        if (st != TEXT_OK) {
            snprintf(why, len, "%s %s; only newlines and tabs are allowed", names[i],
                     text_describe(st, at, cp, what, sizeof(what)));
            return false;
        }
    }
    return true;
}

void dispatch_workflow_handle(dispatch_workflow_t *self, Duban__TaskAction **action_p,
                              dispatch_workflow_cb cb, void *arg)
{
    run_t *r = calloc(1, sizeof(*r));
    Duban__TaskAction *a = *action_p;
    *action_p = NULL;
    if (!r) {
        Duban__ActionResult res = DUBAN__ACTION_RESULT__INIT;
        res.status = 500;
        res.message = "out of memory";
        cb(&res, arg);
        duban__task_action__free_unpacked(a, NULL);
        return;
    }
    r->wf = self;
    r->action = a;
    r->cb = cb;
    r->arg = arg;
    r->step = (dispatch_step_t){.action = dispatch_action_parse(a->action),
                                .division = a->division,
                                .outside_agency = a->outside_agency,
                                .text = a->text,
                                .satisfaction = a->satisfaction,
                                .window = a->window,
                                .category = a->category,
                                .internal = a->internal,
                                .grant = a->grant,
                                .percent = a->percent,
                                .attachments = a->attachments,
                                .nattachments = a->n_attachments,
                                .workitem = a->workitem};
    if (r->step.action >= ACTION_CREATE_WORKITEM && !dispatch_action_on_case(r->step.action)) {
        if (a->case_number && a->case_number[0]) {
            s_finish(r, 400, NULL, NULL, 0, "%s takes no case number", a->action);
            return;
        }
    } else if (!a->case_number || !a->case_number[0] || !s_bounded(a->case_number, 32)) {
        s_finish(r, 400, NULL, NULL, 0, "a case number is required");
        return;
    }
    if (!s_bounded(a->text, 4000) || !s_bounded(a->division, 64) ||
        !s_bounded(a->outside_agency, 200) || !s_bounded(a->window, 16) ||
        !s_bounded(a->category, 64) || !s_bounded(a->satisfaction, 16) ||
        !s_bounded(a->internal, 4000)) {
        s_finish(r, 400, NULL, NULL, 0, "a field is longer than allowed");
        return;
    }
    char why[160];
    if (!s_clean(a, why, sizeof(why))) {
        s_finish(r, 400, NULL, NULL, 0, "%s", why);
        return;
    }
    if (r->step.action == ACTION_UNKNOWN) {
        s_finish(r, 400, NULL, NULL, 0, "unknown step %.32s", a->action ? a->action : "");
        return;
    }
    auth_verify(self->auth, a->token, s_authed, r);
}

dispatch_workflow_t *dispatch_workflow_new(pg_t *pg, const org_t *org, auth_t *auth,
                                           dispatch_deadline_t *deadline, outbox_relay_t *relay)
{
    dispatch_workflow_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->org = org;
    self->auth = auth;
    self->deadline = deadline;
    self->relay = relay;
    return self;
}

void dispatch_workflow_destroy(dispatch_workflow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

void dispatch_workflow_use_redis(dispatch_workflow_t *self, redis_t *redis,
                                 const fingerprint_t *fingerprint, const char *prefix,
                                 long window_s)
{
    self->redis = redis;
    self->fingerprint = fingerprint;
    snprintf(self->prefix, sizeof(self->prefix), "%s", prefix);
    snprintf(self->window_s, sizeof(self->window_s), "%ld", window_s);
}
