/* The rules of supervised work items; see dispatch_rules.h. Pure logic, like
 * the complaint rules beside it: the step statements
 * (dispatch_apply_workitem.c) repeat the essential guards, so a race is
 * refused there too. */
#include "dispatch_rules.h"
#include "dispatch_workitem_schedule.h"

#include <string.h>

#define s_verdict dispatch_rules_verdict

static bool s_is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool s_empty(const char *s)
{
    return !s || !s[0];
}

bool dispatch_rules_is_workitem(const dispatch_context_t *ctx)
{
    return s_is(ctx->kind, "workitem");
}

static bool s_workitem_action(dispatch_action_t a)
{
    return a >= ACTION_CREATE_WORKITEM && a <= ACTION_REASSIGN;
}

static bool s_inspector(const auth_identity_t *who)
{
    return s_is(who->role, "inspector") || s_is(who->role, "admin");
}

static bool s_task_open(const dispatch_context_t *c)
{
    return s_is(c->task_state, "dispatched") || s_is(c->task_state, "signed");
}

/* Progress, completion report, asking to reassign: the division's own
 * open lead or co-handling task on an item still being handled. */
static bool s_check_report(const dispatch_context_t *c, const dispatch_step_t *s,
                           const auth_identity_t *who, dispatch_verdict_t *v)
{
    const char *name = dispatch_action_str(s->action);
    if (!dispatch_rules_check_division(c, who, v))
        return false;
    if (!c->has_task)
        return s_verdict(v, 404, "work item %s holds no task for that division", c->case_number);
    if (!s_task_open(c))
        return s_verdict(v, 409, "%s refused: the task is %s", name, c->task_state);
    if (!s_is(c->case_state, "dispatched"))
        return s_verdict(v, 409, "%s refused: the work item is %s", name, c->case_state);
    if (s_empty(s->text))
        return s_verdict(v, 422, "%s refused: %s", name,
                         s->action == ACTION_PROGRESS   ? "the progress report is empty"
                         : s->action == ACTION_COMPLETE ? "the completion report is empty"
                                                        : "give the reason");
    if (s->action == ACTION_PROGRESS && (s->percent < 0 || s->percent > 100))
        return s_verdict(v, 422, "progress refused: percent done is a whole number from 0 to 100");
    if (s->nattachments > DISPATCH_MAX_ATTACHMENTS)
        return s_verdict(v, 422, "%s refused: at most %d attachments go with a report", name,
                         DISPATCH_MAX_ATTACHMENTS);
    for (size_t i = 0; i < s->nattachments; i++)
        if (!s->attachments[i] || strlen(s->attachments[i]) != 32 ||
            strspn(s->attachments[i], "0123456789abcdef") != 32)
            return s_verdict(v, 422, "%s refused: an attachment is named by the file_id its upload "
                                     "answered (32 hex digits)", name);
    if (s->action == ACTION_ASK_REASSIGN && !s_is(c->role, "lead"))
        return s_verdict(v, 409, "ask-reassign refused: only the lead division's task is "
                                 "reassigned; a co-handling division tells the lead division");
    return true;
}

static bool s_check_verify(const dispatch_context_t *c, const dispatch_step_t *s,
                           const auth_identity_t *who, dispatch_verdict_t *v)
{
    if (!s_inspector(who))
        return s_verdict(v, 403, "only the inspection office verifies work items");
    if (!s_is(c->verification, "awaiting") || !s_is(c->case_state, "replied"))
        return s_verdict(v, 409, "verify refused: no completion report of work item %s awaits "
                                 "verification (it is %s); 销号 needs the lead division's "
                                 "completion report first",
                         c->case_number, c->case_state);
    if (!s->grant && s_empty(s->text))
        return s_verdict(v, 422, "verify refused: a verification sent back needs its reason");
    return true;
}

static bool s_check_reassign(const dispatch_context_t *c, const dispatch_step_t *s,
                             const auth_identity_t *who, dispatch_verdict_t *v)
{
    if (!s_inspector(who))
        return s_verdict(v, 403, "only the inspection office reassigns work items");
    if (!s_is(c->case_state, "dispatched"))
        return s_verdict(v, 409, "reassign refused: the work item is %s", c->case_state);
    if (s_empty(s->division))
        return s_verdict(v, 422, "reassign refused: name the division that is to lead");
    if (s_empty(s->text))
        return s_verdict(v, 422, "reassign refused: record the grounds of the decision");
    if (s_is(s->division, c->lead_division))
        return s_verdict(v, 422, "reassign refused: %s leads the work item already",
                         s->division);
    return true;
}

/* Who creates a work item: the inspection office every kind; a leader (the
 * leaders' offices act in their name) an instruction of their own, which
 * they lead: source instruction and leaders naming only themselves. The
 * rest of the item is dispatch_rules_workitem_spec's, for every creator. */
