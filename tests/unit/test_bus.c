/* common/bus.c: envelopes from outside are validated, a socket on the
 * libevent loop receives every message of a burst (the edge-triggered
 * ZMQ_FD trap), also across pause and resume, and a socket whose option
 * ZeroMQ refuses is never used (zmq_setsockopt is wrapped at link time, see
 * tests/CMakeLists.txt, to refuse one chosen option). */
#include "bus.h"

#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <zmq.h>

/* The option the wrapped zmq_setsockopt refuses (0: none) and how often it
 * was asked for it. */
static int s_refused_option;
static int s_refusals;

int __real_zmq_setsockopt(void *s, int option, const void *value, size_t len);

int __wrap_zmq_setsockopt(void *s, int option, const void *value, size_t len)
{
    if (option == s_refused_option) {
        s_refusals++;
        errno = EINVAL;
        return -1;
    }
    return __real_zmq_setsockopt(s, option, value, len);
}

static void test_envelope_round_trip(void **state)
{
    Duban__Envelope env = DUBAN__ENVELOPE__INIT;
    env.msg_id = "0b5e9b3a-1111-2222-3333-444455556666";
    env.type = DUBAN__MSG_TYPE__CASE_TRIAGED;
    env.case_id = 42;
    env.case_number = "DB20261127000042";
    env.producer = "triage";
    uint8_t buf[256];
    size_t len = duban__envelope__pack(&env, buf);
    Duban__Envelope *back = bus_envelope_unpack(buf, len);
    assert_non_null(back);
    assert_string_equal(back->msg_id, env.msg_id);
    assert_int_equal(back->type, DUBAN__MSG_TYPE__CASE_TRIAGED);
    assert_int_equal(back->case_id, 42);
    duban__envelope__free_unpacked(back, NULL);
    assert_string_equal(bus_msg_type_str(DUBAN__MSG_TYPE__TASK_DISPATCHED), "TASK_DISPATCHED");
}

static void test_malformed_envelopes_are_refused(void **state)
{
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
    assert_null(bus_envelope_unpack(garbage, sizeof(garbage)));
    /* Well-formed protobuf without a message id is not an envelope we accept. */
    Duban__Envelope env = DUBAN__ENVELOPE__INIT;
    env.case_id = 1;
    uint8_t buf[64];
    size_t len = duban__envelope__pack(&env, buf);
    assert_null(bus_envelope_unpack(buf, len));
    assert_null(bus_envelope_unpack(buf, BUS_MAX_MESSAGE + 1));
}

typedef struct {
    int received;
    int expected;
    int per_call; /* receive at most this many per callback */
    bus_sock_t *pull;
    struct event_base *base;
    bool pause_once;
    struct event *resume_ev;
} drain_t;

static void s_resume_cb(evutil_socket_t fd, short what, void *arg)
{
    drain_t *d = arg;
    bus_sock_resume(d->pull);
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    drain_t *d = arg;
    for (int i = 0; i < d->per_call; i++) {
        void *frames[1];
        size_t lengths[1];
        int n = bus_recv_frames(sock, frames, lengths, 1);
        if (n <= 0)
            break;
        free(frames[0]);
        d->received++;
    }
    if (d->pause_once && d->received >= d->expected / 2) {
        d->pause_once = false;
        bus_sock_pause(sock);
        struct timeval tv = {0, 20000};
        evtimer_add(d->resume_ev, &tv);
    }
    if (d->received == d->expected)
        event_base_loopexit(d->base, NULL);
}

static void s_burst(int per_call, bool pause_once)
{
    void *zctx = zmq_ctx_new();
    struct event_base *base = event_base_new();
    drain_t d = {.expected = 2000, .per_call = per_call, .base = base, .pause_once = pause_once};
    d.resume_ev = evtimer_new(base, s_resume_cb, &d);
    bus_sock_t *push = bus_sock_new(zctx, base, ZMQ_PUSH, "inproc://burst", true, NULL, NULL);
    d.pull = bus_sock_new(zctx, base, ZMQ_PULL, "inproc://burst", false, s_readable, &d);
    assert_non_null(push);
    assert_non_null(d.pull);
    for (int i = 0; i < d.expected; i++) {
        const void *frames[1] = {"x"};
        size_t lengths[1] = {1};
        assert_int_equal(bus_send_frames(push, frames, lengths, 1), 0);
    }
    struct timeval limit = {5, 0};
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    assert_int_equal(d.received, d.expected);
    bus_sock_destroy(&push);
    bus_sock_destroy(&d.pull);
    assert_null(d.pull);
    event_free(d.resume_ev);
    event_base_free(base);
    zmq_ctx_term(zctx);
}

static void test_burst_is_drained_in_small_batches(void **state)
{
    s_burst(7, false);
}

