/* dubanctl notices: what a first responder (or the inspection office) is
 * told about the cases it follows, live: every workflow step on its cases
 * arrives as a CaseNotice on dispatch's PUB socket (topic "staff.<code>|",
 * or "inspection|" for the inspection office). --once waits briefly and
 * exits, for scripts. */
#include "dubanctl.h"

#include "bus.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    s_stop = 1;
}

static void s_print(ctl_t *ctl, const zmq_msg_t *frame)
{
    Duban__Envelope *env = bus_envelope_unpack(zmq_msg_data((zmq_msg_t *)frame),
                                               zmq_msg_size((zmq_msg_t *)frame));
    if (!env)
        return;
    Duban__CaseNotice *n = env->type == DUBAN__MSG_TYPE__CASE_NOTICE
                               ? duban__case_notice__unpack(NULL, env->body.len, env->body.data)
                               : NULL;
    if (n) {
        if (ctl->json) {
            json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "case_number", env->case_number,
                                  "event", n->event, "actor", n->actor, "division", n->division,
                                  "text", n->text);
            char *text = json_dumps(j, JSON_COMPACT);
            printf("%s\n", text);
            free(text);
            json_decref(j);
        } else {
            char flat[1024];
            printf("%s %-16s by %-14s %s %s\n", env->case_number, n->event, n->actor, n->division,
                   ctl_flat(n->text, flat, sizeof(flat)));
        }
        fflush(stdout);
        duban__case_notice__free_unpacked(n, NULL);
    }
    duban__envelope__free_unpacked(env, NULL);
}

int ctl_notices(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"staff", required_argument, NULL, 's'},
                                            {"inspection", no_argument, NULL, 'i'},
                                            {"seconds", required_argument, NULL, 'n'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    const char *staff = ctl->as;
    bool inspection = false;
    int seconds = 0;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 's')
            staff = optarg;
        else if (opt == 'i')
            inspection = true;
        else if (opt == 'n')
            seconds = atoi(optarg);
        else if (opt != 'j')
            return CTL_USAGE;
    }
    if (!staff && !inspection) {
        fprintf(stderr, "error: notices needs --staff CODE (a first responder) or --inspection\n");
        return CTL_USAGE;
    }
    char topic[96];
    snprintf(topic, sizeof(topic), inspection ? "inspection|" : "staff.%s|", staff);
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    void *zctx = zmq_ctx_new();
    void *sub = zmq_socket(zctx, ZMQ_SUB);
    int linger = 0;
    int rc = CTL_OK;
    if (BUS_SETSOCKOPT(sub, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(sub, ZMQ_SUBSCRIBE, topic, strlen(topic)) < 0)
        rc = CTL_FAILED;
    else if (zmq_connect(sub, settings_string(ctl->settings, "dispatch.pub",
                                              "tcp://127.0.0.1:7105")) != 0) {
        fprintf(stderr, "error: could not connect to dispatch: %s\n", zmq_strerror(errno));
        rc = CTL_FAILED;
    }
    if (!ctl->json && rc == CTL_OK)
        printf("== notices for %s (Ctrl-C to stop) ==\n", inspection ? "the inspection office" : staff);
    fflush(stdout);
    int waited_ms = 0;
    while (rc == CTL_OK && !s_stop && (seconds <= 0 || waited_ms < seconds * 1000)) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) < 0 && errno != EINTR)
            break;
        waited_ms += 200;
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        zmq_msg_t topic_frame, body;
        zmq_msg_init(&topic_frame);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&topic_frame, sub, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&topic_frame) &&
            zmq_msg_recv(&body, sub, ZMQ_DONTWAIT) >= 0)
            s_print(ctl, &body);
        zmq_msg_close(&topic_frame);
        zmq_msg_close(&body);
    }
    zmq_close(sub);
    zmq_ctx_term(zctx);
    return rc;
}
