/* The staff API beyond cases and queues: what the inspection office and
 * the bureau's leaders read and decide (see intake_board.h and the modules
 * below), and the notices of the past. Routes under /api/v1/ that the
 * generic router does not know are tried here; every one authenticates the
 * caller (intake_api_staff) before its handler runs. */
#ifndef DUBAN_INTAKE_OFFICE_H
#define DUBAN_INTAKE_OFFICE_H

#include "intake_api.h"

#include <stdbool.h>

/* Statements the office endpoints prepare; call before the loop runs. */
int intake_office_prepare(pg_t *pg);

/* Handles req when path is one of the office's endpoints (true: answered or
 * on its way); false leaves it to the caller. */
bool intake_office_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                         const char *query);

/* What the office's handlers share: the query's value of name into out
 * (len bytes; "" when absent); false, with 400 answered, when the query is
 * malformed or the value too long. */
bool intake_office_arg(struct evhttp_request *req, const char *query, const char *name, char *out,
                       size_t len);

#endif