static void test_burst_survives_pause_and_resume(void **state)
{
    s_burst(64, true);
}

/* bus_recv_frames on sock, the loop turned until a message (or an error)
 * comes: its result. */
static int s_recv_waiting(struct event_base *base, bus_sock_t *sock, void **got, size_t *lens,
                          int max)
{
    int n = 0;
    for (int tries = 0; tries < 1000 && (n = bus_recv_frames(sock, got, lens, max)) == 0; tries++)
        event_base_loop(base, EVLOOP_NONBLOCK);
    return n;
}

/* Closes both sockets, then the loop and the context. */
static void s_close_all(void *zctx, struct event_base *base, bus_sock_t **a, bus_sock_t **b)
{
    bus_sock_destroy(a);
    bus_sock_destroy(b);
    event_base_free(base);
    zmq_ctx_term(zctx);
}

static void test_oversize_frame_counts_are_dropped(void **state)
{
    void *zctx = zmq_ctx_new();
    struct event_base *base = event_base_new();
    bus_sock_t *push = bus_sock_new(zctx, base, ZMQ_PUSH, "inproc://frames", true, NULL, NULL);
    bus_sock_t *pull = bus_sock_new(zctx, base, ZMQ_PULL, "inproc://frames", false, NULL, NULL);
    const void *frames[3] = {"a", "b", "c"};
    size_t lengths[3] = {1, 1, 1};
    assert_int_equal(bus_send_frames(push, frames, lengths, 3), 0);
    assert_int_equal(bus_send_frames(push, frames, lengths, 1), 0);
    void *got[2];
    size_t got_len[2];
    /* three frames where two are allowed */
    assert_int_equal(s_recv_waiting(base, pull, got, got_len, 2), -1);
    assert_int_equal(s_recv_waiting(base, pull, got, got_len, 2), 1);
    free(got[0]);
    s_close_all(zctx, base, &push, &pull);
}

/* A bundle goes as one message of one envelope a frame, whole; a full
 * bundle takes no more; a bundle the socket refuses is emptied all the same
 * (its owner sends its envelopes again another way). */
static void test_bundle_is_one_message_of_whole_envelopes(void **state)
{
    void *zctx = zmq_ctx_new();
    struct event_base *base = event_base_new();
    bus_sock_t *push = bus_sock_new(zctx, base, ZMQ_PUSH, "inproc://bundle", true, NULL, NULL);
    bus_bundle_t bundle = {0};
    char numbers[BUS_BUNDLE_MAX][24];
    for (int i = 0; i < BUS_BUNDLE_MAX; i++) {
        Duban__Envelope env = DUBAN__ENVELOPE__INIT;
        env.msg_id = "0b5e9b3a-1111-2222-3333-444455556666";
        env.type = DUBAN__MSG_TYPE__CASE_RECEIVED;
        env.case_id = 100 + i;
        snprintf(numbers[i], sizeof(numbers[i]), "DB2026120500%04d", i);
        env.case_number = numbers[i];
        assert_int_equal(bus_bundle_add(&bundle, &env), 0);
    }
    Duban__Envelope extra = DUBAN__ENVELOPE__INIT;
    extra.msg_id = "x";
    assert_int_equal(bus_bundle_add(&bundle, &extra), -1);
    assert_int_equal(bundle.count, BUS_BUNDLE_MAX);
    /* no peer yet: a PUSH takes nothing, and the bundle is emptied */
    assert_int_equal(bus_bundle_send(push, &bundle), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(bundle.count, 0);
    assert_int_equal(bus_bundle_send(push, &bundle), 0); /* empty: nothing to send */

    bus_sock_t *pull = bus_sock_new(zctx, base, ZMQ_PULL, "inproc://bundle", false, NULL, NULL);
    int sent = -1;
    /* until the PUSH has taken in its new peer */
    for (int tries = 0; tries < 1000 && sent < 0; tries++) {
        for (int i = 0; i < 3; i++) {
            Duban__Envelope env = DUBAN__ENVELOPE__INIT;
            env.msg_id = "0b5e9b3a-1111-2222-3333-444455556666";
            env.case_id = 7 + i;
            assert_int_equal(bus_bundle_add(&bundle, &env), 0);
        }
        if ((sent = bus_bundle_send(push, &bundle)) < 0) {
            assert_int_equal(errno, EAGAIN);
            usleep(1000);
        }
        assert_int_equal(bundle.count, 0);
    }
    assert_int_equal(sent, 0);
    void *got[BUS_BUNDLE_MAX];
    size_t got_len[BUS_BUNDLE_MAX];
    int n = s_recv_waiting(base, pull, got, got_len, BUS_BUNDLE_MAX);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++) {
        Duban__Envelope *env = bus_envelope_unpack(got[i], got_len[i]);
        assert_non_null(env);
        assert_int_equal(env->case_id, 7 + i);
        duban__envelope__free_unpacked(env, NULL);
        free(got[i]);
    }
    assert_int_equal(bus_recv_frames(pull, got, got_len, BUS_BUNDLE_MAX), 0);
    bus_bundle_clear(&bundle);
    s_close_all(zctx, base, &push, &pull);
}

