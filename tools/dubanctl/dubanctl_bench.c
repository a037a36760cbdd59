/* dubanctl bench: the load generator. Submits N cases over HTTP on C
 * keep-alive connections, listens on dispatch's PUB socket for their tasks,
 * and reports throughput and latency percentiles: intake (request to 201,
 * i.e. durable) and end to end (request to the task reaching consoles).
 * Each case is counted once (bench_ledger.c), also when its console message
 * comes before its 201; a case whose console message never comes (a PUB
 * drop) is counted from the database and reported as such (s_lost_cb).
 *
 * It never writes into the live system unless told to: by default it makes
 * a deployment of its own (dubanctl_scratch.c: a scratch database, intake,
 * triage and dispatch on free ports), measures that and removes it;
 * --into-live submits to the deployment of the settings instead. Either way
 * its cases are marked as a benchmark's (X-Duban-Benchmark, accepted from an
 * administrator only: cases.source 'benchmark'), so no figure counts them. */
#include "dubanctl.h"

#include "bench_ledger.h"
#include "bus.h"
#include "clock.h"
#include "http.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* Once every case is answered: how often the cases still without a console
 * message are looked for, and how long the feed must be quiet first. */
#define BENCH_LOST_CHECK_MS 250
#define BENCH_QUIET_MS 1000
/* Before the run, probe cases (not counted) prove that the subscription is
 * in force at dispatch: up to BENCH_PROBES, one more each
 * BENCH_PROBE_WAIT_MS without a console message. */
#define BENCH_PROBES 10
#define BENCH_PROBE_WAIT_MS 3000

typedef struct bench bench_t;

typedef struct {
    bench_t *bench;
    struct evhttp_connection *conn;
    int current; /* case index in flight, -1 when idle */
} slot_t;

struct bench {
    ctl_t *ctl;
    struct event_base *base;
    int run_tag; /* makes each run's requesters new, so none is a duplicate */
    char auth[256];
    char host[128];
    int port;
    int total;
    int next;
    int replied; /* cases answered, whatever the answer */
    int failed;
    bench_ledger_t *ledger;
    slot_t *slots;
    int nslots;
    int64_t start_us;
    int64_t intake_done_us;
    int64_t last_message_us; /* the latest console message, any case's */
    struct event *timeout_ev;
    struct event *lost_ev;   /* once all are answered: looks for lost console messages */
    bool probing;            /* probe cases in flight: the feed is not proven yet */
    bool feed_proven;        /* a console message came while probing */
    int nprobes;
    char probe_numbers[BENCH_PROBES][BENCH_CASE_NUMBER_MAX];
    struct evhttp_connection *probe_conn;
    struct event *probe_ev;
    double rate;             /* open loop: cases offered per second, 0 = closed loop */
    struct event *offer_ev;  /* open loop: sends what has fallen due */
};

static const char *s_categories[] = {"special-equipment", "metrology", "counterfeit", "fiber",
                                     "product-quality", "licensing", "fees", "standards"};

static void s_maybe_finish(bench_t *b)
{
    bench_ledger_counts_t n;
    bench_ledger_counts(b->ledger, &n);
    if (b->replied == b->total && n.delivered == n.accepted)
        event_base_loopexit(b->base, NULL);
}

static void s_send_next(slot_t *slot);

/* One more case answered (or given up); at the last, the intake phase ends
 * and the look-out for lost console messages starts. */
static void s_replied(bench_t *b)
{
    if (++b->replied < b->total)
        return;
    b->intake_done_us = clock_mono_us();
    struct timeval every = {0, BENCH_LOST_CHECK_MS * 1000};
    event_add(b->lost_ev, &every);
}

static void s_reply_cb(struct evhttp_request *req, void *arg)
{
    slot_t *slot = arg;
    bench_t *b = slot->bench;
    int64_t now_us = clock_mono_us();
    int code = req ? evhttp_request_get_response_code(req) : 0;
    if (code == 201) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        char *text = malloc(len + 1);
        json_t *j = NULL;
        if (text) {
            evbuffer_copyout(in, text, len);
            text[len] = '\0';
            j = json_loads(text, 0, NULL);
            free(text);
        }
        const char *number = json_string_value(json_object_get(j, "case_number"));
        if (!number || bench_ledger_accepted(b->ledger, slot->current, number, now_us) < 0) {
            b->failed++;
            fprintf(stderr, "bench: a 201 without a case number of its own: %s\n",
                    number ? number : "(none)");
        }
        json_decref(j);
    } else {
        b->failed++;
        if (b->failed <= 5)
            fprintf(stderr, "bench: submission refused with HTTP %d\n", code);
    }
    s_replied(b);
    slot->current = -1;
    s_send_next(slot);
    s_maybe_finish(b);
}

