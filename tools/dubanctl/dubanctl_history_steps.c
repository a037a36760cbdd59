/* dubanctl import-history: replaying a historical case's steps as the live
 * workflow would have taken them (see dubanctl_history.h).
 *
 * Each workflow step is first decided by dispatch's own rules
 * (dispatch_rules_check, linked from the dispatch_rules library, as intake
 * links it): the case and the task as the earlier steps left them, the
 * person who acted (the ledger's "by" when it names a staff member, else the
 * task's division's handler, the inspection office or the first responder,
 * whoever takes that step live) and the step's own instant. What live would
 * refuse is refused, with live's reason. Then the step is applied as
 * dispatch's statements apply it (dispatch_apply*.c): the same states,
 * events, new tasks and the same deadline arithmetic (common/deadline.c).
 * Two steps have no live rule of their own and keep theirs: "dispatched"
 * (routing) and "reopened" (a failed look-back re-check reopens a closed
 * case). The violations the history shows are listed at the end, as watch
 * and live operation record them. */
#include "dubanctl_history.h"

#include "dispatch_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && s[0] ? s : NULL;
}

static bool s_open(const h_task_t *t)
{
    return strcmp(t->state, "dispatched") == 0 || strcmp(t->state, "signed") == 0;
}

/* The task a step concerns: the division's (open first, then latest), or
 * the open lead task, or the latest lead task. */
static h_task_t *s_task(h_case_t *h, const char *division, const char *role)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = h->ntasks - 1; i >= 0; i--) {
            h_task_t *t = &h->tasks[i];
            if (division ? strcmp(t->division, division) != 0 : strcmp(t->role, "lead") != 0)
                continue;
            if (role && strcmp(t->role, role) != 0)
                continue;
            if (pass == 1 || s_open(t))
                return t;
        }
    return NULL;
}

/* The division of the latest lead reply (a reopen goes back to it). */
static const char *s_lead_division(h_case_t *h)
{
    for (int i = h->ntasks - 1; i >= 0; i--)
        if (strcmp(h->tasks[i].role, "lead") == 0 && h->tasks[i].replied_at)
            return h->tasks[i].division;
    return h->ntasks ? h->tasks[h->ntasks - 1].division : NULL;
}

/* ------------------------------------------------------- deadlines */

static void s_clock(h_case_t *h, const h_task_t *t, int64_t at, bool start,
                    const deadline_change_t *ch)
{
    if (h->nclocks < H_MAX_CLOCKS)
        h->clocks[h->nclocks++] =
            (h_clock_t){(int)(t - h->tasks), h->step, at, start, *ch};
}

static int s_new_task(h_case_t *h, const char *division, const char *role, int64_t at,
                      bool arbitrated, const char *by)
{
    if (!division || !org_division_find(h->org, division))
        return history_fail(h, "division %s is not configured", division ? division : "(none)");
    if (h->ntasks == H_MAX_TASKS)
        return history_fail(h, "more than %d tasks", H_MAX_TASKS);
    h_task_t *t = &h->tasks[h->ntasks];
    memset(t, 0, sizeof(*t));
    deadline_change_t ch;
    if (deadline_start(h->rules, h->kind, h->priority, at, &t->clocks, &ch) < 0)
        return history_fail(h, "no SLA policy for kind %s priority %s", h->kind, h->priority);
    snprintf(t->division, sizeof(t->division), "%s", division);
    t->role = role;
    t->state = "dispatched";
    t->arbitrated = arbitrated;
    t->dispatched = t->updated = at;
    t->round = 1;
    for (int i = 0; i < h->ntasks; i++)
        if (strcmp(h->tasks[i].division, division) == 0 && strcmp(h->tasks[i].role, role) == 0 &&
            h->tasks[i].round >= t->round)
            t->round = h->tasks[i].round + 1;
    h->ntasks++;
    s_clock(h, t, at, true, &ch);
    if (strcmp(role, "lead") == 0)
        h->state = "dispatched";
    history_event(h, at, h->ntasks - 1, "dispatched", by,
                  json_pack("{s:s, s:s, s:i, s:b}", "division", division, "role", role, "round",
                            t->round, "arbitrated", arbitrated));
    return 0;
}

static json_t *s_due_json(h_case_t *h, int64_t us)
{
    char buf[48];
    calendar_format_instant(h->working, us, buf, sizeof(buf));
    return json_string(buf);
}

/* ------------------------------------------------------- live rules */

