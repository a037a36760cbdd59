/* intake's HTTP front: routes every request, authenticates staff, and
 * serves the staff API (POST /api/v1/cases, GET /api/v1/cases/{number},
 * GET /api/v1/divisions/{code}/tasks) and /healthz. Public pages and
 * Open311 are handed to intake_public and intake_open311. */
#ifndef DUBAN_INTAKE_API_H
#define DUBAN_INTAKE_API_H

#include "intake.h"

struct evhttp;

typedef struct intake_api intake_api_t;

/* Statements the read endpoints need; call before the loop runs. */
int intake_api_prepare(pg_t *pg);

/* Installs the routes on http (borrowed, as is intake). */
intake_api_t *intake_api_new(struct evhttp *http, intake_t *intake);

void intake_api_destroy(intake_api_t **self_p);

#endif
