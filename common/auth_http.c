/* Credentials and CSRF checks on HTTP requests; see auth_http.h. */
#include "auth_http.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool auth_http_cookie(const char *header, const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t item = end ? (size_t)(end - p) : strlen(p);
        if (item > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t vlen = item - n - 1;
            if (vlen >= len)
                vlen = len - 1;
            memcpy(out, p + n + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

void auth_http_credential(struct evhttp_request *req, auth_http_cred_t *out)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    out->credential[0] = '\0';
    out->from_cookie = false;
    const char *bearer = auth_bearer(evhttp_find_header(in, "Authorization"));
    if (bearer) {
        snprintf(out->credential, sizeof(out->credential), "%s", bearer);
        return;
    }
    const char *cookie = evhttp_find_header(in, "Cookie");
    if (cookie && auth_http_cookie(cookie, AUTH_HTTP_COOKIE, out->credential,
                                   sizeof(out->credential)) &&
        out->credential[0])
        out->from_cookie = true;
}

bool auth_http_same_origin(const char *origin, const char *fetch_site, const char *host)
{
    if (origin) {
        if (!host)
            return false;
        const char *rest = strncasecmp(origin, "http://", 7) == 0    ? origin + 7
                           : strncasecmp(origin, "https://", 8) == 0 ? origin + 8
                                                                     : NULL;
        return rest && strcasecmp(rest, host) == 0;
    }
    return !fetch_site || strcmp(fetch_site, "same-origin") == 0 || strcmp(fetch_site, "none") == 0;
}

const char *auth_http_csrf_refusal(struct evhttp_request *req, const auth_http_cred_t *cred)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (!cred->from_cookie || method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD)
        return NULL;
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    if (!auth_csrf_matches(cred->credential, evhttp_find_header(in, AUTH_HTTP_CSRF_HEADER)))
        return "a change made with the console's session needs the session's CSRF token in "
               "X-CSRF-Token; reload the console page";
    if (!auth_http_same_origin(evhttp_find_header(in, "Origin"),
                               evhttp_find_header(in, "Sec-Fetch-Site"),
                               evhttp_find_header(in, "Host")))
        return "a change made with the console's session must come from the console's own pages";
    return NULL;
}
