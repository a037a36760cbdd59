/* Who is calling when duban sits behind reverse proxies (a TLS terminator,
 * an HTTP balancer in front of several intake instances, the web console in
 * front of intake's API). Rate limits, idempotency keys of public clients,
 * the sign-in lock and the watch list all key on the client's address: taken
 * from the TCP peer, every client behind a proxy would share one address.
 *
 * X-Forwarded-For is believed only as far as the proxies named in the
 * settings: the list is read from the right (each proxy appends the address
 * it saw), trusted proxies are passed over, and the first address that is
 * not a trusted proxy is the client. Whatever a client wrote to the left of
 * that is ignored, so nobody can choose the address they are counted as. */
#ifndef DUBAN_HTTP_PROXIES_H
#define DUBAN_HTTP_PROXIES_H

#include "settings.h"

#include <stdbool.h>
#include <stddef.h>

#define HTTP_PROXIES_MAX 32
/* Enough for any address as text (INET6_ADDRSTRLEN) and its terminator. */
#define HTTP_ADDR_MAX 64

struct evhttp_request;

typedef struct {
    int n;
    struct {
        int family;              /* AF_INET or AF_INET6 */
        unsigned char bytes[16]; /* network order; 4 used for AF_INET */
        int prefix_bits;
    } nets[HTTP_PROXIES_MAX];
} http_proxies_t;

/* Parses a comma- or blank-separated list of addresses and CIDR networks
 * ("10.0.1.11, 10.0.9.0/24, fd00::/8"); "" trusts nobody. Returns 0, or -1
 * with the offending entry named in why. */
int http_proxies_parse(http_proxies_t *proxies, const char *list, char *why, size_t why_len);

/* Reads SECTION.trusted_proxies (or the single SECTION.trusted_proxy of
 * older configurations); logs and returns -1 when it is not a list of
 * addresses and networks. */
int http_proxies_read(settings_t *st, const char *section, http_proxies_t *proxies);

/* Whether addr (text; IPv4-mapped IPv6 counts as IPv4) is a trusted proxy. */
bool http_proxies_trust(const http_proxies_t *proxies, const char *addr);

/* The client of a request that came from peer carrying the X-Forwarded-For
 * values forwarded[0..n-1] (in header order), written to out as canonical
 * address text. An entry that is not an address (nor an address with a
 * port) ends the walk: the hop that wrote it is the client. */
void http_client_of(const http_proxies_t *proxies, const char *peer, const char *const *forwarded,
                    int n, char *out, size_t len);

/* http_client_of for a request: its peer and every X-Forwarded-For header.
 * Returns out. */
const char *http_client(struct evhttp_request *req, const http_proxies_t *proxies, char *out,
                        size_t len);

/* http_client into a buffer of the calling expression's own:
 *   ratelimit_check(..., http_client_addr(req, &in->trusted_proxies), ...) */
#define http_client_addr(req, proxies)                                                      \
    http_client((req), (proxies), (char[HTTP_ADDR_MAX]){0}, HTTP_ADDR_MAX)

#endif
