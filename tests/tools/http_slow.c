/* A slow HTTP client for the connection-exhaustion tests: opens many
 * connections from one source address and keeps them busy without ever
 * finishing a request (slowloris), then reports what the server did.
 *
 *   http_slow --port P [--host 127.0.0.1] [--source ADDR] [--connections N]
 *             [--mode idle|headers|body] [--interval-ms MS] [--seconds S]
 *             [--at-once-ms MS]
 *
 * idle sends nothing; headers sends a request line, then one header line
 * every interval, never ending the headers; body sends whole headers
 * announcing a 60,000-byte body, then one byte of it every interval. It stops
 * after S seconds, or once the server has closed every connection, and prints
 * one line:
 *   connected=N failed=F closed=C at_once=A open=O late_min_ms=X late_max_ms=Y
 * closed counts connections the server closed (EOF or reset), at_once those
 * closed within --at-once-ms (1000) of connecting; late_* are the times from
 * connecting to closing of the others (-1 when none). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef enum { SLOW_CONNECTING, SLOW_OPEN, SLOW_CLOSED, SLOW_FAILED } slow_state_t;

typedef struct {
    int fd;
    slow_state_t state;
    int64_t opened_ms;
    int64_t closed_ms;
    int sent_lines;
} slow_conn_t;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_open(const char *host, int port, const char *source)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (source) {
        struct sockaddr_in from = {.sin_family = AF_INET};
        if (inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0) {
            close(fd);
            return -1;
        }
    }
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void s_close(slow_conn_t *c, slow_state_t state)
{
    close(c->fd);
    c->fd = -1;
    c->state = state;
    c->closed_ms = s_now_ms();
}

/* Sends the next piece of the never-ending request. */
static void s_send_more(slow_conn_t *c, const char *mode, const char *host, int port)
{
    char buf[256];
    int n = 0;
    if (strcmp(mode, "headers") == 0) {
        if (c->sent_lines == 0)
            n = snprintf(buf, sizeof(buf), "GET /healthz HTTP/1.1\r\nHost: %s:%d\r\n", host, port);
        else
            n = snprintf(buf, sizeof(buf), "X-Slow-%d: a\r\n", c->sent_lines);
    } else if (strcmp(mode, "body") == 0) {
        if (c->sent_lines == 0)
            n = snprintf(buf, sizeof(buf),
                         "POST /api/v1/public/cases HTTP/1.1\r\nHost: %s:%d\r\n"
                         "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{",
                         host, port);
        else
            n = snprintf(buf, sizeof(buf), " ");
    }
    c->sent_lines++;
    if (n > 0 && send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) < 0 && errno != EAGAIN)
        s_close(c, SLOW_CLOSED);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"host", required_argument, NULL, 'h'},
                                            {"port", required_argument, NULL, 'p'},
                                            {"source", required_argument, NULL, 's'},
                                            {"connections", required_argument, NULL, 'n'},
                                            {"mode", required_argument, NULL, 'm'},
                                            {"interval-ms", required_argument, NULL, 'i'},
                                            {"seconds", required_argument, NULL, 't'},
                                            {"at-once-ms", required_argument, NULL, 'a'},
                                            {NULL, 0, NULL, 0}};
    const char *host = "127.0.0.1", *source = NULL, *mode = "headers";
    int port = 0, count = 10, interval_ms = 500, seconds = 10, at_once_ms = 1000, opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            host = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 's':
            source = optarg;
            break;
        case 'n':
            count = atoi(optarg);
            break;
        case 'm':
            mode = optarg;
            break;
        case 'i':
            interval_ms = atoi(optarg);
            break;
        case 't':
            seconds = atoi(optarg);
            break;
        case 'a':
            at_once_ms = atoi(optarg);
            break;
        default:
            return 2;
        }
    }
    if (port <= 0 || count <= 0 || interval_ms <= 0 ||
        (strcmp(mode, "idle") && strcmp(mode, "headers") && strcmp(mode, "body"))) {
        fprintf(stderr, "usage: http_slow --port P [--host H] [--source ADDR] [--connections N] "
                        "[--mode idle|headers|body] [--interval-ms MS] [--seconds S]\n");
        return 2;
    }
    slow_conn_t *conns = calloc((size_t)count, sizeof(*conns));
    struct pollfd *pfds = calloc((size_t)count, sizeof(*pfds));
    if (!conns || !pfds)
        return 1;
    int64_t start = s_now_ms(), next_send = start + interval_ms;
    for (int i = 0; i < count; i++) {
        conns[i].fd = s_open(host, port, source);
        conns[i].state = conns[i].fd < 0 ? SLOW_FAILED : SLOW_CONNECTING;
        conns[i].opened_ms = start;
    }
    for (;;) {
        int64_t now = s_now_ms();
        int live = 0;
        for (int i = 0; i < count; i++) {
            slow_conn_t *c = &conns[i];
            pfds[i].fd = c->fd;
            pfds[i].events = c->state == SLOW_CONNECTING ? POLLOUT : POLLIN;
            pfds[i].revents = 0;
            live += c->state == SLOW_CONNECTING || c->state == SLOW_OPEN;
        }
        if (!live || now - start >= (int64_t)seconds * 1000)
            break;
        int wait = (int)(next_send - now);
        if (poll(pfds, (nfds_t)count, wait > 0 ? wait : 0) < 0 && errno != EINTR)
            return 1;
        now = s_now_ms();
        for (int i = 0; i < count; i++) {
            slow_conn_t *c = &conns[i];
            if (c->fd < 0 || !pfds[i].revents)
                continue;
            if (c->state == SLOW_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof(err);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) {
                    s_close(c, SLOW_FAILED);
                    continue;
                }
                c->state = SLOW_OPEN;
                c->opened_ms = now;
                s_send_more(c, mode, host, port);
                continue;
            }
            char buf[4096];
            ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                s_close(c, SLOW_CLOSED);
        }
        if (now >= next_send) {
            for (int i = 0; i < count; i++)
                if (conns[i].state == SLOW_OPEN)
                    s_send_more(&conns[i], mode, host, port);
            next_send = now + interval_ms;
        }
    }
    int connected = 0, failed = 0, closed = 0, at_once = 0, open = 0;
    int64_t late_min = -1, late_max = -1;
    for (int i = 0; i < count; i++) {
        slow_conn_t *c = &conns[i];
        failed += c->state == SLOW_FAILED;
        connected += c->state == SLOW_OPEN || c->state == SLOW_CLOSED;
        open += c->state == SLOW_OPEN || c->state == SLOW_CONNECTING;
        if (c->state != SLOW_CLOSED)
            continue;
        closed++;
        int64_t took = c->closed_ms - c->opened_ms;
        if (took <= at_once_ms) {
            at_once++;
        } else {
            late_min = late_min < 0 || took < late_min ? took : late_min;
            late_max = took > late_max ? took : late_max;
        }
    }
    for (int i = 0; i < count; i++)
        if (conns[i].fd >= 0 && conns[i].state != SLOW_CLOSED)
            close(conns[i].fd);
    printf("connected=%d failed=%d closed=%d at_once=%d open=%d late_min_ms=%lld "
           "late_max_ms=%lld\n",
           connected, failed, closed, at_once, open, (long long)late_min, (long long)late_max);
    free(conns);
    free(pfds);
    return 0;
}
