/* Open311 GeoReport v2 (with mySociety's service request updates) on top
 * of intake: /open311/v2/services.{xml,json}, services/{code}.{fmt},
 * requests.{fmt} (GET with filters, POST form-encoded with api_key),
 * requests/{id}.{fmt}, servicerequestupdates.{fmt}. */
#ifndef DUBAN_INTAKE_OPEN311_H
#define DUBAN_INTAKE_OPEN311_H

#include "intake.h"

int intake_open311_prepare(pg_t *pg);

/* Handles a request whose path began with /open311/v2/; rest is what
 * follows that prefix, query the raw query string (may be NULL). */
void intake_open311_handle(intake_t *in, struct evhttp_request *req, const char *rest,
                           const char *query);

#endif
