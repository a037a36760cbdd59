/* dubanctl alerts / dubanctl ack: the inspection office's console.
 *
 * alerts subscribes to watch's PUB (topic "inspection|") first, then asks
 * watch's console endpoint for the snapshot of unacknowledged alerts,
 * prints it (oldest first; with --json one array, [] when there are none),
 * and with --follow then live alerts (with --json one object a line), dropping any alert it has
 * already printed (by alert id; a re-sent alert prints again only as a
 * newer repeat). While following it asks for the snapshot again every few
 * seconds and prints what it had missed: PUB may drop, and with several
 * watch instances an alert leaves by whichever instance raised it (give
 * each one's endpoint with --pub, or rely on the resync).
 *
 * ack acknowledges an alert with the decision taken, and optionally the
 * accountability decision on the rung it recommends. Both act as insp001
 * unless told otherwise (--as, --token). */
#include "dubanctl.h"

#include "bus.h"
#include "clock.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define ALERTS_TIMEOUT_MS 5000
#define ALERTS_RESYNC_MS 3000
#define ALERTS_MAX_PUB 8
#define ALERTS_SEEN_MAX 65536
#define ACK_TIMEOUT_MS 10000

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    s_stop = 1;
}

typedef struct {
    int64_t id;
    int repeat;
    bool acked;
} seen_t;

typedef struct {
    ctl_t *ctl;
    char *token;
    seen_t *seen;
    size_t nseen;
    json_t *list; /* --json without --follow: the snapshot as one array */
} alerts_t;

static seen_t *s_seen(alerts_t *a, int64_t id)
{
    for (size_t i = 0; i < a->nseen; i++)
        if (a->seen[i].id == id)
            return &a->seen[i];
    if (a->nseen == ALERTS_SEEN_MAX)
        return NULL;
    a->seen[a->nseen] = (seen_t){.id = id, .repeat = -1};
    return &a->seen[a->nseen++];
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(j);
}

/* Prints an alert unless already printed at this repeat or later. */
static void s_print_alert(alerts_t *a, const Duban__EscalationAlert *m, const char *source)
{
    seen_t *s = s_seen(a, m->alert_id);
    if (s && (s->acked || s->repeat >= m->repeat))
        return;
    if (s)
        s->repeat = m->repeat;
    if (a->ctl->json) {
        json_t *notify = json_array();
        for (size_t i = 0; i < m->n_notify; i++)
            json_array_append_new(notify, json_string(m->notify[i]));
        json_t *j = json_pack(
            "{s:s, s:s, s:I, s:s, s:i, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:i, s:s, s:s,"
            " s:i, s:s, s:i, s:s, s:o, s:I}",
            "event", "alert", "source", source, "alert_id", (json_int_t)m->alert_id, "kind",
            m->kind, "level", m->level, "level_name", m->level_name, "case_number",
            m->case_number, "task_id", (json_int_t)m->task_id, "division", m->division,
            "handler", m->handler, "deadline", m->deadline, "due_us", (json_int_t)m->due_us,
            "raised_us", (json_int_t)m->raised_us, "violations", m->violations, "rung", m->rung,
            "rung_name", m->rung_name, "handler_violations", m->handler_violations,
            "handler_rung", m->handler_rung, "repeat", m->repeat, "subject", m->subject,
            "notify", notify, "received_us", (json_int_t)clock_now_us());
        if (a->list)
            json_array_append_new(a->list, j);
        else
            s_print_json(j);
    } else {
        char due[48], tag[48], flat[1024];
        ctl_time_us(a->ctl, m->due_us, due, sizeof(due));
        if (m->repeat > 0)
            snprintf(tag, sizeof(tag), "L%d %s, repeat %d", m->level, m->kind, m->repeat);
        else
            snprintf(tag, sizeof(tag), "L%d %s", m->level, m->kind);
        printf("[%s] #%lld %s %s %s due %s handler=%s violations=%d rung=%s%s%s%s -> %s  %s\n",
               tag, (long long)m->alert_id, m->case_number, m->division, m->deadline, due,
               m->handler[0] ? m->handler : "-", m->violations, m->rung[0] ? m->rung : "-",
               m->rung_name[0] ? "(" : "", m->rung_name, m->rung_name[0] ? ")" : "",
               m->level_name, ctl_flat(m->subject, flat, sizeof(flat)));
    }
    fflush(stdout);
}