/* The case and task as dispatch's context statement would read them now. */
static void s_context(h_case_t *h, const h_task_t *t, dispatch_context_t *c)
{
    memset(c, 0, sizeof(*c));
    c->case_id = 1;
    snprintf(c->case_number, sizeof(c->case_number), "%.31s", h->ref);
    snprintf(c->case_state, sizeof(c->case_state), "%s", h->state);
    snprintf(c->first_responder, sizeof(c->first_responder), "%s", h->responder);
    c->returns = h->returns;
    snprintf(c->kind, sizeof(c->kind), "%s", h->kind);
    snprintf(c->priority, sizeof(c->priority), "%s", h->priority);
    const h_task_t *lead = s_task(h, NULL, "lead");
    snprintf(c->lead_division, sizeof(c->lead_division), "%s", lead ? lead->division : "");
    if (!t)
        return;
    c->has_task = true;
    c->task_id = (t - h->tasks) + 1;
    snprintf(c->division, sizeof(c->division), "%s", t->division);
    snprintf(c->role, sizeof(c->role), "%s", t->role);
    snprintf(c->task_state, sizeof(c->task_state), "%s", t->state);
    c->arbitrated = t->arbitrated;
    c->response_due_us = t->clocks.clock[DEADLINE_RESPONSE].due_us;
    c->completion_due_us = t->clocks.clock[DEADLINE_COMPLETION].due_us;
    c->response_warn_us = t->clocks.clock[DEADLINE_RESPONSE].warn_us;
    c->completion_warn_us = t->clocks.clock[DEADLINE_COMPLETION].warn_us;
    c->paused_at_us = t->paused_at;
    snprintf(c->extension_state, sizeof(c->extension_state), "%s",
             t->extension_state ? t->extension_state : "");
    c->extension_by_us = t->extension_by;
}

/* Who took the step: the staff member the ledger names, else whoever takes
 * it live (role, division; the first responder for case steps). */
static void s_who(h_case_t *h, json_t *s, const char *role, const char *division,
                  auth_identity_t *who)
{
    const char *by = s_str(s, "by");
    const org_staff_t *staff = by ? org_staff_find(h->org, by) : NULL;
    memset(who, 0, sizeof(*who));
    if (staff) {
        snprintf(who->staff, sizeof(who->staff), "%s", staff->code);
        snprintf(who->role, sizeof(who->role), "%s", staff->role);
        snprintf(who->division, sizeof(who->division), "%s", staff->division);
        return;
    }
    const org_staff_t *fr = strcmp(role, "first-responder") == 0
                                ? org_staff_find(h->org, h->responder)
                                : NULL;
    snprintf(who->staff, sizeof(who->staff), "%s", fr ? fr->code : H_ACTOR);
    snprintf(who->role, sizeof(who->role), "%s", fr ? fr->role : role);
    snprintf(who->division, sizeof(who->division), "%s", fr ? fr->division : division);
}

/* Asks dispatch's rules whether the step may be taken at at_us. 0, or -1
 * with live's refusal in h->error. */
static int s_rules(h_case_t *h, const h_task_t *t, const dispatch_step_t *step,
                   const auth_identity_t *who, int64_t at_us)
{
    dispatch_context_t c;
    dispatch_verdict_t v;
    s_context(h, t, &c);
    if (dispatch_rules_check(&c, step, who, at_us, &v))
        return 0;
    return history_fail(h, "%s", v.message);
}

/* ------------------------------------------------------- task steps */

static int s_return(h_case_t *h, json_t *s, h_task_t *t, int64_t at, const char *by)
{
    const char *to = s_str(s, "to"), *agency = s_str(s, "outside_agency");
    const char *reason = s_str(s, "reason");
    deadline_change_t ch;
    if (to && !org_division_find(h->org, to))
        return history_fail(h, "division %s is not configured", to);
    t->state = "returned";
    t->returned_at = t->updated = at;
    t->reason = reason;
    t->return_to = to ? to : agency;
    deadline_return(h->rules, &t->clocks, at, &ch);
    s_clock(h, t, at, false, &ch);
    int index = (int)(t - h->tasks);
    history_event(h, at, index, "returned", by,
                  json_pack("{s:s, s:s, s:s, s:b}", "division", t->division, "reason", reason, "to",
                            t->return_to, "outside_agency", agency && !to));
    if (strcmp(t->role, "lead") != 0)
        return to ? s_new_task(h, to, "co", at, false, H_ACTOR) : 0;
    h->returns++;
    if (h->returns >= 2 || !to) {
        h->state = "arbitration";
        history_event(h, at, -1, "arbitration_requested", H_ACTOR,
                      json_pack("{s:i}", "returns", h->returns));
        return 0;
    }
    return s_new_task(h, to, "lead", at, false, H_ACTOR);
}

