#include "dispatch_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *s_names[] = {"sign",    "return",           "note",      "need-material",
                                "material-arrived", "extend", "decide-extension", "reply",
                                "arbitrate", "inform", "callback", "close", "triage",
                                "attach-call", "create-workitem", "progress", "complete",
                                "verify", "ask-reassign", "reassign", "file-problem",
                                "review-problem"};
_Static_assert(sizeof(s_names) / sizeof(s_names[0]) == ACTION_UNKNOWN, "a name for every step");

dispatch_action_t dispatch_action_parse(const char *name)
{
    for (int i = 0; name && i < ACTION_UNKNOWN; i++)
        if (strcmp(name, s_names[i]) == 0)
            return (dispatch_action_t)i;
    return ACTION_UNKNOWN;
}

const char *dispatch_action_str(dispatch_action_t action)
{
    return action < ACTION_UNKNOWN ? s_names[action] : "unknown";
}

bool dispatch_action_on_task(dispatch_action_t action)
{
    return (action <= ACTION_REPLY && action != ACTION_DECIDE_EXTENSION) ||
           action == ACTION_PROGRESS || action == ACTION_COMPLETE || action == ACTION_ASK_REASSIGN;
}

bool dispatch_action_on_case(dispatch_action_t action)
{
    return action != ACTION_CREATE_WORKITEM && action != ACTION_FILE_PROBLEM &&
           action != ACTION_REVIEW_PROBLEM;
}

bool dispatch_rules_verdict(dispatch_verdict_t *v, int status, const char *fmt, ...)
{
    v->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
    return status == 200;
}

#define s_verdict dispatch_rules_verdict

