/* The deadline watch's rules; see watch_rules.h. Pure functions: no I/O,
 * no clock (the caller passes now). */
#include "watch_rules.h"

#include "deadline.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *watch_deadline_str(watch_deadline_t d)
{
    return d == WATCH_RESPONSE ? "response" : "completion";
}

int watch_deadline_parse(const char *text, watch_deadline_t *d)
{
    if (text && strcmp(text, "response") == 0)
        *d = WATCH_RESPONSE;
    else if (text && strcmp(text, "completion") == 0)
        *d = WATCH_COMPLETION;
    else
        return -1;
    return 0;
}

const char *watch_alert_kind_str(const watch_entry_t *e)
{
    if (e->kind == WATCH_KIND_WARNING)
        return "warning";
    return e->level <= 1 ? "breach" : "escalation";
}

static bool s_entry_valid(const watch_entry_t *e)
{
    if (e->task_id <= 0 || e->due_us <= 0 || e->level < 0 || e->level > 99)
        return false;
    if (e->deadline != WATCH_RESPONSE && e->deadline != WATCH_COMPLETION)
        return false;
    switch (e->kind) {
    case WATCH_KIND_WARNING:
        return e->level == 0;
    case WATCH_KIND_ALERT:
    case WATCH_KIND_REPEAT:
        return e->level >= 1;
    }
    return false;
}

int watch_entry_encode(const watch_entry_t *e, char *buf, size_t len)
{
    if (!s_entry_valid(e))
        return -1;
    int n = snprintf(buf, len, "%" PRId64 ":%c:%c:%d:%" PRId64, e->task_id,
                     e->deadline == WATCH_RESPONSE ? 'r' : 'c', (char)e->kind, e->level, e->due_us);
    return n < 0 || (size_t)n >= len ? -1 : n;
}

/* A decimal number without sign or leading zero, ending at *end. */
static int s_number(const char *p, const char *limit, int64_t *out, const char **end)
{
    const char *q = p;
    int64_t v = 0;
    while (q < limit && *q >= '0' && *q <= '9') {
        if (v > (INT64_MAX - (*q - '0')) / 10)
            return -1;
        v = v * 10 + (*q - '0');
        q++;
    }
    if (q == p || (*p == '0' && q - p > 1))
        return -1;
    *out = v;
    *end = q;
    return 0;
}

int watch_entry_decode(const char *member, size_t len, watch_entry_t *e)
{
    const char *p = member, *limit = member + len;
    watch_entry_t d = {0};
    int64_t level = 0;
    if (!member || len == 0 || len >= WATCH_MEMBER_MAX)
        return -1;
    if (s_number(p, limit, &d.task_id, &p) < 0 || p + 5 > limit || p[0] != ':' || p[2] != ':' ||
        p[4] != ':')
        return -1;
    if (p[1] == 'r')
        d.deadline = WATCH_RESPONSE;
    else if (p[1] == 'c')
        d.deadline = WATCH_COMPLETION;
    else
        return -1;
    d.kind = (watch_kind_t)p[3];
    p += 5;
    if (s_number(p, limit, &level, &p) < 0 || level > 99 || p >= limit || *p != ':')
        return -1;
    d.level = (int)level;
    if (s_number(p + 1, limit, &d.due_us, &p) < 0 || p != limit || !s_entry_valid(&d))
        return -1;
    d.at_us = e->at_us;
    *e = d;
    return 0;
}

double watch_score(int64_t at_us)
{
    if (at_us <= 0)
        return 0;
    return (double)((at_us + 999) / 1000);
}

int64_t watch_level_at(const watch_policy_t *p, int64_t due_us, int level)
{
    assert(p && p->working);
    int64_t at = due_us;
    for (int n = 2; n <= level && at != CALENDAR_NEVER; n++)
        at = calendar_add_working(p->working, at, p->period_us);
    return at;
}

/* The deadline's clock as the deadline module sees it at at_us: met (ended)
 * or standing (waiting for material) or running. */
static deadline_run_t s_clock_at(const watch_task_t *t, watch_deadline_t d, int64_t at_us)
{
    deadline_run_t c = {.due_us = t->due_us[d]};
    c.open = !(t->met_us[d] && t->met_us[d] <= at_us);
    c.standing = c.open && t->paused_us && t->paused_us <= at_us;
    return c;
}

bool watch_open_at(const watch_task_t *t, watch_deadline_t d, int64_t at_us)
{
    deadline_run_t c = s_clock_at(t, d, at_us);
    return c.open && !c.standing;
}

int watch_level_reached(const watch_policy_t *p, int64_t due_us, int64_t now_us)
{
    int reached = 0;
    for (int level = 1; level <= p->levels; level++) {
        int64_t at = watch_level_at(p, due_us, level);
        if (at == CALENDAR_NEVER || at > now_us + WATCH_EARLY_US)
            break;
        reached = level;
    }
    return reached;
}

int watch_raise_level(const watch_policy_t *p, const watch_entry_t *e, int64_t now_us)
{
    if (e->kind != WATCH_KIND_ALERT)
        return e->level;
    int reached = watch_level_reached(p, e->due_us, now_us);
    return reached > e->level ? reached : e->level;
}

/* A task overdue now on its completion deadline is alerted on that one: its
 * response deadline raises nothing more (at a catch-up both have passed). */
static bool s_completion_overdue_now(const watch_task_t *t, int64_t now_us)
{
    deadline_task_t k = {0};
    k.clock[DEADLINE_COMPLETION] = s_clock_at(t, WATCH_COMPLETION, now_us);
    return t->due_us[WATCH_COMPLETION] > 0 &&
           deadline_overdue_at(&k, DEADLINE_COMPLETION, now_us + WATCH_EARLY_US);
}

