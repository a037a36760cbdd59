/* dubanctl console: a division's console. Subscribes to live tasks first,
 * then asks dispatch for the snapshot of pending tasks, prints the snapshot
 * (marking tasks dispatched since the console's last run as new), then live
 * tasks, skipping any it already printed (zguide's Clone pattern). Each task
 * shows the deadline that runs now and the working time left (common/
 * time_left.c, as the queue computes it); a snapshot cut at its limit says
 * so. The id of the newest task seen is kept in a cursor file between runs.
 * Warnings and news of the division's cases (a repeat call the desk
 * attached, a co-handling division's input) are printed as they come. */
#include "dubanctl.h"

#include "bus.h"
#include "calendar.h"
#include "clock.h"
#include "sla.h"
#include "time_left.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define CONSOLE_SNAPSHOT_TIMEOUT_MS 5000
#define CONSOLE_SEEN_MAX 65536
/* Live tasks travel over PUB, which may drop (a slow console, a subscription
 * not yet in place): a console re-reads the snapshot this often and prints
 * what it had not seen. */
#define CONSOLE_RESYNC_MS 5000

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    s_stop = 1;
}

typedef struct {
    ctl_t *ctl;
    const char *division;
    int64_t cursor;     /* newest task id seen by the previous run */
    int64_t newest;
    int64_t *seen;      /* task ids printed, to drop live duplicates of the snapshot */
    char *token;        /* bearer token of the staff member at the console */
    sla_t *sla;         /* which clock each deadline counts on */
    calendar_t *working, *natural; /* for the working time left */
    size_t nseen;
    char cursor_path[PATH_MAX];
} console_t;

static bool s_seen(console_t *c, int64_t id)
{
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i] == id)
            return true;
    if (c->nseen < CONSOLE_SEEN_MAX)
        c->seen[c->nseen++] = id;
    return false;
}

static void s_cursor_path(console_t *c)
{
    const char *dir = getenv("DUBAN_STATE_DIR");
    char buf[PATH_MAX];
    if (!dir && c->ctl->config) {
        snprintf(buf, sizeof(buf), "%s", c->ctl->config);
        char *slash = strrchr(buf, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(buf, sizeof(buf), ".");
        dir = buf;
    }
    int n = snprintf(c->cursor_path, sizeof(c->cursor_path), "%s/console-%s.cursor",
                     dir ? dir : ".", c->division);
    if (n < 0 || (size_t)n >= sizeof(c->cursor_path))
        snprintf(c->cursor_path, sizeof(c->cursor_path), "console.cursor");
}

static void s_cursor_load(console_t *c)
{
    FILE *f = fopen(c->cursor_path, "r");
    long long v = 0;
    if (f) {
        if (fscanf(f, "%lld", &v) != 1)
            v = 0;
        fclose(f);
    }
    c->cursor = v;
    c->newest = v;
}

static void s_cursor_save(console_t *c)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", c->cursor_path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%lld\n", (long long)c->newest);
    if (fclose(f) == 0)
        rename(tmp, c->cursor_path);
}

/* A task as the console shows it; the deadline fields are 0 when unknown. */
typedef struct {
    int64_t task_id;
    const char *case_number, *role, *state, *category, *kind, *subject, *priority;
    int64_t response_warn_us, response_due_us, completion_warn_us, completion_due_us, paused_us;
} line_t;

static void s_print(console_t *c, const line_t *l, const char *source)
{
    if (s_seen(c, l->task_id))
        return;
    bool is_new = l->task_id > c->cursor;
    if (l->task_id > c->newest)
        c->newest = l->task_id;
    /* The deadline that runs now: response until signed, then completion. */
    bool response = strcmp(l->state, "signed") != 0;
    int64_t due = response ? l->response_due_us : l->completion_due_us;
    int64_t warn = response ? l->response_warn_us : l->completion_warn_us;
    time_left_t left = {0};
    if (due && c->working)
        time_left_of_task(c->sla, c->working, c->natural, l->kind, l->priority,
                          response ? "response" : "completion", clock_now_us(), warn, due,
                          l->paused_us, &left);
    if (c->ctl->json) {
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "task_id",
                              (json_int_t)l->task_id, "case_number", l->case_number, "division",
                              c->division, "role", l->role, "state", l->state, "category",
                              l->category, "kind", l->kind, "subject", l->subject, "source",
                              source, "new", is_new);
        if (due) {
            char due_text[40];
            clock_format_utc(due, due_text, sizeof(due_text));
            json_object_set_new(j, "deadline", json_string(response ? "response" : "completion"));
            json_object_set_new(j, "due", json_string(due_text));
            json_object_set_new(j, "light", json_string(time_left_light_str(left.light)));
            json_object_set_new(j, "left_seconds", json_integer(left.left_us / 1000000));
            json_object_set_new(j, "left_text", json_string(left.text));
        }
        char *text = json_dumps(j, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(j);
    } else {
        char flat[1024], when[48] = "-";
        if (due)
            ctl_time_us(c->ctl, due, when, sizeof(when));
        printf("%s%s #%lld %s %-4s %-18s %-10s %s %s %s  %s\n",
               is_new ? "[新]" : response ? "[待签]" : "[在办]",
               !due                          ? "  "
               : left.light == TIME_LEFT_RED ? "超"
               : left.light == TIME_LEFT_AMBER ? "预"
                                              : "  ",
               (long long)l->task_id, l->case_number, l->role, l->category, l->kind,
               response ? "签收" : "办结", when, due ? left.text : "-",
               ctl_flat(l->subject, flat, sizeof(flat)));
    }
    fflush(stdout);
}

