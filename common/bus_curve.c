/* ZeroMQ CURVE keys and the ZAP handler; see bus_curve.h.
 *
 * The handler follows ZeroMQ's RFC 27 (ZAP 1.0): a REP socket bound to
 * inproc://zeromq.zap.01 on the same context as the servers, answering each
 * handshake with 200 (key listed) or 400. It runs on a thread of its own so
 * that a handshake never waits for the service's loop; it only reads the
 * allow-list, which nobody changes after bus_curve_new. */
#include "bus_curve.h"

#include "bus.h"
#include "fingerprint.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define BUS_CURVE_MAX_KEYS 256
#define BUS_CURVE_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define BUS_CURVE_MAX_SOCKETS_TEXT 256

/* Who may connect to each bound socket: the design's topology, in one place
 * (DESIGN.md's shape). Watch and bulletin connect to nobody: they read
 * PostgreSQL. */
static const struct {
    const char *socket;
    const char *clients[3];
} s_topology[] = {
    {"intake.out", {"triage", NULL}},
    {"triage.out", {"dispatch", NULL}},
    {"dispatch.feed", {"web", "ctl", NULL}},
    {"dispatch.console", {"intake", "ctl", NULL}},
    {"watch.feed", {"web", "ctl", NULL}},
    {"watch.console", {"intake", "ctl", NULL}},
    {"bulletin.feed", {"ctl", NULL}},
    {"bulletin.console", {"intake", "ctl", NULL}},
};
#define BUS_CURVE_NSOCKETS (int)(sizeof(s_topology) / sizeof(s_topology[0]))

typedef struct {
    char name[BUS_CURVE_MAX_NAME];
    char z85[BUS_CURVE_KEY_LEN + 1];
    uint8_t bin[32];
    /* sockets added by hand (third column), comma-separated; "" for none */
    char sockets[BUS_CURVE_MAX_SOCKETS_TEXT];
} bus_curve_entry_t;

struct bus_curve {
    char name[BUS_CURVE_MAX_NAME];
    char public_z85[BUS_CURVE_KEY_LEN + 1];
    char secret_z85[BUS_CURVE_KEY_LEN + 1];
    bus_curve_entry_t *allowed;
    int nallowed;
    /* the ZAP handler, while it runs */
    void *zap;       /* REP, owned by the thread once it runs */
    void *stop_recv; /* PAIR, the thread's end */
    void *stop_send; /* PAIR, ours */
    pthread_t thread;
    bool running;
};

/* True when s is a name of a key: letters, digits, '-' and '_'. */
static bool s_valid_name(const char *s, size_t len)
{
    if (len == 0 || len >= BUS_CURVE_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* True when s is 40 Z85 characters that decode to a key. */
static bool s_valid_key(const char *s, uint8_t bin[32])
{
    if (strlen(s) != BUS_CURVE_KEY_LEN)
        return false;
    uint8_t tmp[32];
    return zmq_z85_decode(bin ? bin : tmp, s) != NULL;
}

const char *const *bus_curve_socket_clients(const char *socket_name)
{
    for (int i = 0; i < BUS_CURVE_NSOCKETS; i++)
        if (strcmp(s_topology[i].socket, socket_name) == 0)
            return s_topology[i].clients;
    return NULL;
}

/* True when list (names separated by commas) holds name. */
static bool s_list_has(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, len) == 0)
            return true;
        p += n + (end ? 1 : 0);
    }
    return false;
}

/* True when every name of list (separated by commas) is a bound socket of
 * the design. */
static bool s_valid_sockets(const char *list)
{
    char copy[BUS_CURVE_MAX_SOCKETS_TEXT];
    snprintf(copy, sizeof(copy), "%s", list);
    char *save = NULL;
    int n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save), n++)
        if (!bus_curve_socket_clients(t))
            return false;
    return n > 0;
}

