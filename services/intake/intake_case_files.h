/* Files kept with a case for staff — the report form's photos
 * (intake_photo_api.c) and work items' report attachments
 * (intake_attachment.c) — read the same way: /api/v1/cases/{number}/{what}
 * lists them and .../{what}/{file_id} sends one, within the reader's scope
 * (a statement of the kind's own decides it), a case out of scope answering
 * as one that does not exist. The files are in intake.photos_dir. */
#ifndef DUBAN_INTAKE_CASE_FILES_H
#define DUBAN_INTAKE_CASE_FILES_H

#include "intake_api.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *what;           /* the path's part and the list's member: "photos" */
    const char *stmt;           /* prepared: $1 case number, $2 the reader's division ("" for
                                   every case), $3 one file_id ("" for all); no row: the case
                                   is not there or out of scope; a row whose first column
                                   (file_id) is NULL: no such file. Column 1 is the content
                                   type; column 2 the download name when download is set */
    bool download;              /* sent as a download of that name, else inline */
    const char *case_not_found; /* the 404's detail */
    const char *file_not_found;
    /* One row of the list, with its url (a new reference). */
    json_t *(*row)(PGresult *res, int i, const char *url);
} intake_case_files_t;

/* Whether path is /api/v1/cases/{number}/{what}[/{file_id}]: 0 not at all;
 * 1 with key set to "{number}" or "{number}/{file_id}"; -1 a malformed one,
 * answered 404. */
int intake_case_files_path(struct evhttp_request *req, const char *path, const char *what,
                           char *key, size_t len);

/* Answers the list or the file named by key for a reader of division ("" for
 * every case). */
void intake_case_files_read(intake_t *in, struct evhttp_request *req,
                            const intake_case_files_t *kind, const char *key,
                            const char *division);

/* Sends the stored file file_id as content_type, never to be run or
 * rendered as a page; with download_name, as a download of that name. */
void intake_case_files_send(intake_t *in, struct evhttp_request *req, const char *file_id,
                            const char *content_type, const char *download_name);

#endif
