/* The report form's body, as browsers send it: application/x-www-form-
 * urlencoded (no photo) or multipart/form-data (RFC 7578, read with GMime:
 * text fields and up to INTAKE_PHOTO_MAX files of the field "photo").
 * Text fields must be UTF-8 without NUL; a file field left empty is no
 * file. */
#ifndef DUBAN_INTAKE_PUBLIC_FORM_H
#define DUBAN_INTAKE_PUBLIC_FORM_H

#include "intake_photo_store.h"

#include <event2/keyvalq_struct.h>
#include <stddef.h>

typedef struct {
    struct evkeyvalq fields; /* name -> value, the first of each name */
    intake_upload_t photos[INTAKE_PHOTO_MAX];
    int nphotos;
} intake_public_form_t;

/* Sets up GMime once, before the loop. */
void intake_public_form_init(void);

/* Parses body (len bytes) sent with content_type (NULL: urlencoded) into
 * form (initialised here; intake_public_form_clear frees it). Returns 0, or
 * -1 with why (Chinese, for the citizen) filled. */
int intake_public_form_parse(const char *content_type, const char *body, size_t len,
                             intake_public_form_t *form, char *why, size_t why_len);

void intake_public_form_clear(intake_public_form_t *form);

#endif
