/* See intake_workitem.h. */
#include "intake_workitem.h"

#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 64

typedef struct {
    Duban__WorkItemSpec spec;
    char *leaders[MAX_LIST];
    char *divisions[MAX_LIST];
    Duban__Milestone milestones[MAX_LIST];
    Duban__Milestone *milestone_ptrs[MAX_LIST];
} holder_t;

static bool s_string(json_t *body, const char *key, char **out, char *why, size_t len)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v)) {
        snprintf(why, len, "%s must be a string", key);
        return false;
    }
    *out = (char *)json_string_value(v);
    return true;
}

static bool s_instant(json_t *v, const char *key, int64_t *out, char *why, size_t len)
{
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || calendar_parse_instant(json_string_value(v), out) < 0) {
        snprintf(why, len, "%s must be an RFC 3339 instant with its offset, e.g. "
                           "2017-03-08T17:30:00+08:00", key);
        return false;
    }
    return true;
}

static bool s_list(json_t *body, const char *key, char **out, size_t *n, char *why, size_t len)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_array(v) || json_array_size(v) > MAX_LIST) {
        snprintf(why, len, "%s must be a list of at most %d strings", key, MAX_LIST);
        return false;
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (!json_is_string(json_array_get(v, i))) {
            snprintf(why, len, "%s must be a list of strings", key);
            return false;
        }
        out[(*n)++] = (char *)json_string_value(json_array_get(v, i));
    }
    return true;
}

Duban__WorkItemSpec *intake_workitem_spec(json_t *body, char *why, size_t len)
{
    why[0] = '\0';
    holder_t *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    Duban__WorkItemSpec *w = &h->spec;
    duban__work_item_spec__init(w);
    w->leaders = h->leaders;
    w->divisions = h->divisions;
    w->milestones = h->milestone_ptrs;
    json_t *report = json_object_get(body, "report");
    json_t *milestones = json_object_get(body, "milestones");
    json_t *phase = json_object_get(body, "phase");
    bool ok = s_string(body, "ref", &w->ref, why, len) &&
              s_string(body, "source", &w->source, why, len) &&
              s_string(body, "title", &w->title, why, len) &&
              s_string(body, "content", &w->content, why, len) &&
              s_string(body, "lead_division", &w->lead_division, why, len) &&
              s_string(body, "named_units", &w->named_units, why, len) &&
              s_string(body, "plan", &w->plan, why, len) &&
              s_string(body, "responsible_staff", &w->responsible_staff, why, len) &&
              s_string(body, "measure", &w->measure, why, len) &&
              s_list(body, "leaders", w->leaders, &w->n_leaders, why, len) &&
              s_list(body, "divisions", w->divisions, &w->n_divisions, why, len) &&
              s_instant(json_object_get(body, "starts"), "starts", &w->starts_us, why, len) &&
              s_instant(json_object_get(body, "deadline"), "deadline", &w->deadline_us, why, len);
    if (ok && phase && !json_is_null(phase)) {
        if (!json_is_integer(phase) || json_integer_value(phase) < 1 ||
            json_integer_value(phase) > 100) {
            snprintf(why, len, "phase must be the plan phase's number");
            ok = false;
        } else {
            w->phase = (int32_t)json_integer_value(phase);
        }
    }
    if (ok && report && !json_is_null(report)) {
        /* by_working_day for monthly and quarterly, every_working_days for
         * working_days: one number, whose bounds are dispatch's rule */
        json_t *day = json_is_object(report) ? json_object_get(report, "by_working_day") : NULL;
        json_t *every =
            json_is_object(report) ? json_object_get(report, "every_working_days") : NULL;
        if (!json_is_object(report) || !s_string(report, "rhythm", &w->report_rhythm, why, len) ||
            (day && !json_is_integer(day)) || (every && !json_is_integer(every)) ||
            (day && every)) {
            if (!why[0])
                snprintf(why, len, "report is {\"rhythm\": \"monthly\" or \"quarterly\", "
                                   "\"by_working_day\": 5} or {\"rhythm\": \"working_days\", "
                                   "\"every_working_days\": 5}");
            ok = false;
        } else if (day || every) {
            json_int_t d = json_integer_value(day ? day : every);
            w->report_day = d < 0 || d > 1000 ? 1000 : (int32_t)d;
        }
    }
    if (ok && milestones && !json_is_null(milestones)) {
        if (!json_is_array(milestones) || json_array_size(milestones) > MAX_LIST) {
            snprintf(why, len, "milestones must be a list of {\"title\", \"due\"}");
            ok = false;
        }
        for (size_t i = 0; ok && i < json_array_size(milestones); i++) {
            json_t *m = json_array_get(milestones, i);
            Duban__Milestone *ms = &h->milestones[i];
            duban__milestone__init(ms);
            ok = json_is_object(m) && s_string(m, "title", &ms->title, why, len) &&
                 s_instant(json_object_get(m, "due"), "milestone due", &ms->due_us, why, len);
            if (!ok && !why[0])
                snprintf(why, len, "milestones must be a list of {\"title\", \"due\"}");
            h->milestone_ptrs[w->n_milestones++] = ms;
        }
    }
    if (!ok) {
        free(h);
        return NULL;
    }
    return w;
}

void intake_workitem_free(Duban__WorkItemSpec **spec_p)
{
    if (!spec_p || !*spec_p)
        return;
    free(*spec_p); /* the holder begins with the spec */
    *spec_p = NULL;
}

Duban__ProblemSpec *intake_problem_spec(json_t *body, char *why, size_t len)
{
    why[0] = '\0';
    Duban__ProblemSpec *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    duban__problem_spec__init(p);
    if (!(s_string(body, "ref", &p->ref, why, len) &&
          s_string(body, "source", &p->source, why, len) &&
          s_string(body, "source_detail", &p->source_detail, why, len) &&
          s_string(body, "title", &p->title, why, len) &&
          s_string(body, "description", &p->description, why, len) &&
          s_string(body, "division", &p->division_hint, why, len) &&
          s_string(body, "case_number", &p->case_number, why, len) &&
          s_string(body, "plan", &p->plan, why, len))) {
        free(p);
        return NULL;
    }
    return p;
}

void intake_problem_free(Duban__ProblemSpec **spec_p)
{
    if (!spec_p || !*spec_p)
        return;
    free(*spec_p);
    *spec_p = NULL;
}
