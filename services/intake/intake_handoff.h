/* Received cases that triage has not taken: see intake_handoff.c. */
#ifndef DUBAN_INTAKE_HANDOFF_H
#define DUBAN_INTAKE_HANDOFF_H

#include "fingerprint.h"
#include "handoff.h"

struct event_base;

/* fp (borrowed) fingerprints the requester, as at the insert. */
handoff_t *intake_handoff_new(struct event_base *base, pg_t *pg, const fingerprint_t *fp,
                              settings_t *st);

#endif
