/* Routing of the office endpoints; see intake_office.h. */
#include "intake_office.h"

#include "http.h"
#include "intake_alerts.h"
#include "intake_board.h"
#include "intake_bulletins.h"
#include "intake_notices.h"
#include "intake_workitem_read.h"

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
    return intake_notices_prepare(pg) | intake_board_prepare(pg) |
           intake_workitem_read_prepare(pg);
}

typedef struct {
    const char *path;   /* exact, or a prefix ending in '/' followed by the key */
    const char *suffix; /* after the key ("/ack"), or NULL */
    enum evhttp_cmd_type method;
    intake_staff_handler_t handler;
} route_t;

static const route_t s_routes[] = {
    {"/api/v1/notices", NULL, EVHTTP_REQ_GET, intake_notices_read},
    {"/api/v1/board", NULL, EVHTTP_REQ_GET, intake_board_read},
    {"/api/v1/arbitrations", NULL, EVHTTP_REQ_GET, intake_board_arbitrations},
    {"/api/v1/extensions", NULL, EVHTTP_REQ_GET, intake_board_extensions},
    {"/api/v1/alerts", NULL, EVHTTP_REQ_GET, intake_alerts_list},
    {"/api/v1/alerts/", "/ack", EVHTTP_REQ_POST, intake_alerts_ack},
    {"/api/v1/bulletins", NULL, EVHTTP_REQ_GET, intake_bulletins_list},
    {"/api/v1/bulletins", NULL, EVHTTP_REQ_POST, intake_bulletins_run},
    {"/api/v1/bulletins/", NULL, EVHTTP_REQ_GET, intake_bulletins_show},
    {"/api/v1/rechecks", NULL, EVHTTP_REQ_GET, intake_bulletins_rechecks},
    {"/api/v1/rechecks/", NULL, EVHTTP_REQ_POST, intake_bulletins_recheck},
    {"/api/v1/dashboard", NULL, EVHTTP_REQ_GET, intake_bulletins_dashboard},
    {"/api/v1/workitems", NULL, EVHTTP_REQ_GET, intake_workitem_list},
    {"/api/v1/workitems/", NULL, EVHTTP_REQ_GET, intake_workitem_show},
    {"/api/v1/problems", NULL, EVHTTP_REQ_GET, intake_problem_list},
};

/* The key of path under route r into key (len bytes); false when path is
 * not r's. */
static bool s_match(const route_t *r, const char *path, char *key, size_t len)
{
    size_t n = strlen(r->path);
    key[0] = '\0';
    if (r->path[n - 1] != '/')
        return strcmp(path, r->path) == 0;
    if (strncmp(path, r->path, n) != 0)
        return false;
    const char *rest = path + n;
    size_t klen = strcspn(rest, "/");
    if (klen == 0 || klen >= len)
        return false;
    if (r->suffix ? strcmp(rest + klen, r->suffix) != 0 : rest[klen] != '\0')
        return false;
    memcpy(key, rest, klen);
    key[klen] = '\0';
    return true;
}

bool intake_office_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                         const char *query)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    char key[80];
    bool known = false;
    for (size_t i = 0; i < sizeof(s_routes) / sizeof(s_routes[0]); i++) {
        if (!s_match(&s_routes[i], path, key, sizeof(key)))
            continue;
        known = true;
        if (s_routes[i].method == method) {
            intake_api_staff(api, req, s_routes[i].handler, key, query);
            return true;
        }
    }
    if (known)
        http_reply_problem(req, 405, "method not allowed", "see the API in the README", NULL);
    return known;
}
