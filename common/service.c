#include "service.h"

#include "bus.h"
#include "bus_curve.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "redis.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zmq.h>

static void s_free_text_cb(const void *data, size_t len, void *arg)
{
    free(arg);
}

void service_metrics_cb(struct evhttp_request *req, void *arg)
{
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        evhttp_send_error(req, 405, "only GET");
        return;
    }
    size_t len = 0;
    char *text = metrics_render(&len);
    struct evbuffer *body = evbuffer_new();
    if (!text || !body || evbuffer_add_reference(body, text, len, s_free_text_cb, text) < 0) {
        free(text);
        if (body)
            evbuffer_free(body);
        evhttp_send_error(req, 500, "could not render the metrics");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(req, 200, "OK", body);
    evbuffer_free(body);
}

/* A service whose own HTTP port faces the public (intake, web) answers
 * /metrics on the address in "<name>.metrics" instead, a loopback or
 * cluster-private port; others answer it beside /healthz. */
static int s_metrics_start(service_t *self)
{
    char key[64];
    snprintf(key, sizeof(key), "%s.metrics", self->name);
    const char *addr = settings_string(self->settings, key, NULL);
    if (!addr || !*addr)
        return 0;
    http_limits_t limits;
    http_limits_read(self->settings, self->name, &limits);
    self->metrics_server = http_server_new(self->base, addr, &limits);
    if (!self->metrics_server)
        return -1;
    evhttp_set_cb(http_server_evhttp(self->metrics_server), "/metrics", service_metrics_cb, self);
    log_info("metrics listening", "listen=%s", addr);
    return 0;
}

static void s_usage(const char *name, const char *summary)
{
    printf("usage: duban-%s [--config FILE] [--log-level LEVEL]\n\n%s\n\n"
           "  --config FILE      settings file (libconfig); every setting can be overridden\n"
           "                     by an environment variable, e.g. pg.conninfo by\n"
           "                     DUBAN_PG_CONNINFO (the service connects with pg.conninfo\n"
           "                     followed by %s.pg_conninfo: its own role and passfile)\n"
           "  --log-level LEVEL  debug, info, warn or error (default info)\n"
           "  --help             this text\n",
           name, summary, name);
}

/* Raises the soft limit of open files to the hard limit: a server's
 * connections each need a descriptor, and the soft default (often 1024) is
 * easy to reach. */
static void s_raise_file_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        log_info("open file limit raised", "from=%llu to=%llu", (unsigned long long)was,
                 (unsigned long long)rl.rlim_cur);
    else
        log_warn("could not raise the open file limit", "from=%llu", (unsigned long long)was);
}

static size_t s_in_flight(const service_t *self)
{
    size_t n = 0;
    for (int i = 0; i < self->ndrained; i++)
        n += pg_backlog(self->drained[i]);
    return n;
}

static void s_drain_cb(evutil_socket_t fd, short what, void *arg)
{
    service_t *self = arg;
    size_t left = s_in_flight(self);
    bool finished = !self->stop_cb || self->stop_done;
    if (left == 0 && finished) {
        if (self->stop_cb)
            log_info("finished, shutting down");
        event_base_loopexit(self->base, NULL);
        return;
    }
    if (clock_mono_us() >= self->drain_deadline_us) {
        log_warn("stopping with transactions still in flight", "transactions=%zu unfinished=%s",
                 left, finished ? "false" : "true");
        event_base_loopexit(self->base, NULL);
        return;
    }
    struct timeval tv = {0, 10000};
    evtimer_add(self->drain_ev, &tv);
}

static void s_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    service_t *self = arg;
    size_t left = s_in_flight(self);
    if ((left == 0 && !self->stop_cb) || self->drain_deadline_us != 0) {
        log_info("received signal, shutting down", "signal=%d", (int)sig);
        event_base_loopexit(self->base, NULL);
        return;
    }
    /* Transactions in flight may have committed already: let their
     * callbacks answer the clients and log what was done; and what the
     * service has taken on (service_on_stop) is finished, not dropped. */
    log_info("received signal, shutting down once transactions in flight settle",
             "signal=%d transactions=%zu finish_started=%s", (int)sig, left,
             self->stop_cb ? "true" : "false");
    int64_t drain_ms = settings_int(self->settings, "service.drain_ms", 3000);
    self->drain_deadline_us = clock_mono_us() + drain_ms * 1000;
    if (!self->drain_ev)
        self->drain_ev = evtimer_new(self->base, s_drain_cb, self);
    if (!self->drain_ev) {
        event_base_loopexit(self->base, NULL);
        return;
    }
    if (self->stop_cb)
        self->stop_cb(self->stop_arg);
    s_drain_cb(-1, 0, self);
}

void service_on_stop(service_t *self, service_stop_cb cb, void *arg)
{
    self->stop_cb = cb;
    self->stop_arg = arg;
}

void service_stop(service_t *self)
{
    self->stop_done = true;
}

int service_drain(service_t *self, struct pg *pg)
{
    if (self->ndrained >= SERVICE_MAX_DRAINED)
        return -1;
    self->drained[self->ndrained++] = pg;
    return 0;
}

/* A service's event loop: epoll with its changelist, so that the changes a
 * loop turn makes to one descriptor cost one epoll_ctl at most, not one
 * each (evhttp turns a connection's reading off and on around every
 * request). Measured with dubanctl bench --rate 1000 and perf stat:
 * intake's epoll_ctl calls 4.0 -> 3.0 per case; its CPU per case 0.124-0.150
 * ms without, 0.116-0.143 ms with (four runs each way). libevent warns
 * that the changelist is unsafe for a descriptor that is a dup() of another
 * one the loop watches: no service watches one (the only dup2 calls are in
 * children, before exec). */