/* When case idx is meant to be sent: open loop, on a fixed schedule. */
static int64_t s_intended_us(const bench_t *b, int idx)
{
    return b->start_us + (int64_t)((double)idx * 1e6 / b->rate);
}

/* A new case's request: number n of the run (a probe's come after the
 * cases), on behalf of a requester of its own. */
static struct evhttp_request *s_request(bench_t *b, int n, void (*cb)(struct evhttp_request *,
                                                                      void *), void *arg)
{
    struct evhttp_request *req = evhttp_request_new(cb, arg);
    if (!req)
        return NULL;
    char body[512];
    snprintf(body, sizeof(body),
             "{\"channel\":\"hotline\",\"kind\":\"complaint\","
             "\"category\":\"%s\",\"subject\":\"压测案件 %d\",\"description\":\"负载测试生成的案件，"
             "序号 %d\",\"requester\":{\"name\":\"测试\",\"phone\":\"139%08d\"}}",
             s_categories[n % 8], n, n, (b->run_tag + n) % 100000000);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Host", b->host);
    evhttp_add_header(headers, "Content-Type", "application/json");
    if (b->auth[0])
        evhttp_add_header(headers, "Authorization", b->auth);
    evhttp_add_header(headers, "X-Duban-Benchmark", "1");
    evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    return req;
}

static void s_send_next(slot_t *slot)
{
    bench_t *b = slot->bench;
    if (b->next >= b->total)
        return;
    if (b->rate > 0 && s_intended_us(b, b->next) > clock_mono_us())
        return; /* not due yet: the offer timer sends it */
    int idx = b->next++;
    slot->current = idx;
    struct evhttp_request *req = s_request(b, idx, s_reply_cb, slot);
    /* Open loop measures from the intended send time, so a stall that
     * delays sending (all connections busy) is not hidden. */
    bench_ledger_sent(b->ledger, idx, b->rate > 0 ? s_intended_us(b, idx) : clock_mono_us());
    if (!req || evhttp_make_request(slot->conn, req, EVHTTP_REQ_POST, "/api/v1/cases") != 0) {
        b->failed++;
        s_replied(b);
        slot->current = -1;
    }
}

/* Open loop: every millisecond, sends what has fallen due on idle
 * connections (what finds none waits for a reply, its latency growing). */
static void s_offer_cb(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    for (int i = 0; i < b->nslots && b->next < b->total; i++)
        if (b->slots[i].current < 0)
            s_send_next(&b->slots[i]);
    if (b->next >= b->total)
        event_del(b->offer_ev);
}

static bool s_is_probe(const bench_t *b, const char *case_number)
{
    for (int i = 0; i < b->nprobes; i++)
        if (strcmp(b->probe_numbers[i], case_number) == 0)
            return true;
    return false;
}

/* Console messages: each is timed as it is read, the moment it reached
 * this console; the ledger counts a case once, also when its message came
 * before its 201. */
static void s_task_cb(bus_sock_t *sock, void *arg)
{
    bench_t *b = arg;
    for (int budget = 0; budget < 1024; budget++) {
        void *frames[2];
        size_t lengths[2];
        int n = bus_recv_frames(sock, frames, lengths, 2);
        if (n <= 0)
            return;
        int64_t now_us = clock_mono_us();
        b->last_message_us = now_us;
        if (n == 2) {
            Duban__Envelope *env = bus_envelope_unpack(frames[1], lengths[1]);
            if (env && env->type == DUBAN__MSG_TYPE__TASK_DISPATCHED && env->case_number) {
                if (b->probing) {
                    b->feed_proven = true;
                    event_base_loopexit(b->base, NULL);
                } else if (!s_is_probe(b, env->case_number)) {
                    bench_ledger_console(b->ledger, env->case_number, now_us);
                }
            }
            if (env)
                duban__envelope__free_unpacked(env, NULL);
        }
        for (int i = 0; i < n; i++)
            free(frames[i]);
        s_maybe_finish(b);
    }
}

