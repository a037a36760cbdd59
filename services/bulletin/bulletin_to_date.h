/* The month so far, as the bulletin engine counts it: the current month's
 * record computed by the same read statements and the same engine as a
 * month-check (deploy/bulletin/README.md defines every figure), with the
 * period cut at now instead of the month's end. So "received" is what was
 * dispatched this month until now, the rates are over the deadlines that
 * fell due until now, "overdue_open" is the census at now, and the previous
 * period (last month, whole) and the change against it come with it. Never
 * stored or published: the leaders' dashboard reads it. */
#ifndef DUBAN_BULLETIN_TO_DATE_H
#define DUBAN_BULLETIN_TO_DATE_H

#include "bulletin_engine.h"

#include <libpq-fe.h>

/* The record of the month that contains now_us (in the calendar's zone),
 * cut at now_us, read on conn in one REPEATABLE READ snapshot. NULL with the
 * reason logged when the statements fail or memory runs out. Free with
 * bulletin_report_destroy. */
bulletin_report_t *bulletin_to_date(PGconn *conn, const bulletin_engine_t *engine, int64_t now_us);

/* Cuts q's period at end_us (after q's first month of the period and before
 * its natural end): the last bound and the statements' "to". For tests. */
void bulletin_to_date_cut(bulletin_query_t *q, int64_t end_us);

#endif
