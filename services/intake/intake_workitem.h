/* A work item (督办事项) as the API takes it, in JSON, made into the
 * WorkItemSpec that dispatch creates it from (dispatch_workitem.h): POST
 * /api/v1/workitems, and dubanctl workitem create and import-plan, which
 * post the same JSON.
 *
 *   {"ref": "2017-be/1.1", "source": "plan", "title": "...", "content": "...",
 *    "leaders": ["ld-wangpz"], "lead_division": "party",
 *    "divisions": ["office-legal", ...], "named_units": "各处室、相关事业单位",
 *    "starts": "2017-02-18T08:30:00+08:00", "deadline": "2017-03-08T17:30:00+08:00",
 *    "report": {"rhythm": "monthly", "by_working_day": 5},
 *      (or "quarterly" by_working_day N, "working_days" every_working_days N,
 *      "none": dispatch_workitem_schedule.h)
 *    "plan": "2017-business-environment", "phase": 1,
 *    "milestones": [{"title": "...", "due": "2017-03-08T17:30:00+08:00"}]}
 *
 * Instants are RFC 3339 with their offset. Whether the item is whole is
 * dispatch's rule (dispatch_rules_workitem_spec); this only reads it. */
#ifndef DUBAN_INTAKE_WORKITEM_H
#define DUBAN_INTAKE_WORKITEM_H

#include "duban.pb-c.h"

#include <jansson.h>
#include <stddef.h>

/* The spec read from body (borrowed: its strings point into body, which
 * must outlive the spec). NULL with why filled when a member has the wrong
 * type or an instant is not RFC 3339. Free with intake_workitem_free. */
Duban__WorkItemSpec *intake_workitem_spec(json_t *body, char *why, size_t len);
void intake_workitem_free(Duban__WorkItemSpec **spec_p);

/* A problem for the problem list, POST /api/v1/problems:
 *   {"ref": "2017-visit-031", "source": "visit", "source_detail": "走访某企业",
 *    "title": "...", "description": "...", "division": "licensing",
 *    "case_number": "DB2017...", "plan": "2017-business-environment"}
 * Strings borrowed from body, as above; free with intake_problem_free. */
Duban__ProblemSpec *intake_problem_spec(json_t *body, char *why, size_t len);
void intake_problem_free(Duban__ProblemSpec **spec_p);

#endif
