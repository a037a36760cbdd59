/* duban-intake: accepts cases over HTTP, commits each (grouped) with its
 * outbox row, and relays them to triage over ZeroMQ (PUSH). */
#include "http.h"
#include "intake_api.h"
#include "intake_commit.h"
#include "log.h"
#include "outbox.h"
#include "pg.h"
#include "service.h"

#include <event2/http.h>
#include <stdlib.h>
#include <zmq.h>

int main(int argc, char **argv)
{
    int exit_code = 1;
    service_t *svc = service_new("intake", "Accepts complaints, reports, enquiries and suggestions "
                                           "over HTTP and passes them on to triage.",
                                 argc, argv, &exit_code);
    if (!svc)
        return exit_code;
    settings_t *st = svc->settings;
    pg_t *pg = pg_new(svc->base, settings_string(st, "pg.conninfo", "dbname=duban"));
    bus_sock_t *out = NULL;
    outbox_relay_t *relay = NULL;
    intake_commit_t *commit = NULL;
    intake_api_t *api = NULL;
    struct evhttp *http = NULL;
    exit_code = 1;
    if (!pg || intake_commit_prepare(pg) < 0 || intake_api_prepare(pg) < 0)
        goto out_teardown;
    out = bus_sock_new(svc->zctx, svc->base, ZMQ_PUSH,
                       settings_string(st, "intake.out", "tcp://127.0.0.1:7101"), true, NULL, NULL);
    if (!out)
        goto out_teardown;
    relay = outbox_relay_new(svc->base, pg, out, "triage", true,
                             (int)settings_int(st, "outbox.resend_after_ms", 10000));
    commit = intake_commit_new(svc->base, pg, relay, (int)settings_int(st, "intake.max_batch", 500));
    http = evhttp_new(svc->base);
    if (!relay || !commit || !http)
        goto out_teardown;
    size_t max_body = (size_t)settings_int(st, "intake.max_body", 64 * 1024);
    /* libevent's own limit is a backstop well above ours, so that ordinary
     * oversize bodies get our JSON error naming the limit. */
    evhttp_set_max_body_size(http, (ev_ssize_t)(max_body * 4));
    evhttp_set_max_headers_size(http, 16 * 1024);
    evhttp_set_timeout(http, 30);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    api = intake_api_new(http, svc->org, pg, commit, max_body);
    if (!api || http_bind(http, settings_string(st, "intake.http", "127.0.0.1:7100")) < 0)
        goto out_teardown;
    exit_code = service_run(svc);

out_teardown:
    /* pg first: its pending callbacks still reach commit, relay and api. */
    pg_destroy(&pg);
    intake_commit_destroy(&commit);
    if (http)
        evhttp_free(http);
    intake_api_destroy(&api);
    outbox_relay_destroy(&relay);
    bus_sock_destroy(&out);
    service_destroy(&svc);
    return exit_code;
}
