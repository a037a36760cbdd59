/* The report form's photos for staff: GET /api/v1/cases/{number}/photos
 * (the list) and GET /api/v1/cases/{number}/photos/{file_id} (the file),
 * within the case's scope: a handler only for a case its division holds or
 * held a task of, operators, clerks, the inspection office and
 * administrators for every case; nobody else (the public never). A case
 * out of scope answers as one that does not exist. */
#ifndef DUBAN_INTAKE_PHOTO_API_H
#define DUBAN_INTAKE_PHOTO_API_H

#include "intake_api.h"

#include <stdbool.h>

int intake_photo_api_prepare(pg_t *pg);

/* True when path is one of the photo endpoints (then req is answered). */
bool intake_photo_api_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                            const char *query);

#endif
