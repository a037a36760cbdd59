/* Attachments of work items' reports (see deploy/schema/065):
 *   POST /api/v1/cases/{number}/attachments?name=FILE.pdf   the file's bytes as
 *        the body: a PDF (kept as sent), a JPEG or PNG (rewritten without
 *        metadata), up to intake.photo_max_bytes; answers 201 with its file_id,
 *        which a progress or completion report then names (attachments).
 *        A division with an open task on the item, the inspection office and
 *        administrators upload.
 *   GET  /api/v1/cases/{number}/attachments             the list
 *   GET  /api/v1/cases/{number}/attachments/{file_id}   the file, as a download
 *        Read by a division that holds or held a task of the item, the
 *        inspection office, leaders and administrators; anyone else is
 *        answered as if the item did not exist. */
#ifndef DUBAN_INTAKE_ATTACHMENT_H
#define DUBAN_INTAKE_ATTACHMENT_H

#include "intake_api.h"

#include <stdbool.h>

int intake_attachment_prepare(pg_t *pg);

/* True when path is an upload's (POST /api/v1/cases/{number}/attachments):
 * its body is bounded by intake.photo_max_bytes here, not by the API's
 * backstop for JSON bodies. */
bool intake_attachment_upload_path(const char *path);

/* True when path is one of the attachment endpoints (then req is answered). */
bool intake_attachment_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                             const char *query);

#endif
