/* Sign-in, sign-out and "who am I" for the console:
 *   POST /web/signin   {"staff": CODE, "password": P}: checks the password
 *        (argon2id, off the loop), opens a session (staff_sessions) and sets
 *        the cookie duban_session (HttpOnly, SameSite=Strict, Path=/,
 *        Max-Age, Secure when web.cookie_secure); answers who signed in and
 *        the session's CSRF token. Five failures for one staff code within
 *        five minutes lock that code for the rest of them (429).
 *   POST /web/signout  revokes the session (needs its CSRF token) and clears
 *        the cookie.
 *   GET  /web/session  who is signed in (staff, name, role, division), the
 *        CSRF token, the bureau's name and zone, and the organisation's
 *        names (divisions, kinds, categories, channels) for display.
 * A session is checked by common/auth.c like any credential; sign-in must
 * come from the console's own pages (Origin). */
#ifndef DUBAN_WEB_SESSION_H
#define DUBAN_WEB_SESSION_H

#include "web.h"

int web_session_prepare(pg_t *pg);

void web_session_signin(web_t *web, struct evhttp_request *req);
void web_session_signout(web_t *web, struct evhttp_request *req);
void web_session_whoami(web_t *web, struct evhttp_request *req);

#endif