/* True when the key listed as e may connect to the bound socket socket_name. */
static bool s_may_reach(const bus_curve_entry_t *e, const char *socket_name)
{
    const char *const *clients = bus_curve_socket_clients(socket_name);
    for (int i = 0; clients && clients[i]; i++)
        if (strcmp(clients[i], e->name) == 0)
            return true;
    return clients && s_list_has(e->sockets, socket_name);
}

/* Reads the first line of path into buf (trailing blanks cut): 0, 1 when
 * the file does not exist, -1 on another error (errno kept). */
static int s_read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 1 : -1;
    int rc = fgets(buf, (int)len, f) ? 0 : -1;
    if (rc < 0)
        errno = EINVAL;
    fclose(f);
    if (rc == 0) {
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
            buf[--n] = '\0';
    }
    return rc;
}

/* Parses the allow-list at path into self. 0 / -1 (logged with the line). */
static int s_load_allowed(bus_curve_t *self, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        log_error(
            "cannot start without the bus allow-list: run dubanctl keys, which makes it, or copy it from another host of this deployment",
            "file=%s err=%s", path, strerror(errno));
        return -1;
    }
    self->allowed = calloc(BUS_CURVE_MAX_KEYS, sizeof(*self->allowed));
    int rc = self->allowed ? 0 : -1;
    char line[256];
    int lineno = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        char name[BUS_CURVE_MAX_NAME + 1], key[BUS_CURVE_KEY_LEN + 2],
            sockets[BUS_CURVE_MAX_SOCKETS_TEXT] = "", extra[2];
        /* only whole lines are comments: '#' is a Z85 digit */
        int n = sscanf(line, "%32s %41s %255s %1s", name, key, sockets, extra);
        if (n <= 0 || name[0] == '#')
            continue;
        if (self->nallowed == BUS_CURVE_MAX_KEYS) {
            log_error("cannot read the bus allow-list: too many keys", "file=%s max=%d", path,
                      BUS_CURVE_MAX_KEYS);
            rc = -1;
            break;
        }
        bus_curve_entry_t *e = &self->allowed[self->nallowed];
        if (n < 2 || n > 3 || !s_valid_name(name, strlen(name)) || !s_valid_key(key, e->bin) ||
            (n == 3 && !s_valid_sockets(sockets))) {
            log_error("cannot read the bus allow-list: expected a name, a public key of Z85"
                      " characters and optionally the sockets it may reach",
                      "file=%s line=%d key_len=%d example=%s", path, lineno, BUS_CURVE_KEY_LEN,
                      "dispatch.feed,watch.feed");
            rc = -1;
        } else {
            /* all checked above: a name shorter than the field, a key of its length,
             * sockets read within the field */
            memcpy(e->name, name, strlen(name) + 1);
            memcpy(e->z85, key, BUS_CURVE_KEY_LEN + 1);
            memcpy(e->sockets, sockets, strlen(sockets) + 1);
            self->nallowed++;
        }
    }
    fclose(f);
    return rc;
}

bus_curve_t *bus_curve_new(const char *dir, const char *name)
{
    if (!s_valid_name(name, strlen(name)))
        return NULL;
    bus_curve_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    snprintf(self->name, sizeof(self->name), "%s", name);
    char path[1024];
    snprintf(path, sizeof(path), "%s/bus_%s.key", dir, name);
    char line[128] = "";
    int rc = s_read_line(path, line, sizeof(line));
    if (rc != 0) {
        log_error(
            "cannot start without the bus key: run dubanctl keys, which makes it, or copy it from the host where it was made",
            "file=%s err=%s", path, rc > 0 ? "no such file" : strerror(errno));
        goto out_destroy;
    }
    if (!s_valid_key(line, NULL) || zmq_curve_public(self->public_z85, line) != 0) {
        log_error("cannot use the bus key: not a secret key of Z85 characters",
                  "file=%s key_len=%d", path, BUS_CURVE_KEY_LEN);
        goto out_destroy;
    }
    memcpy(self->secret_z85, line, sizeof(self->secret_z85));
    memset(line, 0, sizeof(line));
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & 077))
        log_warn("bus key can be read by others; chmod 600 it", "file=%s mode=%03o", path,
                 (unsigned)(sb.st_mode & 0777));
    snprintf(path, sizeof(path), "%s/%s", dir, BUS_CURVE_PUBLIC_FILE);
    if (s_load_allowed(self, path) < 0)
        goto out_destroy;
    return self;

