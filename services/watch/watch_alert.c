/* Alert messages; see watch_alert.h. */
#include "watch_alert.h"

#include <stdlib.h>

static char *s_str(const char *s)
{
    return (char *)(s ? s : "");
}

void watch_alert_fill(Duban__EscalationAlert *msg, const watch_alert_t *a, const sla_t *sla)
{
    const char *rung_name = NULL;
    const char *rung = sla_ladder_rung(sla, a->violations, &rung_name);
    int nnotify = 0;
    const char *const *notify = sla_level_notify(sla, a->level, &nnotify);
    msg->alert_id = a->alert_id;
    msg->division = s_str(a->division);
    msg->deadline = (char *)watch_deadline_str(a->deadline);
    msg->level = a->level;
    msg->due_us = a->due_us;
    /* The rung stored with the alert wins; its name comes from the policy. */
    msg->rung = s_str(a->rung && a->rung[0] ? a->rung : rung);
    msg->rung_name = s_str(rung_name);
    msg->kind = s_str(a->kind);
    msg->task_id = a->task_id;
    msg->case_number = s_str(a->case_number);
    msg->handler = s_str(a->handler);
    msg->violations = a->violations;
    msg->handler_violations = a->handler_violations;
    msg->handler_rung = s_str(a->handler && a->handler[0]
                                  ? sla_ladder_rung(sla, a->handler_violations, NULL)
                                  : NULL);
    msg->level_name = s_str(sla_level_name(sla, a->level));
    msg->n_notify = (size_t)nnotify;
    msg->notify = (char **)notify;
    msg->raised_us = a->raised_us;
    msg->repeat = a->repeat;
    msg->subject = s_str(a->subject);
    msg->acknowledged_us = a->acknowledged_us;
    msg->acknowledged_by = s_str(a->acknowledged_by);
}

int watch_alert_pack(const watch_alert_t *a, const sla_t *sla, uint8_t **buf, size_t *len)
{
    Duban__EscalationAlert msg = DUBAN__ESCALATION_ALERT__INIT;
    watch_alert_fill(&msg, a, sla);
    *len = duban__escalation_alert__get_packed_size(&msg);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return -1;
    duban__escalation_alert__pack(&msg, *buf);
    return 0;
}

int watch_warning_pack(const watch_alert_t *a, uint8_t **buf, size_t *len)
{
    Duban__DeadlineWarning msg = DUBAN__DEADLINE_WARNING__INIT;
    msg.division = s_str(a->division);
    msg.deadline = (char *)watch_deadline_str(a->deadline);
    msg.due_us = a->due_us;
    msg.alert_id = a->alert_id;
    msg.handler = s_str(a->handler);
    msg.warn_us = a->warn_us;
    *len = duban__deadline_warning__get_packed_size(&msg);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return -1;
    duban__deadline_warning__pack(&msg, *buf);
    return 0;
}

int watch_ack_pack(int64_t alert_id, const char *officer, const char *decision,
                   const char *rung_decision, int64_t at_us, uint8_t **buf, size_t *len)
{
    Duban__AlertAcknowledged msg = DUBAN__ALERT_ACKNOWLEDGED__INIT;
    msg.alert_id = alert_id;
    msg.officer = s_str(officer);
    msg.decision = s_str(decision);
    msg.rung_decision = s_str(rung_decision);
    msg.acknowledged_us = at_us;
    *len = duban__alert_acknowledged__get_packed_size(&msg);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return -1;
    duban__alert_acknowledged__pack(&msg, *buf);
    return 0;
}

int watch_caught_up_pack(const char *division, int n, int top_level,
                         const char *const *case_numbers, int64_t raised_us, uint8_t **buf,
                         size_t *len)
{
    Duban__AlertsCaughtUp msg = DUBAN__ALERTS_CAUGHT_UP__INIT;
    msg.division = s_str(division);
    msg.alerts = n;
    msg.top_level = top_level;
    msg.n_case_numbers = (size_t)(n < 50 ? n : 50);
    msg.case_numbers = (char **)case_numbers;
    msg.raised_us = raised_us;
    *len = duban__alerts_caught_up__get_packed_size(&msg);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return -1;
    duban__alerts_caught_up__pack(&msg, *buf);
    return 0;
}
