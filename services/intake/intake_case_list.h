/* Lists of cases for the hotline desk (search, a caller's history, the
 * first responder's cases, the manual triage queue): one row shape and one
 * JSON shape for every list, so each page shows a case the same way. A row
 * carries the case and its lead task (the latest lead task not returned:
 * the division handling it now, as dispatch_context.c reads it) with that
 * task's deadline, light and working time left; the requester's name and
 * phone only for those who may see them (auth_may_see_requester). */
#ifndef DUBAN_INTAKE_CASE_LIST_H
#define DUBAN_INTAKE_CASE_LIST_H

#include "intake.h"
#include "pg_time.h"

#include <jansson.h>
#include <stdbool.h>

/* The columns of a listed case (table alias c), then the lead task's
 * (alias l); CASE_LIST_LEAD joins the lead task. Use them as
 *   "SELECT " CASE_LIST_COLUMNS " FROM cases c " CASE_LIST_LEAD " WHERE ..."
 * Every column a list reads is in intake_case_list_json's order. */
#define CASE_LIST_COLUMNS                                                                          \
    "c.case_number, c.subject, left(c.description, 120), c.kind, coalesce(c.category, ''),"      \
    " c.priority, c.state, to_char(c.created_at AT TIME ZONE 'UTC',"                               \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), c.first_responder, coalesce(c.requester_name, ''),"   \
    " coalesce(c.requester_phone, ''), coalesce(l.division, ''), coalesce(l.state, ''), "         \
    PG_TIME_US_OR_0("l.response_warn") ", " PG_TIME_US_OR_0("l.response_due") ", "               \
    PG_TIME_US_OR_0("l.completion_warn") ", " PG_TIME_US_OR_0("l.completion_due") ", "           \
    PG_TIME_US_OR_0("l.paused_at")

/* Where a bounded read (case_search_newest, case_phone_newest) was cut, the
 * timestamptz expression t, as the time in Beijing with microseconds only
 * when it has them: "searched_since" of an answer cut short. */
#define CASE_LIST_CUT_TEXT(t)                                                                      \
    "to_char(" t " AT TIME ZONE 'Asia/Shanghai', CASE WHEN date_trunc('second', " t ") = " t       \
    " THEN 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"' ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+08:00\"' END)"

#define CASE_LIST_LEAD                                                                             \
    " LEFT JOIN LATERAL (SELECT division, state, response_warn, response_due, completion_warn,"   \
    " completion_due, paused_at FROM tasks WHERE case_id = c.id AND role = 'lead'"                \
    " AND state <> 'returned' ORDER BY id DESC LIMIT 1) l ON true"

/* How many columns CASE_LIST_COLUMNS has: a statement's own columns follow. */
#define CASE_LIST_NCOLUMNS 18

/* The case of row i of res, columns from first on, as JSON for who.
 * holds_task: who's division holds a task of the case (a division's lists
 * hold only such cases). now_us: the instant time left counts from. */
json_t *intake_case_list_json(const intake_t *in, PGresult *res, int row, int first,
                              const auth_identity_t *who, bool holds_task, int64_t now_us);

struct evkeyvalq;

#define INTAKE_CASE_LIST_MAX_LIMIT 50
_Static_assert(INTAKE_CASE_LIST_MAX_LIMIT == 50, "the refusal in intake_case_list_paging says 50");

/* Reads page (from 1) and limit (1 to INTAKE_CASE_LIST_MAX_LIMIT, default
 * default_limit) of a list from its query arguments. False, with the field
 * and the reason in *bad and *why, when one is not such a number. */
bool intake_case_list_paging(const struct evkeyvalq *args, long default_limit, long *page,
                             long *limit, const char **bad, const char **why);

/* True when state is one in which nothing more happens to a case (closed,
 * merged into another). */
bool intake_case_list_finished(const char *state);

#endif
