/* dubanctl import-history FILE.json: migrating a ledger (整治台账) of
 * historical cases with their original timestamps and handling history
 * (issue 3), for administrators, directly into PostgreSQL.
 *
 * The file is a JSON array of cases; each has its fields and its steps in
 * time order. Every case is replayed in memory first, with the rules of the
 * live workflow (dispatch_rules.c / dispatch_apply*.c): deadlines from the
 * SLA policy on the business calendar as of the historical dispatch, material
 * pauses moving the deadlines by the working time paused, extensions by
 * their window, a return re-dispatching to the division named (a second
 * return sending the case to arbitration), an unsatisfied callback reopening
 * it. Then the case, its tasks and one case_events row per step are written
 * in one transaction, so the bulletin computes from them exactly as from
 * live data. An invalid case is reported with its index and reason and
 * nothing of it is stored; external_ref makes a re-import add nothing. */
#include "dubanctl_history.h"

#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int s_fail(h_case_t *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof(h->error), fmt, ap);
    va_end(ap);
    return -1;
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && s[0] ? s : NULL;
}

static void s_event(h_case_t *h, int64_t at, int task, const char *type, const char *actor,
                    json_t *detail)
{
    if (h->nevents < H_MAX_EVENTS)
        h->events[h->nevents++] = (h_event_t){at, task, type, actor, detail};
    else
        json_decref(detail);
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

static int s_new_task(h_case_t *h, const char *division, const char *role, int64_t at,
                      bool arbitrated, const char *by)
{
    if (!division || !org_division_find(h->org, division))
        return s_fail(h, "division %s is not configured", division ? division : "(none)");
    if (h->ntasks == H_MAX_TASKS)
        return s_fail(h, "more than %d tasks", H_MAX_TASKS);
    sla_deadlines_t d;
    if (sla_deadlines(h->sla, h->working, h->natural, h->kind, h->priority, at, &d) < 0)
        return s_fail(h, "no SLA policy for kind %s priority %s", h->kind, h->priority);
    h_task_t *t = &h->tasks[h->ntasks];
    memset(t, 0, sizeof(*t));
    snprintf(t->division, sizeof(t->division), "%s", division);
    t->role = role;
    t->state = "dispatched";
    t->arbitrated = arbitrated;
    t->dispatched = t->updated = at;
    t->response_due = d.response_due_us;
    t->response_warn = d.response_warn_us;
    t->completion_due = d.completion_due_us;
    t->completion_warn = d.completion_warn_us;
    t->round = 1;
    for (int i = 0; i < h->ntasks; i++)
        if (strcmp(h->tasks[i].division, division) == 0 && strcmp(h->tasks[i].role, role) == 0 &&
            h->tasks[i].round >= t->round)
            t->round = h->tasks[i].round + 1;
    h->ntasks++;
    if (strcmp(role, "lead") == 0)
        h->state = "dispatched";
    s_event(h, at, h->ntasks - 1, "dispatched", by,
            json_pack("{s:s, s:s, s:i, s:b}", "division", division, "role", role, "round", t->round,
                      "arbitrated", arbitrated));
    return 0;
}

static json_t *s_due_json(h_case_t *h, int64_t us)
{
    char buf[48];
    calendar_format_instant(h->working, us, buf, sizeof(buf));
    return json_string(buf);
}

static int s_return(h_case_t *h, json_t *s, h_task_t *t, int64_t at, const char *by)
{
    const char *to = s_str(s, "to"), *agency = s_str(s, "outside_agency");
    const char *reason = s_str(s, "reason");
    char when[48];
    if (!reason || (!to && !agency))
        return s_fail(h, "a return needs a reason and to (the division believed responsible) "
                         "or outside_agency");
    if (strcmp(t->state, "dispatched") != 0)
        return s_fail(h, "the task of %s was already %s", t->division, t->state);
    if (t->arbitrated)
        return s_fail(h, "%s was assigned by arbitration and cannot return it", t->division);
    if (to && strcmp(to, t->division) == 0)
        return s_fail(h, "a task cannot be returned to its own division");
    if (at > t->response_due) {
        calendar_format_instant(h->working, t->response_due, when, sizeof(when));
        return s_fail(h, "return after the response window closed at %s", when);
    }
    t->state = "returned";
    t->returned_at = t->updated = at;
    t->reason = reason;
    t->return_to = to ? to : agency;
    int index = (int)(t - h->tasks);
    s_event(h, at, index, "returned", by,
            json_pack("{s:s, s:s, s:s, s:b}", "division", t->division, "reason", reason, "to",
                      t->return_to, "outside_agency", agency && !to));
    if (strcmp(t->role, "lead") != 0)
        return to ? s_new_task(h, to, "co", at, false, H_ACTOR) : 0;
    h->returns++;
    if (h->returns >= 2 || !to) {
        h->state = "arbitration";
        s_event(h, at, -1, "arbitration_requested", H_ACTOR,
                json_pack("{s:i}", "returns", h->returns));
        return 0;
    }
    return s_new_task(h, to, "lead", at, false, H_ACTOR);
}

static int s_arbitrate(h_case_t *h, json_t *s, int64_t at, const char *by)
{
    const char *division = s_str(s, "division"), *decision = s_str(s, "decision");
    if (strcmp(h->state, "arbitration") != 0)
        return s_fail(h, "the case is not waiting for arbitration (it is %s)", h->state);
    if (!division)
        return s_fail(h, "arbitrated needs the division decided");
    json_t *groundless = json_array();
    for (int i = 0; i < h->ntasks; i++)
        if (strcmp(h->tasks[i].state, "returned") == 0 &&
            strcmp(h->tasks[i].division, division) == 0 && json_array_size(groundless) == 0)
            json_array_append_new(groundless, json_string(division));
    s_event(h, at, -1, "arbitrated", by,
            json_pack("{s:s, s:n, s:s, s:o}", "division", division, "outside_agency", "decision",
                      decision ? decision : "", "groundless_returns", groundless));
    return s_new_task(h, division, "lead", at, true, H_ACTOR);
}

/* Deadlines move later by working time w (material pause, extension). */
static void s_move(h_case_t *h, int64_t *due, int64_t w)
{
    *due = calendar_add_working(h->working, *due, w);
}

static int s_task_step(h_case_t *h, const char *type, json_t *s, int64_t at, const char *by)
{
    h_task_t *t = s_task(h, s_str(s, "division"), s_str(s, "role"));
    if (!t)
        return s_fail(h, "the case holds no task%s%s", s_str(s, "division") ? " of " : "",
                      s_str(s, "division") ? s_str(s, "division") : "");
    int index = (int)(t - h->tasks);
    if (strcmp(type, "returned") == 0)
        return s_return(h, s, t, at, by);
    if (!s_open(t))
        return s_fail(h, "the task of %s is %s", t->division, t->state);
    t->updated = at;
    if (strcmp(type, "signed") == 0) {
        if (t->signed_at)
            return s_fail(h, "the task of %s was already signed", t->division);
        t->state = "signed";
        t->signed_at = at;
        t->handler =
            s_str(s, "by") && org_staff_find(h->org, s_str(s, "by")) ? s_str(s, "by") : NULL;
        s_event(h, at, index, "signed", by, json_pack("{s:s}", "division", t->division));
    } else if (strcmp(type, "material_requested") == 0) {
        if (t->paused_at)
            return s_fail(h, "the task of %s already waits for material", t->division);
        t->paused_at = at;
        const char *material = s_str(s, "material");
        s_event(
            h, at, index, "material_requested", by,
            json_pack("{s:s, s:s}", "division", t->division, "material", material ? material : ""));
    } else if (strcmp(type, "material_arrived") == 0) {
        if (!t->paused_at)
            return s_fail(h, "the task of %s is not waiting for material", t->division);
        int64_t w = calendar_working_between(h->working, t->paused_at, at);
        s_move(h, &t->completion_due, w);
        s_move(h, &t->completion_warn, w);
        if (!t->signed_at) {
            s_move(h, &t->response_due, w);
            s_move(h, &t->response_warn, w);
        }
        t->paused_total += at - t->paused_at;
        t->paused_at = 0;
        s_event(h, at, index, "material_arrived", by,
                json_pack("{s:s, s:I, s:o}", "division", t->division, "paused_seconds",
                          (json_int_t)(w / 1000000), "completion_due",
                          s_due_json(h, t->completion_due)));
    } else if (strcmp(type, "extension_granted") == 0) {
        calendar_window_t window;
        const char *text = s_str(s, "by");
        if (!text || calendar_parse_window(text, &window) < 0 || window.amount == 0)
            return s_fail(h, "extension_granted needs by, a window such as 5d or 8h");
        int64_t w = calendar_window_us(h->working, &window);
        s_move(h, &t->completion_due, w);
        s_move(h, &t->completion_warn, w);
        t->extension_state = "granted";
        t->extension_by = w;
        t->extension_reason = s_str(s, "reason");
        s_event(h, at, index, "extension_granted",
                s_str(s, "decided_by") ? s_str(s, "decided_by") : H_ACTOR,
                json_pack("{s:s, s:s, s:s, s:o}", "division", t->division, "window", text,
                          "decision", t->extension_reason ? t->extension_reason : "",
                          "completion_due", s_due_json(h, t->completion_due)));
    } else { /* replied */
        const char *result = s_str(s, "result");
        if (!result)
            return s_fail(h, "replied needs the result");
        bool lead = strcmp(t->role, "lead") == 0;
        if (lead && strcmp(h->state, "dispatched") != 0)
            return s_fail(h, "the case is %s, not waiting for a reply", h->state);
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
        s_event(h, at, index, lead ? "replied" : "input", by,
                json_pack("{s:s, s:s}", "division", t->division, "result", result));
    }
    return 0;
}

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

static int s_case_step(h_case_t *h, const char *type, json_t *s, int64_t at)
{
    const char *by = s_str(s, "by") ? s_str(s, "by") : h->responder;
    if (strcmp(type, "informed") == 0) {
        if (strcmp(h->state, "replied") != 0)
            return s_fail(h, "informed needs a reply first (the case is %s)", h->state);
        h->state = "informed";
        h->informed_at = at;
        const char *how = s_str(s, "how");
        s_event(h, at, -1, "informed", by, json_pack("{s:s}", "how", how ? how : ""));
        return 0;
    }
    if (strcmp(type, "reopened") == 0) {
        if (strcmp(h->state, "closed") != 0)
            return s_fail(h, "only a closed case is reopened (it is %s)", h->state);
        const char *division = s_str(s, "division") ? s_str(s, "division") : s_lead_division(h);
        h->reopened++;
        h->closed_at = 0;
        const char *reason = s_str(s, "reason");
        s_event(h, at, -1, "reopened", by,
                json_pack("{s:s?, s:s}", "division", division, "reason", reason ? reason : ""));
        return s_new_task(h, division, "lead", at, false, H_ACTOR);
    }
    if (strcmp(h->state, "informed") != 0)
        return s_fail(h, "%s needs the requester informed first (the case is %s)", type, h->state);
    if (strcmp(type, "closed") == 0) {
        h->state = "closed";
        h->closed_at = at;
        const char *reason = s_str(s, "reason");
        s_event(h, at, -1, "closed", by,
                json_pack("{s:b, s:s}", "without_callback", 1, "reason", reason ? reason : ""));
        return 0;
    }
    const char *sat = s_satisfaction(s_str(s, "satisfaction"));
    if (!sat)
        return s_fail(h, "callback needs satisfaction: satisfied (满意), basically (基本满意) or "
                         "unsatisfied (不满意)");
    const char *remark = s_str(s, "remark");
    h->satisfaction = sat;
    s_event(h, at, -1, "callback", by,
            json_pack("{s:s, s:s}", "satisfaction", sat, "remark", remark ? remark : ""));
    if (strcmp(sat, "unsatisfied") != 0) {
        h->state = "closed";
        h->closed_at = at;
        s_event(h, at, -1, "closed", by, json_pack("{s:n, s:s}", "division", "satisfaction", sat));
        return 0;
    }
    const char *division = s_lead_division(h);
    h->reopened++;
    s_event(h, at, -1, "reopened", by,
            json_pack("{s:s?, s:s}", "division", division, "satisfaction", sat));
    return s_new_task(h, division, "lead", at, false, H_ACTOR);
}

/* Replays the steps; 0, or -1 with h->error naming the step. */
static int s_replay(h_case_t *h, json_t *steps)
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
        if (!type || !when || calendar_parse_instant(when, &at) < 0) {
            s_fail(h, "needs step and at (an instant with its zone, e.g. "
                      "2017-03-06T09:00:00+08:00)");
            goto out_step;
        }
        if (at < last) {
            s_fail(h, "at %s is before the step or receipt before it", when);
            goto out_step;
        }
        last = h->updated = at;
        const char *by = s_str(s, "by") ? s_str(s, "by") : H_ACTOR;
        int rc = -2;
        for (int k = 0; rc == -2 && task_steps[k]; k++)
            if (strcmp(type, task_steps[k]) == 0)
                rc = s_task_step(h, type, s, at, by);
        for (int k = 0; rc == -2 && case_steps[k]; k++)
            if (strcmp(type, case_steps[k]) == 0)
                rc = s_case_step(h, type, s, at);
        if (rc == -2 && strcmp(type, "dispatched") == 0) {
            const char *role = s_str(s, "role") ? s_str(s, "role") : "lead";
            h_task_t *open = s_task(h, NULL, "lead");
            if (strcmp(role, "lead") != 0 && strcmp(role, "co") != 0)
                rc = s_fail(h, "role is lead or co");
            else if (strcmp(role, "lead") == 0 && open && s_open(open))
                rc = s_fail(h,
                            "the lead task of %s is still open (a return or an arbitration "
                            "dispatches by itself)",
                            open->division);
            else if (strcmp(role, "lead") == 0 && strcmp(h->state, "received") != 0)
                rc = s_fail(h, "the case is %s; only a received case is dispatched", h->state);
            else if (strcmp(role, "co") == 0 && !open)
                rc = s_fail(h, "co-handling needs the lead task first");
            else
                rc = s_new_task(h, s_str(s, "division"), role, at, false, by);
        }
        if (rc == -2 && strcmp(type, "arbitrated") == 0)
            rc = s_arbitrate(h, s, at, by);
        if (rc == -2)
            rc = s_fail(h,
                        "%s is not a step (dispatched, signed, returned, arbitrated, "
                        "material_requested, material_arrived, extension_granted, replied, "
                        "informed, callback, closed, reopened)",
                        type);
        if (rc == 0)
            continue;
    out_step:
        snprintf(why, sizeof(why), "step %zu (%.32s): %.250s", i + 1, type ? type : "?", h->error);
        snprintf(h->error, sizeof(h->error), "%s", why);
        return -1;
    }
    return 0;
}

