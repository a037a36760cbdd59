/* The inspection office's alerts over HTTP, through watch's console (the
 * same requests dubanctl alerts and ack send; watch owns alerts and checks
 * the caller's token):
 *
 *   GET  /api/v1/alerts              the unacknowledged breaches and
 *        escalations grouped by task, so that a storm on one task is one
 *        row: its highest level (and that alert's level name), how many
 *        alerts and re-sends, the first and last raised, the accountability
 *        rung recommended, and alert_id, the newest, to acknowledge the row
 *        by; rows by level, highest first, then the latest raised.
 *   POST /api/v1/alerts/{id}/ack     {"decision", "rung_decision",
 *        "whole_task" (default true: the task's older unacknowledged
 *        alerts with it)}: watch's answer, 200 or the reason refused.
 *
 * Inspectors and administrators (watch refuses anyone else, 403). */
#ifndef DUBAN_INTAKE_ALERTS_H
#define DUBAN_INTAKE_ALERTS_H

#include "intake.h"

struct event_base;

typedef struct intake_alerts intake_alerts_t;

/* Connects to watch's console endpoint. NULL on failure. */
intake_alerts_t *intake_alerts_new(struct event_base *base, void *zctx, const char *endpoint);

/* Answers what waits with 503 and frees. */
void intake_alerts_destroy(intake_alerts_t **self_p);

/* The handlers (intake_api_staff): key is the alert id for ack. */
void intake_alerts_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                        const char *key, const char *query);
void intake_alerts_ack(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                       const char *key, const char *query);

#endif
