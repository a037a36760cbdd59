/* duban-intake: accepts cases over HTTP (staff API, public web, Open311),
 * commits each (grouped), and passes them on to triage over ZeroMQ (PUSH):
 * the case's state is the hand-off (intake_handoff.h). */
#include "calendar.h"
#include "fingerprint.h"
#include "http.h"
#include "intake.h"
#include "intake_alerts.h"
#include "intake_api.h"
#include "intake_photo_store.h"
#include "intake_search.h"
#include "intake_bulletins.h"
#include "intake_handoff.h"
#include "intake_steps.h"
#include "log.h"
#include "outbox.h"
#include "redis.h"
#include "service.h"
#include "sla.h"

#include <event2/http.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

/* How long (ms) a batch of new cases may wait to gather more
 * (intake.gather_ms, intake_commit_gather_window). Measured with dubanctl
 * bench --rate 1000 (no window / 3 / 4 / 5 / 8 ms): intake's statements
 * for 20,000 cases 9,621-13,347 / 5,933-6,085 / 4,422-4,436 / 2,935-3,247
 * / 2,028; PostgreSQL CPU per case 0.90-0.99 / 0.71-0.81 / 0.69-0.73 /
 * 0.52-0.69 / 0.50-0.51 ms; services' CPU 0.27-0.35 / 0.25-0.26 / 0.24 /
 * 0.22-0.29 / 0.22 ms; intake's p50 3.1-5.1 / 5.1-5.8 / 6.2-6.8 / 7.8-8.9
 * / 10.7-11.1 ms, its p99 13-23 / 19-20 / 21-37 / 16-23 / 20-22 ms: 5 ms
 * takes a third of PostgreSQL's CPU off each case for 4 ms of a caller's
 * median, its p99 within the runs' spread. Closed loop (32 connections),
 * where batches are large anyway: no change beyond the runs' spread. A
 * lone client sending one case after another (dubanctl bench -c 1) is not
 * held: the batch waits only for the company of other callers
 * (gather_callers_wait): 628 cases/s without the window, 603 with it
 * (525-703 against 363 before that rule). */
#define INTAKE_GATHER_MS 5

static void s_pg_state(pg_t *pg, bool up, void *arg)
{
    intake_t *in = arg;
    if (up)
        intake_roster_reload(in->roster);
}

/* The photos' folder must not be one a web server serves: not the staff
 * console's assets, nor inside them. False (logged) when it is. */
