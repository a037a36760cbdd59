/* Workflow steps from request to result; see dispatch_workflow.h. Every
 * path ends in exactly one callback. */
#include "dispatch_workflow_internal.h"

#include "clock.h"
#include "dispatch_apply.h"
#include "dispatch_context.h"
#include "dispatch_problem.h"
#include "dispatch_workitem.h"
#include "log.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dispatch_workflow_prepare(pg_t *pg)
{
    return dispatch_context_prepare(pg) | dispatch_apply_prepare(pg) |
           dispatch_workitem_prepare(pg) | dispatch_problem_prepare(pg);
}

void dispatch_workflow_finish(run_t *r, int status, const char *case_state, const char *task_state,
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

static void s_context_read(pg_txn_t *txn, bool ok, void *arg)
{
    run_t *r = arg;
    if (!ok) {
        dispatch_workflow_finish(r, pg_txn_connection_lost(txn) ? 503 : 500, NULL, NULL, 0,
                                 "could not read case %s: %s", r->action->case_number,
                                 pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) != 1) {
        dispatch_workflow_finish(r, 404, NULL, NULL, 0, "no case has the number %s",
                                 r->action->case_number);
        return;
    }
    dispatch_context_read(&r->ctx, res);
    dispatch_verdict_t verdict;
    if (!dispatch_rules_check(&r->ctx, &r->step, &r->who, clock_now_us(), &verdict)) {
        dispatch_workflow_finish(r, verdict.status, r->ctx.case_state, r->ctx.task_state, 0, "%s",
                                 verdict.message);
        return;
    }
    dispatch_workflow_apply(r);
}

static void s_created(void *arg, int status, const char *case_number, const char *message)
{
    run_t *r = arg;
    snprintf(r->created_number, sizeof(r->created_number), "%s", case_number);
    dispatch_workflow_finish(r, status, status == 200 ? "dispatched" : NULL, NULL, 0, "%s",
                             message);
}

static void s_problem_done(void *arg, int status, int64_t problem_id, const char *case_number,
                           const char *message)
{
    run_t *r = arg;
    r->problem_id = problem_id;
    snprintf(r->created_number, sizeof(r->created_number), "%s", case_number);
    dispatch_workflow_finish(r, status, case_number[0] ? "dispatched" : NULL, NULL, 0, "%s",
                             message);
}

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    run_t *r = arg;
    if (result == AUTH_UNAVAILABLE) {
        dispatch_workflow_finish(r, 503, NULL, NULL, 0, "could not check the token; try again");
        return;
    }
    if (result != AUTH_OK) {
        dispatch_workflow_finish(r, 401, NULL, NULL, 0, "the token is missing, unknown or revoked");
        return;
    }
    r->who = *who;
    Duban__TaskAction *a = r->action;
    if (r->step.action >= ACTION_CREATE_WORKITEM && !dispatch_action_on_case(r->step.action)) {
        /* creating a work item, filing and reviewing problems: no case yet */
        dispatch_verdict_t verdict;
        if (!dispatch_rules_check(&r->ctx, &r->step, &r->who, clock_now_us(), &verdict)) {
            dispatch_workflow_finish(r, verdict.status, NULL, NULL, 0, "%s", verdict.message);
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
        dispatch_workflow_finish(r, 500, NULL, NULL, 0, "out of memory");
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
            dispatch_workflow_finish(r, 400, NULL, NULL, 0, "%s takes no case number", a->action);
            return;
        }
    } else if (!a->case_number || !a->case_number[0] || !s_bounded(a->case_number, 32)) {
        dispatch_workflow_finish(r, 400, NULL, NULL, 0, "a case number is required");
        return;
    }
    if (!s_bounded(a->text, 4000) || !s_bounded(a->division, 64) ||
        !s_bounded(a->outside_agency, 200) || !s_bounded(a->window, 16) ||
        !s_bounded(a->category, 64) || !s_bounded(a->satisfaction, 16) ||
        !s_bounded(a->internal, 4000)) {
        dispatch_workflow_finish(r, 400, NULL, NULL, 0, "a field is longer than allowed");
        return;
    }
    char why[160];
    if (!s_clean(a, why, sizeof(why))) {
        dispatch_workflow_finish(r, 400, NULL, NULL, 0, "%s", why);
        return;
    }
    if (r->step.action == ACTION_UNKNOWN) {
        dispatch_workflow_finish(r, 400, NULL, NULL, 0, "unknown step %.32s",
                                 a->action ? a->action : "");
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
