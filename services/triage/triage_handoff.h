/* Triaged cases that dispatch has not taken: see triage_handoff.c. */
#ifndef DUBAN_TRIAGE_HANDOFF_H
#define DUBAN_TRIAGE_HANDOFF_H

#include "handoff.h"

struct event_base;

handoff_t *triage_handoff_new(struct event_base *base, pg_t *pg, settings_t *st);

#endif
