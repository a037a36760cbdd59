/* The client's address behind trusted reverse proxies; see http_proxies.h. */
#include "http_proxies.h"

#include "log.h"

#include <arpa/inet.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

typedef struct {
    int family;
    unsigned char bytes[16];
} s_addr_t;

/* An IPv4-mapped IPv6 address (a dual-stack listener's view of an IPv4
 * client) is the IPv4 address, so one list entry covers both forms. */
static void s_unmap(s_addr_t *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a->family == AF_INET6 && memcmp(a->bytes, mapped, sizeof(mapped)) == 0) {
        memmove(a->bytes, a->bytes + 12, 4);
        a->family = AF_INET;
    }
}

/* Address text of at most HTTP_ADDR_MAX - 1 bytes, without port. */
static int s_addr_parse(const char *text, size_t n, s_addr_t *a)
{
    char buf[HTTP_ADDR_MAX];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, a->bytes) == 1)
        a->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, a->bytes) == 1)
        a->family = AF_INET6;
    else
        return -1;
    s_unmap(a);
    return 0;
}

/* One X-Forwarded-For entry: an address, "[v6]", "[v6]:port" or "v4:port"
 * (some balancers add the client's port), with blanks around. */
static int s_entry_parse(const char *start, const char *end, s_addr_t *a)
{
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t n = (size_t)(end - start);
    if (n > 0 && start[0] == '[') {
        const char *close = memchr(start, ']', n);
        if (!close)
            return -1;
        const char *after = close + 1;
        if (after < end && (*after != ':' || after + 1 == end ||
                            strspn(after + 1, "0123456789") < (size_t)(end - after - 1)))
            return -1;
        return s_addr_parse(start + 1, (size_t)(close - start - 1), a) == 0 &&
                       a->family == AF_INET6
                   ? 0
                   : -1;
    }
    const char *colon = memchr(start, ':', n);
    if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
        /* exactly one colon: IPv4 with a port */
        if (colon + 1 == end ||
            strspn(colon + 1, "0123456789") < (size_t)(end - colon - 1))
            return -1;
        return s_addr_parse(start, (size_t)(colon - start), a) == 0 && a->family == AF_INET
                   ? 0
                   : -1;
    }
    return s_addr_parse(start, n, a);
}

static void s_addr_text(const s_addr_t *a, char *out, size_t len)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family, a->bytes, buf, sizeof(buf)))
        buf[0] = '\0';
    snprintf(out, len, "%s", buf);
}

static bool s_trusted(const http_proxies_t *proxies, const s_addr_t *a)
{
    for (int i = 0; i < proxies->n; i++) {
        if (proxies->nets[i].family != a->family)
            continue;
        int bits = proxies->nets[i].prefix_bits, whole = bits / 8, rest = bits % 8;
        if (memcmp(proxies->nets[i].bytes, a->bytes, (size_t)whole) != 0)
            continue;
        if (rest == 0 ||
            ((proxies->nets[i].bytes[whole] ^ a->bytes[whole]) & (0xff << (8 - rest)) & 0xff) == 0)
            return true;
    }
    return false;
}

int http_proxies_parse(http_proxies_t *proxies, const char *list, char *why, size_t why_len)
{
    proxies->n = 0;
    const char *p = list ? list : "";
    while (*p) {
        size_t skip = strspn(p, ", \t");
        p += skip;
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            break;
        const char *slash = memchr(p, '/', n);
        s_addr_t a;
        int bits = -1;
        size_t addr_n = slash ? (size_t)(slash - p) : n;
        if (s_addr_parse(p, addr_n, &a) == 0) {
            int max = a.family == AF_INET ? 32 : 128;
            if (!slash) {
                bits = max;
            } else {
                char *stop = NULL;
                long v = strtol(slash + 1, &stop, 10);
                if (stop == p + n && slash + 1 < p + n && v >= 0 && v <= max)
                    bits = (int)v;
            }
        }
        if (bits < 0 || proxies->n == HTTP_PROXIES_MAX) {
            snprintf(why, why_len, "%s \"%.*s\"",
                     proxies->n == HTTP_PROXIES_MAX ? "more than 32 proxies at" : "not an address or network:",
                     (int)(n > 64 ? 64 : n), p);
            return -1;
        }
        proxies->nets[proxies->n].family = a.family;
        memcpy(proxies->nets[proxies->n].bytes, a.bytes, sizeof(a.bytes));
        proxies->nets[proxies->n].prefix_bits = bits;
        proxies->n++;
        p += n;
    }
    return 0;
}

int http_proxies_read(settings_t *st, const char *section, http_proxies_t *proxies)
{
    char key[96], older[96], why[160];
    snprintf(key, sizeof(key), "%s.trusted_proxies", section);
    snprintf(older, sizeof(older), "%s.trusted_proxy", section);
    const char *list = settings_string(st, key, settings_string(st, older, ""));
    if (http_proxies_parse(proxies, list, why, sizeof(why)) == 0)
        return 0;
    log_error("trusted proxies are not addresses", "setting=%s reason=%s", key, why);
    return -1;
}

bool http_proxies_trust(const http_proxies_t *proxies, const char *addr)
{
    s_addr_t a;
    return addr && s_addr_parse(addr, strlen(addr), &a) == 0 && s_trusted(proxies, &a);
}

void http_client_of(const http_proxies_t *proxies, const char *peer, const char *const *forwarded,
                    int n, char *out, size_t len)
{
    s_addr_t a;
    snprintf(out, len, "%s", peer ? peer : "");
    if (!peer || s_addr_parse(peer, strlen(peer), &a) != 0)
        return;
    s_addr_text(&a, out, len);
    for (int v = n - 1; v >= 0 && s_trusted(proxies, &a); v--) {
        const char *start = forwarded[v], *end = start + strlen(start);
        while (end > start && s_trusted(proxies, &a)) {
            const char *comma = end;
            while (comma > start && comma[-1] != ',')
                comma--;
            if (s_entry_parse(comma, end, &a) != 0)
                return; /* garbage: the trusted hop that passed it on is the client */
            s_addr_text(&a, out, len);
            end = comma > start ? comma - 1 : start;
        }
    }
}

const char *http_client(struct evhttp_request *req, const http_proxies_t *proxies, char *out,
                        size_t len)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    char *peer = NULL;
    ev_uint16_t port = 0;
    if (conn)
        evhttp_connection_get_peer(conn, &peer, &port);
    /* Only a trusted peer's headers are read; the last 16 of them. */
    const char *forwarded[16];
    int n = 0;
    s_addr_t a;
    if (peer && s_addr_parse(peer, strlen(peer), &a) == 0 && s_trusted(proxies, &a)) {
        struct evkeyval *h;
        TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next)
        {
            if (strcasecmp(h->key, "X-Forwarded-For") != 0)
                continue;
            if (n == (int)(sizeof(forwarded) / sizeof(forwarded[0]))) {
                /* the last ones are the nearest hops: keep those */
                memmove(forwarded, forwarded + 1, sizeof(forwarded) - sizeof(forwarded[0]));
                n--;
            }
            forwarded[n++] = h->value;
        }
    }
    http_client_of(proxies, peer ? peer : "", forwarded, n, out, len);
    return out;
}
