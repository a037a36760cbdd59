/* Test tool: plays a misbehaving peer on duban's ZeroMQ sockets.
 *
 *   bus_inject push ENDPOINT TYPE   bind PUSH at ENDPOINT (where a stage's
 *                                   consumer connects) and send it broken and
 *                                   unexpected messages; TYPE is the message
 *                                   type the stage expects (e.g. CASE_RECEIVED)
 *   bus_inject console ENDPOINT     send broken hellos to dispatch's console
 *                                   ROUTER and check that each is refused
 *   bus_inject pull ENDPOINT SECONDS   a rogue consumer: connect PULL and
 *   bus_inject sub ENDPOINT SECONDS    SUB (every topic) and print how many
 *                                   messages arrived within SECONDS
 *   bus_inject ask ENDPOINT SECONDS    send a hello to a console ROUTER and
 *                                   print how many answers arrived
 * Exits 0 when everything was sent (and, for console, refused as expected).
 *
 * CURVE (the bus's security, see common/bus_curve.h) from the environment:
 *   BUS_INJECT_KEY=FILE     a secret key file (bus_<name>.key): play the
 *                           service it belongs to; or "rogue": a key pair of
 *                           its own, on no allow-list; unset: no security
 *   BUS_INJECT_SERVER_KEY=Z85   when connecting, the public key of the
 *                           service expected there (with BUS_INJECT_KEY) */
#include "duban.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Sends one message of nframes frames, waiting up to 5 s for a peer. */
static int s_send(void *sock, const void *const *frames, const size_t *lengths, int nframes)
{
    for (int tries = 0; tries < 500; tries++) {
        int i = 0;
        for (; i < nframes; i++)
            if (zmq_send(sock, frames[i], lengths[i],
                         ZMQ_DONTWAIT | (i + 1 < nframes ? ZMQ_SNDMORE : 0)) < 0)
                break;
        if (i == nframes)
            return 0;
        if (i > 0)
            return -1; /* a partial multi-part send cannot be retried */
        s_sleep_ms(10);
    }
    return -1;
}

/* Applies the CURVE settings of the environment to sock before it binds
 * (as a server) or connects (as a client). 0 / -1. */
static int s_secure(void *sock, int bind)
{
    const char *key = getenv("BUS_INJECT_KEY");
    if (!key || !key[0])
        return 0;
    char public_z85[41], secret[64] = "";
    if (strcmp(key, "rogue") == 0) {
        if (zmq_curve_keypair(public_z85, secret) != 0)
            return -1;
    } else {
        FILE *f = fopen(key, "r");
        if (!f || !fgets(secret, sizeof(secret), f)) {
            fprintf(stderr, "bus_inject: could not read %s\n", key);
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        secret[strcspn(secret, "\r\n ")] = '\0';
        if (zmq_curve_public(public_z85, secret) != 0)
            return -1;
    }
    int one = 1;
    if (bind)
        return zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
                       zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 40)
                   ? -1
                   : 0;
    const char *server = getenv("BUS_INJECT_SERVER_KEY");
    if (!server || strlen(server) != 40) {
        fprintf(stderr, "bus_inject: BUS_INJECT_SERVER_KEY must be a Z85 public key\n");
        return -1;
    }
    return zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, 40) ||
                   zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_z85, 40) ||
                   zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 40)
               ? -1
               : 0;
}

static int s_linger(void *sock, int ms)
{
    if (zmq_setsockopt(sock, ZMQ_LINGER, &ms, sizeof(ms)) == 0)
        return 0;
    fprintf(stderr, "bus_inject: could not set ZMQ_LINGER: %s\n", zmq_strerror(zmq_errno()));
    return -1;
}

static int s_send_one(void *sock, const void *data, size_t len)
{
    const void *frames[1] = {data};
    size_t lengths[1] = {len};
    return s_send(sock, frames, lengths, 1);
}

static size_t s_envelope(uint8_t *buf, const char *msg_id, Duban__MsgType type,
                         const uint8_t *body, size_t body_len)
{
    Duban__Envelope env = DUBAN__ENVELOPE__INIT;
    env.msg_id = (char *)msg_id;
    env.type = type;
    env.case_id = 999999;
    env.case_number = "DB20990101999999";
    env.producer = "bus_inject";
    env.body.data = (uint8_t *)body;
    env.body.len = body_len;
    return duban__envelope__pack(&env, buf);
}