static void s_print_snapshot_task(console_t *c, const Duban__ConsoleTask *t, const char *source)
{
    line_t l = {.task_id = t->task_id,
                .case_number = t->case_number,
                .role = t->role,
                .state = t->state,
                .category = t->category,
                .kind = t->kind,
                .subject = t->subject,
                .priority = t->priority,
                .response_warn_us = t->response_warn_us,
                .response_due_us = t->response_due_us,
                .completion_warn_us = t->completion_warn_us,
                .completion_due_us = t->completion_due_us,
                .paused_us = t->paused_us};
    s_print(c, &l, source);
}

/* A deadline warning from watch: the division is told before it breaches. */
static void s_print_warning(console_t *c, const Duban__Envelope *env)
{
    Duban__DeadlineWarning *w =
        duban__deadline_warning__unpack(NULL, env->body.len, env->body.data);
    if (!w || strcmp(w->division, c->division) != 0) {
        if (w)
            duban__deadline_warning__free_unpacked(w, NULL);
        return;
    }
    char due[48];
    if (c->ctl->json)
        clock_format_utc(w->due_us, due, sizeof(due));
    else
        ctl_time_us(c->ctl, w->due_us, due, sizeof(due));
    bool response = strcmp(w->deadline, "response") == 0;
    if (c->ctl->json) {
        json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "warning", "deadline",
                              "alert_id", (json_int_t)w->alert_id, "task_id",
                              (json_int_t)env->task_id, "case_number", env->case_number,
                              "division", w->division, "deadline", w->deadline, "due", due,
                              "handler", w->handler);
        char *text = json_dumps(j, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(j);
    } else {
        printf("[预警] #%lld %s %s将于 %s 到期\n", (long long)env->task_id, env->case_number,
               response ? "签收期限" : "办结期限", due);
    }
    fflush(stdout);
    duban__deadline_warning__free_unpacked(w, NULL);
}

/* News of a case the division handles (CaseNotice on its topic). */
static void s_print_notice(console_t *c, const Duban__Envelope *env)
{
    Duban__CaseNotice *n = duban__case_notice__unpack(NULL, env->body.len, env->body.data);
    if (!n)
        return;
    bool call = strcmp(n->event, "attach-call") == 0;
    if (c->ctl->json) {
        json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "notice", n->event,
                              "task_id", (json_int_t)env->task_id, "case_number",
                              env->case_number, "division", c->division, "actor", n->actor,
                              "text", n->text, "case_state", n->case_state);
        char *text = json_dumps(j, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(j);
    } else {
        char flat[1024];
        printf("%s #%lld %s %s %s: %s\n", call ? "[来电补充]" : "[通知]", (long long)env->task_id,
               env->case_number, n->event, n->actor, ctl_flat(n->text, flat, sizeof(flat)));
    }
    fflush(stdout);
    duban__case_notice__free_unpacked(n, NULL);
}

