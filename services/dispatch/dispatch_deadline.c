/* See dispatch_deadline.h. */
#include "dispatch_deadline.h"

#include "log.h"

#include <stdlib.h>

struct dispatch_deadline {
    sla_t *sla;
    calendar_t *working;
    calendar_t *natural;
    deadline_rules_t rules;
};

dispatch_deadline_t *dispatch_deadline_new(settings_t *st)
{
    dispatch_deadline_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->sla = sla_from_settings(st);
    self->natural = calendar_new_round_the_clock();
    self->working = calendar_from_settings(st);
    if (!self->sla || !self->natural || !self->working) {
        log_error("cannot compute deadlines: the SLA file or the business calendar is not valid");
        dispatch_deadline_destroy(&self);
        return NULL;
    }
    self->rules = (deadline_rules_t){self->sla, self->working, self->natural};
    return self;
}

void dispatch_deadline_destroy(dispatch_deadline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_deadline_t *self = *self_p;
    sla_destroy(&self->sla);
    calendar_destroy(&self->working);
    calendar_destroy(&self->natural);
    free(self);
    *self_p = NULL;
}

const deadline_rules_t *dispatch_deadline_rules(const dispatch_deadline_t *self)
{
    return &self->rules;
}

int dispatch_deadline_for(const dispatch_deadline_t *self, const char *kind, const char *priority,
                          int64_t start_us, dispatch_dues_t *out)
{
    deadline_task_t t;
    if (deadline_start(&self->rules, kind, priority, start_us, &t, NULL) < 0) {
        log_error("no SLA policy: add one to the SLA file", "kind=%s priority=%s", kind, priority);
        return -1;
    }
    dispatch_dues_from(&t, out);
    return 0;
}
