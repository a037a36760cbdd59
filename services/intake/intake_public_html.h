/* HTML of the public pages: the report form, the receipt and the status
 * page, in Chinese, usable by keyboard alone and on a phone: every control
 * has a label tied to it, errors are written next to their field (and
 * listed above the form, which takes the focus), colours keep a contrast
 * of at least 4.5:1. Every value put into a page is escaped (libxml2). The
 * only script (/public.js) fills the place from the device when asked. */
#ifndef DUBAN_INTAKE_PUBLIC_HTML_H
#define DUBAN_INTAKE_PUBLIC_HTML_H

#include "org.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <libpq-fe.h>
#include <stdbool.h>

#define INTAKE_FORM_MAX_ERRORS 8

/* What the report form shows: the fields as typed (NULL: an empty form)
 * and what to fix, each error next to its field ("" for the page as a
 * whole, e.g. the database was away). */
typedef struct {
    const char *bureau;       /* the bureau's name, in the title */
    struct evkeyvalq *fields; /* borrowed */
    struct {
        const char *field; /* the form's name of the field: subject, phone, photo ... */
        char text[256];
    } errors[INTAKE_FORM_MAX_ERRORS];
    int nerrors;
    bool photos_dropped; /* photos were sent: the browser cannot keep them */
    int max_photos;
    long photo_max_mb;
} intake_form_view_t;

/* Adds an error for field (copied) to view, when there is room. */
void intake_form_view_error(intake_form_view_t *view, const char *field, const char *text);

void intake_html_form(struct evbuffer *out, const org_t *org, const intake_form_view_t *view);

/* The receipt after a report: case number and query code. */
void intake_html_receipt(struct evbuffer *out, const char *bureau, const char *case_number,
                         const char *query_code);

/* The columns of the status query (c) and of the steps query, all text. */
enum {
    STATUS_COL_NUMBER,
    STATUS_COL_KIND,
    STATUS_COL_CATEGORY,
    STATUS_COL_STATE,
    STATUS_COL_RECEIVED, /* ISO 8601, +08:00 */
    STATUS_COL_UPDATED,
    STATUS_COL_LEAD,        /* the lead division's name, "" none */
    STATUS_COL_MERGED_INTO, /* a public case's number, "" none */
    STATUS_COL_CO,          /* co-handling divisions' names, "、" between */
    STATUS_COL_EXPECTED,    /* 2017年3月9日, "" none */
    STATUS_COL_RESULT,      /* the reply's public part, "" none */
    STATUS_COL_RECEIVED_CN, /* 2017年3月2日 10:30 */
};
enum { STEP_COL_TYPE, STEP_COL_AT, STEP_COL_AT_CN, STEP_COL_ROLE };

/* The status page: the lookup form (number kept as typed), and the case
 * when c holds it (intake_public_status.c's queries), or error. */
void intake_html_status(struct evbuffer *out, const org_t *org, const char *bureau, PGresult *c,
                        PGresult *steps, const char *number, const char *error);

/* The script of the form (geolocation into lat/long): /public.js. */
extern const char INTAKE_PUBLIC_JS[];

/* Chinese label of a case state and of a public timeline step. */
const char *intake_state_label(const char *state);
const char *intake_step_label(const char *type);

#endif
