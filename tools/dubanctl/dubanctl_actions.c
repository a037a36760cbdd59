/* dubanctl sign, return, note, need-material, material-arrived, extend,
 * decide-extension, reply, arbitrate, inform, callback, close, triage,
 * attach-call, and the work items' progress, complete, verify, ask-reassign
 * and reassign: the workflow steps (a report's --attach files are uploaded
 * to intake first and named by their file ids), sent to dispatch over ZeroMQ as the
 * division console does (DEALER to dispatch's console endpoint), answered
 * with what was done or which rule refused the step. */
#include "dubanctl.h"

#include "bus.h"
#include "duban.pb-c.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ACTION_TIMEOUT_MS 10000
#define ATTACH_MAX 10                     /* as dispatch takes (DISPATCH_MAX_ATTACHMENTS) */
#define ATTACH_MAX_BYTES (32 * 1024 * 1024) /* intake refuses above its own limit */

static const char *s_steps[] = {"sign",   "return", "note",     "need-material", "material-arrived",
                                "extend", "decide-extension", "reply", "arbitrate", "inform",
                                "callback", "close", "triage", "attach-call", "progress",
                                "complete", "verify", "ask-reassign", "reassign", NULL};

/* Uploads path to the work item number (as the acting staff member) and
 * keeps its file_id in ids[*n]; 0, or -1 with the reason printed. */
static int s_attach(ctl_t *ctl, const char *number, const char *path, char **ids, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = malloc(ATTACH_MAX_BYTES + 1);
    size_t len = f && data ? fread(data, 1, ATTACH_MAX_BYTES + 1, f) : 0;
    bool read_ok = f && data && !ferror(f);
    if (f)
        fclose(f);
    if (!read_ok || len == 0 || len > ATTACH_MAX_BYTES) {
        fprintf(stderr, "error: could not read %s (a file of 1 byte to %d MB)\n", path,
                ATTACH_MAX_BYTES >> 20);
        free(data);
        return -1;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *name = curl_easy_escape(NULL, base, 0);
    char url[512];
    snprintf(url, sizeof(url), "/api/v1/cases/%s/attachments?name=%s", number, name ? name : "");
    curl_free(name);
    json_t *reply = NULL;
    int status = ctl_http_upload(ctl, url, data, len, "application/octet-stream", &reply);
    free(data);
    const char *id = json_string_value(json_object_get(reply, "file_id"));
    int rc = -1;
    if (status == 201 && id) {
        ids[(*n)++] = strdup(id);
        rc = ids[*n - 1] ? 0 : -1;
    } else if (status > 0) {
        ctl_print_problem(status, reply);
    }
    json_decref(reply);
    return rc;
}

bool ctl_is_action(const char *cmd)
{
    for (int i = 0; s_steps[i]; i++)
        if (strcmp(cmd, s_steps[i]) == 0)
            return true;
    return false;
}

/* 满意 / 基本满意 / 不满意 as the requester says them, or the codes. */
static const char *s_satisfaction(const char *text)
{
    if (!text)
        return NULL;
    if (strcmp(text, "满意") == 0)
        return "satisfied";
    if (strcmp(text, "基本满意") == 0)
        return "basically";
    if (strcmp(text, "不满意") == 0)
        return "unsatisfied";
    return text;
}

static int s_print_result(ctl_t *ctl, const Duban__ActionResult *r)
{
    if (ctl->json) {
        json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s}", "status", r->status, "message",
                              r->message, "case_number", r->case_number, "case_state",
                              r->case_state, "task_id", (json_int_t)r->task_id, "task_state",
                              r->task_state);
        if (r->new_task_id) {
            json_object_set_new(j, "new_task_id", json_integer(r->new_task_id));
            json_object_set_new(j, "new_division", json_string(r->new_division));
        }
        ctl_print_json(j);
        json_decref(j);
    } else if (r->status == 200) {
        printf("%s\n", r->message);
    }
    if (r->status != 200)
        fprintf(stderr, "error (%d): %s\n", r->status, r->message);
    return r->status == 200 ? CTL_OK : CTL_FAILED;
}

/* Sends action and waits for its result. */
static int s_exchange(ctl_t *ctl, Duban__TaskAction *action)
{
    void *zctx = zmq_ctx_new();
    void *sock = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0, rc = CTL_FAILED;
    const char *ep = settings_string(ctl->settings, "dispatch.console", "tcp://127.0.0.1:7106");
    size_t len = duban__task_action__get_packed_size(action);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf || BUS_SETSOCKOPT(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        ctl_bus_connect(ctl, sock, "dispatch", ep) < 0)
        goto out_close;
    duban__task_action__pack(action, buf);
    if (zmq_send(sock, "action", 6, ZMQ_SNDMORE) < 0 || zmq_send(sock, buf, len, 0) < 0)
        goto out_close;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, ACTION_TIMEOUT_MS) != 1) {
        fprintf(stderr, "error: dispatch did not answer within %d s; is duban running (tools/up)?\n",
                ACTION_TIMEOUT_MS / 1000);
        goto out_close;
    }
    char kind[16] = "";
    uint8_t reply[65536];
    int n = zmq_recv(sock, kind, sizeof(kind) - 1, 0);
    int m = n >= 0 ? zmq_recv(sock, reply, sizeof(reply), 0) : -1;
    Duban__ActionResult *r =
        m > 0 && strcmp(kind, "result") == 0 ? duban__action_result__unpack(NULL, (size_t)m, reply)
                                             : NULL;
    if (!r) {
        fprintf(stderr, "error: dispatch answered something that is not a result\n");
        goto out_close;
    }
    rc = s_print_result(ctl, r);
    duban__action_result__free_unpacked(r, NULL);
