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

/* path of name beside the org file, for defaults (as dispatch does). */
static void s_beside_org(settings_t *st, const char *name, char *buf, size_t len)
{
    const char *org = settings_string(st, "org_file", "deploy/config/org.conf");
    const char *slash = strrchr(org, '/');
    if (slash)
        snprintf(buf, len, "%.*s/%s", (int)(slash - org), org, name);
    else
        snprintf(buf, len, "%s", name);
}

watch_sla_t *watch_sla_new(settings_t *st)
{
    char sla_default[PATH_MAX], cal_default[PATH_MAX];
    s_beside_org(st, "sla.conf", sla_default, sizeof(sla_default));
    s_beside_org(st, "calendar", cal_default, sizeof(cal_default));
    watch_sla_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->sla = sla_new(settings_string(st, "sla_file", sla_default));
    if (settings_int(st, "calendar.round_the_clock", 0))
        self->working = calendar_new_round_the_clock();
    else
        self->working = calendar_new(settings_string(st, "calendar_dir", cal_default));
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
