/* Port reservations; see port_reserve.h. */
#include "port_reserve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PORT_RANGE_LOW 10000
#define PORT_RANGE_HIGH 31999
#define PORT_MAX_HELD 64

static int s_held[PORT_MAX_HELD];
static int s_nheld;

/* The ports to choose from, both included. */
static int s_range(int *low, int *high)
{
    const char *env = getenv("DUBAN_PORT_RANGE");
    if (env && *env) {
        char extra;
        if (sscanf(env, "%d-%d%c", low, high, &extra) != 2 || *low < 1024 || *high > 65535 ||
            *low > *high) {
            fprintf(stderr, "error: DUBAN_PORT_RANGE is not LOW-HIGH within 1024-65535\n");
            return -1;
        }
        return 0;
    }
    *low = PORT_RANGE_LOW;
    *high = PORT_RANGE_HIGH;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    int ephemeral = 0;
    if (f) {
        if (fscanf(f, "%d", &ephemeral) == 1 && ephemeral > PORT_RANGE_LOW + 1000)
            *high = ephemeral - 1;
        fclose(f);
    }
    return 0;
}

static const char *s_lock_dir(void)
{
    const char *dir = getenv("DUBAN_PORT_LOCK_DIR");
    return dir && *dir ? dir : "/tmp/duban-ports";
}

/* Whether a listener could bind 127.0.0.1:port now (as the services do,
 * with SO_REUSEADDR). */
static int s_bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* Takes the port's lock: its descriptor, or -1 when another run (or this
 * one) holds it or the file cannot be opened (*unusable set). */
static int s_lock(const char *dir, int port, int *unusable)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%d", dir, port);
    /* Read-only, as a run of another user locks the file it did not make. */
    int fd = open(path, O_RDONLY | O_CREAT, 0644);
    if (fd < 0)
        fd = open(path, O_RDONLY);
    if (fd < 0) {
        *unusable = 1;
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int port_reserve(void)
{
    int low, high;
    if (s_range(&low, &high) < 0)
        return 0;
    if (s_nheld == PORT_MAX_HELD) {
        fprintf(stderr, "error: more than %d ports reserved by one process\n", PORT_MAX_HELD);
        return 0;
    }
    const char *dir = s_lock_dir();
    if (mkdir(dir, 01777) == 0)
        (void)chmod(dir, 01777); /* any user's run adds its locks; umask took that */
    unsigned int r;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16);
    /* From a random place (runs seldom meet), then each next port in turn. */
    int count = high - low + 1;
    for (int i = 0; i < count; i++) {
        int port = low + (int)((r + (unsigned int)i) % (unsigned int)count);
        int unusable = 0;
        int fd = s_lock(dir, port, &unusable);
        if (unusable) {
            fprintf(stderr, "error: cannot open the port locks in %s: %s\n", dir, strerror(errno));
            return 0;
        }
        if (fd < 0)
            continue;
        if (!s_bindable(port)) {
            close(fd);
            continue;
        }
        s_held[s_nheld++] = fd;
        return port;
    }
    fprintf(stderr, "error: no free port in %d-%d\n", low, high);
    return 0;
}

void port_reserve_release_all(void)
{
    while (s_nheld > 0)
        close(s_held[--s_nheld]);
}
