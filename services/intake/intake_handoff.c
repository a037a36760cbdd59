/* Intake's hand-off of received cases to triage: the CaseReceived of a case
 * built again from its row, for the message that did not arrive (see
 * common/handoff.h). intake_commit.c builds the same message from the
 * request when the case is inserted. */
#include "intake_handoff.h"

#include "duban.pb-c.h"
#include "outbox.h"

/* What the message carries, in the order s_build reads it. */
static const char *s_columns =
    "c.channel, c.kind, coalesce(c.category, ''), c.subject, coalesce(c.description, ''),"
    " coalesce(c.first_responder, ''), coalesce(c.lead_hint, ''), c.requester_phone,"
    " coalesce(c.priority, '')";
enum { COL_CHANNEL = HANDOFF_COL_FIRST, COL_KIND, COL_CATEGORY, COL_SUBJECT, COL_DESCRIPTION,
       COL_FIRST_RESPONDER, COL_LEAD, COL_PHONE, COL_PRIORITY };

static int s_build(PGresult *res, int row, uint8_t **body, size_t *len, void *arg)
{
    const fingerprint_t *fp = arg;
    Duban__CaseReceived msg = DUBAN__CASE_RECEIVED__INIT;
    msg.channel = PQgetvalue(res, row, COL_CHANNEL);
    msg.kind = PQgetvalue(res, row, COL_KIND);
    msg.category = PQgetvalue(res, row, COL_CATEGORY);
    msg.subject = PQgetvalue(res, row, COL_SUBJECT);
    msg.description = PQgetvalue(res, row, COL_DESCRIPTION);
    msg.first_responder = PQgetvalue(res, row, COL_FIRST_RESPONDER);
    msg.lead_division = PQgetvalue(res, row, COL_LEAD);
    msg.priority = PQgetvalue(res, row, COL_PRIORITY);
    char fingerprint[FINGERPRINT_HEX_LEN + 1];
    fingerprint_phone(fp, PQgetisnull(res, row, COL_PHONE) ? NULL : PQgetvalue(res, row, COL_PHONE),
                      fingerprint);
    msg.requester_fingerprint = fingerprint;
    return handoff_body_pack(&msg.base, body, len);
}

handoff_t *intake_handoff_new(struct event_base *base, pg_t *pg, const fingerprint_t *fp,
                              settings_t *st)
{
    handoff_spec_t spec = {.state = "received",
                           .producer = "intake",
                           .destination = "triage",
                           .msg_type = OUTBOX_MSG(CASE_RECEIVED),
                           .columns = s_columns,
                           /* not the case's times: a letter's received_at is when it came */
                           .entered = "h.since",
                           .build = s_build,
                           .arg = (void *)fp};
    return handoff_new(base, pg, &spec, st);
}
