/* Triage's hand-off of triaged cases to dispatch: the CaseTriaged of a case
 * built again from its row (and the rule of its "triaged" event), for the
 * message that did not arrive (see common/handoff.h). main.c builds the
 * same message from its decision when it triages the case. */
#include "triage_handoff.h"

#include "duban.pb-c.h"
#include "outbox.h"

/* What the message carries, in the order s_build reads it. */
static const char *s_columns =
    "coalesce(c.category, ''), coalesce(c.priority, 'normal'),"
    " coalesce((SELECT e.detail->>'rule' FROM case_events e WHERE e.case_id = c.id"
    "  AND e.type = 'triaged' ORDER BY e.id DESC LIMIT 1), ''),"
    " c.kind, c.subject, coalesce(c.lead_hint, '')";
enum { COL_CATEGORY = HANDOFF_COL_FIRST, COL_PRIORITY, COL_RULE, COL_KIND, COL_SUBJECT, COL_LEAD };

static int s_build(PGresult *res, int row, uint8_t **body, size_t *len, void *arg)
{
    Duban__CaseTriaged msg = DUBAN__CASE_TRIAGED__INIT;
    msg.category = PQgetvalue(res, row, COL_CATEGORY);
    msg.priority = PQgetvalue(res, row, COL_PRIORITY);
    msg.rule = PQgetvalue(res, row, COL_RULE);
    msg.kind = PQgetvalue(res, row, COL_KIND);
    msg.subject = PQgetvalue(res, row, COL_SUBJECT);
    msg.lead_division = PQgetvalue(res, row, COL_LEAD);
    return handoff_body_pack(&msg.base, body, len);
}

handoff_t *triage_handoff_new(struct event_base *base, pg_t *pg, settings_t *st)
{
    handoff_spec_t spec = {.state = "triaged",
                           .producer = "triage",
                           .destination = "dispatch",
                           .msg_type = OUTBOX_MSG(CASE_TRIAGED),
                           .columns = s_columns,
                           /* triage's update; a later one (a call attached) only defers */
                           .entered = "c.updated_at",
                           .build = s_build};
    return handoff_new(base, pg, &spec, st);
}