/* Once every case is answered and no console message has come for
 * BENCH_QUIET_MS, the cases still without one are looked up in the database
 * (dubanctl_bench_lost.c); the lookups run only while the feed is quiet, so
 * they delay the timing of no message. */
static void s_lost_cb(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    int64_t now_us = clock_mono_us();
    int64_t since = b->last_message_us > b->intake_done_us ? b->last_message_us : b->intake_done_us;
    bench_ledger_counts_t n;
    bench_ledger_counts(b->ledger, &n);
    if (n.delivered == n.accepted || now_us - since < BENCH_QUIET_MS * 1000)
        return;
    int lost = ctl_bench_count_lost(b->ctl, b->ledger, now_us, BENCH_QUIET_MS * 1000);
    if (lost > 0)
        fprintf(stderr, "bench: %d console message(s) never came (dropped at the PUB socket or "
                        "missed): counted from the database at their task's dispatch\n", lost);
    s_maybe_finish(b);
}

static void s_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    bench_ledger_counts_t n;
    bench_ledger_counts(b->ledger, &n);
    fprintf(stderr, "bench: timed out with %d of %d accepted cases delivered\n", n.delivered,
            n.accepted);
    event_base_loopexit(b->base, NULL);
}

static void s_probe_reply_cb(struct evhttp_request *req, void *arg)
{
    bench_t *b = arg;
    int code = req ? evhttp_request_get_response_code(req) : 0;
    json_t *j = NULL;
    if (code == 201) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        char *text = malloc(len + 1);
        if (text) {
            evbuffer_copyout(in, text, len);
            text[len] = '\0';
            j = json_loads(text, 0, NULL);
            free(text);
        }
    }
    const char *number = json_string_value(json_object_get(j, "case_number"));
    if (number) {
        for (int i = 0; i < b->nprobes; i++)
            if (!b->probe_numbers[i][0]) {
                snprintf(b->probe_numbers[i], sizeof(b->probe_numbers[i]), "%s", number);
                break;
            }
    } else {
        fprintf(stderr, "bench: a probe case was refused with HTTP %d\n", code);
    }
    json_decref(j);
}

static void s_probe_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    event_base_loopexit(b->base, NULL);
}

/* A subscription is in force at dispatch only once dispatch's own loop has
 * taken it in: a message published before is not sent to this subscriber,
 * and the secure handshake done says nothing of that (a fixed pause after it
 * was outlasted under load: the first tasks, up to two rounds of the
 * connections', were missed). So cases are offered only once a console
 * message has come: probe cases (not counted), one more while none comes.
 * Returns how many were sent, or -1 when none proved the feed. */
static int s_prove_feed(bench_t *b)
{
    b->probing = true;
    for (int k = 0; k < BENCH_PROBES && !b->feed_proven; k++) {
        struct evhttp_request *req = s_request(b, b->total + k, s_probe_reply_cb, b);
        if (!req || evhttp_make_request(b->probe_conn, req, EVHTTP_REQ_POST, "/api/v1/cases") != 0)
            break;
        b->nprobes++;
        struct timeval wait = {BENCH_PROBE_WAIT_MS / 1000, BENCH_PROBE_WAIT_MS % 1000 * 1000};
        evtimer_add(b->probe_ev, &wait);
        event_base_dispatch(b->base);
        evtimer_del(b->probe_ev);
    }
    b->probing = false;
    return b->feed_proven ? b->nprobes : -1;
}

/* Runs base until sub has completed a CURVE handshake with dispatch (or
 * for up to timeout_ms), so that no task published before the subscription
 * is counted as lost: under load the handshake alone can outlast a fixed
 * pause. A socket without CURVE has no handshake to wait for. */
static bool s_wait_subscribed(struct event_base *base, bus_sock_t *sub, int timeout_ms)
{
    for (int waited = 0; bus_sock_handshakes(sub) == 0 && waited < timeout_ms; waited += 10) {
        struct timeval tick = {0, 10 * 1000};
        event_base_loopexit(base, &tick);
        event_base_dispatch(base);
    }
    if (bus_sock_handshakes(sub) == 0) {
        fprintf(stderr, "warning: no secure connection to dispatch's feed after %d ms\n",
                timeout_ms);
        return false;
    }
    return true;
}

