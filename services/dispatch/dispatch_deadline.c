#include "dispatch_deadline.h"

#include "log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dispatch_deadline {
    sla_t *sla;
    calendar_t *working;
    calendar_t *natural;
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

int dispatch_deadline_for(const dispatch_deadline_t *self, const char *kind, const char *priority,
                          int64_t start_us, dispatch_dues_t *out)
{
    sla_deadlines_t d;
    if (sla_deadlines(self->sla, self->working, self->natural, kind, priority, start_us, &d) < 0) {
        log_error("no SLA policy for kind=%s priority=%s: add one to the SLA file", kind,
                  priority);
        return -1;
    }
    out->response_due = d.response_due_us;
    out->response_warn = d.response_warn_us;
    out->completion_due = d.completion_due_us;
    out->completion_warn = d.completion_warn_us;
    return 0;
}

int64_t dispatch_deadline_working(const dispatch_deadline_t *self, int64_t from_us, int64_t to_us)
{
    return calendar_working_between(self->working, from_us, to_us);
}

int64_t dispatch_deadline_move(const dispatch_deadline_t *self, int64_t due_us, int64_t working_us)
{
    return calendar_add_working(self->working, due_us, working_us);
}

int64_t dispatch_deadline_window(const dispatch_deadline_t *self, const char *window)
{
    calendar_window_t w;
    if (!window || calendar_parse_window(window, &w) < 0)
        return -1;
    return calendar_window_us(self->working, &w);
}

int64_t dispatch_deadline_warn(const dispatch_deadline_t *self, int64_t start_us, int64_t due_us)
{
    int64_t total = calendar_working_between(self->working, start_us, due_us);
    return calendar_add_working(self->working, start_us,
                                total * sla_warning_percent(self->sla) / 100);
}