static bool s_due_set(int64_t due_us)
{
    return due_us > 0 && due_us != CALENDAR_NEVER;
}

/* The next event of deadline d's chain (warning or alert), if any. */
static int s_next_chain(const watch_policy_t *p, const watch_task_t *t, watch_deadline_t d,
                        int64_t now_us, watch_entry_t *out)
{
    const watch_raised_t *r = &t->raised[d];
    int64_t due = t->due_us[d], warn = t->warn_us[d];
    *out = (watch_entry_t){.task_id = t->id, .deadline = d, .due_us = due};
    if (!s_due_set(due))
        return 0;
    if (!r->warned && r->max_level == 0 && warn > 0 && warn < due && now_us < due &&
        watch_open_at(t, d, warn)) {
        out->kind = WATCH_KIND_WARNING;
        out->at_us = warn;
        return 1;
    }
    int level = r->max_level + 1;
    if (level > p->levels || !watch_open_at(t, d, now_us))
        return 0; /* done, or nothing to alert: met or waiting for material now */
    if (d == WATCH_RESPONSE && s_completion_overdue_now(t, now_us))
        return 0;
    int64_t at = watch_level_at(p, due, level);
    if (at == CALENDAR_NEVER || !watch_open_at(t, d, at))
        return 0;
    out->kind = WATCH_KIND_ALERT;
    out->level = level;
    out->at_us = at;
    return 1;
}

/* The repeat of deadline d's newest alert, if it is still to be repeated:
 * unacknowledged and the deadline still open now. */
static int s_next_repeat(const watch_task_t *t, watch_deadline_t d, int64_t now_us,
                         watch_entry_t *out)
{
    const watch_raised_t *r = &t->raised[d];
    if (!s_due_set(t->due_us[d]) || r->max_level < 1 || r->top_acked ||
        r->top_next_repeat_us <= 0 || !watch_open_at(t, d, now_us))
        return 0;
    *out = (watch_entry_t){.task_id = t->id,
                           .deadline = d,
                           .kind = WATCH_KIND_REPEAT,
                           .level = r->max_level,
                           .due_us = t->due_us[d],
                           .at_us = r->top_next_repeat_us};
    return 1;
}

int watch_next(const watch_policy_t *p, const watch_task_t *t, int64_t now_us, watch_entry_t *out)
{
    assert(p && t && out);
    watch_entry_t candidates[4];
    int n = 0;
    for (int d = WATCH_RESPONSE; d <= WATCH_COMPLETION; d++) {
        n += s_next_chain(p, t, (watch_deadline_t)d, now_us, &candidates[n]);
        n += s_next_repeat(t, (watch_deadline_t)d, now_us, &candidates[n]);
    }
    if (n == 0)
        return 0;
    int best = 0;
    for (int i = 1; i < n; i++)
        if (candidates[i].at_us < candidates[best].at_us)
            best = i;
    *out = candidates[best];
    return 1;
}

static watch_verdict_t s_skip(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return WATCH_SKIP;
}

watch_verdict_t watch_decide(const watch_policy_t *p, const watch_task_t *t, const watch_entry_t *e,
                             int64_t now_us, const char **why)
{
    assert(p && t && e);
    watch_deadline_t d = e->deadline;
    const watch_raised_t *r = &t->raised[d];
    if (why)
        *why = "";
    if (e->task_id != t->id || !s_due_set(t->due_us[d]) || e->due_us != t->due_us[d])
        return s_skip(why, "deadline moved");
    switch (e->kind) {
    case WATCH_KIND_WARNING: {
        int64_t warn = t->warn_us[d];
        if (r->warned || r->max_level > 0)
            return s_skip(why, "already warned");
        if (warn <= 0 || warn >= e->due_us)
            return s_skip(why, "no warning instant");
        if (warn > now_us + WATCH_EARLY_US)
            return s_skip(why, "not yet due");
        if (now_us >= e->due_us)
            return s_skip(why, "deadline passed before the warning");
        if (!watch_open_at(t, d, warn))
            return s_skip(why, "met or paused");
        return WATCH_RAISE;
    }
    case WATCH_KIND_ALERT: {
        if (e->level < 1 || e->level > p->levels)
            return s_skip(why, "no such level");
        if (e->level <= r->max_level)
            return s_skip(why, "already raised");
        if (e->level != r->max_level + 1)
            return s_skip(why, "a lower level is pending");
        int64_t at = watch_level_at(p, e->due_us, e->level);
        if (at == CALENDAR_NEVER || at > now_us + WATCH_EARLY_US)
            return s_skip(why, "not yet due");
        if (!watch_open_at(t, d, at))
            return s_skip(why, "met in time or paused");
        if (!watch_open_at(t, d, now_us))
            return s_skip(why, "met or waiting for material now");
        if (d == WATCH_RESPONSE && s_completion_overdue_now(t, now_us))
            return s_skip(why, "overdue on its completion deadline: alerted on that");
        return WATCH_RAISE;
    }
    case WATCH_KIND_REPEAT:
        if (e->level != r->max_level || r->max_level < 1)
            return s_skip(why, "superseded");
        if (r->top_acked || r->top_next_repeat_us <= 0)
            return s_skip(why, "acknowledged");
        if (r->top_next_repeat_us > now_us + WATCH_EARLY_US)
            return s_skip(why, "not yet due");
        if (!watch_open_at(t, d, now_us))
            return s_skip(why, "deadline met or paused");
        return WATCH_REPEAT;
    }
    return s_skip(why, "unknown kind");
}
