/* The division queue: GET /api/v1/divisions/{code}/queue. A division's tasks
 * as its handlers work through them: open ones sorted by the deadline that
 * runs now (the response deadline until signed, then the completion
 * deadline), soonest first, so overdue ones stay on top; each with its
 * traffic light and working time left (time_left.h). Filters: state (open,
 * dispatched, signed, replied, returned), kind, category, overdue=1; paging
 * with page (from 1) and limit (1-200, default 50). The reply carries the
 * counts for the tabs (open, dispatched, signed, overdue, warned), the total
 * under the filters and the number of pages. Open, dispatched and signed are
 * exact; overdue and warned are exact up to INTAKE_QUEUE_COUNT_LIMIT, beyond
 * which the reply says "at least" (overdue_more, warned_more): what changes
 * with the clock cannot be kept by PostgreSQL, and a count that looked at
 * every overdue task would cost as much as the queue is long. A division sees
 * only its own queue (auth_may_see_division). */
#ifndef DUBAN_INTAKE_QUEUE_H
#define DUBAN_INTAKE_QUEUE_H

#include "intake.h"
#include "time_left.h"

/* The deadline that runs now of an open task t (the response deadline until
 * signed, then the completion deadline) and its warning point: a task is
 * overdue when INTAKE_DUE_NOW <= now, warned (amber) when INTAKE_WARN_NOW <=
 * now < INTAKE_DUE_NOW. The queue's counts and the inspection office's
 * board count with these, and time_left.c lights the rows the same way. */
#define INTAKE_DUE_NOW                                                                             \
    "(CASE WHEN t.state = 'dispatched' THEN t.response_due ELSE t.completion_due END)"
#define INTAKE_WARN_NOW                                                                            \
    "(CASE WHEN t.state = 'dispatched' THEN t.response_warn ELSE t.completion_warn END)"

#define INTAKE_QUEUE_DEFAULT_LIMIT 50
#define INTAKE_QUEUE_MAX_LIMIT 200
#define INTAKE_QUEUE_COUNT_LIMIT 1000

/* Statements of the queue; call before the loop runs. */
int intake_queue_prepare(pg_t *pg);

void intake_queue_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                       const char *division, const char *query);

/* Time left on deadline ("response" or "completion") of a task of kind and
 * priority, on the clock its SLA policy says (working or natural). */
void intake_time_left(const intake_t *in, const char *kind, const char *priority,
                      const char *deadline, int64_t now_us, int64_t warn_us, int64_t due_us,
                      int64_t paused_us, time_left_t *out);

/* The deadline fields of a task as JSON: {deadline, due, warn, light,
 * left_seconds, left_text, paused} (the deadline that runs now: response
 * while dispatched, completion while signed); NULL for a closed task. */
json_t *intake_task_deadline_json(const intake_t *in, const char *kind, const char *priority,
                                  const char *state, int64_t now_us, int64_t response_warn,
                                  int64_t response_due, int64_t completion_warn,
                                  int64_t completion_due, int64_t paused);

#endif
