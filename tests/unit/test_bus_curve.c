/* bus_curve: keys made once and kept, the allow-list read strictly, the
 * ZAP handler admitting a listed client while an unlisted one gets nothing,
 * and each bound socket admitting only its own clients. */
#include "bus_curve.h"
#include "log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

static const char *const s_names[] = {"intake", "triage", "ctl"};

static void s_tmpdir(char *dir, size_t len)
{
    snprintf(dir, len, "%s/test_bus_curve.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
}

static void s_rmdir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static char *s_read(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 8192);
    size_t n = fread(buf, 1, 8191, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void s_append(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_keys_made_once_and_kept(void **state)
{
    char dir[512];
    s_tmpdir(dir, sizeof(dir));
    assert_int_equal(bus_curve_keys_create(dir, s_names, 3), 3);
    char path[600];
    snprintf(path, sizeof(path), "%s/bus_triage.key", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *first = s_read(dir, "bus_triage.key");
    char *list = s_read(dir, BUS_CURVE_PUBLIC_FILE);
    assert_non_null(strstr(list, "\nintake "));
    assert_non_null(strstr(list, "\nctl "));
    /* a key added by hand survives the next run, which makes nothing */
    s_append(dir, BUS_CURVE_PUBLIC_FILE, "monitor rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\n");
    assert_int_equal(bus_curve_keys_create(dir, s_names, 3), 0);
    char *again = s_read(dir, "bus_triage.key");
    assert_string_equal(first, again);
    char *list2 = s_read(dir, BUS_CURVE_PUBLIC_FILE);
    assert_non_null(strstr(list2, "monitor rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"));
    assert_non_null(strstr(list2, "\ntriage "));
    bus_curve_t *curve = bus_curve_new(dir, "triage");
    assert_non_null(curve);
    assert_string_equal(bus_curve_name(curve), "triage");
    bus_curve_destroy(&curve);
    assert_null(curve);
    assert_null(bus_curve_new(dir, "dispatch")); /* no key made for it */
    free(first);
    free(again);
    free(list);
    free(list2);
    s_rmdir(dir);
}

static void test_allow_list_read_strictly(void **state)
{
    char dir[512];
    s_tmpdir(dir, sizeof(dir));
    assert_int_equal(bus_curve_keys_create(dir, s_names, 3), 3);
    bus_curve_t *curve = bus_curve_new(dir, "intake");
    assert_non_null(curve);
    bus_curve_destroy(&curve);
    s_append(dir, BUS_CURVE_PUBLIC_FILE, "stranger not-a-key\n");
    assert_null(bus_curve_new(dir, "intake"));
    s_rmdir(dir);

    /* a third column names sockets of the design, nothing else */
    s_tmpdir(dir, sizeof(dir));
    assert_int_equal(bus_curve_keys_create(dir, s_names, 3), 3);
    s_append(dir, BUS_CURVE_PUBLIC_FILE,
             "monitor rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 dispatch.feed,watch.feed\n");
    curve = bus_curve_new(dir, "intake");
    assert_non_null(curve);
    bus_curve_destroy(&curve);
    s_append(dir, BUS_CURVE_PUBLIC_FILE,
             "monitor2 rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 dispatch.feed,nowhere\n");
    assert_null(bus_curve_new(dir, "intake"));
    s_rmdir(dir);
    assert_null(bus_curve_socket_clients("nowhere"));
    assert_string_equal(bus_curve_socket_clients("intake.out")[0], "triage");
    assert_null(bus_curve_socket_clients("intake.out")[1]);
}

/* Receives within ms; returns the number of messages got. */
static int s_drain(void *sock, int ms)
{
    int got = 0;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, ms) == 1) {
        char buf[16];
        if (zmq_recv(sock, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
            got++;
        ms = 200;
    }
    return got;
}

static void test_zap_admits_only_listed_keys(void **state)
{
    char dir[512];
    s_tmpdir(dir, sizeof(dir));
    assert_int_equal(bus_curve_keys_create(dir, s_names, 3), 3);
    void *zctx = zmq_ctx_new();
    bus_curve_t *server = bus_curve_new(dir, "intake");
    bus_curve_t *client = bus_curve_new(dir, "triage");
    assert_non_null(server);
    assert_non_null(client);
    assert_int_equal(bus_curve_auth_start(server, zctx), 0);

    void *push = zmq_socket(zctx, ZMQ_PUSH);
    int linger = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof(linger));
    assert_int_equal(bus_curve_server(server, push, "intake.out"), 0);
    assert_int_equal(zmq_bind(push, "tcp://127.0.0.1:*"), 0);
    char ep[128];
    size_t eplen = sizeof(ep);
    assert_int_equal(zmq_getsockopt(push, ZMQ_LAST_ENDPOINT, ep, &eplen), 0);

    /* a stranger knowing the server's key, with a key pair of its own */
    void *ctx2 = zmq_ctx_new();
    void *rogue = zmq_socket(ctx2, ZMQ_PULL);
    zmq_setsockopt(rogue, ZMQ_LINGER, &linger, sizeof(linger));
    char pub[41], sec[41], server_pub[41];
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    char *list = s_read(dir, BUS_CURVE_PUBLIC_FILE);
    const char *at = strstr(list, "\nintake ");
    assert_non_null(at);
    memcpy(server_pub, at + 8, 40);
    server_pub[40] = '\0';
    zmq_setsockopt(rogue, ZMQ_CURVE_SERVERKEY, server_pub, 40);
    zmq_setsockopt(rogue, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(rogue, ZMQ_CURVE_SECRETKEY, sec, 40);
    assert_int_equal(zmq_connect(rogue, ep), 0);
    /* a socket without security */
    void *plain = zmq_socket(ctx2, ZMQ_PULL);
    zmq_setsockopt(plain, ZMQ_LINGER, &linger, sizeof(linger));
    assert_int_equal(zmq_connect(plain, ep), 0);
    /* the listed client */
    void *pull = zmq_socket(ctx2, ZMQ_PULL);
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof(linger));
    assert_int_equal(bus_curve_client(client, pull, "intake"), 0);
    assert_int_equal(zmq_connect(pull, ep), 0);
    /* the listed client's handshake done, send: all of it goes there */
    int timeout = 5000;
    zmq_setsockopt(push, ZMQ_SNDTIMEO, &timeout, sizeof(timeout));
    for (int i = 0; i < 20; i++)
        assert_int_equal(zmq_send(push, "case", 4, 0), 4);
    assert_int_equal(s_drain(pull, 5000), 20);
    assert_int_equal(s_drain(rogue, 300), 0);
    assert_int_equal(s_drain(plain, 300), 0);
    /* a client must name a service whose key is listed */
    assert_int_equal(bus_curve_client(client, rogue, "nobody"), -1);

    zmq_close(rogue);
    zmq_close(plain);
    zmq_close(pull);
    zmq_ctx_term(ctx2);
    zmq_close(push);
    bus_curve_destroy(&server); /* stops the handler before the context ends */
    bus_curve_destroy(&client);
    zmq_ctx_term(zctx);
    free(list);
    s_rmdir(dir);
}

/* Binds a PUSH of server's keys as socket_name, connects a PULL of client's
 * keys, and returns what the server's ZAP handler decided, read from the
 * server socket's handshake events (1 admitted, 0 refused); an admitted
 * client also receives a message. */
static int s_admitted(void *zctx, const bus_curve_t *server, const char *socket_name,
                      const bus_curve_t *client)
{
    static int monitors;
    char mon_ep[64], ep[128];
    size_t eplen = sizeof(ep);
    snprintf(mon_ep, sizeof(mon_ep), "inproc://test-monitor-%d", monitors++);
    int linger = 0, timeout = 5000;
    void *push = zmq_socket(zctx, ZMQ_PUSH);
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(push, ZMQ_SNDTIMEO, &timeout, sizeof(timeout));
    assert_int_equal(bus_curve_server(server, push, socket_name), 0);
    assert_int_equal(zmq_socket_monitor(push, mon_ep,
                                        ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                                            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH),
                     0);
    void *mon = zmq_socket(zctx, ZMQ_PAIR);
    zmq_setsockopt(mon, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(mon, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    assert_int_equal(zmq_connect(mon, mon_ep), 0);
    assert_int_equal(zmq_bind(push, "tcp://127.0.0.1:*"), 0);
    assert_int_equal(zmq_getsockopt(push, ZMQ_LAST_ENDPOINT, ep, &eplen), 0);

    void *pull = zmq_socket(zctx, ZMQ_PULL);
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof(linger));
    assert_int_equal(bus_curve_client(client, pull, bus_curve_name(server)), 0);
    assert_int_equal(zmq_connect(pull, ep), 0);
    /* an event is two frames: 16-bit event and 32-bit value, then the address */
    uint8_t frame[6];
    assert_int_equal(zmq_recv(mon, frame, sizeof(frame), 0), 6);
    char addr[256];
    assert_true(zmq_recv(mon, addr, sizeof(addr), 0) >= 0);
    uint16_t event;
    memcpy(&event, frame, sizeof(event));
    int admitted = event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    if (admitted) {
        assert_int_equal(zmq_send(push, "case", 4, 0), 4);
        assert_int_equal(s_drain(pull, 5000), 1);
    } else {
        assert_int_equal(event, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    }
    zmq_socket_monitor(push, NULL, 0);
    zmq_close(mon);
    zmq_close(pull);
    zmq_close(push);
    return admitted;
}

/* Listed keys reach only the sockets the design (or the list's third
 * column) gives them: dubanctl's key reads dispatch's feed but not intake's
 * output, which only triage's key (and a key added by hand for it) reads. */
static void test_zap_admits_each_socket_its_clients(void **state)
{
    char dir[512];
    s_tmpdir(dir, sizeof(dir));
    assert_int_equal(bus_curve_keys_create(dir, s_names, 3), 3);
    char audit_public[41], audit_secret[41], line[128];
    assert_int_equal(zmq_curve_keypair(audit_public, audit_secret), 0);
    snprintf(line, sizeof(line), "audit %s intake.out\n", audit_public);
    s_append(dir, BUS_CURVE_PUBLIC_FILE, line);
    snprintf(line, sizeof(line), "%s\n", audit_secret);
    s_append(dir, "bus_audit.key", line);
    char path[600];
    snprintf(path, sizeof(path), "%s/bus_audit.key", dir);
    assert_int_equal(chmod(path, 0600), 0);

    void *zctx = zmq_ctx_new();
    bus_curve_t *server = bus_curve_new(dir, "intake");
    bus_curve_t *triage = bus_curve_new(dir, "triage");
    bus_curve_t *ctl = bus_curve_new(dir, "ctl");
    bus_curve_t *audit = bus_curve_new(dir, "audit");
    assert_non_null(server);
    assert_non_null(triage);
    assert_non_null(ctl);
    assert_non_null(audit);
    assert_int_equal(bus_curve_auth_start(server, zctx), 0);
    void *unnamed = zmq_socket(zctx, ZMQ_PUSH);
    assert_int_equal(bus_curve_server(server, unnamed, "nowhere"), -1);
    zmq_close(unnamed);

    assert_int_equal(s_admitted(zctx, server, "intake.out", triage), 1);
    assert_int_equal(s_admitted(zctx, server, "intake.out", ctl), 0);
    assert_int_equal(s_admitted(zctx, server, "dispatch.feed", ctl), 1);
    assert_int_equal(s_admitted(zctx, server, "dispatch.feed", triage), 0);
    assert_int_equal(s_admitted(zctx, server, "intake.out", audit), 1);
    assert_int_equal(s_admitted(zctx, server, "dispatch.feed", audit), 0);

    bus_curve_destroy(&server);
    bus_curve_destroy(&triage);
    bus_curve_destroy(&ctl);
    bus_curve_destroy(&audit);
    zmq_ctx_term(zctx);
    s_rmdir(dir);
}

int main(void)
{
    log_init("test", LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_made_once_and_kept),
        cmocka_unit_test(test_allow_list_read_strictly),
        cmocka_unit_test(test_zap_admits_only_listed_keys),
        cmocka_unit_test(test_zap_admits_each_socket_its_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
