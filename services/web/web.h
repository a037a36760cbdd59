/* What duban-web's modules share: the service context. duban-web serves the
 * staff console: its pages and scripts (web_static), sign-in and sessions
 * (web_session, passwords checked off the loop by web_pwcheck), the staff
 * API of intake passed through on the same origin (web_proxy) and the live
 * stream of events (web_stream, fed from dispatch's and watch's PUB sockets,
 * shaped by web_event). It holds no workflow rules: who may see or do what
 * is decided by common/auth.c and by intake and dispatch. */
#ifndef DUBAN_WEB_H
#define DUBAN_WEB_H

#include "auth.h"
#include "http_proxies.h"
#include "org.h"
#include "pg.h"
#include "settings.h"

#include <stdbool.h>

struct event_base;
struct evhttp_request;
struct web_static;
struct web_pwcheck;
struct web_proxy;
struct web_stream;

typedef struct {
    struct event_base *base;
    settings_t *settings;
    const org_t *org;
    pg_t *pg;
    auth_t *auth;
    struct web_static *statics;
    struct web_pwcheck *pwcheck;
    struct web_proxy *proxy;
    struct web_stream *stream;
    const char *bureau;       /* the bureau's name, in every page's header */
    int utc_offset_minutes;   /* the bureau's zone (from the business calendar) */
    long session_max_s;       /* a session ends this long after sign-in */
    long session_idle_s;      /* ... or this long after its last use */
    bool cookie_secure;       /* add Secure to the session cookie (served over https) */
    http_proxies_t trusted_proxies; /* the TLS proxy or balancer in front, if any */
} web_t;

/* Sends a problem reply whose detail people read on the console (Chinese). */
void web_reply_problem(struct evhttp_request *req, int code, const char *title,
                       const char *detail);

#endif