static void s_material(h_case_t *h, h_task_t *t, int64_t at, bool arrived, json_t *s,
                       const char *by)
{
    int index = (int)(t - h->tasks);
    deadline_change_t ch;
    if (!arrived) {
        t->paused_at = at;
        deadline_pause(h->rules, &t->clocks, at, &ch);
        s_clock(h, t, at, false, &ch);
        history_event(h, at, index, "material_requested", by,
                      json_pack("{s:s, s:s}", "division", t->division, "material",
                                s_str(s, "material")));
        return;
    }
    int64_t w = calendar_working_between(h->working, t->paused_at, at);
    deadline_resume(h->rules, &t->clocks, at, &ch);
    s_clock(h, t, at, false, &ch);
    t->paused_total += at - t->paused_at;
    t->paused_at = 0;
    history_event(h, at, index, "material_arrived", by,
                  json_pack("{s:s, s:I, s:o}", "division", t->division, "paused_seconds",
                            (json_int_t)(w / 1000000), "completion_due",
                            s_due_json(h, t->clocks.clock[DEADLINE_COMPLETION].due_us)));
}

/* An extension granted at `at`, asked at requested_at (the ledger's, else
 * the same instant): live's extend, then the inspection office's decision. */
static int s_extension(h_case_t *h, json_t *s, h_task_t *t, int64_t at, const char *by)
{
    const char *window = s_str(s, "by"), *asked = s_str(s, "requested_at");
    int64_t requested = at;
    if (asked && (calendar_parse_instant(asked, &requested) < 0 || requested > at ||
                  requested < t->updated))
        return history_fail(h, "requested_at must be an instant with its zone, at or before the "
                               "grant and after the step before it");
    int64_t amount = deadline_window_us(h->rules, &t->clocks, window);
    if (!window || amount <= 0)
        return history_fail(h, "extension_granted needs by, a window such as 5d or 8h");
    auth_identity_t who;
    dispatch_step_t extend = {.action = ACTION_EXTEND, .window = window,
                              .text = s_str(s, "reason")};
    json_t *none = json_object();
    s_who(h, none, "handler", t->division, &who);
    json_decref(none);
    if (s_rules(h, t, &extend, &who, requested) < 0)
        return -1;
    int index = (int)(t - h->tasks);
    t->extension_state = "requested";
    t->extension_by = amount;
    t->extension_reason = s_str(s, "reason");
    history_event(h, requested, index, "extension_requested", H_ACTOR,
                  json_pack("{s:s, s:s, s:s}", "division", t->division, "window", window,
                            "reason", t->extension_reason));
    dispatch_step_t decide = {.action = ACTION_DECIDE_EXTENSION, .grant = true,
                              .text = s_str(s, "decision")};
    json_t *decider = json_pack("{s:s?}", "by", s_str(s, "decided_by"));
    s_who(h, decider, "inspector", "inspection", &who);
    json_decref(decider);
    if (s_rules(h, t, &decide, &who, at) < 0)
        return -1;
    deadline_change_t ch;
    deadline_extend(h->rules, &t->clocks, at, amount, &ch);
    s_clock(h, t, at, false, &ch);
    t->extension_state = "granted";
    const char *decision = s_str(s, "decision") ? s_str(s, "decision") : t->extension_reason;
    history_event(h, at, index, "extension_granted", by,
                  json_pack("{s:s, s:s, s:s, s:o}", "division", t->division, "window", window,
                            "decision", decision,
                            "completion_due",
                            s_due_json(h, t->clocks.clock[DEADLINE_COMPLETION].due_us)));
    return 0;
}

static void s_reply(h_case_t *h, json_t *s, h_task_t *t, int64_t at, const char *by)
{
    const char *result = s_str(s, "result");
    bool lead = strcmp(t->role, "lead") == 0;
    deadline_change_t ch;
    deadline_reply(h->rules, &t->clocks, at, &ch);
    s_clock(h, t, at, false, &ch);
    if (t->paused_at)
        t->paused_total += at - t->paused_at;
    t->paused_at = 0;
    t->state = "replied";
    t->replied_at = at;
    t->result = result;
    t->signed_at = t->signed_at ? t->signed_at : at;
    if (lead) {
        h->state = "replied";
        h->result = result;
        h->replied_at = at;
    }
    history_event(h, at, (int)(t - h->tasks), lead ? "replied" : "input", by,
                  json_pack("{s:s, s:s}", "division", t->division, "result", result));
}

