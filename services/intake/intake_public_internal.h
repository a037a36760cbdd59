/* What intake_public.c (routing, rate limit, the report form and the JSON
 * submission) shares with intake_public_status.c (the status look-up). */
#ifndef DUBAN_INTAKE_PUBLIC_INTERNAL_H
#define DUBAN_INTAKE_PUBLIC_INTERNAL_H

#include "intake.h"
#include "intake_photo_store.h"
#include "intake_public_form.h"

#include <event2/buffer.h>

typedef enum {
    PUBLIC_FORM_POST,
    PUBLIC_JSON_POST,
    PUBLIC_JSON_STATUS,
    PUBLIC_HTML_STATUS
} intake_public_kind_t;

/* A public request waiting for the rate limiter, then for the photos and
 * PostgreSQL. */
typedef struct {
    intake_t *in;
    http_held_t *held;
    intake_public_kind_t kind;
    char number[40];
    char code[24];
    intake_public_form_t form;    /* the report form, as typed */
    intake_request_t *req;        /* built from it */
    intake_photo_result_t photos; /* stored, until the case is */
} intake_public_req_t;

void intake_public_free(intake_public_req_t *p);

/* Sends page with the headers every public page carries. */
void intake_public_send_html(struct evhttp_request *req, int code, struct evbuffer *page);

int intake_public_status_prepare(pg_t *pg);

/* Answers a status look-up the rate limiter let through; frees p. */
void intake_public_status(intake_public_req_t *p, struct evhttp_request *req);

#endif