static void s_print_live(console_t *c, const void *data, size_t len)
{
    Duban__Envelope *env = bus_envelope_unpack(data, len);
    if (env && env->type == DUBAN__MSG_TYPE__DEADLINE_WARNING) {
        s_print_warning(c, env);
        duban__envelope__free_unpacked(env, NULL);
        return;
    }
    if (env && env->type == DUBAN__MSG_TYPE__CASE_NOTICE) {
        s_print_notice(c, env);
        duban__envelope__free_unpacked(env, NULL);
        return;
    }
    if (!env || env->type != DUBAN__MSG_TYPE__TASK_DISPATCHED) {
        if (env)
            duban__envelope__free_unpacked(env, NULL);
        return;
    }
    Duban__TaskDispatched *t = duban__task_dispatched__unpack(NULL, env->body.len, env->body.data);
    if (t && strcmp(t->division, c->division) == 0) {
        line_t l = {.task_id = env->task_id,
                    .case_number = env->case_number,
                    .role = t->role,
                    .state = "dispatched",
                    .category = t->category,
                    .kind = t->kind,
                    .subject = t->subject,
                    .priority = t->priority,
                    .response_due_us = t->response_due_us,
                    .completion_due_us = t->completion_due_us};
        s_print(c, &l, "live");
    }
    if (t)
        duban__task_dispatched__free_unpacked(t, NULL);
    duban__envelope__free_unpacked(env, NULL);
}

/* Receives one message from sock into frames; returns frame count or -1. */
static int s_recv(void *sock, zmq_msg_t *frames, int max)
{
    int n = 0;
    for (;;) {
        if (n == max)
            return -1;
        zmq_msg_init(&frames[n]);
        if (zmq_msg_recv(&frames[n], sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frames[n]);
            return n ? n : -1;
        }
        int more = zmq_msg_more(&frames[n]);
        n++;
        if (!more)
            return n;
    }
}

static void s_close_frames(zmq_msg_t *frames, int n)
{
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
}