static int s_task_step(h_case_t *h, const char *type, json_t *s, int64_t at, const char *by)
{
    static const struct {
        const char *type;
        dispatch_action_t action;
    } actions[] = {
        {"signed", ACTION_SIGN},
        {"returned", ACTION_RETURN},
        {"material_requested", ACTION_NEED_MATERIAL},
        {"material_arrived", ACTION_MATERIAL_ARRIVED},
        {"extension_granted", ACTION_EXTEND},
        {"replied", ACTION_REPLY},
    };
    h_task_t *t = s_task(h, s_str(s, "division"), s_str(s, "role"));
    if (!t)
        return history_fail(h, "the case holds no task%s%s", s_str(s, "division") ? " of " : "",
                            s_str(s, "division") ? s_str(s, "division") : "");
    dispatch_step_t step = {.action = ACTION_UNKNOWN};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(type, actions[i].type) == 0)
            step.action = actions[i].action;
    if (step.action == ACTION_EXTEND) /* asked and decided: two live steps */
        return s_open(t) ? s_extension(h, s, t, at, by)
                         : history_fail(h, "extend refused: the task is %s", t->state);
    step.text = step.action == ACTION_RETURN             ? s_str(s, "reason")
                : step.action == ACTION_NEED_MATERIAL ? s_str(s, "material")
                : step.action == ACTION_REPLY         ? s_str(s, "result")
                                                      : NULL;
    step.division = step.action == ACTION_RETURN ? s_str(s, "to") : NULL;
    step.outside_agency = s_str(s, "outside_agency");
    auth_identity_t who;
    s_who(h, s, "handler", t->division, &who);
    if (s_rules(h, t, &step, &who, at) < 0)
        return -1;
    t->updated = at;
    switch (step.action) {
    case ACTION_SIGN: {
        deadline_change_t ch;
        deadline_sign(h->rules, &t->clocks, at, &ch);
        s_clock(h, t, at, false, &ch);
        t->state = "signed";
        t->signed_at = at;
        t->handler = strcmp(who.staff, H_ACTOR) != 0 ? s_str(s, "by") : NULL;
        history_event(h, at, (int)(t - h->tasks), "signed", by,
                      json_pack("{s:s}", "division", t->division));
        return 0;
    }
    case ACTION_RETURN:
        return s_return(h, s, t, at, by);
    case ACTION_NEED_MATERIAL:
    case ACTION_MATERIAL_ARRIVED:
        s_material(h, t, at, step.action == ACTION_MATERIAL_ARRIVED, s, by);
        return 0;
    default:
        s_reply(h, s, t, at, by);
        return 0;
    }
}

/* ------------------------------------------------------- case steps */

