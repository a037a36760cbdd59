/* A case submission: parsed from JSON and checked against the org file.
 * Pure logic (no I/O), so it is unit-tested on its own. */
#ifndef DUBAN_INTAKE_REQUEST_H
#define DUBAN_INTAKE_REQUEST_H

#include "org.h"

#include <stddef.h>

#define INTAKE_MAX_SUBJECT 200       /* characters */
#define INTAKE_MAX_DESCRIPTION 4000  /* characters */
#define INTAKE_MAX_NAME 64
#define INTAKE_MAX_PHONE 32
#define INTAKE_MAX_SHORT 200         /* place, enterprise, product, e-mail */
#define INTAKE_MIN_YEAR 1990         /* times outside these years are refused */
#define INTAKE_MAX_YEAR 2100

typedef struct {
    char *channel;
    char *kind;
    char *category;        /* NULL when not given */
    char *division;        /* lead division chosen by the operator, NULL when not given */
    char *subject;
    char *description;
    char *requester_name;  /* NULL when anonymous */
    char *requester_phone;
    char *requester_email;
    bool anonymous;        /* the requester asked not to be named */
    bool confidential;     /* never published (Open311 reads), whatever its kind */
    char *callback_phone;  /* where to call back, when not the caller's number */
    char *place;
    char *enterprise;
    char *product;
    char *latitude;        /* decimal degrees as text, NULL when not given */
    char *longitude;
    char *external_ref;    /* an import row's own reference: one case per reference */
    char *received_at;     /* original time of a historical case (administrators) */
    char *first_responder; /* staff code; NULL until assigned for web and letters */
    char *priority;        /* "urgent" or "normal" as the desk judged it; NULL: triage decides */
} intake_request_t;

/* Why a submission was refused: HTTP status, a title, a detail for the user
 * and the field at fault (may be NULL). */
typedef struct {
    int status;
    char title[64];
    char detail[256];
    char field[48];
} intake_error_t;

/* Parses body (len bytes) into a new request. Returns NULL and fills err when
 * the body is not a JSON object, has invalid UTF-8, a field is missing, of the
 * wrong type, too long, or names a channel, kind, category, division or staff
 * member the org file does not know. */
intake_request_t *intake_request_parse(const org_t *org, const char *body, size_t len,
                                       intake_error_t *err);

/* Checks a request built field by field (web form, Open311) like a parsed
 * one: required fields, lengths, codes. Returns 0, or -1 with err filled. */
int intake_request_check(const org_t *org, intake_request_t *r, intake_error_t *err);

void intake_request_destroy(intake_request_t **self_p);

/* True when s is a time PostgreSQL's timestamptz takes and duban accepts:
 * YYYY-MM-DD, 'T' or a space, hh:mm[:ss[.ffffff]], an optional zone (Z,
 * +hh, +hh:mm), on a date that exists in the years INTAKE_MIN_YEAR to
 * INTAKE_MAX_YEAR. */
bool intake_request_time_ok(const char *s);

/* Number of UTF-8 characters in s (assumed valid UTF-8). */
size_t intake_utf8_length(const char *s);

#endif