int ctl_bench(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"cases", required_argument, NULL, 'n'},
                                            {"connections", required_argument, NULL, 'c'},
                                            {"timeout", required_argument, NULL, 't'},
                                            {"json", no_argument, NULL, 'j'},
                                            {"into-live", no_argument, NULL, 'L'},
                                            {"rate", required_argument, NULL, 'r'},
                                            {"pgbench-seconds", required_argument, NULL, 'P'},
                                            {NULL, 0, NULL, 0}};
    int total = 10000, conns = 32, timeout_s = 120, pgbench_s = 5;
    double rate = 0;
    bool into_live = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "n:c:t:", options, NULL)) != -1) {
        if (opt == 'n')
            total = atoi(optarg);
        else if (opt == 'c')
            conns = atoi(optarg);
        else if (opt == 't')
            timeout_s = atoi(optarg);
        else if (opt == 'L')
            into_live = true;
        else if (opt == 'r')
            rate = atof(optarg);
        else if (opt == 'P')
            pgbench_s = atoi(optarg);
        else if (opt != 'j')
            return CTL_USAGE;
    }
    if (total <= 0 || conns <= 0 || conns > 1024 || rate < 0 || pgbench_s < 0) {
        fprintf(stderr, "error: bench needs -n > 0, 0 < -c <= 1024, --rate >= 0 and "
                        "--pgbench-seconds >= 0\n");
        return CTL_USAGE;
    }
    bench_t b = {.ctl = ctl, .total = total, .nslots = conns, .rate = rate,
                 .run_tag = (int)(clock_now_us() / 1000 % 100000000)};
    ctl_scratch_t *scratch = NULL;
    if (into_live) {
        /* an administrator's token: only one may mark cases as a benchmark's */
        ctl_act_as(ctl, "admin");
        char *token = ctl_token(ctl);
        if (!token) {
            fprintf(stderr, "error: no token for admin: run setup --demo-tokens or pass --token "
                            "(--into-live marks its cases, which only an administrator may)\n");
            return CTL_FAILED;
        }
        snprintf(b.auth, sizeof(b.auth), "Bearer %s", token);
        free(token);
        printf("bench: into the live deployment; its cases are marked and counted nowhere\n");
        http_limits_t limits;
        http_limits_read(ctl->settings, "intake", &limits);
        if (limits.max_connections_per_address > 0 && conns >= limits.max_connections_per_address)
            fprintf(stderr,
                    "warning: intake lets %d connections in from one address; -c %d and the "
                    "bench's probe need more, and the refused ones count as failed\n",
                    limits.max_connections_per_address, conns);
    } else {
        if (!(scratch = ctl_scratch_new(ctl, conns)))
            return CTL_FAILED;
        snprintf(b.auth, sizeof(b.auth), "Bearer %s", ctl_scratch_token(scratch));
    }
    if (http_split_hostport(settings_string(ctl->settings, "intake.http", "127.0.0.1:7100"), b.host,
                            sizeof(b.host), &b.port) < 0) {
        fprintf(stderr, "error: intake.http is not host:port\n");
        ctl_scratch_destroy(&scratch);
        return CTL_FAILED;
    }
    ctl_pgbench_t pg_before = {.tps = -1}, pg_after = {.tps = -1};
    if (pgbench_s > 0) {
        printf("bench: pgbench, %d s%s ...\n", pgbench_s,
               rate > 0 ? " at the offered rate, then as long unthrottled" : "");
        fflush(stdout);
        ctl_bench_pgbench(ctl, pgbench_s, rate, &pg_before);
    }
    json_t *cost_json = NULL;
    ctl_bench_cost_t *cost = NULL;
    b.base = event_base_new();
    b.ledger = bench_ledger_new(total);
    b.lost_ev = b.base ? event_new(b.base, -1, EV_PERSIST, s_lost_cb, &b) : NULL;
    b.slots = calloc((size_t)conns, sizeof(slot_t));
    void *zctx = zmq_ctx_new();
    int rc = CTL_FAILED;
    bus_sock_t *sub = NULL;
    if (!b.base || !b.ledger || !b.lost_ev || !b.slots || !zctx)
        goto out_free;
    bool curve_ok = true;
    bus_secure(ctl_bus_curve(ctl, &curve_ok));
    if (curve_ok)
        sub = bus_sock_connect(
            zctx, b.base, ZMQ_SUB, "dispatch",
            settings_string(ctl->settings, "dispatch.pub", "tcp://127.0.0.1:7105"), s_task_cb, &b);
    if (!sub || BUS_SETSOCKOPT(bus_sock_handle(sub), ZMQ_SUBSCRIBE, "div.", 4) < 0)
        goto out_free;
    b.probe_conn = evhttp_connection_base_new(b.base, NULL, b.host, (ev_uint16_t)b.port);
    b.probe_ev = evtimer_new(b.base, s_probe_timeout_cb, &b);
    if (!b.probe_conn || !b.probe_ev)
        goto out_free;
    evhttp_connection_set_timeout(b.probe_conn, 60);
    if (s_wait_subscribed(b.base, sub, 15000)) {
        int probes = s_prove_feed(&b);
        if (probes > 0)
            printf("bench: dispatch's feed carries tasks to this console (%d probe case(s), not "
                   "counted)\n", probes);
        else
            fprintf(stderr, "warning: no console message for %d probe case(s): cases without "
                            "one will be counted from the database\n", b.nprobes);
    }
    b.timeout_ev = evtimer_new(b.base, s_timeout_cb, &b);
    struct timeval tv = {timeout_s, 0};
    evtimer_add(b.timeout_ev, &tv);
    if (scratch) {
        pid_t pids[8];
        const char *names[8];
        int npids = ctl_scratch_services(scratch, pids, names, 8);
        cost = ctl_bench_cost_start(ctl, pids, names, npids);
    } else {
        cost = ctl_bench_cost_start(ctl, NULL, NULL, 0);
    }
    if (rate > 0) {
        b.offer_ev = event_new(b.base, -1, EV_PERSIST, s_offer_cb, &b);
        struct timeval tick = {0, 1000};
        if (!b.offer_ev || event_add(b.offer_ev, &tick) < 0)
            goto out_free;
    }
    b.start_us = clock_mono_us();
    for (int i = 0; i < conns; i++) {
        b.slots[i].bench = &b;
        b.slots[i].current = -1;
        b.slots[i].conn = evhttp_connection_base_new(b.base, NULL, b.host, (ev_uint16_t)b.port);
        if (!b.slots[i].conn)
            goto out_free;
        evhttp_connection_set_timeout(b.slots[i].conn, 60);
        s_send_next(&b.slots[i]);
    }
    event_base_dispatch(b.base);
    if (!b.intake_done_us)
        b.intake_done_us = clock_mono_us();
    bench_ledger_counts_t counts;
    bench_ledger_counts(b.ledger, &counts);
    if (cost)
        cost_json = ctl_bench_cost_stop(&cost, counts.delivered);
    if (pgbench_s > 0)
        ctl_bench_pgbench(ctl, pgbench_s, 0, &pg_after);
    ctl_bench_run_t run = {.total = b.total,
                           .conns = conns,
                           .failed = b.failed,
                           .rate = b.rate,
                           .start_us = b.start_us,
                           .intake_done_us = b.intake_done_us,
                           .ledger = b.ledger};
    ctl_bench_report(ctl, &run, cost_json, &pg_before, &pg_after);
    rc = (b.failed == 0 && counts.delivered == counts.accepted) ? CTL_OK : CTL_FAILED;
out_free:
    for (int i = 0; b.slots && i < conns; i++)
        if (b.slots[i].conn)
            evhttp_connection_free(b.slots[i].conn);
    bus_sock_destroy(&sub);
    if (b.timeout_ev)
        event_free(b.timeout_ev);
    if (b.offer_ev)
        event_free(b.offer_ev);
    if (b.lost_ev)
        event_free(b.lost_ev);
    if (b.probe_conn)
        evhttp_connection_free(b.probe_conn);
    if (b.probe_ev)
        event_free(b.probe_ev);
    json_decref(cost_json);
    if (cost)
        json_decref(ctl_bench_cost_stop(&cost, 0));
    if (zctx)
        zmq_ctx_term(zctx);
    if (b.base)
        event_base_free(b.base);
    bench_ledger_destroy(&b.ledger);
    free(b.slots);
    ctl_scratch_destroy(&scratch);
    return rc;
}
