/* Staff credentials on HTTP requests: a bearer token (Authorization header,
 * for scripts and dubanctl) or a console session (the duban_session cookie,
 * HttpOnly, SameSite=Strict). A browser attaches the cookie to any request
 * to this host, whichever page caused it, so a state-changing request that
 * authenticates with the cookie must also carry the session's CSRF token in
 * X-CSRF-Token (only the console page can know it) and, when the browser
 * says where it comes from (Origin, Sec-Fetch-Site), come from this host.
 * Bearer requests are not subject to that: no browser adds the header by
 * itself. Every service that accepts staff requests checks through here. */
#ifndef DUBAN_AUTH_HTTP_H
#define DUBAN_AUTH_HTTP_H

#include "auth.h"

#include <stdbool.h>

struct evhttp_request;

#define AUTH_HTTP_COOKIE "duban_session"
#define AUTH_HTTP_CSRF_HEADER "X-CSRF-Token"

typedef struct {
    char credential[AUTH_MAX_CREDENTIAL + 1]; /* "" when none was presented */
    bool from_cookie;
} auth_http_cred_t;

/* Reads the bearer token, else the session cookie, into out. A value longer
 * than AUTH_MAX_CREDENTIAL is kept cut (and then refused by auth_verify). */
void auth_http_credential(struct evhttp_request *req, auth_http_cred_t *out);

/* The value of cookie name in a Cookie header into out (len bytes); false
 * when absent. */
bool auth_http_cookie(const char *header, const char *name, char *out, size_t len);

/* NULL when req may proceed; else why it is refused (answer 403): a
 * state-changing request (not GET or HEAD) with a session cookie and a
 * missing or wrong CSRF token, or from another origin. */
const char *auth_http_csrf_refusal(struct evhttp_request *req, const auth_http_cred_t *cred);

/* The origin check alone, on header values (NULL when absent): Origin must
 * be http(s)://host; without Origin, Sec-Fetch-Site must be same-origin or
 * none when given. */
bool auth_http_same_origin(const char *origin, const char *fetch_site, const char *host);

#endif