static bool s_photos_dir_ok(settings_t *st)
{
    char photos[PATH_MAX], assets[PATH_MAX];
    const char *dir = settings_string(st, "intake.photos_dir", "");
    const char *served = settings_string(st, "web.assets_dir", "");
    if (!dir[0] || !served[0] || !realpath(served, assets))
        return true; /* intake_photo_store_new says what is missing */
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return true;
    if (!realpath(dir, photos))
        return true;
    size_t n = strlen(assets);
    if (strncmp(photos, assets, n) == 0 && (photos[n] == '\0' || photos[n] == '/')) {
        log_error(
            "intake.photos_dir is inside web.assets_dir, which duban-web serves: choose a folder outside it",
            "photos_dir=%s assets_dir=%s", photos, assets);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    int exit_code = 1;
    service_t *svc = service_new("intake", "Accepts complaints, reports, enquiries and suggestions "
                                           "over HTTP and passes them on to triage.",
                                 argc, argv, &exit_code);
    if (!svc)
        return exit_code;
    settings_t *st = svc->settings;
    intake_t in = {.org = svc->org};
    bus_sock_t *out = NULL;
    outbox_relay_t *relay = NULL;
    intake_api_t *api = NULL;
    redis_t *redis = NULL;
    http_server_t *server = NULL;
    struct evhttp *http = NULL;
    char secrets[512];
    exit_code = 1;
    fingerprint_t *fingerprint =
        fingerprint_new(fingerprint_secrets_dir(st, secrets, sizeof(secrets)));
    if (!fingerprint)
        goto out_teardown;
    in.fingerprint = fingerprint;
    in.pg = pg_new(svc->base, svc->pg_conninfo);
    if (!in.pg || intake_commit_prepare(in.pg) < 0 || intake_api_prepare(in.pg) < 0 ||
        auth_prepare(in.pg) < 0 || intake_roster_prepare(in.pg) < 0)
        goto out_teardown;
    long readers = settings_int(st, "intake.read_connections", 2);
    for (; in.nreaders < readers && in.nreaders < INTAKE_MAX_READERS; in.nreaders++) {
        pg_t *reader = pg_new(svc->base, svc->pg_conninfo);
        in.readers[in.nreaders] = reader;
        if (!reader || intake_api_prepare_reads(reader) < 0)
            goto out_teardown;
    }
    out = bus_sock_bind(svc->zctx, svc->base, ZMQ_PUSH, "intake.out",
                        settings_string(st, "intake.out", "tcp://127.0.0.1:7101"), NULL, NULL);
    if (!out)
        goto out_teardown;
    relay = outbox_relay_new(svc->base, in.pg, out, "triage", true, st);
    in.relay = relay;
    in.handoff = intake_handoff_new(svc->base, in.pg, fingerprint, st);
    if (relay && in.handoff)
        outbox_relay_handoff(relay, in.handoff);
    in.commit = intake_commit_new(svc->base, in.pg, relay, fingerprint,
                                  (int)settings_int(st, "intake.max_batch", 500),
                                  (int)settings_int(st, "intake.max_waiting_commits", 2000));
    if (in.commit)
        intake_commit_gather_window(in.commit,
                                    (int)settings_int(st, "intake.gather_ms", INTAKE_GATHER_MS));
    in.auth = auth_new(in.pg);
    in.roster = intake_roster_new(svc->org, in.pg);
    redis = redis_new(svc->base, settings_string(st, "redis.host", "127.0.0.1"),
                      (int)settings_int(st, "redis.port", 6379));
    in.ratelimit =
        redis ? intake_ratelimit_new(
                    svc->base, redis, settings_string(st, "redis.prefix", "duban:"),
                    (size_t)settings_int(st, "intake.ratelimit_fallback_addresses", 65536),
                    (int)settings_int(st, "intake.ratelimit_timeout_ms", 200))
              : NULL;
    in.search_max_rows = settings_int(st, "intake.search_max_rows", INTAKE_SEARCH_MAX_ROWS);
    if (in.search_max_rows < 100 || in.search_max_rows > 10000000) {
        log_error("intake.search_max_rows is out of range (100 to 10000000)",
                  "search_max_rows=%ld", in.search_max_rows);
        goto out_teardown;
    }
    in.submit_per_minute = (int)settings_int(st, "intake.public_submits_per_minute", 10);
    in.lookup_per_minute = (int)settings_int(st, "intake.public_lookups_per_minute", 60);
    in.max_body = (size_t)settings_int(st, "intake.max_body", 64 * 1024);
    if (http_proxies_read(st, "intake", &in.trusted_proxies) < 0)
        goto out_teardown;
    in.open311_jurisdictions = settings_string(st, "intake.open311_jurisdictions", "");
    in.bureau_name = settings_string(st, "intake.bureau_name",
                                     settings_string(st, "web.bureau_name", "质量技术监督局"));
    in.photo_max_bytes = (size_t)settings_int(st, "intake.photo_max_bytes", 5 * 1024 * 1024);
    in.max_form_body = in.photo_max_bytes * INTAKE_PHOTO_MAX + in.max_body + 64 * 1024;
    intake_photo_limits_t photo_limits = {
        .max_bytes = in.photo_max_bytes,
        .max_side = (int)settings_int(st, "intake.photo_max_side", 8000),
        .max_pixels = settings_int(st, "intake.photo_max_pixels", 24000000)};
    in.photos = s_photos_dir_ok(st) ? intake_photo_store_new(svc->base,
                                                             settings_string(st, "intake.photos_dir", ""),
                                                             &photo_limits)
                                    : NULL;
    in.calendar = calendar_from_settings(st);
    in.natural = calendar_new_round_the_clock();
    in.sla = sla_from_settings(st);
    in.steps = intake_steps_new(svc->base, svc->zctx, &in,
                                settings_string(st, "dispatch.console", "tcp://127.0.0.1:7106"));
    in.alerts = intake_alerts_new(svc->base, svc->zctx,
                                  settings_string(st, "watch.console", "tcp://127.0.0.1:7109"));
    in.bulletins = intake_bulletins_new(
        svc->base, svc->zctx, settings_string(st, "bulletin.console", "tcp://127.0.0.1:7113"));
    if (!relay || !in.handoff || !in.commit || !in.auth || !in.roster || !in.ratelimit || !in.steps || !in.photos ||
        !in.alerts || !in.bulletins || !in.calendar || !in.natural || !in.sla)
        goto out_teardown;
    /* Listening starts now, but nothing is accepted before the loop runs. */
    http_limits_t limits;
    http_limits_read(st, "intake", &limits);
    server = http_server_new(svc->base, settings_string(st, "intake.http", "127.0.0.1:7100"),
                             &limits);
    if (!server)
        goto out_teardown;
    http = http_server_evhttp(server);
    pg_on_state(in.pg, s_pg_state, &in);
    /* libevent's own limit is a backstop well above ours, so that ordinary
     * oversize bodies get our JSON error naming the limit. */
    evhttp_set_max_body_size(http, (ev_ssize_t)(in.max_form_body + in.max_body * 4));
    evhttp_set_max_headers_size(http, 16 * 1024);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    api = intake_api_new(http, &in);
    if (!api)
        goto out_teardown;
    service_drain(svc, in.pg);
    exit_code = service_run(svc);

out_teardown:
    /* The clients first, so that requests still held see that they left;
     * then pg and redis: their pending callbacks still reach the modules. */
    http_server_destroy(&server);
    pg_destroy(&in.pg);
    for (int i = 0; i < INTAKE_MAX_READERS; i++)
        pg_destroy(&in.readers[i]);
    redis_destroy(&redis);
    intake_commit_destroy(&in.commit);
    intake_photo_store_destroy(&in.photos);
    intake_steps_destroy(&in.steps);
    intake_alerts_destroy(&in.alerts);
    intake_bulletins_destroy(&in.bulletins);
    intake_api_destroy(&api);
    intake_ratelimit_destroy(&in.ratelimit);
    intake_roster_destroy(&in.roster);
    auth_destroy(&in.auth);
    calendar_destroy(&in.calendar);
    calendar_destroy(&in.natural);
    sla_destroy(&in.sla);
    outbox_relay_destroy(&relay);
    handoff_destroy(&in.handoff); /* after pg: see handoff.h */
    bus_sock_destroy(&out);
    fingerprint_destroy(&fingerprint);
    service_destroy(&svc);
    return exit_code;
}
