/* Deadlines of dispatch's tasks: the SLA policy on the business calendar.
 * Settings: sla_file (deploy/config/sla.conf beside org_file by default),
 * calendar_dir (calendar/ beside org_file by default) and
 * calendar.round_the_clock (1 for tests: every instant is working time). */
#ifndef DUBAN_DISPATCH_DEADLINE_H
#define DUBAN_DISPATCH_DEADLINE_H

#include "calendar.h"
#include "dispatch_apply.h"
#include "settings.h"
#include "sla.h"

typedef struct dispatch_deadline dispatch_deadline_t;

/* NULL (logged) when the SLA file or the calendar cannot be read. */
dispatch_deadline_t *dispatch_deadline_new(settings_t *settings);
void dispatch_deadline_destroy(dispatch_deadline_t **self_p);

/* Deadlines of a task of kind and priority dispatched at start_us. Returns
 * 0, or -1 (logged) when no policy matches. */
int dispatch_deadline_for(const dispatch_deadline_t *self, const char *kind, const char *priority,
                          int64_t start_us, dispatch_dues_t *out);

/* The working time between from_us and to_us (a material pause). */
int64_t dispatch_deadline_working(const dispatch_deadline_t *self, int64_t from_us, int64_t to_us);

/* due_us moved later by working_us of working time. */
int64_t dispatch_deadline_move(const dispatch_deadline_t *self, int64_t due_us, int64_t working_us);

/* The working time a window ("5d", "8h") stands for; -1 when malformed. */
int64_t dispatch_deadline_window(const dispatch_deadline_t *self, const char *window);

/* The warning instant of a window running from start_us to due_us. */
int64_t dispatch_deadline_warn(const dispatch_deadline_t *self, int64_t start_us, int64_t due_us);

#endif