out_close:
    free(buf);
    zmq_close(sock);
    zmq_ctx_term(zctx);
    return rc;
}

int ctl_action(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {
        {"task", required_argument, NULL, 't'},     {"division", required_argument, NULL, 'd'},
        {"to", required_argument, NULL, 'T'},       {"outside", required_argument, NULL, 'o'},
        {"reason", required_argument, NULL, 'r'},   {"text", required_argument, NULL, 'x'},
        {"result", required_argument, NULL, 'R'},   {"decision", required_argument, NULL, 'D'},
        {"how", required_argument, NULL, 'h'},      {"remark", required_argument, NULL, 'm'},
        {"by", required_argument, NULL, 'b'},       {"grant", no_argument, NULL, 'g'},
        {"refuse", no_argument, NULL, 'f'},         {"satisfaction", required_argument, NULL, 's'},
        {"category", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
        {"internal", required_argument, NULL, 'I'}, {"percent", required_argument, NULL, 'p'},
        {"accept", no_argument, NULL, 'A'},         {"send-back", no_argument, NULL, 'B'},
        {"attach", required_argument, NULL, 'a'},   {NULL, 0, NULL, 0}};
    const char *attach[ATTACH_MAX];
    char *ids[ATTACH_MAX];
    size_t nattach = 0, nids = 0;
    Duban__TaskAction a = DUBAN__TASK_ACTION__INIT;
    a.action = argv[0];
    a.request_id = "dubanctl";
    if (strcmp(argv[0], "progress") == 0)
        a.percent = -1; /* required: progress refuses a report without it */
    const char *division = NULL, *to = NULL;
    bool decided = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 't': a.task_id = strtoll(optarg, NULL, 10); break;
        case 'd': division = optarg; break;
        case 'T': to = optarg; break;
        case 'o': a.outside_agency = optarg; break;
        case 'r': case 'x': case 'R': case 'D': case 'h': case 'm': a.text = optarg; break;
        case 'b': a.window = optarg; break;
        case 'g': a.grant = true; decided = true; break;
        case 'f': a.grant = false; decided = true; break;
        case 's': a.satisfaction = (char *)s_satisfaction(optarg); break;
        case 'c': a.category = optarg; break;
        case 'I': a.internal = optarg; break;
        case 'p': a.percent = (int32_t)strtol(optarg, NULL, 10); break;
        case 'A': a.grant = true; decided = true; break;
        case 'B': a.grant = false; decided = true; break;
        case 'j': break;
        case 'a':
            if (nattach == ATTACH_MAX) {
                fprintf(stderr, "error: at most %d attachments go with a report\n", ATTACH_MAX);
                return CTL_USAGE;
            }
            attach[nattach++] = optarg;
            break;
        default: return CTL_USAGE;
        }
    }
    a.case_number = optind < argc ? argv[optind] : NULL;
    if (!a.case_number) {
        fprintf(stderr, "error: %s needs a case number\n", argv[0]);
        return CTL_USAGE;
    }
    if (strcmp(argv[0], "decide-extension") == 0 && !decided) {
        fprintf(stderr, "error: decide-extension needs --grant or --refuse\n");
        return CTL_USAGE;
    }
    if (strcmp(argv[0], "verify") == 0 && !decided) {
        fprintf(stderr, "error: verify needs --accept or --send-back\n");
        return CTL_USAGE;
    }
    /* The division acted for: arbitrate --division names the decision,
     * return --to the division believed responsible. */
    if (strcmp(argv[0], "return") == 0 || strcmp(argv[0], "ask-reassign") == 0)
        a.division = (char *)to;
    else if (division)
        a.division = (char *)division;
    if (division && strcmp(argv[0], "arbitrate") != 0 && strcmp(argv[0], "reassign") != 0)
        ctl_act_as_division(ctl, division);
    if (nattach && strcmp(argv[0], "progress") != 0 && strcmp(argv[0], "complete") != 0) {
        fprintf(stderr, "error: --attach goes with progress and complete\n");
        return CTL_USAGE;
    }
    int rc = CTL_FAILED;
    for (size_t i = 0; i < nattach; i++)
        if (s_attach(ctl, a.case_number, attach[i], ids, &nids) < 0)
            goto out_free;
    a.attachments = ids;
    a.n_attachments = nids;
    char *token = ctl_token_or_explain(ctl);
    if (!token)
        goto out_free;
    a.token = token;
    rc = s_exchange(ctl, &a);
    free(token);
out_free:
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    return rc;
}