static void s_print_ack(alerts_t *a, const Duban__AlertAcknowledged *m)
{
    seen_t *s = s_seen(a, m->alert_id);
    if (s && s->acked)
        return;
    if (s)
        s->acked = true;
    if (a->ctl->json) {
        s_print_json(json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "event", "acknowledged",
                               "source", "live", "alert_id", (json_int_t)m->alert_id, "officer",
                               m->officer, "decision", m->decision, "rung_decision",
                               m->rung_decision, "acknowledged_us",
                               (json_int_t)m->acknowledged_us));
    } else {
        char decision[1024], rung[512];
        printf("[acknowledged] #%lld by %s: %s%s%s\n", (long long)m->alert_id, m->officer,
               ctl_flat(m->decision, decision, sizeof(decision)),
               m->rung_decision[0] ? " / accountability: " : "",
               ctl_flat(m->rung_decision, rung, sizeof(rung)));
    }
    fflush(stdout);
}

/* Alerts watch raised at once on tasks it found overdue past several
 * levels: one line for them all; each is in the snapshot that follows. */
static void s_print_caught_up(alerts_t *a, const Duban__AlertsCaughtUp *m)
{
    if (a->ctl->json) {
        json_t *cases = json_array();
        for (size_t i = 0; i < m->n_case_numbers; i++)
            json_array_append_new(cases, json_string(m->case_numbers[i]));
        s_print_json(json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:I}", "event", "caught_up",
                               "source", "live", "division", m->division, "alerts", m->alerts,
                               "top_level", m->top_level, "case_numbers", cases, "raised_us",
                               (json_int_t)m->raised_us));
    } else {
        printf("[caught up] %s: %d overdue task(s) found at once, up to level %d; each is in "
               "the snapshot\n",
               m->division, m->alerts, m->top_level);
    }
    fflush(stdout);
}

static void s_print_live(alerts_t *a, const void *data, size_t len)
{
    Duban__Envelope *env = bus_envelope_unpack(data, len);
    if (!env)
        return;
    if (env->type == DUBAN__MSG_TYPE__ESCALATION_ALERT) {
        Duban__EscalationAlert *m =
            duban__escalation_alert__unpack(NULL, env->body.len, env->body.data);
        if (m) {
            s_print_alert(a, m, "live");
            duban__escalation_alert__free_unpacked(m, NULL);
        }
    } else if (env->type == DUBAN__MSG_TYPE__ALERT_ACKNOWLEDGED) {
        Duban__AlertAcknowledged *m =
            duban__alert_acknowledged__unpack(NULL, env->body.len, env->body.data);
        if (m) {
            s_print_ack(a, m);
            duban__alert_acknowledged__free_unpacked(m, NULL);
        }
    } else if (env->type == DUBAN__MSG_TYPE__ALERTS_CAUGHT_UP) {
        Duban__AlertsCaughtUp *m =
            duban__alerts_caught_up__unpack(NULL, env->body.len, env->body.data);
        if (m) {
            s_print_caught_up(a, m);
            duban__alerts_caught_up__free_unpacked(m, NULL);
        }
    }
    duban__envelope__free_unpacked(env, NULL);
}

