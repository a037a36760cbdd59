/* dubanctl notices: what a first responder (or the inspection office) is
 * told about the cases it follows, live: every workflow step on its cases
 * arrives as a CaseNotice on dispatch's PUB socket (topic "staff.<code>|",
 * or "inspection|" for the inspection office). --seconds N follows for N
 * seconds and exits, for scripts.
 *
 * --since TIME first prints what happened since TIME while nobody was
 * listening, from the event log (GET /api/v1/notices), then follows live.
 * The subscription is made before the log is read, so nothing falls
 * between the two; a step committed in that instant may show twice. */
#include "dubanctl.h"

#include "bus.h"
#include "calendar.h"
#include "clock.h"

#include <curl/curl.h>

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

/* A notice's words from an event's detail: the reason, result, decision,
 * note... whatever the step said. */
static const char *s_detail_text(json_t *detail)
{
    static const char *keys[] = {"text", "reason", "result", "decision", "material",
                                 "how", "remark", "window", NULL};
    for (int i = 0; keys[i]; i++) {
        const char *v = json_string_value(json_object_get(detail, keys[i]));
        if (v && v[0])
            return v;
    }
    return "";
}

/* TIME: RFC 3339 with an offset, or a span ago (30m, 2h, 3d). */
static int s_parse_since(const char *text, int64_t *us)
{
    if (calendar_parse_instant(text, us) == 0)
        return 0;
    char *end = NULL;
    long long n = strtoll(text, &end, 10);
    if (!end || end == text || n < 0 || n > 3650 || !*end || end[1] != '\0')
        return -1;
    int64_t unit = *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
    if (!unit)
        return -1;
    *us = clock_now_us() - n * unit * 1000000LL;
    return 0;
}

/* Prints the notices of the event log since since_us; -1 (printed why)
 * when they could not be read. */
static int s_history(ctl_t *ctl, const char *staff, bool inspection, int64_t since_us)
{
    char since[48], path[256];
    clock_format_utc(since_us, since, sizeof(since));
    char *enc = curl_easy_escape(NULL, inspection ? "" : staff, 0);
    snprintf(path, sizeof(path), "/api/v1/notices?%s%s&since=%s&limit=1000",
             inspection ? "inspection=1" : "staff=", inspection ? "" : (enc ? enc : ""), since);
    curl_free(enc);
    json_t *reply = NULL;
    int status = ctl_http(ctl, "GET", path, NULL, &reply);
    if (status != 200) {
        if (status > 0)
            ctl_print_problem(status, reply);
        json_decref(reply);
        return -1;
    }
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(reply, "notices"), i, n)
    {
        const char *number = json_string_value(json_object_get(n, "case_number"));
        const char *event = json_string_value(json_object_get(n, "event"));
        const char *actor = json_string_value(json_object_get(n, "actor"));
        const char *division = json_string_value(json_object_get(n, "division"));
        const char *at = json_string_value(json_object_get(n, "at"));
        const char *text = s_detail_text(json_object_get(n, "detail"));
        if (ctl->json) {
            json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "case_number", number,
                                  "event", event, "actor", actor, "division", division, "text",
                                  text, "at", at, "source", "history");
            char *line = json_dumps(j, JSON_COMPACT);
            printf("%s\n", line ? line : "{}");
            free(line);
            json_decref(j);
        } else {
            char flat[1024], when[48];
            printf("%s %s %-16s by %-14s %s %s\n", ctl_time_text(ctl, at, when, sizeof(when)),
                   number, event, actor, division, ctl_flat(text, flat, sizeof(flat)));
        }
    }
    if (!ctl->json && json_is_true(json_object_get(reply, "cut")))
        printf("== the first 1000 shown; give a later --since for the rest ==\n");
    fflush(stdout);
    json_decref(reply);
    return 0;
}

int ctl_notices(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"staff", required_argument, NULL, 's'},
                                            {"inspection", no_argument, NULL, 'i'},
                                            {"seconds", required_argument, NULL, 'n'},
                                            {"since", required_argument, NULL, 'S'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    const char *staff = ctl->as;
    bool inspection = false;
    int seconds = 0;
    const char *since = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 's')
            staff = optarg;
        else if (opt == 'i')
            inspection = true;
        else if (opt == 'n')
            seconds = atoi(optarg);
        else if (opt == 'S')
            since = optarg;
        else if (opt != 'j')
            return CTL_USAGE;
    }
    if (!staff && !inspection) {
        fprintf(stderr, "error: notices needs --staff CODE (a first responder) or --inspection\n");
        return CTL_USAGE;
    }
    int64_t since_us = 0;
    if (since && s_parse_since(since, &since_us) < 0) {
        fprintf(stderr, "error: --since takes an instant with its offset "
                        "(2017-03-02T08:00+08:00) or a span ago (30m, 2h, 3d), not %s\n",
                since);
        return CTL_USAGE;
    }
    if (inspection)
        ctl_act_as(ctl, "insp001");
    else
        ctl_act_as(ctl, staff);
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
    else if (ctl_bus_connect(ctl, sub, "dispatch",
                             settings_string(ctl->settings, "dispatch.pub",
                                             "tcp://127.0.0.1:7105")) < 0)
        rc = CTL_FAILED;
    if (rc == CTL_OK && since) {
        if (!ctl->json)
            printf("== since %s ==\n", ctl_time_us(ctl, since_us, (char[48]){0}, 48));
        if (s_history(ctl, staff, inspection, since_us) < 0)
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
