/* duban-web: the staff web console. Serves the console's pages, sign-in,
 * the staff API of intake on the same origin, and a live stream of events
 * to each signed-in page. A service of its own so that hundreds of open
 * streams and the static files never share intake's loop (the acceptance
 * hot path), and so that it fails and scales on its own. */
#include "calendar.h"
#include "http.h"
#include "log.h"
#include "service.h"
#include "web.h"
#include "web_proxy.h"
#include "web_pwcheck.h"
#include "web_route.h"
#include "web_static.h"
#include "web_stream.h"

#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bureau's offset from UTC, read from how the business calendar writes
 * an instant ("...+08:00"), so pages show the times the calendar counts in. */
static int s_utc_offset_minutes(settings_t *st)
{
    calendar_t *cal = calendar_from_settings(st);
    int minutes = 8 * 60;
    if (cal) {
        char text[48];
        calendar_format_instant(cal, 0, text, sizeof(text));
        int h = 0, m = 0;
        size_t n = strlen(text);
        if (n > 6 && (text[n - 6] == '+' || text[n - 6] == '-') &&
            sscanf(text + n - 5, "%2d:%2d", &h, &m) == 2)
            minutes = (text[n - 6] == '-' ? -1 : 1) * (h * 60 + m);
        else if (n && text[n - 1] == 'Z')
            minutes = 0;
    }
    calendar_destroy(&cal);
    return minutes;
}

int main(int argc, char **argv)
{
    int exit_code = 1;
    service_t *svc = service_new("web", "Serves the staff web console: pages, sign-in, the staff "
                                        "API on the same origin and live events.",
                                 argc, argv, &exit_code);
    if (!svc)
        return exit_code;
    settings_t *st = svc->settings;
    web_t web = {.base = svc->base, .settings = st, .org = svc->org};
    http_server_t *server = NULL;
    struct evhttp *http = NULL;
    exit_code = 1;
    web.bureau = settings_string(st, "web.bureau_name", "质量技术监督局");
    web.utc_offset_minutes = s_utc_offset_minutes(st);
    web.session_max_s = settings_int(st, "web.session_max_s", 12 * 3600);
    web.session_idle_s = settings_int(st, "web.session_idle_s", 2 * 3600);
    web.cookie_secure = settings_int(st, "web.cookie_secure", 0) != 0;
    if (http_proxies_read(st, "web", &web.trusted_proxies) < 0)
        goto out_teardown;
    web.pg = pg_new(svc->base, svc->pg_conninfo);
    if (!web.pg || auth_prepare(web.pg) < 0 || web_route_prepare(web.pg) < 0)
        goto out_teardown;
    web.auth = auth_new(web.pg);
    web.statics = web_static_new(settings_string(st, "web.assets_dir", "deploy/web"));
    web.pwcheck = web_pwcheck_new(svc->base);
    /* A work item's report attachment passes through both ways: bodies and
     * answers up to intake's bound for one file (the same setting intake
     * reads, with its default), plus room for the request around it. */
    size_t file_max = (size_t)settings_int(st, "intake.photo_max_bytes", 5 * 1024 * 1024);
    size_t body_max = file_max + 64 * 1024 > 256 * 1024 ? file_max + 64 * 1024 : 256 * 1024;
    size_t reply_max = body_max > 4 * 1024 * 1024 ? body_max : 4 * 1024 * 1024;
    web.proxy = web_proxy_new(svc->base, settings_string(st, "intake.http", "127.0.0.1:7100"),
                              (int)settings_int(st, "web.proxy_connections", 16), reply_max,
                              &web.trusted_proxies);
    web.stream = web_stream_new(&web, svc->zctx);
    if (!web.auth || !web.statics || !web.pwcheck || !web.proxy || !web.stream)
        goto out_teardown;
    http_limits_t limits;
    http_limits_read(st, "web", &limits);
    server = http_server_new(svc->base, settings_string(st, "web.http", "127.0.0.1:7112"),
                             &limits);
    if (!server)
        goto out_teardown;
    http = http_server_evhttp(server);
    if (web_stream_subscribe(web.stream, "dispatch",
                             settings_string(st, "dispatch.pub", "tcp://127.0.0.1:7105")) < 0 ||
        web_stream_subscribe(web.stream, "watch",
                             settings_string(st, "watch.pub", "tcp://127.0.0.1:7108")) < 0)
        goto out_teardown;
    evhttp_set_max_body_size(http, (ev_ssize_t)body_max);
    evhttp_set_max_headers_size(http, 16 * 1024);
    evhttp_set_timeout(http, 60);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    web_route_install(http, &web);
    log_info("console listening", "http=%s assets=%s",
             settings_string(st, "web.http", "127.0.0.1:7112"),
             settings_string(st, "web.assets_dir", "deploy/web"));
    service_drain(svc, web.pg);
    exit_code = service_run(svc);

out_teardown:
    /* Streams and the proxy hold requests of http: end them before it goes;
     * pg first, its callbacks still reach the modules. */
    web_stream_destroy(&web.stream);
    pg_destroy(&web.pg);
    web_proxy_destroy(&web.proxy);
    http_server_destroy(&server);
    web_pwcheck_destroy(&web.pwcheck);
    web_static_destroy(&web.statics);
    auth_destroy(&web.auth);
    service_destroy(&svc);
    return exit_code;
}
