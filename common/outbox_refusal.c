/* Refusals and parking; see outbox.h for when a message is parked. */
#include "outbox.h"

#include "log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A consumer's refusal of $1 for reason $2; parks at the $3-th. */
static const char *s_refusal_sql =
    "UPDATE outbox SET refusals = refusals + 1, last_error = left($2, 1000),"
    " parked_at = CASE WHEN refusals + 1 >= $3::int THEN now() END,"
    " park_reason = CASE WHEN refusals + 1 >= $3::int THEN 'refused ' || (refusals + 1)"
    "  || ' times by its consumer, last: ' || left($2, 1000) END"
    " WHERE msg_id = $1::uuid AND delivered_at IS NULL AND parked_at IS NULL"
    " RETURNING id, destination, refusals, parked_at IS NOT NULL";
enum { REFUSAL_COL_ID, REFUSAL_COL_DESTINATION, REFUSAL_COL_REFUSALS, REFUSAL_COL_PARKED };


int outbox_max_attempts(settings_t *st)
{
    long n = settings_int(st, "outbox.max_attempts", OUTBOX_MAX_ATTEMPTS);
    return n < 1 ? 1 : n > 1000000 ? 1000000 : (int)n;
}

/* A msg_id as PostgreSQL's uuid input takes it (8-4-4-4-12 hex): anything
 * else from outside is not looked up at all. */
static bool s_is_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (!s || strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; i < sizeof(shape) - 1; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

typedef struct {
    char msg_id[40];
    char case_number[40];
} refusal_t;

static void s_refusal_done(pg_txn_t *txn, bool ok, void *arg)
{
    refusal_t *r = arg;
    if (!ok) {
        log_warn("could not record the refusal", "msg_id=%s case=%s err=%s", r->msg_id,
                 r->case_number, pg_txn_error(txn));
    } else {
        PGresult *res = pg_txn_result(txn, 0);
        if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, REFUSAL_COL_PARKED), "t") == 0)
            log_error("parked message; dubanctl outbox retry ROW sends it again",
                      "msg_id=%s case=%s to=%s row=%s refusals=%s", r->msg_id, r->case_number,
                      PQgetvalue(res, 0, REFUSAL_COL_DESTINATION),
                      PQgetvalue(res, 0, REFUSAL_COL_ID), PQgetvalue(res, 0, REFUSAL_COL_REFUSALS));
    }
    free(r);
}

void outbox_refusal_record(pg_t *pg, const char *msg_id, const char *case_number,
                           const char *why, int max_attempts)
{
    if (!s_is_uuid(msg_id) || !pg_is_up(pg))
        return;
    refusal_t *r = calloc(1, sizeof(*r));
    pg_txn_t *txn = r ? pg_txn_new() : NULL;
    char max[16];
    snprintf(max, sizeof(max), "%d", max_attempts < 1 ? 1 : max_attempts);
    pg_param_t params[] = {PG_TEXT(msg_id), PG_TEXT(why && why[0] ? why : "refused"),
                           PG_TEXT(max)};
    if (!txn || pg_txn_add(txn, false, s_refusal_sql, 3, params) < 0) {
        pg_txn_destroy(&txn);
        free(r);
        return;
    }
    snprintf(r->msg_id, sizeof(r->msg_id), "%s", msg_id);
    snprintf(r->case_number, sizeof(r->case_number), "%s", case_number ? case_number : "");
    pg_txn_submit(pg, &txn, s_refusal_done, r);
}
