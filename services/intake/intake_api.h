/* intake's HTTP front: routes every request, authenticates staff, and
 * serves the staff API (POST /api/v1/cases, GET /api/v1/cases/{number},
 * GET /api/v1/cases?q= (intake_search), GET /api/v1/divisions/{code}/tasks
 * and /queue (intake_queue), the hotline desk's lists (intake_desk), steps
 * (intake_steps)) and /healthz. Public pages and Open311 are handed to
 * intake_public and intake_open311. */
#ifndef DUBAN_INTAKE_API_H
#define DUBAN_INTAKE_API_H

#include "intake.h"

struct evhttp;

typedef struct intake_api intake_api_t;

/* Statements every endpoint needs; call before the loop runs. */
int intake_api_prepare(pg_t *pg);

/* The statements of the staff reads only (for intake's read connections). */
int intake_api_prepare_reads(pg_t *pg);

/* Installs the routes on http (borrowed, as is intake). */
intake_api_t *intake_api_new(struct evhttp *http, intake_t *intake);

void intake_api_destroy(intake_api_t **self_p);

/* A staff endpoint's handler: called once the caller is authenticated (and,
 * for a change made with the console's cookie, its CSRF proof checked); it
 * ends the request in one reply. key and query are the caller's (valid
 * during the call). */
typedef void (*intake_staff_handler_t)(intake_t *in, struct evhttp_request *req,
                                       const auth_identity_t *who, const char *key,
                                       const char *query);

/* Authenticates req as staff, then calls handler; answers 401 / 403 / 503
 * itself. key is at most 79 bytes (else 404). */
void intake_api_staff(intake_api_t *self, struct evhttp_request *req,
                      intake_staff_handler_t handler, const char *key, const char *query);

#endif
