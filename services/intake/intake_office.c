/* Routing of the office endpoints; see intake_office.h. */
#include "intake_office.h"

#include "http.h"
#include "intake_notices.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

bool intake_office_arg(struct evhttp_request *req, const char *query, const char *name, char *out,
                       size_t len)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    out[0] = '\0';
    if (query && query[0] && evhttp_parse_query_str(query, &args) != 0) {
        http_reply_problem(req, 400, "invalid query", "the query string is malformed", NULL);
        return false;
    }
    const char *v = evhttp_find_header(&args, name);
    bool ok = !v || strlen(v) < len;
    if (v && ok)
        snprintf(out, len, "%s", v);
    evhttp_clear_headers(&args);
    if (!ok) {
        char detail[96];
        snprintf(detail, sizeof(detail), "%s is longer than %zu bytes", name, len - 1);
        http_reply_problem(req, 400, "invalid field", detail, name);
    }
    return ok;
}

int intake_office_prepare(pg_t *pg)
{
    return intake_notices_prepare(pg);
}

bool intake_office_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                         const char *query)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (strcmp(path, "/api/v1/notices") == 0) {
        if (method != EVHTTP_REQ_GET)
            http_reply_problem(req, 405, "method not allowed", "use GET", NULL);
        else
            intake_api_staff(api, req, intake_notices_read, NULL, query);
        return true;
    }
    return false;
}
