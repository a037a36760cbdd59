/* Fair assignment of first responders for cases nobody on staff took
 * directly (web, letters, Open311): the on-duty acceptor with the fewest
 * open cases gets the next one. Counts are read from PostgreSQL when the
 * connection comes up, then kept in memory. */
#ifndef DUBAN_INTAKE_ROSTER_H
#define DUBAN_INTAKE_ROSTER_H

#include "org.h"
#include "pg.h"

typedef struct intake_roster intake_roster_t;

int intake_roster_prepare(pg_t *pg);

intake_roster_t *intake_roster_new(const org_t *org, pg_t *pg);
void intake_roster_destroy(intake_roster_t **self_p);

/* Reloads the open-case counts (call when PostgreSQL comes up). */
void intake_roster_reload(intake_roster_t *self);

/* The staff code to assign next, counted as assigned; NULL when nobody is
 * on duty. */
const char *intake_roster_next(intake_roster_t *self);

#endif
