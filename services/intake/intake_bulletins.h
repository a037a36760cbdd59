/* Bulletins, look-back re-checks and the leaders' month so far over HTTP,
 * through the bulletin service's console (bulletin_console.h), where the
 * bulletin engine runs on the bulletin service's own database role; that
 * service checks the caller's token and role:
 *
 *   GET  /api/v1/bulletins                  the published bulletins, newest first
 *   GET  /api/v1/bulletins/{period}         one's record (the JSON as published,
 *                                           byte for byte: its SHA-256 is the digest)
 *   GET  /api/v1/bulletins/{period}.html    one's page
 *   POST /api/v1/bulletins                  {"kind": "month"|"quarter"|"half"|"year",
 *                                           "period": "2017-03", "replace": false}:
 *                                           produce an ended period on demand
 *   GET  /api/v1/rechecks?period=P&all=1    look-back re-checks waiting (or all)
 *   POST /api/v1/rechecks/{id}              {"result": "pass"|"fail", "note": "..."}
 *   GET  /api/v1/dashboard                  the month so far (bulletin_to_date.h):
 *                                           {"as_of", "record"}
 *
 * Any staff member reads the published bulletins; leaders and the
 * inspection office the month so far; the inspection office (and
 * administrators) produces bulletins and decides re-checks. */
#ifndef DUBAN_INTAKE_BULLETINS_H
#define DUBAN_INTAKE_BULLETINS_H

#include "intake.h"

struct event_base;

typedef struct intake_bulletins intake_bulletins_t;

/* Connects to the bulletin console's endpoint. NULL on failure. */
intake_bulletins_t *intake_bulletins_new(struct event_base *base, void *zctx, const char *endpoint);

/* Answers what waits with 503 and frees. */
void intake_bulletins_destroy(intake_bulletins_t **self_p);

/* The handlers (intake_api_staff); key is the period (with ".html" for the
 * page) or the re-check id. */
void intake_bulletins_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                           const char *key, const char *query);
void intake_bulletins_show(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                           const char *key, const char *query);
void intake_bulletins_run(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          const char *key, const char *query);
void intake_bulletins_rechecks(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                               const char *key, const char *query);
void intake_bulletins_recheck(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                              const char *key, const char *query);
void intake_bulletins_dashboard(intake_t *in, struct evhttp_request *req,
                                const auth_identity_t *who, const char *key, const char *query);

#endif
