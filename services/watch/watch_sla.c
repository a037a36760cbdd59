/* SLA policy and calendar for the watch; see watch_sla.h. */
#include "watch_sla.h"

#include "log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct watch_sla {
    sla_t *sla;
    calendar_t *working;
    watch_policy_t policy;
};

watch_sla_t *watch_sla_new(settings_t *st)
{
    watch_sla_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->sla = sla_from_settings(st);
    self->working = calendar_from_settings(st);
    if (!self->sla || !self->working) {
        log_error("cannot watch deadlines: the SLA file or the business calendar is not valid");
        watch_sla_destroy(&self);
        return NULL;
    }
    self->policy.working = self->working;
    self->policy.period_us = sla_escalation_period_us(self->sla, self->working);
    self->policy.repeat_us = sla_alert_repeat_us(self->sla);
    self->policy.levels = sla_level_count(self->sla);
    return self;
}

void watch_sla_destroy(watch_sla_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    watch_sla_t *self = *self_p;
    sla_destroy(&self->sla);
    calendar_destroy(&self->working);
    free(self);
    *self_p = NULL;
}

const watch_policy_t *watch_sla_policy(const watch_sla_t *self)
{
    return &self->policy;
}

const sla_t *watch_sla_get(const watch_sla_t *self)
{
    return self->sla;
}

const calendar_t *watch_sla_calendar(const watch_sla_t *self)
{
    return self->working;
}
