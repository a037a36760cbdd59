/* Notices of the past from the event log; see intake_notices.h. One range
 * scan on case_events_notice_idx from the instant asked for, the cases joined
 * by key; a first responder's cases are those whose first_responder they are
 * (never changed after intake, DESIGN.md rule 2). */
#include "intake_notices.h"

#include "calendar.h"
#include "clock.h"
#include "http.h"
#include "intake_office.h"
#include "log.h"
#include "pg_time.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICES_DEFAULT_LIMIT 200
#define NOTICES_MAX_LIMIT 1000

/* The events told live (CaseNotice): those of the workflow's steps and of a
 * requester's follow-ups, not those of the way in (a case received, its
 * automatic triage, tasks dispatched). Spelt as the predicate of
 * case_events_notice_idx (migration 085), so that the generic plan reads it. */
#define INTAKE_NOTICE_EVENT(e)                                                                     \
    e ".type NOT IN ('received', 'dispatched') AND " e ".actor <> 'triage'"

/* $1 the first responder ("" for the inspection office), $2 since (us),
 * $3 limit + 1 (one more tells that the list was cut). The inspection
 * office is told when a case goes to arbitration and when an extension is
 * asked (the CaseNotices dispatch sends to "inspection|"), and when a
 * requester asks through Open311 to reopen a closed case (intake's). */
/* clang-format off */
static const char *s_notices_sql =
    "SELECT c.case_number, e.type, e.actor, " PG_TIME_US("e.at") ", e.detail::text,"
    " coalesce(e.detail->>'division', t.division, ''), c.state"
    " FROM case_events e JOIN cases c ON c.id = e.case_id LEFT JOIN tasks t ON t.id = e.task_id"
    " WHERE e.at >= " PG_TIME_TS(2) " AND " INTAKE_NOTICE_EVENT("e") " AND CASE WHEN $1::text = ''"
    "  THEN e.type IN ('arbitration_requested', 'extension_requested')"
    "   OR (e.type = 'reopen_requested' AND e.detail->>'decided_by' = 'inspection')"
    "  ELSE c.first_responder = $1 END"
    " ORDER BY e.at, e.id LIMIT $3::bigint";
/* clang-format on */

typedef struct {
    http_held_t *held;
    int limit;
} notices_t;

int intake_notices_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_notices", s_notices_sql);
}

static void s_read(pg_txn_t *txn, bool ok, void *arg)
{
    notices_t *n = arg;
    struct evhttp_request *req = http_held_request(n->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read notices");
        if (req)
            intake_problem_reply(req, problem);
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *res = pg_txn_result(txn, 0);
    int rows = PQntuples(res);
    json_t *list = json_array();
    for (int i = 0; i < rows && i < n->limit; i++) {
        char at[40];
        clock_format_utc(strtoll(PQgetvalue(res, i, 3), NULL, 10), at, sizeof(at));
        json_t *detail = json_loads(PQgetvalue(res, i, 4), 0, NULL);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "case_number",
                                              PQgetvalue(res, i, 0), "event", PQgetvalue(res, i, 1),
                                              "actor", PQgetvalue(res, i, 2), "at", at, "detail",
                                              detail ? detail : json_object(), "division",
                                              PQgetvalue(res, i, 5), "case_state",
                                              PQgetvalue(res, i, 6)));
    }
    http_reply_json(req, 200, json_pack("{s:o, s:b}", "notices", list, "cut", rows > n->limit));
out_free:
    http_release(&n->held);
    free(n);
}

void intake_notices_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                         const char *key, const char *query)
{
    char staff[48], inspection[8], since[64], limit_text[16];
    if (!intake_office_arg(req, query, "staff", staff, sizeof(staff)) ||
        !intake_office_arg(req, query, "inspection", inspection, sizeof(inspection)) ||
        !intake_office_arg(req, query, "since", since, sizeof(since)) ||
        !intake_office_arg(req, query, "limit", limit_text, sizeof(limit_text)))
        return;
    bool office = strcmp(inspection, "1") == 0 || strcmp(inspection, "true") == 0;
    bool admin = strcmp(who->role, "admin") == 0;
    if (office == (staff[0] != '\0')) {
        http_reply_problem(req, 400, "invalid query",
                           "give staff=CODE (a first responder's notices) or inspection=1", NULL);
        return;
    }
    if (office && !admin && strcmp(who->role, "inspector") != 0) {
        http_reply_problem(req, 403, "forbidden",
                           "the inspection office's notices are for inspectors", NULL);
        return;
    }
    if (!office && !admin && strcmp(who->staff, staff) != 0) {
        http_reply_problem(req, 403, "forbidden", "a first responder reads their own notices",
                           NULL);
        return;
    }
    int64_t since_us;
    if (calendar_parse_instant(since, &since_us) < 0) {
        http_reply_problem(req, 400, "invalid field",
                           "since must be an instant with its offset, e.g. "
                           "2017-03-02T08:00:00+08:00",
                           "since");
        return;
    }
    char *end = NULL;
    long limit = limit_text[0] ? strtol(limit_text, &end, 10) : NOTICES_DEFAULT_LIMIT;
    if ((end && *end) || limit < 1 || limit > NOTICES_MAX_LIMIT) {
        http_reply_problem(req, 400, "invalid field", "limit is a number from 1 to 1000", "limit");
        return;
    }
    if (!pg_is_up(in->pg)) {
        intake_reply_unavailable(req);
        return;
    }
    notices_t *n = calloc(1, sizeof(*n));
    pg_txn_t *txn = pg_txn_new();
    if (!n || !txn || !(n->held = http_hold(req))) {
        free(n);
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    n->limit = (int)limit;
    char since_text[24], rows[24];
    snprintf(since_text, sizeof(since_text), "%lld", (long long)since_us);
    snprintf(rows, sizeof(rows), "%ld", limit + 1);
    pg_param_t p[3] = {PG_TEXT(office ? "" : staff), PG_TEXT(since_text), PG_TEXT(rows)};
    pg_txn_add(txn, true, "intake_notices", 3, p);
    pg_txn_submit(in->pg, &txn, s_read, n);
}
