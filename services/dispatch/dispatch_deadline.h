/* What dispatch computes deadlines with: the SLA policy and the business
 * calendar, loaded once, and the deadline module's rules over them (every
 * deadline is common/deadline.c's arithmetic). Settings: sla_file
 * (deploy/config/sla.conf beside org_file by default), calendar_dir
 * (calendar/ beside org_file by default) and calendar.round_the_clock (1 for
 * tests: every instant is working time). */
#ifndef DUBAN_DISPATCH_DEADLINE_H
#define DUBAN_DISPATCH_DEADLINE_H

#include "deadline.h"
#include "dispatch_apply.h"
#include "settings.h"

typedef struct dispatch_deadline dispatch_deadline_t;

/* NULL (logged) when the SLA file or the calendar cannot be read. */
dispatch_deadline_t *dispatch_deadline_new(settings_t *settings);
void dispatch_deadline_destroy(dispatch_deadline_t **self_p);

/* The rules (owned by self). */
const deadline_rules_t *dispatch_deadline_rules(const dispatch_deadline_t *self);

/* Deadlines of a new task of kind and priority dispatched at start_us, into
 * out (the row's four instants) and ch (its clocks starting; may be NULL).
 * Returns 0, or -1 (logged) when no policy matches. */
int dispatch_deadline_for(const dispatch_deadline_t *self, const char *kind, const char *priority,
                          int64_t start_us, dispatch_dues_t *out);

#endif
