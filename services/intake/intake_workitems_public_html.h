/* HTML of the work items' public pages (intake_workitems_public.h): lists
 * as cards that read on a phone and a desktop alike, every value escaped
 * (libxml2), the evaluation form usable by keyboard alone (a fieldset of
 * radio buttons, a labelled comment, errors next to their field). */
#ifndef DUBAN_INTAKE_WORKITEMS_PUBLIC_HTML_H
#define DUBAN_INTAKE_WORKITEMS_PUBLIC_HTML_H

#include <event2/buffer.h>
#include <libpq-fe.h>

typedef enum { WP_LIST_PROBLEMS, WP_LIST_RECTIFICATION, WP_LIST_PLAN } wp_list_t;

/* Chinese labels of a status (not_started, in_progress, awaiting, closed),
 * a problem's source and a problem's state. */
const char *wp_status_label(const char *status);
const char *wp_source_label(const char *source);
const char *wp_problem_state_label(const char *state);

/* rows: the list's statement (columns by name, "total" the count over
 * every page); title the list's heading; query the list's own arguments
 * for the paging links ("plan=...&division=..." or ""). */
void wp_html_list(struct evbuffer *out, const char *bureau, wp_list_t list, const char *title,
                  PGresult *rows, int page, const char *query);

/* The index: the lists, and plans by lead division (plan, plan_title,
 * division, division_name, items). */
void wp_html_index(struct evbuffer *out, const char *bureau, PGresult *plans);

/* The evaluation form's state as typed and what to fix. */
typedef struct {
    const char *rating;  /* as typed, NULL none */
    const char *comment; /* as typed, NULL none */
    const char *field;   /* the field of error: "rating", "comment" or "" (the page) */
    const char *error;   /* NULL: none */
    const char *notice;  /* NULL: none; shown after a stored evaluation */
} wp_form_t;

/* The item page (item: the item statement, one row, or none: error says
 * why). */
void wp_html_item(struct evbuffer *out, const char *bureau, PGresult *item, const wp_form_t *form);

/* A page with a heading and a message only (404, 429, database away). */
void wp_html_message(struct evbuffer *out, const char *bureau, const char *title,
                     const char *message);

#endif
