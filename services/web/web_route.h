/* duban-web's one request callback: /healthz, the console's own endpoints
 * (/web/signin, /web/signout, /web/session, /web/events), the staff API
 * passed to intake (/api/v1/...), and the pages and assets. */
#ifndef DUBAN_WEB_ROUTE_H
#define DUBAN_WEB_ROUTE_H

#include "web.h"

struct evhttp;

/* Statements the endpoints need; call before the loop runs. */
int web_route_prepare(pg_t *pg);

void web_route_install(struct evhttp *http, web_t *web);

#endif
