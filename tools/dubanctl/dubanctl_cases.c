/* dubanctl submit, show and tasks: the hotline desk's and divisions' view of
 * cases, over intake's HTTP API (tasks is the queue without its counts). */
#include "dubanctl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option s_submit_options[] = {
    {"channel", required_argument, NULL, 'c'},  {"kind", required_argument, NULL, 'k'},
    {"operator", required_argument, NULL, 'o'}, {"subject", required_argument, NULL, 's'},
    {"description", required_argument, NULL, 'd'}, {"category", required_argument, NULL, 'C'},
    {"division", required_argument, NULL, 'D'}, {"phone", required_argument, NULL, 'p'},
    {"name", required_argument, NULL, 'n'},     {"json", no_argument, NULL, 'j'},
    {"place", required_argument, NULL, 'P'},    {"enterprise", required_argument, NULL, 'E'},
    {"product", required_argument, NULL, 'R'},  {"callback", required_argument, NULL, 'B'},
    {"anonymous", no_argument, NULL, 'A'},      {"idempotency-key", required_argument, NULL, 'I'},
    {"priority", required_argument, NULL, 'U'}, {NULL, 0, NULL, 0}};

int ctl_submit(ctl_t *ctl, int argc, char **argv)
{
    const char *channel = "hotline", *kind = NULL, *op = NULL, *subject = NULL, *desc = NULL;
    const char *category = NULL, *division = NULL, *phone = NULL, *name = NULL;
    const char *place = NULL, *enterprise = NULL, *product = NULL, *callback = NULL;
    const char *idem = NULL, *priority = NULL;
    bool anonymous = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", s_submit_options, NULL)) != -1) {
        switch (opt) {
        case 'c': channel = optarg; break;
        case 'k': kind = optarg; break;
        case 'o': op = optarg; break;
        case 's': subject = optarg; break;
        case 'd': desc = optarg; break;
        case 'C': category = optarg; break;
        case 'D': division = optarg; break;
        case 'p': phone = optarg; break;
        case 'n': name = optarg; break;
        case 'P': place = optarg; break;
        case 'E': enterprise = optarg; break;
        case 'R': product = optarg; break;
        case 'B': callback = optarg; break;
        case 'A': anonymous = true; break;
        case 'I': idem = optarg; break;
        case 'U': priority = optarg; break;
        case 'j': break;
        default: return CTL_USAGE;
        }
    }
    if (!kind || !subject || !desc) {
        fprintf(stderr, "error: submit needs --kind, --subject and --description\n");
        return CTL_USAGE;
    }
    json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "channel", channel, "kind", kind, "subject",
                            subject, "description", desc);
    if (op) {
        json_object_set_new(req, "first_responder", json_string(op));
        ctl_act_as(ctl, op);
    }
    if (place)
        json_object_set_new(req, "place", json_string(place));
    if (enterprise)
        json_object_set_new(req, "enterprise", json_string(enterprise));
    if (product)
        json_object_set_new(req, "product", json_string(product));
    if (callback)
        json_object_set_new(req, "callback_phone", json_string(callback));
    if (category)
        json_object_set_new(req, "category", json_string(category));
    if (priority)
        json_object_set_new(req, "priority", json_string(priority));
    if (division)
        json_object_set_new(req, "division", json_string(division));
    if (phone || name || anonymous) {
        json_t *r = json_object();
        if (anonymous)
            json_object_set_new(r, "anonymous", json_true());
        if (name)
            json_object_set_new(r, "name", json_string(name));
        if (phone)
            json_object_set_new(r, "phone", json_string(phone));
        json_object_set_new(req, "requester", r);
    }
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    json_t *reply = NULL;
    char header[200];
    if (idem)
        snprintf(header, sizeof(header), "Idempotency-Key: %s", idem);
    int status = ctl_http_ex(ctl, "POST", "/api/v1/cases", body, idem ? header : NULL, &reply);
    free(body);
    int rc = CTL_FAILED;
    if (status == 201) {
        const char *code = json_string_value(json_object_get(reply, "query_code"));
        if (ctl->json) {
            ctl_print_json(reply);
        } else {
            /* The number alone on standard output, so scripts can take it
             * (n=$(dubanctl submit ...)); the query code beside it for the
             * person at the desk, who reads it out: it is shown only once. */
            printf("%s\n", json_string_value(json_object_get(reply, "case_number")));
            fflush(stdout);
            if (code)
                fprintf(stderr, "查询码 query code: %s (shown only once: read it out to the "
                                "requester)\n", code);
            else if (json_is_string(json_object_get(reply, "query_code_notice")))
                fprintf(stderr, "%s\n",
                        json_string_value(json_object_get(reply, "query_code_notice")));
        }
        rc = CTL_OK;
    } else if (status > 0) {
        if (ctl->json)
            ctl_print_json(reply);
        ctl_print_problem(status, reply);
    }
    json_decref(reply);
    return rc;
}

