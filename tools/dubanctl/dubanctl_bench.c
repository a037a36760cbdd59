/* dubanctl bench: the load generator. Submits N cases over HTTP on C
 * keep-alive connections, listens on dispatch's PUB socket for their tasks,
 * and reports throughput and latency percentiles: intake (request to 201,
 * i.e. durable) and end to end (request to the task reaching consoles).
 *
 * It never writes into the live system unless told to: by default it makes
 * a deployment of its own (dubanctl_scratch.c: a scratch database, intake,
 * triage and dispatch on free ports), measures that and removes it;
 * --into-live submits to the deployment of the settings instead. Either way
 * its cases are marked as a benchmark's (X-Duban-Benchmark, accepted from an
 * administrator only: cases.source 'benchmark'), so no figure counts them. */
#include "dubanctl.h"

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

typedef struct {
    char case_number[32];
    int64_t sent_us;
    int64_t accepted_us;
    int64_t delivered_us;
} sample_t;

typedef struct bench bench_t;

typedef struct {
    bench_t *bench;
    struct evhttp_connection *conn;
    int current; /* sample index in flight, -1 when idle */
} slot_t;

struct bench {
    struct event_base *base;
    int run_tag; /* makes each run's requesters new, so none is a duplicate */
    char auth[256];
    char host[128];
    int port;
    int total;
    int next;
    int accepted;
    int failed;
    int delivered;
    sample_t *samples;
    int *table; /* open addressing: case number -> sample index + 1 */
    size_t table_size;
    slot_t *slots;
    int nslots;
    int64_t start_us;
    int64_t intake_done_us;
    int64_t last_delivery_us;
    struct event *timeout_ev;
    double rate;             /* open loop: cases offered per second, 0 = closed loop */
    struct event *offer_ev;  /* open loop: sends what has fallen due */
};

static const char *s_categories[] = {"special-equipment", "metrology", "counterfeit", "fiber",
                                     "product-quality", "licensing", "fees", "standards"};

static size_t s_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void s_table_put(bench_t *b, int idx)
{
    size_t i = s_hash(b->samples[idx].case_number) % b->table_size;
    while (b->table[i])
        i = (i + 1) % b->table_size;
    b->table[i] = idx + 1;
}

static int s_table_get(bench_t *b, const char *case_number)
{
    size_t i = s_hash(case_number) % b->table_size;
    while (b->table[i]) {
        int idx = b->table[i] - 1;
        if (strcmp(b->samples[idx].case_number, case_number) == 0)
            return idx;
        i = (i + 1) % b->table_size;
    }
    return -1;
}

static void s_maybe_finish(bench_t *b)
{
    if (b->accepted + b->failed == b->total && b->delivered == b->accepted)
        event_base_loopexit(b->base, NULL);
}

static void s_send_next(slot_t *slot);

static void s_reply_cb(struct evhttp_request *req, void *arg)
{
    slot_t *slot = arg;
    bench_t *b = slot->bench;
    sample_t *s = &b->samples[slot->current];
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
        if (number) {
            s->accepted_us = clock_mono_us();
            snprintf(s->case_number, sizeof(s->case_number), "%s", number);
            s_table_put(b, slot->current);
            b->accepted++;
        } else {
            b->failed++;
        }
        json_decref(j);
    } else {
        b->failed++;
        if (b->failed <= 5)
            fprintf(stderr, "bench: submission refused with HTTP %d\n", code);
    }
    if (b->accepted + b->failed == b->total)
        b->intake_done_us = clock_mono_us();
    slot->current = -1;
    s_send_next(slot);
    s_maybe_finish(b);
}

