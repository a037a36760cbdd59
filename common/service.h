/* What every duban service does the same way: command line (--help,
 * --config FILE), settings, logging, one libevent loop, one ZeroMQ context,
 * clean shutdown on SIGTERM/SIGINT, the org file, and a /healthz endpoint. */
#ifndef DUBAN_SERVICE_H
#define DUBAN_SERVICE_H

#include "org.h"
#include "settings.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct bus_curve;
struct event_base;
struct evhttp;
struct http_server;
struct pg;

#define SERVICE_MAX_DRAINED 4

typedef struct service service_t;

/* Fills report with the service's own checks; returns true when healthy. */
typedef bool (*service_health_cb)(json_t *report, void *arg);

/* Asked to stop (SIGTERM/SIGINT): finish what was started, then call
 * service_stop. */
typedef void (*service_stop_cb)(void *arg);

struct service {
    const char *name;
    settings_t *settings;
    org_t *org;
    struct event_base *base;
    void *zctx;
    struct bus_curve *curve; /* the bus's keys (NULL when bus.curve = 0) */
    struct evhttp *http; /* the health endpoint's server; services may add routes */
    struct http_server *http_server; /* owns http: listener, connection limits */
    struct http_server *metrics_server; /* "<name>.metrics" when set: GET /metrics */
    service_health_cb health_cb;
    void *health_arg;
    struct event *sigterm_ev;
    struct event *sigint_ev;
    struct pg *drained[SERVICE_MAX_DRAINED]; /* see service_drain */
    int ndrained;
    struct event *drain_ev;
    int64_t drain_deadline_us;
    service_stop_cb stop_cb; /* see service_on_stop */
    void *stop_arg;
    bool stop_done;
    /* How this service connects to PostgreSQL: pg.conninfo, then
     * <name>.pg_conninfo (its own role and passfile); see settings.h */
    char pg_conninfo[1024];
};

/* Parses argv and sets everything up, the open file limit raised to its
 * hard limit (a server's connections need descriptors). On --help prints
 * usage and sets *exit_code = 0; on error logs it and sets *exit_code = 1;
 * both return NULL. */
service_t *service_new(const char *name, const char *summary, int argc, char **argv,
                       int *exit_code);

void service_destroy(service_t **self_p);

/* Serves GET /healthz (and /metrics) on the address in setting
 * "<name>.health" (or addr when given) using cb for the body, under the HTTP limits of section
 * "<name>" (http_limits_read). Returns 0 / -1. */
int service_health_start(service_t *self, const char *addr, service_health_cb cb, void *arg);

/* Answers GET /metrics with the process's metrics (metrics_render), for a
 * service that routes its own requests. */
struct evhttp_request;
void service_metrics_cb(struct evhttp_request *req, void *arg);

/* Makes a stop wait for pg's transactions in flight (up to the setting
 * service.drain_ms, default 3000), so that what PostgreSQL committed is
 * also answered, logged and passed on before the process ends; a second
 * signal stops at once. Call once per connection (pg borrowed, it must
 * outlive service_run). Returns 0 / -1 (too many). */
int service_drain(service_t *self, struct pg *pg);

/* With cb, a stop also waits for cb's work: at the first signal cb is
 * called, the service finishes what it has started (e.g. work claimed from
 * a queue that others would otherwise wait for) and calls service_stop; the
 * loop ends once that is done and service_drain's connections have settled,
 * or at service.drain_ms, or at a second signal. */
void service_on_stop(service_t *self, service_stop_cb cb, void *arg);

/* What service_on_stop's cb started is done. */
void service_stop(service_t *self);

/* Runs the loop until a signal asks to stop (and what service_drain and
 * service_on_stop named has settled). Returns 0. */
int service_run(service_t *self);

#endif