static int s_push(const char *endpoint, const char *type_name)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(&duban__msg_type__descriptor, type_name);
    if (!v) {
        fprintf(stderr, "bus_inject: unknown message type %s\n", type_name);
        return 2;
    }
    Duban__MsgType type = (Duban__MsgType)v->value;
    Duban__MsgType wrong = type == DUBAN__MSG_TYPE__CASE_RECEIVED ? DUBAN__MSG_TYPE__CASE_TRIAGED
                                                                  : DUBAN__MSG_TYPE__CASE_RECEIVED;
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_PUSH);
    if (s_linger(sock, 2000) < 0 || s_secure(sock, 1) < 0)
        return 1;
    if (zmq_bind(sock, endpoint) != 0) {
        fprintf(stderr, "bus_inject: could not bind %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return 1;
    }
    uint8_t buf[4096];
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34};
    const uint8_t garbage_body[] = {0x0a, 0xff, 0xff, 0xff, 0x7f};
    /* Each send waits up to 5 s for a peer. The first one that finds none
     * (the stage refused the handshake: a rogue) ends the run; the others
     * would only wait as long each. */
    int rc = 0;
    /* 1: not protobuf at all */
    if (!rc)
        rc = s_send_one(sock, garbage, sizeof(garbage));
    /* 2: an envelope without a message id */
    if (!rc)
        rc = s_send_one(sock, buf, s_envelope(buf, "", type, NULL, 0));
    /* 3: a message type this stage does not consume */
    if (!rc)
        rc = s_send_one(sock, buf,
                        s_envelope(buf, "00000000-0000-4000-8000-000000000003", wrong, NULL, 0));
    /* 4: the right type with a body that is not its message */
    if (!rc)
        rc = s_send_one(sock, buf,
                        s_envelope(buf, "00000000-0000-4000-8000-000000000004", type, garbage_body,
                                   sizeof(garbage_body)));
    /* 5: a well-formed message nobody committed (unknown msg id): ignored */
    uint8_t body[512];
    size_t body_len = 0;
    if (type == DUBAN__MSG_TYPE__CASE_RECEIVED) {
        Duban__CaseReceived m = DUBAN__CASE_RECEIVED__INIT;
        m.channel = "hotline";
        m.kind = "complaint";
        m.subject = "伪造消息";
        m.description = "电梯";
        m.first_responder = "op001";
        body_len = duban__case_received__pack(&m, body);
    } else {
        Duban__CaseTriaged m = DUBAN__CASE_TRIAGED__INIT;
        m.category = "metrology";
        m.priority = "normal";
        m.kind = "complaint";
        m.subject = "伪造消息";
        body_len = duban__case_triaged__pack(&m, body);
    }
    if (!rc)
        rc = s_send_one(
            sock, buf,
            s_envelope(buf, "00000000-0000-4000-8000-000000000005", type, body, body_len));
    /* 6: a routed body with a category no route knows (dispatch refuses it) */
    if (type == DUBAN__MSG_TYPE__CASE_TRIAGED) {
        Duban__CaseTriaged m = DUBAN__CASE_TRIAGED__INIT;
        m.category = "weather";
        body_len = duban__case_triaged__pack(&m, body);
        if (!rc)
            rc = s_send_one(
                sock, buf,
                s_envelope(buf, "00000000-0000-4000-8000-000000000006", type, body, body_len));
    }
    /* 7: a bundle of three frames that are not envelopes, each dropped */
    const void *frames[33];
    size_t lengths[33];
    for (int i = 0; i < 33; i++) {
        frames[i] = garbage;
        lengths[i] = sizeof(garbage);
    }
    if (!rc)
        rc = s_send(sock, frames, lengths, 3);
    /* 8: more frames than a bundle has (BUS_BUNDLE_MAX, common/bus.h: 32),
     * the whole message dropped */
    if (!rc)
        rc = s_send(sock, frames, lengths, 33);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    if (rc)
        fprintf(stderr, "bus_inject: could not send everything to %s\n", endpoint);
    return rc ? 1 : 0;
}

/* Sends [type?][payload] to the console ROUTER and checks the refusal names
 * want (type NULL sends the payload alone, a malformed request). */
