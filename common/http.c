/* Reply and request helpers, and the listeners' limits from the settings;
 * the listener itself and held requests are in http_server.c. */
#include "http.h"

#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void http_limits_read(settings_t *st, const char *section, http_limits_t *limits)
{
    static const struct {
        const char *name;
        long def;
        size_t offset;
    } fields[] = {
        {"max_connections", 4096, offsetof(http_limits_t, max_connections)},
        {"max_connections_per_address", 64, offsetof(http_limits_t, max_connections_per_address)},
        {"request_timeout_ms", 20000, offsetof(http_limits_t, request_timeout_ms)},
        {"idle_timeout_s", 30, offsetof(http_limits_t, idle_timeout_s)},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char key[128];
        snprintf(key, sizeof(key), "http.%s", fields[i].name);
        long v = settings_int(st, key, fields[i].def);
        if (section) {
            snprintf(key, sizeof(key), "%s.%s", section, fields[i].name);
            v = settings_int(st, key, v);
        }
        *(int *)((char *)limits + fields[i].offset) = (int)v;
    }
}

int http_split_hostport(const char *hostport, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport)
        return -1;
    const char *start = hostport;
    size_t n = (size_t)(colon - hostport);
    if (start[0] == '[' && n >= 2 && start[n - 1] == ']') {
        start++;
        n -= 2;
    }
    if (n + 1 > hostlen)
        return -1;
    memcpy(host, start, n);
    host[n] = '\0';
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (!end || *end != '\0' || p <= 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static void s_send_text(struct evhttp_request *req, int code, const char *type, const char *text)
{
    struct evbuffer *buf = text ? evbuffer_new() : NULL;
    if (!buf) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    evbuffer_add(buf, text, strlen(text));
    evbuffer_add(buf, "\n", 1);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evhttp_send_reply(req, code, NULL, buf);
    evbuffer_free(buf);
}

static void s_send(struct evhttp_request *req, int code, const char *type, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    s_send_text(req, code, type, text);
    free(text);
}

void http_reply_json(struct evhttp_request *req, int code, json_t *body)
{
    if (!body)
        body = json_object();
    s_send(req, code, "application/json; charset=utf-8", body);
    json_decref(body);
}

void http_reply_json_text(struct evhttp_request *req, int code, const char *text)
{
    s_send_text(req, code, "application/json; charset=utf-8", text);
}

void http_reply_problem(struct evhttp_request *req, int code, const char *title,
                        const char *detail, const char *field)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title,
                             "status", code, "detail", detail);
    if (body && field)
        json_object_set_new(body, "field", json_string(field));
    if (!body) {
        evhttp_send_error(req, code, title);
        return;
    }
    s_send(req, code, "application/problem+json; charset=utf-8", body);
    json_decref(body);
}

int http_read_body(struct evhttp_request *req, size_t max, char **out, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n > max)
        return -1;
    char *buf = malloc(n + 1);
    if (!buf)
        return -1;
    evbuffer_copyout(in, buf, n);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

void http_query_code(const char *query, const char *name, char *out, size_t len)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    out[0] = '\0';
    if (query && evhttp_parse_query_str(query, &args) == 0) {
        const char *v = evhttp_find_header(&args, name);
        while (v && *v == ' ')
            v++;
        size_t n = v ? strcspn(v, " ") : 0;
        if (v && n < len &&
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") >= n) {
            memcpy(out, v, n);
            out[n] = '\0';
        }
    }
    evhttp_clear_headers(&args);
}

const char *http_peer(struct evhttp_request *req)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    char *addr = NULL;
    ev_uint16_t port = 0;
    if (conn)
        evhttp_connection_get_peer(conn, &addr, &port);
    return addr ? addr : "";
}
