/* Staff mark a case confidential (POST /api/v1/cases/{number}/confidential
 * with {"confidential": true}) when its text must not be published: Open311
 * reads then treat it as unknown, whatever its channel. Operators, clerks,
 * the inspection office and administrators mark; only the inspection office
 * and administrators unmark. A change is one statement with its event
 * ("confidential", the actor and the new value); setting the value it
 * already has changes nothing and records nothing. Reports (举报) are never
 * published, marked or not. */
#ifndef DUBAN_INTAKE_CONFIDENTIAL_H
#define DUBAN_INTAKE_CONFIDENTIAL_H

#include "intake.h"

int intake_confidential_prepare(pg_t *pg);

/* Answers 200 {"case_number", "confidential", "changed", "public"}, 400 for
 * a body without a boolean confidential, 403 for a role that may not, 404
 * for an unknown case; the database's failures as intake_problem maps them. */
void intake_confidential_set(intake_t *in, struct evhttp_request *req,
                             const auth_identity_t *who, const char *case_number);

#endif
