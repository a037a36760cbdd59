/* dubanctl queue and tasks: a division's queue as the web console shows it,
 * from GET /api/v1/divisions/{code}/queue — open tasks by the deadline that
 * runs now (soonest first), with the deadline, the traffic light and working
 * time left, and paging that says when the list goes on; queue adds the tab
 * counts. */
#include "dubanctl.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_light_mark(const char *light)
{
    if (!light)
        return "  ";
    return strcmp(light, "red") == 0 ? "超" : strcmp(light, "amber") == 0 ? "预" : "  ";
}

static void s_print(ctl_t *ctl, json_t *reply, bool counts_line)
{
    json_t *counts = json_object_get(reply, "counts");
    if (counts_line)
        printf("== %s: 在办 %lld · 待签收 %lld · 办理中 %lld · 超期 %lld · 预警 %lld ==\n",
               json_string_value(json_object_get(reply, "division")),
               (long long)json_integer_value(json_object_get(counts, "open")),
               (long long)json_integer_value(json_object_get(counts, "dispatched")),
               (long long)json_integer_value(json_object_get(counts, "signed")),
               (long long)json_integer_value(json_object_get(counts, "overdue")),
               (long long)json_integer_value(json_object_get(counts, "warned")));
    size_t i;
    json_t *t;
    char flat[1024], due[48];
    json_array_foreach(json_object_get(reply, "tasks"), i, t)
    {
        const char *left = json_string_value(json_object_get(t, "left_text"));
        const char *deadline = json_string_value(json_object_get(t, "deadline"));
        printf("%s #%lld %s %-4s %-10s %-10s %s %s %-22s %s\n",
               s_light_mark(json_string_value(json_object_get(t, "light"))),
               (long long)json_integer_value(json_object_get(t, "task_id")),
               json_string_value(json_object_get(t, "case_number")),
               json_string_value(json_object_get(t, "role")),
               json_string_value(json_object_get(t, "state")),
               json_string_value(json_object_get(t, "kind")),
               !deadline ? "--" : strcmp(deadline, "response") == 0 ? "签收" : "办结",
               ctl_time_text(ctl, json_string_value(json_object_get(t, "due")), due, sizeof(due)),
               left ? left : "-",
               ctl_flat(json_string_value(json_object_get(t, "subject")), flat, sizeof(flat)));
    }
    long long page = json_integer_value(json_object_get(reply, "page"));
    long long pages = json_integer_value(json_object_get(reply, "pages"));
    long long total = json_integer_value(json_object_get(reply, "total"));
    size_t shown = json_array_size(json_object_get(reply, "tasks"));
    if (pages > 1)
        printf("-- page %lld of %lld: %zu of %lld tasks shown%s%lld --\n", page, pages, shown,
               total, page < pages ? "; more with --page " : "; first page with --page ",
               page < pages ? page + 1 : 1LL);
    else
        printf("-- %lld task(s) --\n", total);
}

int ctl_queue_list(ctl_t *ctl, int argc, char **argv, bool counts)
{
    static const struct option options[] = {
        {"division", required_argument, NULL, 'd'}, {"state", required_argument, NULL, 's'},
        {"kind", required_argument, NULL, 'k'},     {"category", required_argument, NULL, 'c'},
        {"overdue", no_argument, NULL, 'o'},        {"page", required_argument, NULL, 'p'},
        {"limit", required_argument, NULL, 'l'},    {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    const char *division = NULL, *state = NULL, *kind = NULL, *category = NULL;
    const char *page = NULL, *limit = NULL;
    bool overdue = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': division = optarg; break;
        case 's': state = optarg; break;
        case 'k': kind = optarg; break;
        case 'c': category = optarg; break;
        case 'o': overdue = true; break;
        case 'p': page = optarg; break;
        case 'l': limit = optarg; break;
        case 'j': break;
        default: return CTL_USAGE;
        }
    }
    if (!division || strlen(division) > 64) {
        fprintf(stderr, "error: %s needs --division CODE\n", argv[0]);
        return CTL_USAGE;
    }
    ctl_act_as_division(ctl, division);
    char path[512];
    snprintf(path, sizeof(path), "/api/v1/divisions/%s/queue", division);
    ctl_query_arg(path, sizeof(path), "state", state);
    ctl_query_arg(path, sizeof(path), "kind", kind);
    ctl_query_arg(path, sizeof(path), "category", category);
    ctl_query_arg(path, sizeof(path), "overdue", overdue ? "1" : NULL);
    ctl_query_arg(path, sizeof(path), "page", page);
    ctl_query_arg(path, sizeof(path), "limit", limit);
    json_t *reply = NULL;
    int status = ctl_http(ctl, "GET", path, NULL, &reply);
    int rc = CTL_FAILED;
    if (status == 200) {
        if (ctl->json)
            ctl_print_json(reply);
        else
            s_print(ctl, reply, counts);
        rc = CTL_OK;
    } else if (status > 0) {
        ctl_print_problem(status, reply);
    }
    json_decref(reply);
    return rc;
}

int ctl_queue(ctl_t *ctl, int argc, char **argv)
{
    return ctl_queue_list(ctl, argc, argv, true);
}
