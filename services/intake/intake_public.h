/* The public side of intake, for members of the public and businesses: the
 * report form (GET /, POST /report), the status lookup page (GET /status),
 * and the JSON behind them (POST /api/v1/public/cases, GET
 * /api/v1/public/cases/{number}?code=...). No token; rate-limited per address;
 * status needs the case number and its query code, and shows where the case
 * stands (kind, category, state, handling division, dated steps), never its
 * text, place, personal data or staff names, and names the case it was
 * merged into only when that one is public itself. An Idempotency-Key is
 * the client's own (scoped by its address). Pages are Chinese, UTF-8,
 * without JavaScript. */
#ifndef DUBAN_INTAKE_PUBLIC_H
#define DUBAN_INTAKE_PUBLIC_H

#include "intake.h"

#include <stdbool.h>

int intake_public_prepare(pg_t *pg);

/* True for the paths this module serves. */
bool intake_public_handles(const char *path);

void intake_public_handle(intake_t *in, struct evhttp_request *req, const char *path,
                          const char *query);

#endif