static int s_send_hello(alerts_t *a, void *dealer)
{
    Duban__AlertsHello hello = DUBAN__ALERTS_HELLO__INIT;
    hello.token = a->token ? a->token : "";
    uint8_t buf[512];
    size_t len = duban__alerts_hello__get_packed_size(&hello);
    if (len > sizeof(buf))
        return -1;
    duban__alerts_hello__pack(&hello, buf);
    if (zmq_send(dealer, "alerts", 6, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0 ||
        zmq_send(dealer, buf, len, ZMQ_DONTWAIT) < 0) {
        fprintf(stderr, "error: could not ask watch for the alerts: %s\n", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* Receives a two-frame message ([type][body] or [topic][envelope]) into
 * buf; returns the body's length, or -1 when nothing (well-formed) came. */
static int s_recv2(void *sock, char *type, size_t type_len, uint8_t *buf, size_t len)
{
    int n = zmq_recv(sock, type, type_len - 1, ZMQ_DONTWAIT);
    if (n < 0)
        return -1;
    type[n < (int)type_len - 1 ? n : (int)type_len - 1] = '\0';
    int more = 0;
    size_t more_len = sizeof(more);
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len);
    if (!more)
        return -1;
    int m = zmq_recv(sock, buf, len, 0);
    for (;;) { /* drop any further frames */
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len);
        if (!more)
            break;
        char skip[1];
        zmq_recv(sock, skip, sizeof(skip), 0);
    }
    return m < 0 || (size_t)m > len ? -1 : m;
}

/* The snapshot's alerts; -1 when refused (printed). */
static int s_snapshot(alerts_t *a, const uint8_t *buf, size_t len, bool first)
{
    Duban__AlertsSnapshot *snap = duban__alerts_snapshot__unpack(NULL, len, buf);
    if (!snap) {
        fprintf(stderr, "error: malformed snapshot from watch\n");
        return first ? -1 : 0;
    }
    if (snap->error[0]) {
        fprintf(stderr, "error: alerts refused: %s\n", snap->error);
        duban__alerts_snapshot__free_unpacked(snap, NULL);
        return -1;
    }
    if (first && !a->ctl->json)
        printf("== %zu unacknowledged alert(s) ==\n", snap->n_alerts);
    for (size_t i = 0; i < snap->n_alerts; i++)
        s_print_alert(a, snap->alerts[i], first ? "snapshot" : "resync");
    duban__alerts_snapshot__free_unpacked(snap, NULL);
    return 0;
}

static int s_run(alerts_t *a, void *sub, void *dealer, bool follow, int for_s)
{
    static uint8_t buf[BUS_MAX_MESSAGE];
    bool have_snapshot = false;
    int64_t start = s_now_ms(), last_sync = start;
    if (s_send_hello(a, dealer) < 0)
        return CTL_FAILED;
    while (!s_stop) {
        int64_t now = s_now_ms();
        if (for_s > 0 && now - start >= (int64_t)for_s * 1000)
            break;
        if (!have_snapshot && now - start > ALERTS_TIMEOUT_MS) {
            fprintf(stderr, "error: watch did not answer within %d s; is duban running "
                            "(tools/up)?\n", ALERTS_TIMEOUT_MS / 1000);
            return CTL_FAILED;
        }
        if (have_snapshot && now - last_sync > ALERTS_RESYNC_MS) {
            last_sync = now;
            s_send_hello(a, dealer);
        }
        zmq_pollitem_t items[2] = {{sub, 0, ZMQ_POLLIN, 0}, {dealer, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, 200) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        char type[32];
        int n;
        while ((n = s_recv2(dealer, type, sizeof(type), buf, sizeof(buf))) >= 0) {
            if (strcmp(type, "snapshot") != 0)
                continue;
            if (s_snapshot(a, buf, (size_t)n, !have_snapshot) < 0)
                return CTL_FAILED;
            if (!have_snapshot && !follow) {
                if (a->list) { /* [] when there are none */
                    char *text = json_dumps(a->list, JSON_COMPACT);
                    printf("%s\n", text ? text : "[]");
                    free(text);
                }
                return CTL_OK;
            }
            if (!have_snapshot && !a->ctl->json)
                printf("== waiting for alerts (Ctrl-C to stop) ==\n");
            fflush(stdout);
            have_snapshot = true;
        }
        /* Live messages before the snapshot wait in the socket: the
         * snapshot is printed first, then they are (and duplicates drop). */
        while (have_snapshot && (n = s_recv2(sub, type, sizeof(type), buf, sizeof(buf))) >= 0)
            s_print_live(a, buf, (size_t)n);
    }
    return CTL_OK;
}

int ctl_alerts(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"follow", no_argument, NULL, 'f'},
                                            {"pub", required_argument, NULL, 'p'},
                                            {"for", required_argument, NULL, 't'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    const char *pubs[ALERTS_MAX_PUB];
    int npubs = 0, for_s = 0, opt;
    bool follow = false;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'f')
            follow = true;
        else if (opt == 'p' && npubs < ALERTS_MAX_PUB)
            pubs[npubs++] = optarg;
        else if (opt == 't')
            for_s = atoi(optarg);
        else if (opt != 'j')
            return CTL_USAGE;
    }
    if (npubs == 0)
        pubs[npubs++] = settings_string(ctl->settings, "watch.pub", "tcp://127.0.0.1:7108");
    ctl_act_as(ctl, "insp001");
    alerts_t a = {.ctl = ctl, .token = ctl_token_or_explain(ctl)};
    if (!a.token)
        return CTL_FAILED;
    a.seen = calloc(ALERTS_SEEN_MAX, sizeof(*a.seen));
    a.list = ctl->json && !follow ? json_array() : NULL;
    if (!a.seen || (ctl->json && !follow && !a.list)) {
        free(a.seen);
        json_decref(a.list);
        free(a.token);
        return CTL_FAILED;
    }
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    void *zctx = zmq_ctx_new();
    void *sub = zmq_socket(zctx, ZMQ_SUB);
    void *dealer = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0, rc = CTL_FAILED;
    if (BUS_SETSOCKOPT(sub, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(dealer, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(sub, ZMQ_SUBSCRIBE, "inspection|", 11) < 0)
        goto out_close;
    const char *con = settings_string(ctl->settings, "watch.console", "tcp://127.0.0.1:7109");
    for (int i = 0; i < npubs; i++)
        if (ctl_bus_connect(ctl, sub, "watch", pubs[i]) < 0)
            goto out_close;
    if (ctl_bus_connect(ctl, dealer, "watch", con) < 0)
        goto out_close;
    /* Let the subscription reach watch before the snapshot is read, so that
     * nothing falls between the two; the resync covers the rest. */
    struct timespec settle = {0, 100 * 1000000};
    nanosleep(&settle, NULL);
    rc = s_run(&a, sub, dealer, follow, for_s);
out_close:
    zmq_close(sub);
    zmq_close(dealer);
    zmq_ctx_term(zctx);
    free(a.seen);
    json_decref(a.list);
    free(a.token);
    return rc;
}

int ctl_ack(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"decision", required_argument, NULL, 'd'},
                                            {"rung-decision", required_argument, NULL, 'r'},
                                            {"whole-task", no_argument, NULL, 'w'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    Duban__AlertAck ack = DUBAN__ALERT_ACK__INIT;
    ack.request_id = "dubanctl";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'd')
            ack.decision = optarg;
        else if (opt == 'r')
            ack.rung_decision = optarg;
        else if (opt == 'w')
            ack.whole_task = true;
        else if (opt != 'j')
            return CTL_USAGE;
    }
    char *end = NULL;
    ack.alert_id = optind < argc ? strtoll(argv[optind], &end, 10) : 0;
    if (ack.alert_id <= 0 || !end || *end) {
        fprintf(stderr, "error: ack needs the id of an alert (a number, from dubanctl alerts)\n");
        return CTL_USAGE;
    }
    ctl_act_as(ctl, "insp001");
    char *token = ctl_token_or_explain(ctl);
    if (!token)
        return CTL_FAILED;
    ack.token = token;
    void *zctx = zmq_ctx_new();
    void *sock = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0, rc = CTL_FAILED;
    const char *ep = settings_string(ctl->settings, "watch.console", "tcp://127.0.0.1:7109");
    size_t len = duban__alert_ack__get_packed_size(&ack);
    uint8_t *buf = malloc(len ? len : 1);
    static uint8_t reply[65536];
    char kind[16];
    if (!buf || BUS_SETSOCKOPT(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        ctl_bus_connect(ctl, sock, "watch", ep) < 0)
        goto out_close;
    duban__alert_ack__pack(&ack, buf);
    if (zmq_send(sock, "ack", 3, ZMQ_SNDMORE) < 0 || zmq_send(sock, buf, len, 0) < 0)
        goto out_close;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, ACK_TIMEOUT_MS) != 1) {
        fprintf(stderr, "error: watch did not answer within %d s; is duban running (tools/up)?\n",
                ACK_TIMEOUT_MS / 1000);
        goto out_close;
    }
    int n = s_recv2(sock, kind, sizeof(kind), reply, sizeof(reply));
    Duban__ActionResult *r = n >= 0 && strcmp(kind, "result") == 0
                                 ? duban__action_result__unpack(NULL, (size_t)n, reply)
                                 : NULL;
    if (!r) {
        fprintf(stderr, "error: watch answered something that is not a result\n");
        goto out_close;
    }
    if (ctl->json)
        s_print_json(json_pack("{s:I, s:i, s:s}", "alert_id", (json_int_t)ack.alert_id, "status",
                               r->status, "message", r->message));
    else if (r->status == 200)
        printf("%s\n", r->message);
    if (r->status != 200)
        fprintf(stderr, "error (%d): %s\n", r->status, r->message);
    rc = r->status == 200 ? CTL_OK : CTL_FAILED;
    duban__action_result__free_unpacked(r, NULL);
out_close:
    free(buf);
    zmq_close(sock);
    zmq_ctx_term(zctx);
    free(token);
    return rc;
}
