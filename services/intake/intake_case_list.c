/* See intake_case_list.h. */
#include "intake_case_list.h"

#include "intake_queue.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

enum {
    COL_NUMBER,
    COL_SUBJECT,
    COL_EXCERPT,
    COL_KIND,
    COL_CATEGORY,
    COL_PRIORITY,
    COL_STATE,
    COL_RECEIVED,
    COL_FIRST_RESPONDER,
    COL_NAME,
    COL_PHONE,
    COL_DIVISION,
    COL_TASK_STATE,
    COL_RESPONSE_WARN,
    COL_RESPONSE_DUE,
    COL_COMPLETION_WARN,
    COL_COMPLETION_DUE,
    COL_PAUSED,
    COL_END
};
_Static_assert(COL_END == CASE_LIST_NCOLUMNS, "CASE_LIST_NCOLUMNS counts the columns");

static const char *s_opt(PGresult *res, int row, int col)
{
    const char *v = PQgetvalue(res, row, col);
    return v[0] ? v : NULL;
}

static int64_t s_i64(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool intake_case_list_finished(const char *state)
{
    return strcmp(state, "closed") == 0 || strcmp(state, "merged") == 0;
}

json_t *intake_case_list_json(const intake_t *in, PGresult *res, int row, int first,
                              const auth_identity_t *who, bool holds_task, int64_t now_us)
{
#define V(col) PQgetvalue(res, row, first + (col))
#define OPT(col) s_opt(res, row, first + (col))
    const char *state = V(COL_STATE);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:b, s:s?, s:s?}",
                          "case_number", V(COL_NUMBER), "subject", V(COL_SUBJECT), "excerpt",
                          V(COL_EXCERPT), "kind", V(COL_KIND), "category", OPT(COL_CATEGORY),
                          "priority", V(COL_PRIORITY), "state", state, "received_at",
                          V(COL_RECEIVED), "first_responder", V(COL_FIRST_RESPONDER), "open",
                          !intake_case_list_finished(state), "division", OPT(COL_DIVISION),
                          "task_state", OPT(COL_TASK_STATE));
    if (!c)
        return NULL;
    if (auth_may_see_requester(who, V(COL_FIRST_RESPONDER), holds_task) &&
        (OPT(COL_NAME) || OPT(COL_PHONE)))
        json_object_set_new(c, "requester", json_pack("{s:s?, s:s?}", "name", OPT(COL_NAME),
                                                      "phone", OPT(COL_PHONE)));
    if (OPT(COL_TASK_STATE)) {
        json_t *d = intake_task_deadline_json(
            in, V(COL_KIND), V(COL_PRIORITY), V(COL_TASK_STATE), now_us,
            s_i64(res, row, first + COL_RESPONSE_WARN), s_i64(res, row, first + COL_RESPONSE_DUE),
            s_i64(res, row, first + COL_COMPLETION_WARN),
            s_i64(res, row, first + COL_COMPLETION_DUE), s_i64(res, row, first + COL_PAUSED));
        if (d)
            json_object_update_new(c, d);
    }
    return c;
#undef V
#undef OPT
}

bool intake_case_list_paging(const struct evkeyvalq *args, long default_limit, long *page,
                             long *limit, const char **bad, const char **why)
{
    const char *v;
    char *end = NULL;
    *page = 1;
    *limit = default_limit;
    if ((v = evhttp_find_header(args, "page")) && v[0]) {
        *page = strtol(v, &end, 10);
        if (*end || *page < 1 || *page > 1000000) {
            *bad = "page", *why = "page is a number from 1";
            return false;
        }
    }
    if ((v = evhttp_find_header(args, "limit")) && v[0]) {
        *limit = strtol(v, &end, 10);
        if (*end || *limit < 1 || *limit > INTAKE_CASE_LIST_MAX_LIMIT) {
            *bad = "limit", *why = "limit is a number from 1 to 50";
            return false;
        }
    }
    return true;
}