/* China time, as people read deadlines: 2017-02-06 16:00. */
static const char *s_local(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000LL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

static bool s_is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool s_empty(const char *s)
{
    return !s || !s[0];
}

static bool s_task_open(const dispatch_context_t *c)
{
    return s_is(c->task_state, "dispatched") || s_is(c->task_state, "signed");
}

/* Who may act on a division's task: its handlers, and administrators. */
bool dispatch_rules_check_division(const dispatch_context_t *c, const auth_identity_t *who,
                                   dispatch_verdict_t *v)
{
    if (s_is(who->role, "admin"))
        return true;
    if (!s_is(who->role, "handler"))
        return s_verdict(v, 403, "only the handling division acts on its tasks");
    if (!c->has_task || !s_is(who->division, c->division))
        return s_verdict(v, 403, "case %s holds no task of division %s: a division acts only on "
                                 "its own tasks", c->case_number, who->division);
    return true;
}

static bool s_check_return(const dispatch_context_t *c, const dispatch_step_t *s, int64_t now,
                           dispatch_verdict_t *v)
{
    char when[32];
    if (s_empty(s->text))
        return s_verdict(v, 422, "return refused: a reason is required");
    if (s_empty(s->division) && s_empty(s->outside_agency))
        return s_verdict(v, 422, "return refused: name the division believed responsible "
                                 "(or the outside agency)");
    if (c->arbitrated)
        return s_verdict(v, 409, "return refused: the inspection office assigned this task to %s "
                                 "by arbitration; its decision is final", c->division);
    if (!s_empty(s->division) && s_is(s->division, c->division))
        return s_verdict(v, 422, "return refused: a task cannot be returned to its own division");
    if (!s_is(c->task_state, "dispatched"))
        return s_verdict(v, 409, "return refused: the task was already %s", c->task_state);
    if (c->response_due_us && now > c->response_due_us)
        return s_verdict(v, 409, "return refused: response window closed at %s",
                         s_local(c->response_due_us, when, sizeof(when)));
    return true;
}

static bool s_check_task_step(const dispatch_context_t *c, const dispatch_step_t *s,
                              const auth_identity_t *who, int64_t now, dispatch_verdict_t *v)
{
    char when[32];
    if (!dispatch_rules_check_division(c, who, v))
        return false;
    if (!c->has_task)
        return s_verdict(v, 404, "case %s holds no task for that division", c->case_number);
    if (s->action == ACTION_RETURN)
        return s_check_return(c, s, now, v);
    if (!s_task_open(c))
        return s_verdict(v, 409, "%s refused: the task is %s", dispatch_action_str(s->action),
                         c->task_state);
    switch (s->action) {
    case ACTION_SIGN:
        if (!s_is(c->task_state, "dispatched"))
            return s_verdict(v, 409, "sign refused: the task was already signed");
        break;
    case ACTION_NOTE:
        if (s_empty(s->text))
            return s_verdict(v, 422, "note refused: the note is empty");
        break;
    case ACTION_NEED_MATERIAL:
        if (s_empty(s->text))
            return s_verdict(v, 422, "need-material refused: say what material is needed");
        if (c->paused_at_us)
            return s_verdict(v, 409, "need-material refused: already waiting for material");
        break;
    case ACTION_MATERIAL_ARRIVED:
        if (!c->paused_at_us)
            return s_verdict(v, 409, "material-arrived refused: the task is not waiting for "
                                     "material");
        break;
    case ACTION_EXTEND:
        if (s_empty(s->window) || s_empty(s->text))
            return s_verdict(v, 422, "extend refused: give the extra time (e.g. 5d) and a reason");
        if (s_is(c->extension_state, "requested"))
            return s_verdict(v, 409, "extend refused: an extension is already waiting for the "
                                     "inspection office");
        if (c->completion_due_us && now > c->completion_due_us)
            return s_verdict(v, 409, "extend refused: the completion deadline passed at %s; "
                                     "extensions are asked before it",
                             s_local(c->completion_due_us, when, sizeof(when)));
        break;
    case ACTION_REPLY:
        if (s_empty(s->text))
            return s_verdict(v, 422, "reply refused: the result is empty");
        if (s_is(c->role, "lead") && !s_is(c->case_state, "dispatched"))
            return s_verdict(v, 409, "reply refused: the case is %s", c->case_state);
        break;
    default:
        break;
    }
    return true;
}

static bool s_check_case_step(const dispatch_context_t *c, const dispatch_step_t *s,
                              const auth_identity_t *who, dispatch_verdict_t *v)
{
    bool admin = s_is(who->role, "admin");
    bool inspector = s_is(who->role, "inspector") || admin;
    bool first = s_is(who->staff, c->first_responder) || admin;
    switch (s->action) {
    case ACTION_DECIDE_EXTENSION:
        if (!inspector)
            return s_verdict(v, 403, "only the inspection office decides extensions");
        if (!c->has_task || !s_is(c->extension_state, "requested"))
            return s_verdict(v, 409, "no extension is waiting on case %s", c->case_number);
        return true;
    case ACTION_ARBITRATE:
        if (!inspector)
            return s_verdict(v, 403, "only the inspection office arbitrates");
        if (!s_is(c->case_state, "arbitration"))
            return s_verdict(v, 409, "case %s is not waiting for arbitration (it is %s)",
                             c->case_number, c->case_state);
        if (s_empty(s->division) && s_empty(s->outside_agency))
            return s_verdict(v, 422, "arbitrate refused: name the responsible division (or the "
                                     "outside agency)");
        if (s_empty(s->text))
            return s_verdict(v, 422, "arbitrate refused: record the grounds of the decision");
        return true;
    case ACTION_INFORM:
    case ACTION_CALLBACK:
    case ACTION_CLOSE:
        if (!first)
            return s_verdict(v, 403, "only the first responder (%s) may %s this case",
                             c->first_responder, dispatch_action_str(s->action));
        if (s->action == ACTION_INFORM && !s_is(c->case_state, "replied"))
            return s_verdict(v, 409, "inform refused: the case has no reply yet (it is %s)",
                             c->case_state);
        if (s->action != ACTION_INFORM && !s_is(c->case_state, "informed"))
            return s_verdict(v, 409, "%s refused: first record that the reply was conveyed to "
                                     "the requester (the case is %s)",
                             dispatch_action_str(s->action), c->case_state);
        if (s->action == ACTION_CALLBACK && !s_is(s->satisfaction ? s->satisfaction : "",
                                                  "satisfied") &&
            !s_is(s->satisfaction ? s->satisfaction : "", "basically") &&
            !s_is(s->satisfaction ? s->satisfaction : "", "unsatisfied"))
            return s_verdict(v, 422, "callback refused: satisfaction is satisfied (满意), "
                                     "basically (基本满意) or unsatisfied (不满意)");
        return true;
    case ACTION_ATTACH_CALL:
        if (!admin && !s_is(who->role, "operator") && !s_is(who->role, "clerk"))
            return s_verdict(v, 403, "only the hotline desk attaches a call to a case");
        if (s_is(c->case_state, "closed") || s_is(c->case_state, "merged"))
            return s_verdict(v, 409, "attach-call refused: case %s is %s; record the call as a "
                                     "new case",
                             c->case_number, c->case_state);
        if (s_empty(s->text))
            return s_verdict(v, 422, "attach-call refused: say what the caller said");
        return true;
    case ACTION_TRIAGE:
        if (!inspector && !s_is(who->role, "operator") && !s_is(who->role, "clerk"))
            return s_verdict(v, 403, "only the desk and the inspection office triage cases");
        if (!s_is(c->case_state, "needs_triage"))
            return s_verdict(v, 409, "case %s is not in the manual triage queue (it is %s)",
                             c->case_number, c->case_state);
        if (s_empty(s->category))
            return s_verdict(v, 422, "triage refused: choose a category");
        return true;
    default:
        return s_verdict(v, 400, "unknown step");
    }
}

bool dispatch_rules_check(const dispatch_context_t *ctx, const dispatch_step_t *step,
                          const auth_identity_t *who, int64_t now_us,
                          dispatch_verdict_t *verdict)
{
    if (step->action == ACTION_UNKNOWN)
        return s_verdict(verdict, 400, "unknown step; use sign, return, note, need-material, "
                                       "material-arrived, extend, decide-extension, reply, "
                                       "arbitrate, inform, callback, close, triage or "
                                       "attach-call; for work items create-workitem, progress, "
                                       "complete, verify, ask-reassign, reassign, file-problem "
                                       "or review-problem");
    if (step->nattachments && step->action != ACTION_PROGRESS && step->action != ACTION_COMPLETE)
        return s_verdict(verdict, 422, "%s refused: attachments go with a work item's progress or "
                                       "completion report", dispatch_action_str(step->action));
    bool reports = step->action == ACTION_PROGRESS || step->action == ACTION_COMPLETE ||
                   step->action == ACTION_ASK_REASSIGN;
    if (ctx->has_task && ctx->dispatched_us > now_us &&
        (reports || dispatch_action_on_task(step->action)))
        return s_verdict(verdict, 409, "%s refused: task %lld has not begun (a work item's tasks "
                                       "begin on its start date)",
                         dispatch_action_str(step->action), (long long)ctx->task_id);
    bool ok;
    if (dispatch_rules_workitem(ctx, step, who, verdict, &ok)) {
        if (ok)
            s_verdict(verdict, 200, "%s allowed", dispatch_action_str(step->action));
        return ok;
    }
    ok = dispatch_action_on_task(step->action)
                  ? s_check_task_step(ctx, step, who, now_us, verdict)
                  : s_check_case_step(ctx, step, who, verdict);
    if (ok)
        s_verdict(verdict, 200, "%s allowed", dispatch_action_str(step->action));
    return ok;
}

bool dispatch_rules_may(const dispatch_context_t *ctx, dispatch_action_t action,
                        const auth_identity_t *who, int64_t now_us)
{
    /* A division code no division has, so "return to its own division"
     * never decides the probe. */
    dispatch_step_t probe = {.action = action,
                             .division = "\x01probe",
                             .text = "probe",
                             .satisfaction = "satisfied",
                             .window = "1d",
                             .category = "probe",
                             .grant = true,
                             .percent = 50};
    dispatch_verdict_t verdict;
    return dispatch_rules_check(ctx, &probe, who, now_us, &verdict);
}
