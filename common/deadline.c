/* The deadline in force; see deadline.h. */
#include "deadline.h"

#include <assert.h>
#include <string.h>

const char *deadline_clock_str(deadline_clock_t clock)
{
    return clock == DEADLINE_RESPONSE ? "response" : "completion";
}

const char *deadline_action_str(deadline_action_t action)
{
    static const char *names[] = {"keep", "run", "stand", "meet", "drop"};
    return (unsigned)action <= DEADLINE_DROP ? names[action] : "keep";
}

static const calendar_t *s_cal(const deadline_rules_t *r, const deadline_run_t *c)
{
    return c->natural ? r->natural : r->working;
}

static void s_change_init(deadline_change_t *ch)
{
    if (ch)
        memset(ch, 0, sizeof(*ch));
}

static void s_change(deadline_change_t *ch, deadline_clock_t clock, deadline_action_t action,
                     int64_t due_us)
{
    if (!ch)
        return;
    ch->action[clock] = action;
    ch->due_us[clock] = due_us;
}

/* Notes the first miss of a running clock whose deadline passed before
 * at_us (the instant its state ends or changes). */
static void s_note_miss(deadline_run_t *c, int64_t at_us)
{
    if (c->open && !c->standing && !c->missed_us && c->due_us < at_us)
        c->missed_us = c->due_us;
}

static int s_kinds(const deadline_rules_t *r, const char *kind, const char *priority,
                   deadline_task_t *t)
{
    const sla_policy_t *p = sla_policy_find(r->sla, kind, priority);
    if (!p)
        return -1;
    t->clock[DEADLINE_RESPONSE].natural = p->response_natural;
    t->clock[DEADLINE_COMPLETION].natural = p->completion_natural;
    return 0;
}

int deadline_start(const deadline_rules_t *r, const char *kind, const char *priority,
                   int64_t at_us, deadline_task_t *t, deadline_change_t *ch)
{
    assert(r && r->sla && r->working && r->natural && kind && priority && t);
    sla_deadlines_t d;
    if (sla_deadlines(r->sla, r->working, r->natural, kind, priority, at_us, &d) < 0)
        return -1;
    memset(t, 0, sizeof(*t));
    s_kinds(r, kind, priority, t);
    t->dispatched_us = at_us;
    const int64_t due[2] = {d.response_due_us, d.completion_due_us};
    const int64_t warn[2] = {d.response_warn_us, d.completion_warn_us};
    s_change_init(ch);
    for (int i = 0; i < DEADLINE_CLOCKS; i++) {
        deadline_run_t *c = &t->clock[i];
        c->open = true;
        c->due_us = due[i];
        c->warn_us = warn[i];
        c->since_us = at_us;
        s_change(ch, (deadline_clock_t)i, DEADLINE_RUN, due[i]);
    }
    return 0;
}

int deadline_from_row(const deadline_rules_t *r, const char *kind, const char *priority,
                      const int64_t due_us[DEADLINE_CLOCKS], const int64_t warn_us[DEADLINE_CLOCKS],
                      bool response_open, bool completion_open, int64_t paused_us,
                      deadline_task_t *t)
{
    assert(r && kind && priority && t);
    deadline_task_t row = {0};
    if (s_kinds(r, kind, priority, &row) < 0)
        return -1;
    const bool open[2] = {response_open && completion_open, completion_open};
    for (int i = 0; i < DEADLINE_CLOCKS; i++) {
        deadline_run_t *c = &row.clock[i];
        c->open = open[i];
        c->due_us = due_us[i];
        c->warn_us = warn_us[i];
        c->standing = open[i] && paused_us > 0;
        c->standing_us = c->standing ? paused_us : 0;
    }
    *t = row;
    return 0;
}

int64_t deadline_due_at(const deadline_rules_t *r, const deadline_task_t *t,
                        deadline_clock_t clock, int64_t at_us)
{
    const deadline_run_t *c = &t->clock[clock];
    if (!c->standing || at_us <= c->standing_us)
        return c->due_us;
    const calendar_t *cal = s_cal(r, c);
    int64_t stood = calendar_working_between(cal, c->standing_us, at_us);
    return calendar_add_working(cal, c->due_us, stood);
}

int deadline_pause(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                   deadline_change_t *ch)
{
    (void)r;
    s_change_init(ch);
    bool any = false;
    for (int i = 0; i < DEADLINE_CLOCKS; i++) {
        deadline_run_t *c = &t->clock[i];
        if (!c->open || c->standing)
            continue;
        s_note_miss(c, at_us);
        c->standing = true;
        c->standing_us = c->since_us = at_us;
        s_change(ch, (deadline_clock_t)i, DEADLINE_STAND, 0);
        any = true;
    }
    return any ? 0 : -1;
}

int deadline_resume(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                    deadline_change_t *ch)
{
    s_change_init(ch);
    bool any = false;
    for (int i = 0; i < DEADLINE_CLOCKS; i++) {
        deadline_run_t *c = &t->clock[i];
        if (!c->open || !c->standing)
            continue;
        const calendar_t *cal = s_cal(r, c);
        int64_t stood = calendar_working_between(cal, c->standing_us, at_us);
        c->due_us = calendar_add_working(cal, c->due_us, stood);
        if (c->warn_us)
            c->warn_us = calendar_add_working(cal, c->warn_us, stood);
        c->standing = false;
        c->standing_us = 0;
        c->since_us = at_us;
        s_change(ch, (deadline_clock_t)i, DEADLINE_RUN, c->due_us);
        any = true;
    }
    return any ? 0 : -1;
}

