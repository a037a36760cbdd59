/* Routing of duban-web; see web_route.h. Every branch ends in one reply (or
 * a stream that the stream module ends). */
#include "web_route.h"

#include "http.h"
#include "metrics.h"
#include "web_proxy.h"
#include "web_session.h"
#include "web_static.h"
#include "web_stream.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <string.h>

void web_reply_problem(struct evhttp_request *req, int code, const char *title,
                       const char *detail)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    http_reply_problem(req, code, title, detail, NULL);
}

int web_route_prepare(pg_t *pg)
{
    return web_session_prepare(pg);
}

static void s_health(web_t *web, struct evhttp_request *req)
{
    bool up = pg_is_up(web->pg);
    http_reply_json(req, up ? 200 : 503,
                    json_pack("{s:s, s:s, s:s, s:b, s:i, s:i}", "service", "web", "version",
                              metrics_version(), "status", up ? "ok" : "degraded", "postgres", up, "streams",
                              web_stream_count(web->stream), "files",
                              web_static_count(web->statics)));
}

static void s_route_cb(struct evhttp_request *req, void *arg)
{
    web_t *web = arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (!path || !path[0])
        path = "/";
    if (strcmp(path, "/healthz") == 0) {
        s_health(web, req);
    } else if (strncmp(path, "/api/v1/", 8) == 0) {
        web_proxy_forward(web->proxy, req);
    } else if (strcmp(path, "/web/signin") == 0) {
        web_session_signin(web, req);
    } else if (strcmp(path, "/web/signout") == 0) {
        web_session_signout(web, req);
    } else if (strcmp(path, "/web/session") == 0) {
        web_session_whoami(web, req);
    } else if (strcmp(path, "/web/events") == 0) {
        web_stream_open(web->stream, req);
    } else if (strcmp(path, "/") == 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/console/");
        evhttp_send_reply(req, 302, "Found", NULL);
    } else if (!web_static_serve(web->statics, req, path)) {
        web_static_serve(web->statics, req, "/console/404");
    }
}

void web_route_install(struct evhttp *http, web_t *web)
{
    evhttp_set_gencb(http, s_route_cb, web);
}