out_destroy:
    bus_curve_destroy(&self);
    return NULL;
}

bus_curve_t *bus_curve_from_settings(settings_t *st, const char *name, bool *off)
{
    *off = settings_int(st, "bus.curve", 1) == 0;
    if (*off) {
        log_warn("bus.curve is 0: ZeroMQ messages are neither authenticated nor encrypted");
        return NULL;
    }
    char dir[512];
    return bus_curve_new(fingerprint_secrets_dir(st, dir, sizeof(dir)), name);
}

const char *bus_curve_name(const bus_curve_t *self)
{
    return self->name;
}

/* The listed entry of a binary public key, or NULL. */
static const bus_curve_entry_t *s_find_key(const bus_curve_t *self, const uint8_t *key)
{
    for (int i = 0; i < self->nallowed; i++)
        if (memcmp(self->allowed[i].bin, key, 32) == 0)
            return &self->allowed[i];
    return NULL;
}

/* Answers one ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, credentials. */
static void s_zap_answer(bus_curve_t *self)
{
    char frames[7][64];
    size_t lengths[7] = {0};
    uint8_t key[32];
    bool have_key = false;
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, self->zap, 0) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        more = zmq_msg_more(&msg);
        size_t len = zmq_msg_size(&msg);
        if (n < 6) {
            lengths[n] = len < sizeof(frames[n]) ? len : sizeof(frames[n]) - 1;
            memcpy(frames[n], zmq_msg_data(&msg), lengths[n]);
            frames[n][lengths[n]] = '\0';
        } else if (n == 6 && len == 32) {
            memcpy(key, zmq_msg_data(&msg), 32);
            have_key = true;
        }
        zmq_msg_close(&msg);
        n++;
    }
    const bus_curve_entry_t *e = NULL;
    const char *why = NULL;
    if (n < 6 || strcmp(frames[0], "1.0") != 0)
        why = "not a ZAP 1.0 request";
    else if (strcmp(frames[5], "CURVE") != 0 || !have_key)
        why = "not a CURVE handshake";
    else if (!(e = s_find_key(self, key)))
        why = "its public key is not on the allow-list";
    else if (!s_may_reach(e, frames[2]))
        why = "its key may not connect to this socket";
    if (!why) {
        log_debug("accepted a bus connection", "from=%s as=%s socket=%s", frames[3], e->name,
                  frames[2]);
    } else {
        char z85[BUS_CURVE_KEY_LEN + 1] = "";
        if (have_key)
            zmq_z85_encode(z85, key, 32);
        log_warn("refused a bus connection", "from=%s socket=%s as=%s reason=%s key=%s",
                 n > 3 ? frames[3] : "?", n > 2 && frames[2][0] ? frames[2] : "?",
                 e ? e->name : "?", why, z85[0] ? z85 : "none");
        e = NULL;
    }
    const char *status = e ? "200" : "400";
    const char *text = e ? "OK" : why;
    const char *user = e ? e->name : "";
    zmq_send(self->zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(self->zap, frames[1], n > 1 ? lengths[1] : 0, ZMQ_SNDMORE);
    zmq_send(self->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(self->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(self->zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(self->zap, "", 0, 0);
}

static void *s_zap_run(void *arg)
{
    bus_curve_t *self = arg;
    zmq_pollitem_t items[2] = {{self->zap, 0, ZMQ_POLLIN, 0}, {self->stop_recv, 0, ZMQ_POLLIN, 0}};
    for (;;) {
        if (zmq_poll(items, 2, -1) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            log_error("the bus's ZAP handler stopped", "err=%s", zmq_strerror(zmq_errno()));
            break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            s_zap_answer(self);
    }
    zmq_close(self->zap);
    zmq_close(self->stop_recv);
    return NULL;
}

int bus_curve_auth_start(bus_curve_t *self, void *zctx)
{
    int linger = 0;
    char stop_ep[64];
    snprintf(stop_ep, sizeof(stop_ep), "inproc://duban-zap-stop-%p", (void *)self);
    self->zap = zmq_socket(zctx, ZMQ_REP);
    self->stop_recv = zmq_socket(zctx, ZMQ_PAIR);
    self->stop_send = zmq_socket(zctx, ZMQ_PAIR);
    if (!self->zap || !self->stop_recv || !self->stop_send ||
        BUS_SETSOCKOPT(self->zap, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(self->stop_recv, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(self->stop_send, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        zmq_bind(self->zap, BUS_CURVE_ZAP_ENDPOINT) != 0 ||
        zmq_bind(self->stop_recv, stop_ep) != 0 || zmq_connect(self->stop_send, stop_ep) != 0) {
        log_error("could not start the bus's ZAP handler", "err=%s", zmq_strerror(zmq_errno()));
        goto out_close;
    }
    if (pthread_create(&self->thread, NULL, s_zap_run, self) != 0) {
        log_error("could not start the bus's ZAP handler thread");
        goto out_close;
    }
    self->running = true;
    return 0;

out_close:
    if (self->zap)
        zmq_close(self->zap);
    if (self->stop_recv)
        zmq_close(self->stop_recv);
    if (self->stop_send)
        zmq_close(self->stop_send);
    self->zap = self->stop_recv = self->stop_send = NULL;
    return -1;
}

void bus_curve_destroy(bus_curve_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_curve_t *self = *self_p;
    if (self->running) {
        /* (without waiting: a handler that stopped on an error reads nothing) */
        zmq_send(self->stop_send, "", 0, ZMQ_DONTWAIT);
        pthread_join(self->thread, NULL);
        zmq_close(self->stop_send);
    }
    memset(self->secret_z85, 0, sizeof(self->secret_z85));
    free(self->allowed);
    free(self);
    *self_p = NULL;
}

int bus_curve_server(const bus_curve_t *self, void *zsock, const char *socket_name)
{
    if (!bus_curve_socket_clients(socket_name)) {
        log_error("cannot secure a bound socket: the design names no clients for it",
                  "socket=%s", socket_name);
        return -1;
    }
    int one = 1;
    /* the ZAP domain carries the socket's name to the handler */
    return BUS_SETSOCKOPT(zsock, ZMQ_CURVE_SERVER, &one, sizeof(one)) < 0 ||
                   BUS_SETSOCKOPT(zsock, ZMQ_CURVE_SECRETKEY, self->secret_z85, BUS_CURVE_KEY_LEN) <
                       0 ||
                   BUS_SETSOCKOPT(zsock, ZMQ_ZAP_DOMAIN, socket_name, strlen(socket_name)) < 0
               ? -1
               : 0;
}

int bus_curve_client(const bus_curve_t *self, void *zsock, const char *peer)
{
    const bus_curve_entry_t *server = NULL;
    for (int i = 0; i < self->nallowed && !server; i++)
        if (strcmp(self->allowed[i].name, peer) == 0)
            server = &self->allowed[i];
    if (!server) {
        log_error(
            "cannot connect over the bus: no public key of the peer in the allow-list; run dubanctl keys or copy the public key file from the host where it was made",
            "peer=%s file=%s", peer, BUS_CURVE_PUBLIC_FILE);
        return -1;
    }
    return BUS_SETSOCKOPT(zsock, ZMQ_CURVE_SERVERKEY, server->z85, BUS_CURVE_KEY_LEN) < 0 ||
                   BUS_SETSOCKOPT(zsock, ZMQ_CURVE_PUBLICKEY, self->public_z85, BUS_CURVE_KEY_LEN) <
                       0 ||
                   BUS_SETSOCKOPT(zsock, ZMQ_CURVE_SECRETKEY, self->secret_z85, BUS_CURVE_KEY_LEN) <
                       0
               ? -1
               : 0;
}

/* Makes dir/bus_<name>.key unless it exists; writes its public key into
 * public_z85. Returns 1 made, 0 kept, -1 error (printed). */
static int s_key_create(const char *dir, const char *name, char public_z85[BUS_CURVE_KEY_LEN + 1])
{
    char path[1024], line[128] = "";
    snprintf(path, sizeof(path), "%s/bus_%s.key", dir, name);
    int rc = s_read_line(path, line, sizeof(line));
    if (rc == 0) {
        if (!s_valid_key(line, NULL) || zmq_curve_public(public_z85, line) != 0) {
            fprintf(stderr,
                    "error: %s is not a bus key (%d Z85 characters); remove it to make"
                    " another\n",
                    path, BUS_CURVE_KEY_LEN);
            return -1;
        }
        memset(line, 0, sizeof(line));
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "error: could not read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char secret[BUS_CURVE_KEY_LEN + 1];
    if (zmq_curve_keypair(public_z85, secret) != 0) {
        fprintf(stderr, "error: could not make a CURVE key pair: %s\n", zmq_strerror(zmq_errno()));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    rc = -1;
    if (fd >= 0) {
        char text[BUS_CURVE_KEY_LEN + 2];
        int len = snprintf(text, sizeof(text), "%s\n", secret);
        if (write(fd, text, (size_t)len) == len && fsync(fd) == 0)
            rc = 1;
        memset(text, 0, sizeof(text));
        if (close(fd) != 0)
            rc = -1;
    }
    memset(secret, 0, sizeof(secret));
    if (rc < 0) {
        fprintf(stderr, "error: could not write %s: %s\n", path, strerror(errno));
        unlink(path);
    }
    return rc;
}

int bus_curve_keys_create(const char *dir, const char *const *names, int n)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "error: could not make the secrets folder %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char path[1024], tmp[1100];
    snprintf(path, sizeof(path), "%s/%s", dir, BUS_CURVE_PUBLIC_FILE);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *out = fopen(tmp, "we");
    if (!out) {
        fprintf(stderr, "error: could not write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(out, "# The public keys of this deployment's bus (ZeroMQ CURVE): only these may"
                 " connect.\n# Made by dubanctl keys; a line added by hand (name key) is"
                 " kept.\n");
    int made = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char public_z85[BUS_CURVE_KEY_LEN + 1];
        int r = s_key_create(dir, names[i], public_z85);
        if (r < 0)
            rc = -1;
        else
            made += r;
        if (r >= 0)
            fprintf(out, "%s %s\n", names[i], public_z85);
    }
    /* keep what was added by hand for other names */
    FILE *old = rc == 0 ? fopen(path, "re") : NULL;
    char line[256];
    while (old && fgets(line, sizeof(line), old)) {
        char name[BUS_CURVE_MAX_NAME + 1] = "";
        if (line[0] == '#' || sscanf(line, "%32s", name) != 1)
            continue;
        bool ours = false;
        for (int i = 0; i < n && !ours; i++)
            ours = strcmp(name, names[i]) == 0;
        if (!ours) {
            fputs(line, out);
            if (line[strlen(line) - 1] != '\n')
                fputc('\n', out);
        }
    }
    if (old)
        fclose(old);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = -1;
    if (fclose(out) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "error: could not write %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(tmp);
    return rc < 0 ? -1 : made;
}