static const char *s_satisfaction(const char *text)
{
    static const char *map[][2] = {{"satisfied", "satisfied"},     {"满意", "satisfied"},
                                   {"basically", "basically"},     {"基本满意", "basically"},
                                   {"unsatisfied", "unsatisfied"}, {"不满意", "unsatisfied"}};
    for (size_t i = 0; text && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(text, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* A failed look-back re-check reopens a closed case (bulletin_recheck.c). */
static int s_reopen(h_case_t *h, json_t *s, int64_t at, const char *by)
{
    if (strcmp(h->state, "closed") != 0)
        return history_fail(h, "only a closed case is reopened (it is %s)", h->state);
    const char *division = s_str(s, "division") ? s_str(s, "division") : s_lead_division(h);
    h->reopened++;
    h->closed_at = 0;
    const char *reason = s_str(s, "reason");
    history_event(h, at, -1, "reopened", by,
                  json_pack("{s:s?, s:s}", "division", division, "reason", reason ? reason : ""));
    return s_new_task(h, division, "lead", at, false, H_ACTOR);
}

static int s_case_step(h_case_t *h, const char *type, json_t *s, int64_t at)
{
    const char *by = s_str(s, "by") ? s_str(s, "by") : h->responder;
    if (strcmp(type, "reopened") == 0)
        return s_reopen(h, s, at, by);
    const char *sat = s_satisfaction(s_str(s, "satisfaction"));
    dispatch_step_t step = {.action = strcmp(type, "informed") == 0   ? ACTION_INFORM
                                      : strcmp(type, "callback") == 0 ? ACTION_CALLBACK
                                                                      : ACTION_CLOSE,
                            .text = s_str(s, "reason"),
                            .satisfaction = sat ? sat : s_str(s, "satisfaction")};
    auth_identity_t who;
    s_who(h, s, "first-responder", "", &who);
    if (s_rules(h, NULL, &step, &who, at) < 0)
        return -1;
    if (step.action == ACTION_INFORM) {
        h->state = "informed";
        h->informed_at = at;
        const char *how = s_str(s, "how");
        history_event(h, at, -1, "informed", by, json_pack("{s:s}", "how", how ? how : ""));
        return 0;
    }
    if (step.action == ACTION_CLOSE) {
        h->state = "closed";
        h->closed_at = at;
        const char *reason = s_str(s, "reason");
        history_event(h, at, -1, "closed", by,
                      json_pack("{s:b, s:s}", "without_callback", 1, "reason", reason ? reason : ""));
        return 0;
    }
    const char *remark = s_str(s, "remark");
    h->satisfaction = sat;
    history_event(h, at, -1, "callback", by,
                  json_pack("{s:s, s:s}", "satisfaction", sat, "remark", remark ? remark : ""));
    if (strcmp(sat, "unsatisfied") != 0) {
        h->state = "closed";
        h->closed_at = at;
        history_event(h, at, -1, "closed", by,
                      json_pack("{s:n, s:s}", "division", "satisfaction", sat));
        return 0;
    }
    const char *division = s_lead_division(h);
    h->reopened++;
    history_event(h, at, -1, "reopened", by,
                  json_pack("{s:s?, s:s}", "division", division, "satisfaction", sat));
    return s_new_task(h, division, "lead", at, false, H_ACTOR);
}

static int s_arbitrate(h_case_t *h, json_t *s, int64_t at, const char *by)
{
    const char *division = s_str(s, "division"), *decision = s_str(s, "decision");
    dispatch_step_t step = {.action = ACTION_ARBITRATE, .division = division,
                            .outside_agency = s_str(s, "outside_agency"), .text = decision};
    auth_identity_t who;
    s_who(h, s, "inspector", "inspection", &who);
    if (s_rules(h, NULL, &step, &who, at) < 0)
        return -1;
    if (!division)
        return history_fail(h, "arbitrated needs the division decided (a case decided to be "
                               "outside the bureau's remit is not imported)");
    json_t *groundless = json_array();
    for (int i = 0; i < h->ntasks; i++)
        if (strcmp(h->tasks[i].state, "returned") == 0 &&
            strcmp(h->tasks[i].division, division) == 0 && json_array_size(groundless) == 0)
            json_array_append_new(groundless, json_string(division));
    history_event(h, at, -1, "arbitrated", by,
                  json_pack("{s:s, s:n, s:s, s:o}", "division", division, "outside_agency",
                            "decision", decision, "groundless_returns", groundless));
    return s_new_task(h, division, "lead", at, true, H_ACTOR);
}

static int s_dispatch(h_case_t *h, json_t *s, int64_t at, const char *by)
{
    const char *role = s_str(s, "role") ? s_str(s, "role") : "lead";
    h_task_t *open = s_task(h, NULL, "lead");
    if (strcmp(role, "lead") != 0 && strcmp(role, "co") != 0)
        return history_fail(h, "role is lead or co");
    if (strcmp(role, "lead") == 0 && open && s_open(open))
        return history_fail(h, "the lead task of %s is still open (a return or an arbitration "
                               "dispatches by itself)", open->division);
    if (strcmp(role, "lead") == 0 && strcmp(h->state, "received") != 0)
        return history_fail(h, "the case is %s; only a received case is dispatched", h->state);
    if (strcmp(role, "co") == 0 && !open)
        return history_fail(h, "co-handling needs the lead task first");
    return s_new_task(h, s_str(s, "division"), role, at, false, by);
}

/* ------------------------------------------------------- violations */

static void s_violation(h_case_t *h, int task, const char *kind, int64_t at)
{
    if (h->nviolations < H_MAX_VIOLATIONS)
        h->violations[h->nviolations++] = (h_violation_t){task, kind, at};
}

/* What live operation records (watch: a deadline missed while its clock
 * ran, at the deadline, by the import's time; a groundless return at the
 * arbitration; a reopen against the lead task whose reply it judged). */
static void s_violations(h_case_t *h)
{
    static const char *kinds[DEADLINE_CLOCKS] = {"response_overdue", "completion_overdue"};
    for (int i = 0; i < h->ntasks; i++)
        for (int c = 0; c < DEADLINE_CLOCKS; c++) {
            int64_t missed = deadline_missed_by(&h->tasks[i].clocks, (deadline_clock_t)c,
                                                h->now_us);
            if (missed)
                s_violation(h, i, kinds[c], missed);
        }
    for (int e = 0; e < h->nevents; e++) {
        const h_event_t *ev = &h->events[e];
        if (strcmp(ev->type, "arbitrated") == 0) {
            json_t *g = json_object_get(ev->detail, "groundless_returns");
            for (size_t k = 0; k < json_array_size(g); k++)
                for (int i = 0; i < h->ntasks; i++)
                    if (strcmp(h->tasks[i].state, "returned") == 0 &&
                        h->tasks[i].returned_at <= ev->at &&
                        strcmp(h->tasks[i].division, json_string_value(json_array_get(g, k))) ==
                            0)
                        s_violation(h, i, "groundless_return", ev->at);
        } else if (strcmp(ev->type, "reopened") == 0) {
            int best = -1;
            for (int i = 0; i < h->ntasks; i++)
                if (strcmp(h->tasks[i].role, "lead") == 0 && h->tasks[i].replied_at &&
                    h->tasks[i].replied_at <= ev->at &&
                    (best < 0 || h->tasks[i].replied_at >= h->tasks[best].replied_at))
                    best = i;
            if (best >= 0)
                s_violation(h, best, "reopen", ev->at);
        }
    }
}

/* ------------------------------------------------------- the replay */

int history_replay(h_case_t *h, json_t *steps)
{
    static const char *task_steps[] = {
        "signed",  "returned", "material_requested", "material_arrived", "extension_granted",
        "replied", NULL};
    static const char *case_steps[] = {"informed", "callback", "closed", "reopened", NULL};
    int64_t last = h->received;
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        const char *type = s_str(s, "step"), *when = s_str(s, "at");
        int64_t at;
        char why[320];
        h->step = (int)i;
        if (!type || !when || calendar_parse_instant(when, &at) < 0) {
            history_fail(h, "needs step and at (an instant with its zone, e.g. "
                            "2017-03-06T09:00:00+08:00)");
            goto out_step;
        }
        if (at < last) {
            history_fail(h, "at %s is before the step or receipt before it", when);
            goto out_step;
        }
        if (at > h->now_us) {
            history_fail(h, "at %s has not happened yet", when);
            goto out_step;
        }
        last = h->updated = at;
        const char *by = s_str(s, "by") ? s_str(s, "by") : H_ACTOR;
        if (strcmp(type, "extension_granted") == 0)
            by = s_str(s, "decided_by") ? s_str(s, "decided_by") : H_ACTOR;
        int rc = -2;
        for (int k = 0; rc == -2 && task_steps[k]; k++)
            if (strcmp(type, task_steps[k]) == 0)
                rc = s_task_step(h, type, s, at, by);
        for (int k = 0; rc == -2 && case_steps[k]; k++)
            if (strcmp(type, case_steps[k]) == 0)
                rc = s_case_step(h, type, s, at);
        if (rc == -2 && strcmp(type, "dispatched") == 0)
            rc = s_dispatch(h, s, at, by);
        if (rc == -2 && strcmp(type, "arbitrated") == 0)
            rc = s_arbitrate(h, s, at, by);
        if (rc == -2)
            rc = history_fail(h,
                              "%s is not a step (dispatched, signed, returned, arbitrated, "
                              "material_requested, material_arrived, extension_granted, replied, "
                              "informed, callback, closed, reopened)",
                              type);
        if (rc == 0 && h->nevents < H_MAX_EVENTS && h->nclocks < H_MAX_CLOCKS)
            continue;
        if (rc == 0)
            history_fail(h, "more than %d events or %d deadline changes", H_MAX_EVENTS,
                         H_MAX_CLOCKS);
    out_step:
        snprintf(why, sizeof(why), "step %zu (%.32s): %.250s", i + 1, type ? type : "?", h->error);
        snprintf(h->error, sizeof(h->error), "%s", why);
        return -1;
    }
    s_violations(h);
    return 0;
}
