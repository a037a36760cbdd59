/* GET /api/v1/workitems and GET /api/v1/problems: the work items (督办事项)
 * and the problem list as staff read them (deploy/schema/README-workitems.md).
 *
 *   GET /api/v1/workitems?plan=P&division=D&state=open|closed&leader=L
 *       the inspection office and the leaders read every item (leader=
 *       the items a leader leads); a division only those it leads or is
 *       responsible for. Each with its title, content, state, source,
 *       leaders (codes and names), divisions, dates, milestones, percent
 *       done, whether it is overdue, verification, completion summary,
 *       rectification fields and its reports (due, met in time, missed,
 *       next due).
 *   GET /api/v1/workitems/{case number}
 *       one item as above (404 when the viewer may not read it).
 *   GET /api/v1/problems?state=open|accepted|rejected
 *       the problem list, for those who file and review it.
 * Answers {"workitems": [...], "cut": bool} / {"problems": [...], ...} / the item. */
#ifndef DUBAN_INTAKE_WORKITEM_READ_H
#define DUBAN_INTAKE_WORKITEM_READ_H

#include "auth.h"
#include "intake.h"

int intake_workitem_read_prepare(pg_t *pg);

void intake_workitem_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          const char *key, const char *query);
void intake_workitem_show(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                          const char *key, const char *query);
void intake_problem_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                         const char *key, const char *query);

#endif