/* A PUSH's messages carry up to BUS_BUNDLE_MAX envelopes: its high-water
 * mark holds no more envelopes than a PUB's one-envelope messages. */
static void test_push_mark_counts_bundles(void **state)
{
    void *zctx = zmq_ctx_new();
    struct event_base *base = event_base_new();
    bus_sock_t *push = bus_sock_new(zctx, base, ZMQ_PUSH, "inproc://marks", true, NULL, NULL);
    bus_sock_t *pub = bus_sock_new(zctx, base, ZMQ_PUB, "inproc://marks-pub", true, NULL, NULL);
    int push_hwm = 0, pub_hwm = 0;
    size_t len = sizeof(int);
    assert_int_equal(zmq_getsockopt(bus_sock_handle(push), ZMQ_SNDHWM, &push_hwm, &len), 0);
    len = sizeof(int);
    assert_int_equal(zmq_getsockopt(bus_sock_handle(pub), ZMQ_SNDHWM, &pub_hwm, &len), 0);
    assert_true(push_hwm > 0);
    assert_true((long)push_hwm * BUS_BUNDLE_MAX <= pub_hwm);
    assert_true((long)(push_hwm + 1) * BUS_BUNDLE_MAX > pub_hwm);
    s_close_all(zctx, base, &push, &pub);
}

/* bus_sock_new of type with option refused: NULL, and the log names it. */
static void s_expect_refused(int type, int option, const char *name)
{
    void *zctx = zmq_ctx_new();
    struct event_base *base = event_base_new();
    char path[] = "/tmp/test_bus_log.XXXXXX";
    int log_fd = mkstemp(path);
    assert_true(log_fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(log_fd, STDERR_FILENO);
    s_refused_option = option;
    s_refusals = 0;
    bus_sock_t *sock = bus_sock_new(zctx, base, type, "inproc://refused", true, NULL, NULL);
    s_refused_option = 0;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char log[2048] = "";
    ssize_t n = pread(log_fd, log, sizeof(log) - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(log_fd);
    unlink(path);
    assert_int_equal(s_refusals, 1);
    assert_null(sock);
    assert_non_null(strstr(log, name));
    assert_non_null(strstr(log, "inproc://refused"));
    /* the endpoint is free again: the refused socket was closed, not bound */
    sock = bus_sock_new(zctx, base, type, "inproc://refused", true, NULL, NULL);
    assert_non_null(sock);
    bus_sock_destroy(&sock);
    event_base_free(base);
    zmq_ctx_term(zctx);
}

static void test_refused_options_leave_no_socket(void **state)
{
    s_expect_refused(ZMQ_ROUTER, ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY");
    s_expect_refused(ZMQ_PULL, ZMQ_LINGER, "ZMQ_LINGER");
    s_expect_refused(ZMQ_PUSH, ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE");
    s_expect_refused(ZMQ_PUB, ZMQ_SNDHWM, "ZMQ_SNDHWM");
    s_expect_refused(ZMQ_SUB, ZMQ_RCVHWM, "ZMQ_RCVHWM");
}

static void test_setsockopt_helper_reports(void **state)
{
    void *zctx = zmq_ctx_new();
    void *sock = zmq_socket(zctx, ZMQ_SUB);
    int linger = 0;
    assert_int_equal(BUS_SETSOCKOPT(sock, ZMQ_LINGER, &linger, sizeof(linger)), 0);
    s_refused_option = ZMQ_SUBSCRIBE;
    assert_int_equal(BUS_SETSOCKOPT(sock, ZMQ_SUBSCRIBE, "x", 1), -1);
    s_refused_option = 0;
    zmq_close(sock);
    zmq_ctx_term(zctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_round_trip),
        cmocka_unit_test(test_malformed_envelopes_are_refused),
        cmocka_unit_test(test_burst_is_drained_in_small_batches),
        cmocka_unit_test(test_burst_survives_pause_and_resume),
        cmocka_unit_test(test_oversize_frame_counts_are_dropped),
        cmocka_unit_test(test_bundle_is_one_message_of_whole_envelopes),
        cmocka_unit_test(test_push_mark_counts_bundles),
        cmocka_unit_test(test_refused_options_leave_no_socket),
        cmocka_unit_test(test_setsockopt_helper_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
