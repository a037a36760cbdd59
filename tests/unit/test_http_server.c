/* http_server: a connection it accepts sends at once (TCP_NODELAY), so a
 * reply larger than libevent's 16 KB single write does not wait for the
 * client's delayed acknowledgement. Checked on the accepted socket itself
 * (found among this process's descriptors by its two ends), not by timing. */
#include "http.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

/* A port free on the loopback now (http_server listens on a given port). */
static int s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
        port = ntohs(sin.sin_port);
    close(fd);
    return port;
}

static void s_reply(struct evhttp_request *req, void *arg)
{
    (void)arg;
    struct evbuffer *body = evbuffer_new();
    static char big[64 * 1024];
    memset(big, 'x', sizeof(big));
    evbuffer_add(body, big, sizeof(big));
    evhttp_send_reply(req, 200, "OK", body);
    evbuffer_free(body);
}

/* The descriptor of this process whose local port is local and whose peer's
 * port is peer; -1 when none is. */
static int s_socket_between(int local, int peer)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct sockaddr_in a, b;
        socklen_t la = sizeof(a), lb = sizeof(b);
        if (getsockname(fd, (struct sockaddr *)&a, &la) == 0 && a.sin_family == AF_INET &&
            getpeername(fd, (struct sockaddr *)&b, &lb) == 0 && ntohs(a.sin_port) == local &&
            ntohs(b.sin_port) == peer)
            return fd;
    }
    return -1;
}

static void test_accepted_connection_sends_at_once(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    assert_non_null(base);
    http_limits_t limits = {.max_connections = 16, .max_connections_per_address = 16,
                            .request_timeout_ms = 5000, .idle_timeout_s = 5};
    int port = s_free_port();
    assert_true(port > 0);
    char hostport[32];
    snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", port);
    http_server_t *server = http_server_new(base, hostport, &limits);
    assert_non_null(server);
    evhttp_set_gencb(http_server_evhttp(server), s_reply, NULL);

    int client = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(0, connect(client, (struct sockaddr *)&to, sizeof(to)));
    const char *request = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";
    assert_int_equal((ssize_t)strlen(request), write(client, request, strlen(request)));
    /* The server accepts, admits and answers on its loop; the whole reply
     * arriving shows it has. */
    char buf[8192];
    size_t got = 0;
    for (int i = 0; i < 10000 && got < 64 * 1024; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        ssize_t n = recv(client, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0)
            got += (size_t)n;
        else
            usleep(1000);
    }
    assert_true(got >= 64 * 1024);
    assert_int_equal(1, http_server_connections(server));

    struct sockaddr_in me;
    socklen_t len = sizeof(me);
    assert_int_equal(0, getsockname(client, (struct sockaddr *)&me, &len));
    int accepted = s_socket_between(port, ntohs(me.sin_port));
    assert_true(accepted >= 0);
    int nodelay = 0;
    len = sizeof(nodelay);
    assert_int_equal(0, getsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len));
    assert_int_equal(1, nodelay);

    close(client);
    http_server_destroy(&server);
    event_base_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_connection_sends_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