/* Free-text members, which keep newlines and tabs; every other string is one line. */
static bool s_multiline(const char *key)
{
    static const char *const keys[] = {"description", "reason", "result", "text", "decision",
                                       "note", NULL};
    for (int i = 0; key && keys[i]; i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

/* Refuses control characters in every string of v (see text.h), as intake
 * does; line ends CR LF become LF. path names v in the error. 0 / -1. */
static int s_clean_texts(h_case_t *h, json_t *v, const char *key, const char *path)
{
    char sub[160];
    if (json_is_object(v)) {
        const char *k;
        json_t *member;
        json_object_foreach(v, k, member)
        {
            snprintf(sub, sizeof(sub), "%s%s%.64s", path, path[0] ? "." : "", k);
            if (json_is_string(member) && strstr(json_string_value(member), "\r\n")) {
                char *copy = strdup(json_string_value(member));
                if (!copy)
                    return s_fail(h, "out of memory");
                text_normalize_newlines(copy);
                json_object_set_new(v, k, json_string(copy));
                free(copy);
                member = json_object_get(v, k);
            }
            if (s_clean_texts(h, member, k, sub) < 0)
                return -1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            if (s_clean_texts(h, item, key, sub) < 0)
                return -1;
        }
    } else if (json_is_string(v)) {
        size_t at = 0;
        uint32_t cp = 0;
        char why[96];
        if (strlen(json_string_value(v)) != json_string_length(v))
            return s_fail(h, "%s contains a NUL character", path);
        text_status_t st = text_check(json_string_value(v), s_multiline(key), &at, &cp);
        if (st != TEXT_OK)
            return s_fail(h, "%s %s", path, text_describe(st, at, cp, why, sizeof(why)));
    }
    return 0;
}

/* Reads the case's own fields; 0, or -1 with h->error. */
static int s_fields(h_case_t *h, json_t *e)
{
    if (!json_is_object(e))
        return s_fail(h, "an entry is a JSON object");
    if (s_clean_texts(h, e, NULL, "") < 0)
        return -1;
    h->ref = s_str(e, "external_ref");
    h->kind = s_str(e, "kind");
    h->subject = s_str(e, "subject");
    h->responder = s_str(e, "first_responder");
    h->channel = s_str(e, "channel") ? s_str(e, "channel") : "import";
    h->category = s_str(e, "category");
    h->description = s_str(e, "description") ? s_str(e, "description") : h->subject;
    json_t *req = json_object_get(e, "requester");
    h->name = s_str(req, "name");
    h->phone = s_str(req, "phone");
    h->email = s_str(req, "email");
    h->flagged = json_is_true(json_object_get(e, "flagged"));
    const char *received = s_str(e, "received_at");
    if (!h->ref)
        return s_fail(h, "external_ref is required (it keeps a re-import from doubling cases)");
    if (!h->kind || !org_kind_find(h->org, h->kind))
        return s_fail(h, "kind is complaint, report, enquiry or suggestion");
    if (!h->subject)
        return s_fail(h, "subject is required");
    if (!h->responder || !org_staff_find(h->org, h->responder))
        return s_fail(h, "first_responder must be a staff code of the org file");
    if (!org_channel_find(h->org, h->channel))
        return s_fail(h, "channel %s is not configured", h->channel);
    const org_category_t *cat = h->category ? org_category_find(h->org, h->category) : NULL;
    if (h->category && !cat)
        return s_fail(h, "category %s is not configured", h->category);
    h->priority = s_str(e, "priority") ? s_str(e, "priority")
                  : cat && cat->urgent ? "urgent"
                                       : "normal";
    if (strcmp(h->priority, "normal") != 0 && strcmp(h->priority, "urgent") != 0)
        return s_fail(h, "priority is normal or urgent");
    if (!received || calendar_parse_instant(received, &h->received) < 0)
        return s_fail(h, "received_at needs an instant with its zone, e.g. "
                         "2017-03-06T09:00:00+08:00");
    if (!json_is_array(json_object_get(e, "steps")))
        return s_fail(h, "steps is a list (it may be empty)");
    h->state = "received";
    h->updated = h->received;
    s_event(h, h->received, -1, "received", h->responder,
            json_pack("{s:s, s:s}", "channel", h->channel, "source", H_ACTOR));
    s_event(h, h->received, -1, "triaged", H_ACTOR,
            json_pack("{s:s?, s:s, s:s}", "category", h->category, "priority", h->priority, "rule",
                      "import"));
    return 0;
}

/* ------------------------------------------------------------- command */

typedef struct {
    ctl_t *ctl;
    int created, present, refused;
    json_t *report;
} h_run_t;

static void s_report(h_run_t *r, size_t index, const char *ref, const char *result,
                     const char *number, const char *reason)
{
    if (r->report) {
        json_array_append_new(r->report,
                              json_pack("{s:I, s:s?, s:s, s:s?, s:s?}", "entry", (json_int_t)index,
                                        "external_ref", ref, "result", result, "case_number",
                                        number, "reason", reason));
        return;
    }
    if (reason)
        fprintf(stderr, "entry %zu (%s): %s\n", index, ref ? ref : "no external_ref", reason);
    else
        printf("entry %zu (%s): %s %s\n", index, ref, result, number ? number : "");
}

static void s_one(h_run_t *r, PGconn *conn, h_case_t *h, json_t *entry, size_t index)
{
    char number[40] = "";
    int rc = s_fields(h, entry) < 0 ? -1 : s_replay(h, json_object_get(entry, "steps"));
    if (rc == 0)
        rc = history_store(conn, h, number, sizeof(number));
    if (rc < 0) {
        r->refused++;
        s_report(r, index, h->ref, "refused", NULL, h->error);
    } else if (rc == 0) {
        r->present++;
        s_report(r, index, h->ref, "already imported", NULL, NULL);
    } else {
        r->created++;
        s_report(r, index, h->ref, "imported", number, NULL);
    }
    for (int i = 0; i < h->nevents; i++)
        json_decref(h->events[i].detail);
}

int ctl_import_history(ctl_t *ctl, int argc, char **argv)
{
    const char *path = argc == 2 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!path) {
        fprintf(stderr, "usage: dubanctl import-history FILE.json\n");
        return CTL_USAGE;
    }
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root || !json_is_array(root)) {
        fprintf(stderr, "error: %s is not a JSON array of cases: %s (line %d)\n", path,
                root ? "not an array" : err.text, root ? 1 : err.line);
        json_decref(root);
        return CTL_FAILED;
    }
    org_t *org = org_new(settings_string(ctl->settings, "org_file", "deploy/config/org.conf"));
    sla_t *sla = sla_from_settings(ctl->settings);
    calendar_t *natural = calendar_new_round_the_clock();
    calendar_t *working = calendar_from_settings(ctl->settings);
    PGconn *conn = NULL;
    h_case_t *h = calloc(1, sizeof(*h));
    h_run_t run = {.ctl = ctl, .report = ctl->json ? json_array() : NULL};
    int rc = CTL_FAILED;
    if (!org || !sla || !natural || !working || !h) {
        fprintf(stderr, "error: the org file, SLA file or business calendar is not valid (see "
                        "above)\n");
        goto out_free;
    }
    if (!(conn = ctl_pg_connect(ctl)))
        goto out_free;
    size_t i;
    json_t *entry;
    json_array_foreach(root, i, entry)
    {
        memset(h, 0, sizeof(*h));
        *h = (h_case_t){.org = org, .sla = sla, .working = working, .natural = natural};
        s_one(&run, conn, h, entry, i + 1);
    }
    if (run.report) {
        json_t *out = json_pack("{s:i, s:i, s:i, s:O}", "imported", run.created, "already_imported",
                                run.present, "refused", run.refused, "entries", run.report);
        ctl_print_json(out);
        json_decref(out);
    } else {
        printf("imported %d, already present %d, refused %d\n", run.created, run.present,
               run.refused);
    }
    rc = run.refused ? CTL_FAILED : CTL_OK;
out_free:
    json_decref(run.report);
    PQfinish(conn);
    free(h);
    calendar_destroy(&working);
    calendar_destroy(&natural);
    sla_destroy(&sla);
    org_destroy(&org);
    json_decref(root);
    return rc;
}
