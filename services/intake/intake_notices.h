/* What happened while nobody was listening: GET /api/v1/notices?staff=CODE
 * (the steps of every case CODE is first responder of) or ?inspection=1
 * (what the inspection office is told: cases sent to arbitration, extensions
 * asked), since an instant (since=RFC 3339), oldest first, from the event
 * log (never pruned; the live notices' outbox rows are). At most limit rows
 * (1-1000, default 200); "cut" says when more followed. A first responder
 * reads their own; the inspection office its own; administrators either.
 * dubanctl notices --since prints this before it follows live notices. */
#ifndef DUBAN_INTAKE_NOTICES_H
#define DUBAN_INTAKE_NOTICES_H

#include "intake.h"

int intake_notices_prepare(pg_t *pg);

void intake_notices_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                         const char *key, const char *query);

#endif
