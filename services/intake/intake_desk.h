/* What the hotline desk reads besides search (intake_search.h):
 *
 *   GET /api/v1/callers/{phone}/cases?limit=N
 *       a caller's cases by the digits of their phone (phone.h), the open
 *       ones first, then the newest: what the operator sees beside the form
 *       while the caller is on the line, to attach a repeat call to an open
 *       case. Scope as search: a division sees only its own cases.
 *   GET /api/v1/responders/{staff}/cases?show=all|inform|callback|overdue&page=N&limit=N
 *       the cases staff is first responder of and that are not closed, with
 *       what waits on them: "inform" (the division replied; tell the
 *       requester), "callback" (informed; record the callback), and whether
 *       a task of the case is overdue. What waits first, then the overdue,
 *       then by the lead task's deadline. Staff themself, the inspection
 *       office and administrators.
 *   GET /api/v1/triage/cases?page=N&limit=N
 *       the manual triage queue: cases triage could not categorise (state
 *       needs_triage), the oldest first. Those who may triage (the desk and
 *       the inspection office; dispatch_rules decides the step itself).
 *
 * Each list answers with its counts and the cases as intake_case_list.h
 * shows them. No rule is decided here: what waits on a first responder is
 * the case's state, which dispatch sets. */
#ifndef DUBAN_INTAKE_DESK_H
#define DUBAN_INTAKE_DESK_H

#include "intake_api.h"

#include <stdbool.h>

#define INTAKE_DESK_CALLER_LIMIT 20

int intake_desk_prepare(pg_t *pg);

/* Handles req when path is one of the desk's endpoints, above or
 * GET /api/v1/org — divisions, categories (with their lead and co-handling
 * divisions, urgency and triage keywords: the desk's category suggestions
 * filter these as the operator types), kinds and channels, from the org
 * file intake was started with, for any staff member. True: answered or on
 * its way (every one authenticates the caller first, intake_api_staff);
 * false leaves req to the caller. */
bool intake_desk_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                       const char *query);

#endif
