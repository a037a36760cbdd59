/* Loading what a bulletin is computed with; see bulletin_engine.h. */
#include "bulletin_engine.h"

#include "bulletin_months.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

bulletin_engine_t *bulletin_engine_new(settings_t *st)
{
    char path[PATH_MAX];
    bulletin_engine_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->config = bulletin_config_new(bulletin_config_path(st, path, sizeof(path)));
    self->sla = sla_from_settings(st);
    self->calendar = calendar_from_settings(st);
    self->natural = calendar_new_round_the_clock();
    self->org = org_new(settings_string(st, "org_file", "deploy/config/org.conf"));
    if (!self->config || !self->sla || !self->calendar || !self->natural || !self->org) {
        log_error(
            "cannot compute bulletins: the bulletin file, the SLA file, the business calendar or the org file is not valid (see above)");
        bulletin_engine_destroy(&self);
        return NULL;
    }
    self->ctx = (bulletin_ctx_t){self->config, self->sla, self->calendar, self->org};
    self->rules = (deadline_rules_t){self->sla, self->calendar, self->natural};
    self->offset_us = bulletin_calendar_offset_us(self->calendar);
    snprintf(self->out_dir, sizeof(self->out_dir), "%s",
             settings_string(st, "bulletin.out_dir", "var/bulletins"));
    return self;
}

void bulletin_engine_destroy(bulletin_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_engine_t *self = *self_p;
    bulletin_config_destroy(&self->config);
    sla_destroy(&self->sla);
    calendar_destroy(&self->calendar);
    calendar_destroy(&self->natural);
    org_destroy(&self->org);
    free(self);
    *self_p = NULL;
}

bulletin_report_t *bulletin_engine_report(const bulletin_engine_t *self, const bulletin_query_t *q,
                                          PGresult *const *results)
{
    bulletin_data_t *data = bulletin_data_new(q, self->calendar, results);
    if (!data)
        return NULL;
    bulletin_report_t *report = bulletin_render_json(&self->ctx, data);
    if (report) {
        report->months_stored = data->nfrozen;
        report->months_read = data->q.nmonths - data->nfrozen;
        report->days_stored = data->ndays;
        report->freeze = bulletin_months_to_freeze(data, &report->nfreeze);
        snprintf(report->freeze_epoch, sizeof(report->freeze_epoch), "%lld",
                 (long long)data->epoch);
    }
    bulletin_data_destroy(&data);
    return report;
}