static bool s_check_create(const Duban__WorkItemSpec *w, const auth_identity_t *who,
                           dispatch_verdict_t *v)
{
    if (s_inspector(who))
        return true;
    if (!s_is(who->role, "leader"))
        return s_verdict(v, 403, "only the inspection office and leaders create work items");
    if (!w || s_empty(w->source) || !s_is(w->source, "instruction"))
        return s_verdict(v, 403, "create-workitem refused: a leader creates the work items of "
                                 "their own instructions (source instruction, 领导批示); the "
                                 "inspection office creates the others");
    if (w->n_leaders != 1 || s_empty(w->leaders[0]) || !s_is(w->leaders[0], who->staff))
        return s_verdict(v, 403, "create-workitem refused: a leader's instruction is led by the "
                                 "leader who gives it: leaders is [\"%s\"]",
                         who->staff);
    return true;
}

/* Complaint steps on a work item: the ones that would close it around the
 * verification, or return what a leader assigned, are refused; steps on a
 * report task are refused (a progress report meets it). */
static bool s_check_complaint_step(const dispatch_context_t *c, const dispatch_step_t *s,
                                   dispatch_verdict_t *v, bool *allowed)
{
    const char *name = dispatch_action_str(s->action);
    switch (s->action) {
    case ACTION_REPLY:
    case ACTION_INFORM:
    case ACTION_CALLBACK:
    case ACTION_CLOSE:
        *allowed = s_verdict(v, 409, "%s refused: a work item is closed (销号) only when the "
                                     "inspection office verifies the lead division's completion "
                                     "report; use complete, then verify",
                             name);
        return true;
    case ACTION_RETURN:
        if (c->leader_assigned) {
            *allowed = s_verdict(v, 409, "return refused: work item %s was assigned by a leader "
                                         "and cannot be returned; ask the inspection office to "
                                         "reassign it (ask-reassign)",
                                 c->case_number);
            return true;
        }
        break;
    default:
        break;
    }
    if (dispatch_action_on_task(s->action) && c->has_task && s_is(c->role, "report")) {
        *allowed = s_verdict(v, 409, "%s refused: task %lld is a progress report due; file "
                                     "the report with progress on the work item",
                             name, (long long)c->task_id);
        return true;
    }
    return false;
}

bool dispatch_rules_workitem(const dispatch_context_t *ctx, const dispatch_step_t *step,
                             const auth_identity_t *who, dispatch_verdict_t *verdict,
                             bool *allowed)
{
    bool workitem = dispatch_rules_is_workitem(ctx);
    if (step->action == ACTION_FILE_PROBLEM) {
        *allowed = s_inspector(who) || s_is(who->role, "operator") || s_is(who->role, "clerk") ||
                   s_verdict(verdict, 403, "only the desk, clerks and the inspection office file "
                                           "problems");
        return true;
    }
    if (step->action == ACTION_REVIEW_PROBLEM) {
        *allowed = s_inspector(who) ||
                   s_verdict(verdict, 403, "only the inspection office reviews the problem list");
        return true;
    }
    if (!s_workitem_action(step->action))
        return workitem && s_check_complaint_step(ctx, step, verdict, allowed);
    if (step->action == ACTION_CREATE_WORKITEM) {
        *allowed = s_check_create(step->workitem, who, verdict);
        return true;
    }
    if (!workitem) {
        *allowed = s_verdict(verdict, 409, "%s refused: case %s is not a work item",
                             dispatch_action_str(step->action), ctx->case_number);
        return true;
    }
    switch (step->action) {
    case ACTION_PROGRESS:
    case ACTION_COMPLETE:
    case ACTION_ASK_REASSIGN:
        *allowed = s_check_report(ctx, step, who, verdict);
        break;
    case ACTION_VERIFY:
        *allowed = s_check_verify(ctx, step, who, verdict);
        break;
    default:
        *allowed = s_check_reassign(ctx, step, who, verdict);
        break;
    }
    return true;
}

static bool s_one_of(const char *s, const char *const *set)
{
    for (int i = 0; set[i]; i++)
        if (s_is(s, set[i]))
            return true;
    return false;
}

