/* intake's HTTP API: POST /api/v1/cases, GET /api/v1/cases/{case_number},
 * GET /api/v1/divisions/{code}/tasks and GET /healthz. */
#ifndef DUBAN_INTAKE_API_H
#define DUBAN_INTAKE_API_H

#include "intake_commit.h"
#include "org.h"
#include "pg.h"

#include <stddef.h>

struct evhttp;

typedef struct intake_api intake_api_t;

/* Statements the read endpoints need; call before the loop runs. */
int intake_api_prepare(pg_t *pg);

/* Installs the routes on http (borrowed, as are the others). */
intake_api_t *intake_api_new(struct evhttp *http, const org_t *org, pg_t *pg,
                             intake_commit_t *commit, size_t max_body);

void intake_api_destroy(intake_api_t **self_p);

#endif
