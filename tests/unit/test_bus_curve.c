/* bus_curve: keys made once and kept, the allow-list read strictly, and the
 * ZAP handler admitting a listed client while an unlisted one gets nothing. */
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
    assert_int_equal(bus_curve_server(server, push), 0);
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

int main(void)
{
    log_init("test", LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_made_once_and_kept),
        cmocka_unit_test(test_allow_list_read_strictly),
        cmocka_unit_test(test_zap_admits_only_listed_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