int deadline_extend(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                    int64_t amount_us, deadline_change_t *ch)
{
    s_change_init(ch);
    deadline_run_t *c = &t->clock[DEADLINE_COMPLETION];
    if (!c->open || amount_us <= 0)
        return -1;
    const calendar_t *cal = s_cal(r, c);
    s_note_miss(c, at_us);
    c->due_us = calendar_add_working(cal, c->due_us, amount_us);
    if (c->warn_us)
        c->warn_us = calendar_add_working(cal, c->warn_us, amount_us);
    if (!c->standing) { /* a standing clock moves again when it resumes */
        c->since_us = at_us;
        s_change(ch, DEADLINE_COMPLETION, DEADLINE_RUN, c->due_us);
    }
    return 0;
}

/* Meets clock at at_us: against the deadline it would have if it ran again
 * then, when it stands. */
static void s_meet(const deadline_rules_t *r, deadline_task_t *t, deadline_clock_t clock,
                   int64_t at_us, deadline_change_t *ch)
{
    deadline_run_t *c = &t->clock[clock];
    int64_t due = deadline_due_at(r, t, clock, at_us);
    s_note_miss(c, at_us);
    c->due_us = due;
    c->open = c->standing = false;
    c->standing_us = 0;
    c->met_us = at_us;
    s_change(ch, clock, DEADLINE_MEET, due);
}

int deadline_sign(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                  deadline_change_t *ch)
{
    s_change_init(ch);
    if (!t->clock[DEADLINE_RESPONSE].open)
        return -1;
    s_meet(r, t, DEADLINE_RESPONSE, at_us, ch);
    return 0;
}

int deadline_reply(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                   deadline_change_t *ch)
{
    s_change_init(ch);
    if (!t->clock[DEADLINE_COMPLETION].open)
        return -1;
    if (t->clock[DEADLINE_RESPONSE].open)
        s_meet(r, t, DEADLINE_RESPONSE, at_us, ch);
    s_meet(r, t, DEADLINE_COMPLETION, at_us, ch);
    return 0;
}

int deadline_return(const deadline_rules_t *r, deadline_task_t *t, int64_t at_us,
                    deadline_change_t *ch)
{
    s_change_init(ch);
    deadline_run_t *c = &t->clock[DEADLINE_COMPLETION];
    if (!t->clock[DEADLINE_RESPONSE].open || !c->open)
        return -1;
    s_meet(r, t, DEADLINE_RESPONSE, at_us, ch);
    s_note_miss(c, at_us);
    c->open = c->standing = false;
    c->standing_us = 0;
    s_change(ch, DEADLINE_COMPLETION, DEADLINE_DROP, 0);
    return 0;
}

int deadline_apply(const deadline_rules_t *r, deadline_task_t *t, const deadline_event_t *e,
                   deadline_change_t *ch)
{
    switch (e->type) {
    case DEADLINE_EV_PAUSE:
        return deadline_pause(r, t, e->at_us, ch);
    case DEADLINE_EV_RESUME:
        return deadline_resume(r, t, e->at_us, ch);
    case DEADLINE_EV_EXTEND:
        return deadline_extend(r, t, e->at_us, e->amount_us, ch);
    case DEADLINE_EV_SIGN:
        return deadline_sign(r, t, e->at_us, ch);
    case DEADLINE_EV_REPLY:
        return deadline_reply(r, t, e->at_us, ch);
    case DEADLINE_EV_RETURN:
        return deadline_return(r, t, e->at_us, ch);
    }
    s_change_init(ch);
    return -1;
}

int deadline_replay(const deadline_rules_t *r, const char *kind, const char *priority,
                    int64_t dispatched_us, const deadline_event_t *events, int n, int64_t at_us,
                    deadline_task_t *t)
{
    if (deadline_start(r, kind, priority, dispatched_us, t, NULL) < 0)
        return -1;
    for (int i = 0; i < n && events[i].at_us < at_us; i++)
        if (deadline_apply(r, t, &events[i], NULL) < 0)
            return -1;
    return 0;
}

int64_t deadline_window_us(const deadline_rules_t *r, const deadline_task_t *t,
                           const char *window)
{
    calendar_window_t w;
    if (!window || calendar_parse_window(window, &w) < 0)
        return -1;
    return calendar_window_us(s_cal(r, &t->clock[DEADLINE_COMPLETION]), &w);
}

int64_t deadline_missed_by(const deadline_task_t *t, deadline_clock_t clock, int64_t at_us)
{
    const deadline_run_t *c = &t->clock[clock];
    if (c->missed_us)
        return c->missed_us < at_us ? c->missed_us : 0;
    if (c->open && !c->standing && c->due_us < at_us)
        return c->due_us;
    return 0;
}

bool deadline_overdue_at(const deadline_task_t *t, deadline_clock_t clock, int64_t at_us)
{
    const deadline_run_t *c = &t->clock[clock];
    return c->open && !c->standing && c->due_us < at_us;
}

deadline_verdict_t deadline_state_verdict(int64_t since_us, int64_t until_us, int64_t due_us,
                                          bool missed_before, bool ended_met)
{
    if (missed_before || !due_us)
        return DEADLINE_NO_VERDICT;
    if (since_us <= due_us && (!until_us || until_us > due_us))
        return DEADLINE_MISSED;
    if (ended_met && until_us && until_us <= due_us)
        return DEADLINE_MET;
    return DEADLINE_NO_VERDICT;
}

bool deadline_state_overdue_at(int64_t since_us, int64_t until_us, int64_t due_us, int64_t at_us)
{
    return due_us && since_us <= at_us && (!until_us || at_us < until_us) && due_us < at_us;
}