static struct event_base *s_event_base_new(void)
{
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

service_t *service_new(const char *name, const char *summary, int argc, char **argv,
                       int *exit_code)
{
    static const struct option options[] = {{"config", required_argument, NULL, 'c'},
                                             {"log-level", required_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *config_path = getenv("DUBAN_CONFIG");
    const char *level_text = NULL;
    int opt;
    *exit_code = 1;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:l:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'l':
            level_text = optarg;
            break;
        case 'h':
            s_usage(name, summary);
            *exit_code = 0;
            return NULL;
        default:
            s_usage(name, summary);
            return NULL;
        }
    }
    log_init(name, LOG_INFO);
    service_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->name = name;
    self->settings = settings_new(config_path);
    if (!self->settings)
        goto out_destroy;
    log_level_t level = LOG_INFO;
    if (!level_text)
        level_text = settings_string(self->settings, "log.level", "info");
    if (log_level_parse(level_text, &level) < 0) {
        log_error("cannot use log level: expected debug, info, warn or error", "log_level=%s",
                  level_text);
        goto out_destroy;
    }
    log_init(name, level);
    s_raise_file_limit();
    if (redis_use_sentinels(settings_string(self->settings, "redis.sentinels", NULL),
                            settings_string(self->settings, "redis.master_name", "duban")) < 0)
        goto out_destroy;
    const char *org_path = settings_string(self->settings, "org_file", NULL);
    if (!org_path) {
        log_error("no org file: set org_file in the settings or DUBAN_ORG_FILE");
        goto out_destroy;
    }
    if (!settings_pg_conninfo(self->settings, name, self->pg_conninfo, sizeof(self->pg_conninfo))) {
        log_error("cannot use pg.conninfo and the service's pg_conninfo: too long together",
                  "service=%s max_bytes=%zu", name, sizeof(self->pg_conninfo) - 1);
        goto out_destroy;
    }
    self->org = org_new(org_path);
    self->base = s_event_base_new();
    self->zctx = zmq_ctx_new();
    if (!self->org || !self->base || !self->zctx)
        goto out_destroy;
    /* Every socket of this process crosses a process boundary: secure them
     * all before the first is made (bus_curve.h). */
    bool curve_off = false;
    self->curve = bus_curve_from_settings(self->settings, name, &curve_off);
    if (!curve_off && (!self->curve || bus_curve_auth_start(self->curve, self->zctx) < 0))
        goto out_destroy;
    bus_secure(self->curve);
    self->sigterm_ev = evsignal_new(self->base, SIGTERM, s_signal_cb, self);
    self->sigint_ev = evsignal_new(self->base, SIGINT, s_signal_cb, self);
    if (!self->sigterm_ev || !self->sigint_ev || evsignal_add(self->sigterm_ev, NULL) < 0 ||
        evsignal_add(self->sigint_ev, NULL) < 0)
        goto out_destroy;
    signal(SIGPIPE, SIG_IGN);
    if (s_metrics_start(self) < 0)
        goto out_destroy;
    log_info("starting", "settings=%s version=%s loop=%s", settings_path(self->settings),
             metrics_version(), event_base_get_method(self->base));
    *exit_code = 0;
    return self;

out_destroy:
    service_destroy(&self);
    return NULL;
}

void service_destroy(service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    service_t *self = *self_p;
    http_server_destroy(&self->http_server);
    http_server_destroy(&self->metrics_server);
    self->http = NULL;
    if (self->sigterm_ev)
        event_free(self->sigterm_ev);
    if (self->sigint_ev)
        event_free(self->sigint_ev);
    if (self->drain_ev)
        event_free(self->drain_ev);
    /* the ZAP handler's socket must close before the context ends */
    bus_secure(NULL);
    bus_curve_destroy(&self->curve);
    if (self->zctx)
        zmq_ctx_term(self->zctx);
    if (self->base)
        event_base_free(self->base);
    org_destroy(&self->org);
    settings_destroy(&self->settings);
    free(self);
    *self_p = NULL;
}

static void s_health_cb(struct evhttp_request *req, void *arg)
{
    service_t *self = arg;
    json_t *report = json_pack("{s:s, s:s}", "service", self->name, "version", metrics_version());
    bool ok = self->health_cb ? self->health_cb(report, self->health_arg) : true;
    json_object_set_new(report, "status", json_string(ok ? "ok" : "degraded"));
    http_reply_json(req, ok ? 200 : 503, report);
}

int service_health_start(service_t *self, const char *addr, service_health_cb cb, void *arg)
{
    char key[64];
    snprintf(key, sizeof(key), "%s.health", self->name);
    if (!addr)
        addr = settings_string(self->settings, key, NULL);
    if (!addr) {
        log_error("no health address: set it", "key=%s", key);
        return -1;
    }
    self->health_cb = cb;
    self->health_arg = arg;
    if (!self->http_server) {
        http_limits_t limits;
        http_limits_read(self->settings, self->name, &limits);
        self->http_server = http_server_new(self->base, addr, &limits);
        if (!self->http_server)
            return -1;
        self->http = http_server_evhttp(self->http_server);
    }
    evhttp_set_cb(self->http, "/healthz", s_health_cb, self);
    evhttp_set_cb(self->http, "/metrics", service_metrics_cb, self);
    return 0;
}

int service_run(service_t *self)
{
    log_info("ready");
    event_base_dispatch(self->base);
    log_info("stopped");
    return 0;
}