static void s_print_case(ctl_t *ctl, json_t *c)
{
    json_t *req = json_object_get(c, "requester");
    char when[48];
    printf("案件 %s  [%s]\n", json_string_value(json_object_get(c, "case_number")),
           json_string_value(json_object_get(c, "state")));
    printf("  channel=%s kind=%s category=%s priority=%s first_responder=%s\n",
           json_string_value(json_object_get(c, "channel")),
           json_string_value(json_object_get(c, "kind")),
           json_is_string(json_object_get(c, "category"))
               ? json_string_value(json_object_get(c, "category"))
               : "-",
           json_string_value(json_object_get(c, "priority")),
           json_string_value(json_object_get(c, "first_responder")));
    printf("  received: %s\n", ctl_time_text(ctl, json_string_value(json_object_get(c, "received_at")),
                                             when, sizeof(when)));
    char flat[1024];
    printf("  subject: %s\n",
           ctl_flat(json_string_value(json_object_get(c, "subject")), flat, sizeof(flat)));
    ctl_print_block("description", json_string_value(json_object_get(c, "description")));
    if (json_is_string(json_object_get(req, "name")) || json_is_string(json_object_get(req, "phone")))
        printf("  requester: %s %s\n",
               json_is_string(json_object_get(req, "name"))
                   ? json_string_value(json_object_get(req, "name"))
                   : "",
               json_is_string(json_object_get(req, "phone"))
                   ? json_string_value(json_object_get(req, "phone"))
                   : "");
    size_t i;
    json_t *t;
    printf("tasks:\n");
    json_array_foreach(json_object_get(c, "tasks"), i, t)
    {
        char due[48];
        const char *left = json_string_value(json_object_get(t, "left_text"));
        printf("  #%lld %-18s %-4s %-10s dispatched %s", (long long)json_integer_value(json_object_get(t, "task_id")),
               json_string_value(json_object_get(t, "division")),
               json_string_value(json_object_get(t, "role")),
               json_string_value(json_object_get(t, "state")),
               ctl_time_text(ctl, json_string_value(json_object_get(t, "dispatched_at")), when,
                             sizeof(when)));
        if (left)
            printf("  %s due %s  %s",
                   strcmp(json_string_value(json_object_get(t, "deadline")) ?: "", "response") == 0
                       ? "response"
                       : "completion",
                   ctl_time_text(ctl, json_string_value(json_object_get(t, "due")), due, sizeof(due)),
                   left);
        printf("\n");
    }
    printf("timeline:\n");
    json_array_foreach(json_object_get(c, "timeline"), i, t)
    {
        char *detail = json_dumps(json_object_get(t, "detail"), JSON_COMPACT);
        printf("  %s  %-12s by %-10s %s\n",
               ctl_time_text(ctl, json_string_value(json_object_get(t, "at")), when, sizeof(when)),
               json_string_value(json_object_get(t, "type")),
               json_string_value(json_object_get(t, "actor")), detail ? detail : "");
        free(detail);
    }
}

int ctl_show(ctl_t *ctl, int argc, char **argv)
{
    const char *number = NULL;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            number = argv[i];
    if (!number) {
        fprintf(stderr, "error: show needs a case number\n");
        return CTL_USAGE;
    }
    size_t len = strlen(number);
    for (size_t i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                    number[i])) {
            fprintf(stderr, "error: %s is not a case number\n", number);
            return CTL_USAGE;
        }
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/cases/%s", number);
    return ctl_get_print(ctl, path, s_print_case);
}

int ctl_tasks(ctl_t *ctl, int argc, char **argv)
{
    /* The division's list as its queue: by deadline, with time left and
     * paging (dubanctl_queue.c), without the tab counts. */
    return ctl_queue_list(ctl, argc, argv, false);
}