static int s_expect_refusal(void *sock, const char *type, const void *payload, size_t len,
                            const char *want)
{
    const void *frames[2] = {type, payload};
    size_t lengths[2] = {type ? strlen(type) : 0, len};
    int rc = type ? s_send(sock, frames, lengths, 2) : s_send_one(sock, payload, len);
    if (rc < 0)
        return -1;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 5000) != 1) {
        fprintf(stderr, "bus_inject: no answer to a broken hello\n");
        return -1;
    }
    uint8_t buf[65536];
    char kind[16] = "";
    if (zmq_recv(sock, kind, sizeof(kind) - 1, 0) < 0)
        return -1;
    int n = zmq_recv(sock, buf, sizeof(buf), 0);
    Duban__ConsoleSnapshot *snap =
        n > 0 ? duban__console_snapshot__unpack(NULL, (size_t)n, buf) : NULL;
    int ok = snap && snap->error && strstr(snap->error, want) && snap->n_tasks == 0;
    if (!ok)
        fprintf(stderr, "bus_inject: expected a refusal with '%s', got '%s'\n", want,
                snap && snap->error ? snap->error : "(nothing)");
    if (snap)
        duban__console_snapshot__free_unpacked(snap, NULL);
    return ok ? 0 : -1;
}

static int s_console(const char *endpoint)
{
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    if (s_linger(sock, 0) < 0 || s_secure(sock, 0) < 0 || zmq_connect(sock, endpoint) != 0)
        return 1;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
    uint8_t buf[256];
    Duban__ConsoleHello hello = DUBAN__CONSOLE_HELLO__INIT;
    hello.division = "ministry";
    size_t len = duban__console_hello__pack(&hello, buf);
    int rc = s_expect_refusal(sock, NULL, garbage, sizeof(garbage), "malformed") |
             s_expect_refusal(sock, "hello", garbage, sizeof(garbage), "malformed") |
             s_expect_refusal(sock, "hello", buf, len, "unknown division");
    hello.division = "metrology";
    len = duban__console_hello__pack(&hello, buf);
    rc |= s_expect_refusal(sock, "hello", buf, len, "authentication required");
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc ? 1 : 0;
}

/* A rogue reader: connects a socket of type to endpoint, also sends a
 * console hello when asking, and prints how many messages arrived within
 * seconds. */
static int s_listen(int type, const char *endpoint, double seconds)
{
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, type);
    if (s_linger(sock, 0) < 0 || s_secure(sock, 0) < 0 ||
        (type == ZMQ_SUB && zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0) != 0) ||
        zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "bus_inject: could not connect to %s: %s\n", endpoint,
                zmq_strerror(zmq_errno()));
        return 1;
    }
    if (type == ZMQ_DEALER) {
        uint8_t buf[256];
        Duban__ConsoleHello hello = DUBAN__CONSOLE_HELLO__INIT;
        hello.division = "metrology";
        size_t len = duban__console_hello__pack(&hello, buf);
        /* queued until a connection is made, which never comes when refused */
        if (zmq_send(sock, "hello", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0) {
            fprintf(stderr, "bus_inject: could not queue a hello: %s\n", zmq_strerror(zmq_errno()));
            return 1;
        }
    }
    long got = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        double left = seconds - ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9);
        if (left <= 0)
            break;
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long)(left * 1000) + 1) == 1) {
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, sock, 0) >= 0 && !zmq_msg_more(&msg))
                got++;
            zmq_msg_close(&msg);
        }
    }
    printf("%ld\n", got);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "push") == 0)
        return s_push(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "console") == 0)
        return s_console(argv[2]);
    if (argc == 4 && strcmp(argv[1], "pull") == 0)
        return s_listen(ZMQ_PULL, argv[2], atof(argv[3]));
    if (argc == 4 && strcmp(argv[1], "sub") == 0)
        return s_listen(ZMQ_SUB, argv[2], atof(argv[3]));
    if (argc == 4 && strcmp(argv[1], "ask") == 0)
        return s_listen(ZMQ_DEALER, argv[2], atof(argv[3]));
    fprintf(stderr, "usage: bus_inject push ENDPOINT TYPE | console ENDPOINT |"
                    " pull|sub|ask ENDPOINT SECONDS\n");
    return 2;
}
