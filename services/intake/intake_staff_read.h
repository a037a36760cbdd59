/* Staff reads: a case with its tasks and timeline, a division's tasks.
 * A division sees only cases it holds a task for and only its own task list;
 * the requester's personal data is shown only to those handling the case
 * (its first responder, the divisions holding it, the inspection office and
 * administrators). */
#ifndef DUBAN_INTAKE_STAFF_READ_H
#define DUBAN_INTAKE_STAFF_READ_H

#include "intake.h"

int intake_staff_read_prepare(pg_t *pg);

void intake_staff_read_case(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                            const char *case_number);

void intake_staff_read_tasks(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                             const char *division, const char *query);

#endif