/* When case idx is meant to be sent: open loop, on a fixed schedule. */
static int64_t s_intended_us(const bench_t *b, int idx)
{
    return b->start_us + (int64_t)((double)idx * 1e6 / b->rate);
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
    struct evhttp_request *req = evhttp_request_new(s_reply_cb, slot);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"channel\":\"hotline\",\"kind\":\"complaint\","
             "\"category\":\"%s\",\"subject\":\"压测案件 %d\",\"description\":\"负载测试生成的案件，"
             "序号 %d\",\"requester\":{\"name\":\"测试\",\"phone\":\"139%08d\"}}",
             s_categories[idx % 8], idx, idx, (b->run_tag + idx) % 100000000);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Host", b->host);
    evhttp_add_header(headers, "Content-Type", "application/json");
    if (b->auth[0])
        evhttp_add_header(headers, "Authorization", b->auth);
    evhttp_add_header(headers, "X-Duban-Benchmark", "1");
    evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    /* Open loop measures from the intended send time, so a stall that
     * delays sending (all connections busy) is not hidden. */
    b->samples[idx].sent_us = b->rate > 0 ? s_intended_us(b, idx) : clock_mono_us();
    if (evhttp_make_request(slot->conn, req, EVHTTP_REQ_POST, "/api/v1/cases") != 0) {
        b->failed++;
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

static void s_task_cb(bus_sock_t *sock, void *arg)
{
    bench_t *b = arg;
    for (int budget = 0; budget < 1024; budget++) {
        void *frames[2];
        size_t lengths[2];
        int n = bus_recv_frames(sock, frames, lengths, 2);
        if (n <= 0)
            return;
        if (n == 2) {
            Duban__Envelope *env = bus_envelope_unpack(frames[1], lengths[1]);
            if (env && env->type == DUBAN__MSG_TYPE__TASK_DISPATCHED) {
                int idx = s_table_get(b, env->case_number);
                if (idx >= 0 && b->samples[idx].delivered_us == 0) {
                    b->samples[idx].delivered_us = clock_mono_us();
                    b->last_delivery_us = b->samples[idx].delivered_us;
                    b->delivered++;
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

static int s_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double s_pct(int64_t *v, int n, double p)
{
    if (n == 0)
        return 0;
    int i = (int)(p * (n - 1) + 0.5);
    return v[i] / 1000.0;
}

static void s_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    bench_t *b = arg;
    fprintf(stderr, "bench: timed out with %d of %d accepted cases delivered\n", b->delivered,
            b->accepted);
    event_base_loopexit(b->base, NULL);
}

/* Prints a figure of the cost object when it is there. */
/* Runs base until sub has completed a CURVE handshake with dispatch (or
 * for up to timeout_ms), so that no task published before the subscription
 * is counted as lost: under load the handshake alone can outlast a fixed
 * pause. A socket without CURVE has no handshake to wait for. */
static void s_wait_subscribed(struct event_base *base, bus_sock_t *sub, int timeout_ms)
{
    for (int waited = 0; bus_sock_handshakes(sub) == 0 && waited < timeout_ms; waited += 10) {
        struct timeval tick = {0, 10 * 1000};
        event_base_loopexit(base, &tick);
        event_base_dispatch(base);
    }
    if (bus_sock_handshakes(sub) == 0)
        fprintf(stderr, "warning: no secure connection to dispatch's feed after %d ms\n",
                timeout_ms);
}

static void s_print_cpu(json_t *cpu, const char *key, const char *label)
{
    json_t *v = json_object_get(cpu, key);
    if (v)
        printf(" %s %.3f", label, json_real_value(v));
}

static void s_report(ctl_t *ctl, bench_t *b, int conns, json_t *cost, double pg_before,
                     double pg_after)
{
    int64_t *intake = calloc((size_t)b->total + 1, sizeof(int64_t));
    int64_t *e2e = calloc((size_t)b->total + 1, sizeof(int64_t));
    int ni = 0, ne = 0;
    for (int i = 0; intake && e2e && i < b->total; i++) {
        sample_t *s = &b->samples[i];
        if (s->accepted_us)
            intake[ni++] = s->accepted_us - s->sent_us;
        if (s->delivered_us)
            e2e[ne++] = s->delivered_us - s->sent_us;
    }
    qsort(intake, (size_t)ni, sizeof(int64_t), s_cmp64);
    qsort(e2e, (size_t)ne, sizeof(int64_t), s_cmp64);
    double intake_s = (b->intake_done_us - b->start_us) / 1e6;
    double e2e_s = ((b->last_delivery_us ? b->last_delivery_us : clock_mono_us()) - b->start_us) / 1e6;
    json_t *j = json_pack(
        "{s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "cases", b->total,
        "concurrency", conns, "accepted", b->accepted, "failed", b->failed, "delivered",
        b->delivered, "intake_per_s", intake_s > 0 ? b->accepted / intake_s : 0.0,
        "end_to_end_per_s", e2e_s > 0 ? b->delivered / e2e_s : 0.0, "intake_p50_ms",
        s_pct(intake, ni, 0.50), "intake_p99_ms", s_pct(intake, ni, 0.99), "e2e_p50_ms",
        s_pct(e2e, ne, 0.50), "e2e_p99_ms", s_pct(e2e, ne, 0.99));
    if (b->rate > 0)
        json_object_set_new(j, "offered_per_s", json_real(b->rate));
    double pg_best = pg_before > pg_after ? pg_before : pg_after;
    if (pg_before > 0)
        json_object_set_new(j, "pgbench_before_tps", json_real(pg_before));
    if (pg_after > 0)
        json_object_set_new(j, "pgbench_after_tps", json_real(pg_after));
    double e2e_rate = json_real_value(json_object_get(j, "end_to_end_per_s"));
    if (pg_best > 0)
        json_object_set_new(j, "ratio_to_pgbench", json_real(e2e_rate / pg_best));
    if (cost)
        json_object_update(j, cost);
    if (ctl->json) {
        ctl_print_json(j);
    } else {
        printf("cases=%d concurrency=%d accepted=%d failed=%d delivered=%d\n", b->total, conns,
               b->accepted, b->failed, b->delivered);
        printf("throughput: intake %.0f cases/s, end to end %.0f cases/s\n",
               json_real_value(json_object_get(j, "intake_per_s")),
               json_real_value(json_object_get(j, "end_to_end_per_s")));
        printf("intake latency (to durable 201): p50 %.2f ms, p99 %.2f ms\n",
               s_pct(intake, ni, 0.50), s_pct(intake, ni, 0.99));
        printf("end-to-end latency (to division console): p50 %.2f ms, p99 %.2f ms\n",
               s_pct(e2e, ne, 0.50), s_pct(e2e, ne, 0.99));
        if (b->rate > 0)
            printf("open loop: %.0f cases/s offered, latencies from each case's intended send "
                   "time\n", b->rate);
        json_t *wal = json_object_get(j, "wal_bytes_per_case");
        if (wal)
            printf("WAL per case: %.0f bytes\n", json_real_value(wal));
        json_t *cpu = json_object_get(j, "cpu_ms_per_case");
        if (cpu && json_object_size(cpu) > 0) {
            printf("CPU ms per case:");
            s_print_cpu(cpu, "intake", "intake");
            s_print_cpu(cpu, "triage", "triage");
            s_print_cpu(cpu, "dispatch", "dispatch");
            s_print_cpu(cpu, "watch", "watch");
            s_print_cpu(cpu, "services", "(services");
            if (json_object_get(cpu, "services"))
                printf(")");
            s_print_cpu(cpu, "postgresql", "postgresql");
            s_print_cpu(cpu, "redis", "redis");
            printf("\n");
        }
        if (pg_best > 0)
            printf("postgresql one-row durable commits, 8 clients (pgbench, same server): "
                   "before %.0f tps, after %.0f tps\nratio end to end / best pgbench: %.3f\n",
                   pg_before, pg_after, e2e_rate / pg_best);
    }
    json_decref(j);
    free(intake);
    free(e2e);
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
    bench_t b = {.total = total, .nslots = conns, .rate = rate,
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
    } else {
        if (!(scratch = ctl_scratch_new(ctl)))
            return CTL_FAILED;
        snprintf(b.auth, sizeof(b.auth), "Bearer %s", ctl_scratch_token(scratch));
    }
    if (http_split_hostport(settings_string(ctl->settings, "intake.http", "127.0.0.1:7100"), b.host,
                            sizeof(b.host), &b.port) < 0) {
        fprintf(stderr, "error: intake.http is not host:port\n");
        ctl_scratch_destroy(&scratch);
        return CTL_FAILED;
    }
    double pg_before = -1, pg_after = -1;
    if (pgbench_s > 0) {
        printf("bench: pgbench, %d s ...\n", pgbench_s);
        fflush(stdout);
        pg_before = ctl_bench_pgbench(ctl, pgbench_s);
    }
    json_t *cost_json = NULL;
    ctl_bench_cost_t *cost = NULL;
    b.base = event_base_new();
    b.samples = calloc((size_t)total, sizeof(sample_t));
    b.table_size = (size_t)total * 2 + 1;
    b.table = calloc(b.table_size, sizeof(int));
    b.slots = calloc((size_t)conns, sizeof(slot_t));
    void *zctx = zmq_ctx_new();
    int rc = CTL_FAILED;
    bus_sock_t *sub = NULL;
    if (!b.base || !b.samples || !b.table || !b.slots || !zctx)
        goto out_free;
    bool curve_ok = true;
    bus_secure(ctl_bus_curve(ctl, &curve_ok));
    if (curve_ok)
        sub = bus_sock_connect(
            zctx, b.base, ZMQ_SUB, "dispatch",
            settings_string(ctl->settings, "dispatch.pub", "tcp://127.0.0.1:7105"), s_task_cb, &b);
    if (!sub || BUS_SETSOCKOPT(bus_sock_handle(sub), ZMQ_SUBSCRIBE, "div.", 4) < 0)
        goto out_free;
    s_wait_subscribed(b.base, sub, 15000);
    struct timespec settle = {0, 200 * 1000000};
    nanosleep(&settle, NULL); /* let the subscription reach dispatch */
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
    if (cost)
        cost_json = ctl_bench_cost_stop(&cost, b.delivered);
    if (pgbench_s > 0)
        pg_after = ctl_bench_pgbench(ctl, pgbench_s);
    s_report(ctl, &b, conns, cost_json, pg_before, pg_after);
    rc = (b.failed == 0 && b.delivered == b.accepted) ? CTL_OK : CTL_FAILED;
out_free:
    for (int i = 0; b.slots && i < conns; i++)
        if (b.slots[i].conn)
            evhttp_connection_free(b.slots[i].conn);
    bus_sock_destroy(&sub);
    if (b.timeout_ev)
        event_free(b.timeout_ev);
    if (b.offer_ev)
        event_free(b.offer_ev);
    json_decref(cost_json);
    if (cost)
        json_decref(ctl_bench_cost_stop(&cost, 0));
    if (zctx)
        zmq_ctx_term(zctx);
    if (b.base)
        event_base_free(b.base);
    free(b.samples);
    free(b.table);
    free(b.slots);
    ctl_scratch_destroy(&scratch);
    return rc;
}