bool dispatch_rules_workitem_spec(const Duban__WorkItemSpec *w, int64_t now_us,
                                  dispatch_verdict_t *v)
{
    static const char *const sources[] = {"plan", "instruction", "meeting", "problem", NULL};
    if (!w)
        return s_verdict(v, 422, "create-workitem refused: the work item is missing");
    if (s_empty(w->ref) || strlen(w->ref) > 64)
        return s_verdict(v, 422, "create-workitem refused: ref (the item's key, at most 64 "
                                 "bytes) is required");
    if (s_empty(w->source) || !s_one_of(w->source, sources))
        return s_verdict(v, 422, "create-workitem refused: source is plan, instruction (领导批示), "
                                 "meeting or problem");
    if (s_empty(w->title) || strlen(w->title) > 300)
        return s_verdict(v, 422, "create-workitem refused: a title (at most 300 bytes) is "
                                 "required");
    if (s_empty(w->content) || strlen(w->content) > 8000)
        return s_verdict(v, 422, "create-workitem refused: content (at most 8000 bytes) is "
                                 "required");
    if (s_empty(w->lead_division))
        return s_verdict(v, 422, "create-workitem refused: name the lead division");
    if (w->n_divisions > 32 || w->n_leaders > 16 || w->n_milestones > 32)
        return s_verdict(v, 422, "create-workitem refused: at most 32 responsible divisions, "
                                 "16 leaders and 32 milestones");
    for (size_t i = 0; i < w->n_divisions; i++) {
        if (s_empty(w->divisions[i]) || s_is(w->divisions[i], w->lead_division))
            return s_verdict(v, 422, "create-workitem refused: responsible division %zu is "
                                     "empty or the lead division",
                             i + 1);
        for (size_t j = 0; j < i; j++)
            if (s_is(w->divisions[i], w->divisions[j]))
                return s_verdict(v, 422, "create-workitem refused: division %s is named twice",
                                 w->divisions[i]);
    }
    for (size_t i = 0; i < w->n_leaders; i++)
        if (s_empty(w->leaders[i]))
            return s_verdict(v, 422, "create-workitem refused: leader %zu is empty", i + 1);
    if (s_is(w->source, "instruction") && w->n_leaders == 0)
        return s_verdict(v, 422, "create-workitem refused: a leader's instruction names the "
                                 "leader who gave it");
    int64_t starts = w->starts_us ? w->starts_us : now_us;
    if (w->deadline_us <= starts)
        return s_verdict(v, 422, "create-workitem refused: the deadline must fall after the "
                                 "start");
    /* the rhythms of dispatch_workitem_schedule.h */
    const char *rhythm = s_empty(w->report_rhythm) ? "none" : w->report_rhythm;
    bool by_day = s_is(rhythm, "monthly") || s_is(rhythm, "quarterly");
    if (!by_day && !s_is(rhythm, "working_days") && !s_is(rhythm, "none"))
        return s_verdict(v, 422, "create-workitem refused: report rhythm is none, monthly, "
                                 "quarterly or working_days");
    if (by_day && (w->report_day < 1 || w->report_day > WORKITEM_DAY_OF_MONTH_MAX))
        return s_verdict(v, 422, "create-workitem refused: %s reports fall due by a working day "
                                 "of the month from 1 to %d (by_working_day)",
                         rhythm, WORKITEM_DAY_OF_MONTH_MAX);
    if (s_is(rhythm, "working_days") &&
        (w->report_day < 1 || w->report_day > WORKITEM_EVERY_DAYS_MAX))
        return s_verdict(v, 422, "create-workitem refused: reports every n working days take n "
                                 "from 1 to %d (every_working_days)",
                         WORKITEM_EVERY_DAYS_MAX);
    for (size_t i = 0; i < w->n_milestones; i++)
        if (!w->milestones[i] || s_empty(w->milestones[i]->title) ||
            w->milestones[i]->due_us <= 0)
            return s_verdict(v, 422, "create-workitem refused: milestone %zu needs a title and "
                                     "a date",
                             i + 1);
    return s_verdict(v, 200, "create-workitem allowed");
}

bool dispatch_rules_problem_spec(const Duban__ProblemSpec *p, dispatch_verdict_t *v)
{
    static const char *const sources[] = {"visit",      "mailbox", "survey", "letter", "online",
                                          "assessment", "meeting", "case",   NULL};
    if (!p)
        return s_verdict(v, 422, "file-problem refused: the problem is missing");
    if (s_empty(p->ref) || strlen(p->ref) > 64)
        return s_verdict(v, 422, "file-problem refused: ref (the problem's key, at most 64 "
                                 "bytes) is required");
    if (s_empty(p->source) || !s_one_of(p->source, sources))
        return s_verdict(v, 422, "file-problem refused: source is visit (走访座谈), mailbox (信箱), "
                                 "survey (问卷), letter, online, assessment, meeting or case");
    if (s_is(p->source, "case") && s_empty(p->case_number))
        return s_verdict(v, 422, "file-problem refused: a problem from a case names the case "
                                 "number");
    if (s_empty(p->title) || strlen(p->title) > 300)
        return s_verdict(v, 422, "file-problem refused: a title (at most 300 bytes) is required");
    if (s_empty(p->description) || strlen(p->description) > 8000)
        return s_verdict(v, 422, "file-problem refused: a description (at most 8000 bytes) is "
                                 "required");
    if ((p->source_detail && strlen(p->source_detail) > 300) ||
        (p->division_hint && strlen(p->division_hint) > 64) ||
        (p->case_number && strlen(p->case_number) > 32) || (p->plan && strlen(p->plan) > 64))
        return s_verdict(v, 422, "file-problem refused: a field is longer than allowed");
    return s_verdict(v, 200, "file-problem allowed");
}

bool dispatch_rules_rectification_spec(const Duban__WorkItemSpec *w, int64_t now_us,
                                       dispatch_verdict_t *v)
{
    if (!dispatch_rules_workitem_spec(w, now_us, v))
        return false;
    if (s_empty(w->responsible_staff))
        return s_verdict(v, 422, "review-problem refused: name the person responsible (责任人)");
    if (s_empty(w->measure) || strlen(w->measure) > 4000)
        return s_verdict(v, 422, "review-problem refused: the measure (整改措施, at most 4000 "
                                 "bytes) is required");
    return s_verdict(v, 200, "review-problem allowed");
}
