/* HTML of the public pages: the report form, the receipt, the status page
 * and error pages. Every value put into a page is escaped (libxml2). */
#ifndef DUBAN_INTAKE_PUBLIC_HTML_H
#define DUBAN_INTAKE_PUBLIC_HTML_H

#include "org.h"

#include <event2/buffer.h>
#include <libpq-fe.h>

/* The report form; error (may be NULL) is shown above it. */
void intake_html_form(struct evbuffer *out, const org_t *org, const char *error);

/* The receipt after a report: case number and query code. */
void intake_html_receipt(struct evbuffer *out, const char *case_number, const char *query_code);

/* The status lookup form (number and code empty) or a case's status from the
 * public status query results (case row, then public events). */
void intake_html_status(struct evbuffer *out, const org_t *org, PGresult *c, PGresult *events,
                        const char *error);

/* Chinese label of a case state and of a public timeline step. */
const char *intake_state_label(const char *state);
const char *intake_step_label(const char *type);

#endif
