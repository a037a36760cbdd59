/* Photos for staff; see intake_photo_api.h. */
#include "intake_photo_api.h"

#include "http.h"
#include "intake_case_files.h"

#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

static const char *s_photos_sql =
    "SELECT p.file_id, p.content_type, p.bytes, p.width, p.height FROM cases c"
    " LEFT JOIN case_photos p ON p.case_id = c.id AND ($3 = '' OR p.file_id = $3)"
    " WHERE c.case_number = $1"
    " AND ($2 = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = $2))"
    " ORDER BY p.id";

int intake_photo_api_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_case_photos", s_photos_sql);
}

static json_t *s_row(PGresult *res, int i, const char *url)
{
    return json_pack("{s:s, s:s, s:I, s:i, s:i, s:s}", "file_id", PQgetvalue(res, i, 0),
                     "content_type", PQgetvalue(res, i, 1), "bytes",
                     (json_int_t)atoll(PQgetvalue(res, i, 2)), "width", atoi(PQgetvalue(res, i, 3)),
                     "height", atoi(PQgetvalue(res, i, 4)), "url", url);
}

static const intake_case_files_t s_photos_kind = {
    .what = "photos",
    .stmt = "intake_case_photos",
    .case_not_found = "no such case, or not one your division handles",
    .file_not_found = "no such photo of a case you may see",
    .row = s_row,
};

static void s_photos(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                     const char *key, const char *query)
{
    (void)query;
    static const char *const everyone[] = {"operator", "clerk", "inspector", "admin", NULL};
    bool handler = strcmp(who->role, "handler") == 0;
    if (!handler && !auth_role_in(who, everyone)) {
        http_reply_problem(req, 403, "forbidden",
                           "photos are for those who handle cases and the inspection office", NULL);
        return;
    }
    intake_case_files_read(in, req, &s_photos_kind, key, handler ? who->division : "");
}

bool intake_photo_api_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                            const char *query)
{
    char key[96];
    int found = intake_case_files_path(req, path, "photos", key, sizeof(key));
    if (found <= 0)
        return found < 0;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
        http_reply_problem(req, 405, "method not allowed", "use GET", NULL);
    else
        intake_api_staff(api, req, s_photos, key, query);
    return true;
}
