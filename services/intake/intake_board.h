/* What the inspection office looks at across the bureau, read from
 * PostgreSQL by intake as the division queue is:
 *
 *   GET /api/v1/board          every division's open tasks now, warned
 *        (past the warning point), overdue (past the deadline that runs now)
 *        and cases it returned that wait for arbitration, with bureau
 *        totals. Overdue and warned are counted with the queue's own
 *        expressions (INTAKE_DUE_NOW, INTAKE_WARN_NOW), so a cell's count is
 *        the number of rows its queue shows with overdue=1 or warned=1.
 *   GET /api/v1/arbitrations[?division=D]   cases waiting for arbitration
 *        (returned twice, or to an outside agency), longest waiting first,
 *        each with its returns (division, reason, where it was sent, when);
 *        with division, those that division returned. Decided with
 *        POST /api/v1/cases/{n}/steps/arbitrate.
 *   GET /api/v1/extensions[?division=D]     open tasks whose extension
 *        request waits for the inspection office, soonest due first, with
 *        the time asked, the reason and the time left. Decided with
 *        POST /api/v1/cases/{n}/steps/decide-extension.
 *
 * Each lists at most 200 (cut says when more wait). For the inspection
 * office, administrators and the leaders (who read, and may do nothing). */
#ifndef DUBAN_INTAKE_BOARD_H
#define DUBAN_INTAKE_BOARD_H

#include "intake.h"

int intake_board_prepare(pg_t *pg);

void intake_board_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                       const char *key, const char *query);
void intake_board_arbitrations(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                               const char *key, const char *query);
void intake_board_extensions(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                             const char *key, const char *query);

/* True for the roles that read the bureau as a whole: inspectors,
 * administrators and leaders. */
bool intake_board_may_read(const auth_identity_t *who);

#endif
