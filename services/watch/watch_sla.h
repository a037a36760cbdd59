/* The SLA policy and business calendar the watch works with, chosen by the
 * same settings as dispatch's deadlines (sla_file, calendar_dir,
 * calendar.round_the_clock), so that watch escalates on the calendar the
 * deadlines were computed on. */
#ifndef DUBAN_WATCH_SLA_H
#define DUBAN_WATCH_SLA_H

#include "settings.h"
#include "sla.h"
#include "watch_rules.h"

typedef struct watch_sla watch_sla_t;

/* Reads the SLA file and the calendar. NULL (logged) when either is not
 * valid. */
watch_sla_t *watch_sla_new(settings_t *st);

void watch_sla_destroy(watch_sla_t **self_p);

/* The policy the rules use; owned by self. */
const watch_policy_t *watch_sla_policy(const watch_sla_t *self);

/* The SLA itself (levels, ladder); owned by self. */
const sla_t *watch_sla_get(const watch_sla_t *self);

/* The working calendar (to format instants in logs); owned by self. */
const calendar_t *watch_sla_calendar(const watch_sla_t *self);

#endif