/* Buffer of live messages that arrive before the snapshot. */
typedef struct {
    void *data[1024];
    size_t len[1024];
    int n;
} backlog_t;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_send_hello(console_t *c, void *dealer)
{
    Duban__ConsoleHello hello = DUBAN__CONSOLE_HELLO__INIT;
    hello.division = (char *)c->division;
    hello.after_task_id = c->cursor;
    hello.token = c->token ? c->token : "";
    uint8_t buf[512];
    size_t len = duban__console_hello__get_packed_size(&hello);
    if (len > sizeof(buf)) {
        fprintf(stderr, "error: division code too long\n");
        return -1;
    }
    duban__console_hello__pack(&hello, buf);
    if (zmq_send(dealer, "hello", 5, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0 ||
        zmq_send(dealer, buf, len, ZMQ_DONTWAIT) < 0) {
        fprintf(stderr, "error: could not ask dispatch for a snapshot: %s\n", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

static int s_run(console_t *c, void *sub, void *dealer, bool once)
{
    backlog_t backlog = {0};
    bool have_snapshot = false;
    int rc = CTL_FAILED;
    int64_t deadline = s_now_ms() + CONSOLE_SNAPSHOT_TIMEOUT_MS;
    int64_t last_sync = s_now_ms();
    if (s_send_hello(c, dealer) < 0)
        return CTL_FAILED;
    while (!s_stop) {
        if (have_snapshot && s_now_ms() - last_sync > CONSOLE_RESYNC_MS) {
            last_sync = s_now_ms();
            s_send_hello(c, dealer);
        }
        zmq_pollitem_t items[2] = {{sub, 0, ZMQ_POLLIN, 0}, {dealer, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, 200) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (!have_snapshot && s_now_ms() > deadline) {
            fprintf(stderr, "error: dispatch did not answer the console within %d s; is duban "
                            "running (tools/up)?\n", CONSOLE_SNAPSHOT_TIMEOUT_MS / 1000);
            goto out_free_backlog;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            zmq_msg_t f[2];
            int n = s_recv(dealer, f, 2);
            if (n == 2) {
                Duban__ConsoleSnapshot *snap = duban__console_snapshot__unpack(
                    NULL, zmq_msg_size(&f[1]), zmq_msg_data(&f[1]));
                if (!snap) {
                    fprintf(stderr, "error: malformed snapshot from dispatch\n");
                } else if (snap->error && snap->error[0]) {
                    fprintf(stderr, "error: console refused: %s\n", snap->error);
                    duban__console_snapshot__free_unpacked(snap, NULL);
                    s_close_frames(f, n);
                    goto out_free_backlog;
                } else if (have_snapshot) {
                    for (size_t i = 0; i < snap->n_tasks; i++)
                        s_print_snapshot_task(c, snap->tasks[i], "resync");
                    duban__console_snapshot__free_unpacked(snap, NULL);
                    s_cursor_save(c);
                } else {
                    if (!c->ctl->json)
                        printf("== %s: %lld open task(s), by deadline ==\n", c->division,
                               (long long)(snap->total > (int64_t)snap->n_tasks
                                               ? snap->total
                                               : (int64_t)snap->n_tasks));
                    for (size_t i = 0; i < snap->n_tasks; i++)
                        s_print_snapshot_task(c, snap->tasks[i], "snapshot");
                    if (!c->ctl->json && snap->total > (int64_t)snap->n_tasks)
                        printf("== %zu of %lld shown (the soonest due); the rest: dubanctl "
                               "tasks --division %s --page N ==\n",
                               snap->n_tasks, (long long)snap->total, c->division);
                    duban__console_snapshot__free_unpacked(snap, NULL);
                    have_snapshot = true;
                    for (int i = 0; i < backlog.n; i++)
                        s_print_live(c, backlog.data[i], backlog.len[i]);
                    s_cursor_save(c);
                    if (once) {
                        rc = CTL_OK;
                        s_close_frames(f, n);
                        goto out_free_backlog;
                    }
                    if (!c->ctl->json)
                        printf("== waiting for new tasks (Ctrl-C to stop) ==\n");
                    fflush(stdout);
                }
            }
            if (n > 0)
                s_close_frames(f, n);
        }
        if (items[0].revents & ZMQ_POLLIN) {
            zmq_msg_t f[2];
            int n;
            while ((n = s_recv(sub, f, 2)) > 0) {
                if (n == 2) {
                    if (have_snapshot) {
                        s_print_live(c, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]));
                        s_cursor_save(c);
                    } else if (backlog.n < 1024) {
                        backlog.data[backlog.n] = malloc(zmq_msg_size(&f[1]) + 1);
                        if (backlog.data[backlog.n]) {
                            memcpy(backlog.data[backlog.n], zmq_msg_data(&f[1]),
                                   zmq_msg_size(&f[1]));
                            backlog.len[backlog.n++] = zmq_msg_size(&f[1]);
                        }
                    }
                }
                s_close_frames(f, n);
            }
        }
    }
    rc = CTL_OK;
out_free_backlog:
    for (int i = 0; i < backlog.n; i++)
        free(backlog.data[i]);
    return rc;
}

int ctl_console(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"division", required_argument, NULL, 'd'},
                                            {"once", no_argument, NULL, 'o'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    console_t c = {.ctl = ctl};
    bool once = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'd')
            c.division = optarg;
        else if (opt == 'o')
            once = true;
        else if (opt != 'j')
            return CTL_USAGE;
    }
    if (!c.division) {
        fprintf(stderr, "error: console needs --division CODE\n");
        return CTL_USAGE;
    }
    ctl_act_as_division(ctl, c.division);
    c.token = ctl_token_or_explain(ctl);
    if (!c.token)
        return CTL_FAILED;
    c.seen = calloc(CONSOLE_SEEN_MAX, sizeof(int64_t));
    if (!c.seen)
        return CTL_FAILED;
    s_cursor_path(&c);
    s_cursor_load(&c);
    c.sla = sla_from_settings(ctl->settings);
    c.working = calendar_from_settings(ctl->settings);
    c.natural = calendar_new_round_the_clock();
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    void *zctx = zmq_ctx_new();
    void *sub = zmq_socket(zctx, ZMQ_SUB);
    void *dealer = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    char topic[96];
    snprintf(topic, sizeof(topic), "div.%s|", c.division);
    int rc = CTL_FAILED;
    if (BUS_SETSOCKOPT(sub, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(dealer, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(sub, ZMQ_SUBSCRIBE, topic, strlen(topic)) < 0)
        goto out_close;
    const char *pub_ep = settings_string(ctl->settings, "dispatch.pub", "tcp://127.0.0.1:7105");
    const char *con_ep =
        settings_string(ctl->settings, "dispatch.console", "tcp://127.0.0.1:7106");
    if (ctl_bus_connect(ctl, sub, "dispatch", pub_ep) < 0 ||
        ctl_bus_connect(ctl, dealer, "dispatch", con_ep) < 0)
        goto out_close;
    /* Give the subscription a moment to reach dispatch before the snapshot
     * is read, so that nothing falls between the two; resync covers the rest. */
    struct timespec settle = {0, 50 * 1000000};
    nanosleep(&settle, NULL);
    rc = s_run(&c, sub, dealer, once);
out_close:
    zmq_close(sub);
    zmq_close(dealer);
    zmq_ctx_term(zctx);
    free(c.seen);
    free(c.token);
    sla_destroy(&c.sla);
    calendar_destroy(&c.working);
    calendar_destroy(&c.natural);
    return rc;
}
