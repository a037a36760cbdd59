/* What computing a bulletin needs, loaded once from the settings: the
 * bulletin file, the SLA policy (escalation levels, accountability ladder),
 * the business calendar and the output folder; and the step from the read
 * statements' results to the record. Shared by the service and dubanctl. */
#ifndef DUBAN_BULLETIN_ENGINE_H
#define DUBAN_BULLETIN_ENGINE_H

#include "bulletin_render_json.h"
#include "deadline.h"
#include "settings.h"

#include <limits.h>

typedef struct {
    bulletin_config_t *config;
    sla_t *sla;
    calendar_t *calendar;
    calendar_t *natural;    /* round the clock, for natural deadlines */
    org_t *org;             /* the org file: the order divisions are listed in */
    deadline_rules_t rules; /* the SLA policy on the two calendars (a reopened task's deadlines) */
    bulletin_ctx_t ctx;     /* points at the three above */
    int64_t offset_us;      /* the calendar's zone */
    char out_dir[PATH_MAX]; /* bulletin.out_dir */
} bulletin_engine_t;

/* Settings: bulletin_file (bulletin.conf beside org_file), sla_file,
 * calendar_dir (sla.conf and calendar/ beside org_file),
 * calendar.round_the_clock, bulletin.out_dir (var/bulletins). Returns NULL,
 * with the reason logged, when a file is not valid. */
bulletin_engine_t *bulletin_engine_new(settings_t *settings);

void bulletin_engine_destroy(bulletin_engine_t **self_p);

/* The record from the results (indexed BQ_*) of query q. NULL when a
 * result is missing or memory ran out (logged). */
bulletin_report_t *bulletin_engine_report(const bulletin_engine_t *self, const bulletin_query_t *q,
                                          PGresult *const *results);

#endif
