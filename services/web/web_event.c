/* Bus messages as console events; see web_event.h. */
#include "web_event.h"

#include "bus.h"
#include "clock.h"

#include <jansson.h>
#include <stdlib.h>

static void s_time(json_t *o, const char *key, int64_t us)
{
    if (!us)
        return;
    char text[40];
    clock_format_utc(us, text, sizeof(text));
    json_object_set_new(o, key, json_string(text));
}

static json_t *s_task(const Duban__Envelope *env)
{
    Duban__TaskDispatched *t = duban__task_dispatched__unpack(NULL, env->body.len, env->body.data);
    if (!t)
        return NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "division", t->division, "role",
                          t->role, "category", t->category, "kind", t->kind, "subject",
                          t->subject, "priority", t->priority);
    s_time(o, "response_due", t->response_due_us);
    s_time(o, "completion_due", t->completion_due_us);
    duban__task_dispatched__free_unpacked(t, NULL);
    return o;
}

static json_t *s_warning(const Duban__Envelope *env)
{
    Duban__DeadlineWarning *w = duban__deadline_warning__unpack(NULL, env->body.len,
                                                                 env->body.data);
    if (!w)
        return NULL;
    json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "division", w->division, "deadline",
                          w->deadline, "alert_id", (json_int_t)w->alert_id, "handler", w->handler);
    s_time(o, "due", w->due_us);
    duban__deadline_warning__free_unpacked(w, NULL);
    return o;
}

static json_t *s_notice(const Duban__Envelope *env)
{
    Duban__CaseNotice *n = duban__case_notice__unpack(NULL, env->body.len, env->body.data);
    if (!n)
        return NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", n->event, "actor", n->actor,
                          "division", n->division, "text", n->text, "case_state", n->case_state);
    duban__case_notice__free_unpacked(n, NULL);
    return o;
}

static json_t *s_alert(const Duban__Envelope *env)
{
    Duban__EscalationAlert *a = duban__escalation_alert__unpack(NULL, env->body.len,
                                                                 env->body.data);
    if (!a)
        return NULL;
    json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s}",
                          "alert_id", (json_int_t)a->alert_id, "division", a->division,
                          "deadline", a->deadline, "level", a->level, "level_name", a->level_name,
                          "kind", a->kind, "rung", a->rung, "rung_name", a->rung_name, "subject",
                          a->subject, "violations", a->violations, "repeat", a->repeat,
                          "handler", a->handler);
    s_time(o, "due", a->due_us);
    s_time(o, "raised", a->raised_us);
    duban__escalation_alert__free_unpacked(a, NULL);
    return o;
}

static json_t *s_ack(const Duban__Envelope *env)
{
    Duban__AlertAcknowledged *a = duban__alert_acknowledged__unpack(NULL, env->body.len,
                                                                     env->body.data);
    if (!a)
        return NULL;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "alert_id", (json_int_t)a->alert_id, "officer",
                          a->officer, "decision", a->decision, "rung_decision", a->rung_decision);
    duban__alert_acknowledged__free_unpacked(a, NULL);
    return o;
}

char *web_event_from_envelope(const void *data, size_t len, const char **name)
{
    Duban__Envelope *env = bus_envelope_unpack(data, len);
    if (!env)
        return NULL;
    json_t *o = NULL;
    switch (env->type) {
    case DUBAN__MSG_TYPE__TASK_DISPATCHED:
        *name = "task";
        o = s_task(env);
        break;
    case DUBAN__MSG_TYPE__DEADLINE_WARNING:
        *name = "warning";
        o = s_warning(env);
        break;
    case DUBAN__MSG_TYPE__CASE_NOTICE:
        *name = "notice";
        o = s_notice(env);
        break;
    case DUBAN__MSG_TYPE__ESCALATION_ALERT:
        *name = "alert";
        o = s_alert(env);
        break;
    case DUBAN__MSG_TYPE__ALERT_ACKNOWLEDGED:
        *name = "alert_ack";
        o = s_ack(env);
        break;
    default:
        break;
    }
    char *text = NULL;
    if (o) {
        json_object_set_new(o, "case_number", json_string(env->case_number));
        json_object_set_new(o, "task_id", json_integer(env->task_id));
        json_object_set_new(o, "at_us", json_integer(env->time_us));
        s_time(o, "at", env->time_us);
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
    duban__envelope__free_unpacked(env, NULL);
    return text;
}
