/* The public side of the supervised work items (督办事项, issue 15):
 * publication (晾晒) of the problem list (问题清单), the rectification list
 * (整改清单) and each division's part of a plan, one page per item, and the
 * public evaluation (网上评议) of an item.
 *
 * Pages (Chinese, no script, the public pages' CSP): GET /workitems (the
 * lists and the plans by lead division), /workitems/problems,
 * /workitems/rectification, /workitems/plan?plan=&division=,
 * /workitems/item?number= (POST: the evaluation form). JSON twins under
 * /api/v1/public/workitems: /problems, /rectification, /plan, /{number},
 * POST /{number}/evaluations ({"rating", "comment"}).
 *
 * What is shown is read in one place, a statement per list, each naming
 * only public columns (deploy/schema/README-workitems.md): the item's
 * number, title, divisions' names, deadline, status, percent and completion
 * summary; for rectification items the measure and the responsible
 * person's name; for problems their title, description, source and state.
 * Never a problem's source_detail or filer, report texts, staff codes,
 * verification reasons or evaluators. Lists are paged (20 a page, at most
 * WP_MAX_PAGE pages deep).
 *
 * An evaluation is 满意 / 基本满意 / 不满意 with an optional comment (300
 * characters, no control characters), one per visitor, item and month: the
 * visitor is the keyed hash (fingerprint key) of the address, item and
 * month, never the address. Rate-limited per address like the public
 * submissions; one from a watched address is kept, flagged and not
 * counted. The item shows the counts and 满意率 ((满意 + 基本满意) / all),
 * never a comment nor who evaluated. */
#ifndef DUBAN_INTAKE_WORKITEMS_PUBLIC_H
#define DUBAN_INTAKE_WORKITEMS_PUBLIC_H

#include "intake.h"

#include <stdbool.h>

#define WP_PER_PAGE 20
#define WP_MAX_PAGE 500
#define WP_COMMENT_MAX_CHARS 300

int intake_workitems_public_prepare(pg_t *pg);

/* True for the paths this module serves. */
bool intake_workitems_public_handles(const char *path);

void intake_workitems_public_handle(intake_t *in, struct evhttp_request *req, const char *path,
                                    const char *query);

#endif
