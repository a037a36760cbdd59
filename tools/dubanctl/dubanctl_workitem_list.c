/* dubanctl workitem list|show and dubanctl problem list: the work items and
 * the problem list as the console shows them, from the same API
 * (GET /api/v1/workitems, /api/v1/workitems/{n}, /api/v1/problems;
 * services/intake/intake_workitem_read.h). Acting as the inspection office
 * unless --as or --token says otherwise; a division's handler (--as
 * h-CODE) sees its own items only, as on its pages. --json prints the
 * answer. */
#include "dubanctl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static long long s_int(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The status the pages show: 已销号, 待核验, 退回重办 (sent back), 办理中. */
static const char *s_status(json_t *w)
{
    const char *v = s_str(w, "verification");
    if (strcmp(s_str(w, "state"), "closed") == 0)
        return "closed";
    if (strcmp(v, "awaiting") == 0)
        return "awaiting-verification";
    if (strcmp(v, "sent_back") == 0)
        return "sent-back";
    return "in-progress";
}

/* "a, b, c" of a JSON array of strings into buf. */
static const char *s_join(json_t *list, char *buf, size_t len)
{
    size_t i, n = 0;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach(list, i, v)
    {
        if (n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
                                  json_string_value(v) ? json_string_value(v) : "");
    }
    return buf;
}

static void s_print_list(ctl_t *ctl, json_t *reply)
{
    size_t i;
    json_t *w;
    char flat[512], due[48], leaders[256];
    json_array_foreach(json_object_get(reply, "workitems"), i, w)
    {
        json_t *r = json_object_get(w, "reports");
        printf("%s %-21s %3lld%% due %s%s  lead %s  leaders %s  reports missed %lld  %s\n",
               s_str(w, "case_number"), s_status(w), s_int(w, "percent"),
               ctl_time_text(ctl, s_str(w, "deadline"), due, sizeof(due)),
               json_is_true(json_object_get(w, "overdue")) ? " OVERDUE" : "",
               s_str(w, "lead_division"),
               s_join(json_object_get(w, "leader_names"), leaders, sizeof(leaders)),
               s_int(r, "missed"), ctl_flat(s_str(w, "title"), flat, sizeof(flat)));
    }
    printf("-- %zu work item(s)%s --\n", json_array_size(json_object_get(reply, "workitems")),
           json_is_true(json_object_get(reply, "cut")) ? " (the first 500)" : "");
}

static void s_print_item(ctl_t *ctl, json_t *w)
{
    char buf[512], when[48];
    json_t *r = json_object_get(w, "reports");
    printf("%s  %s  %s\n", s_str(w, "case_number"), s_status(w), s_str(w, "title"));
    printf("  ref: %s  source: %s\n", s_str(w, "ref"), s_str(w, "source"));
    printf("  leaders: %s\n", s_join(json_object_get(w, "leader_names"), buf, sizeof(buf)));
    printf("  lead division: %s\n", s_str(w, "lead_division"));
    printf("  responsible divisions: %s\n",
           s_join(json_object_get(w, "divisions"), buf, sizeof(buf)));
    printf("  deadline: %s%s\n", ctl_time_text(ctl, s_str(w, "deadline"), when, sizeof(when)),
           json_is_true(json_object_get(w, "overdue")) ? " (overdue)" : "");
    printf("  percent done: %lld\n", s_int(w, "percent"));
    printf("  reports: %lld due, %lld met in time, %lld missed, next due %s\n", s_int(r, "due"),
           s_int(r, "met"), s_int(r, "missed"),
           json_is_string(json_object_get(r, "next_due"))
               ? ctl_time_text(ctl, s_str(r, "next_due"), when, sizeof(when))
               : "-");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(w, "milestones"), i, m)
    {
        printf("  milestone %lld: %s by %s\n", s_int(m, "seq"),
               ctl_flat(s_str(m, "title"), buf, sizeof(buf)),
               ctl_time_text(ctl, s_str(m, "due"), when, sizeof(when)));
    }
    if (json_is_string(json_object_get(w, "measure"))) {
        printf("  person responsible: %s\n", s_str(w, "responsible_name"));
        ctl_print_block("measure", s_str(w, "measure"));
    }
    ctl_print_block("content", s_str(w, "content"));
    if (json_is_string(json_object_get(w, "completion_summary")))
        ctl_print_block("completion report", s_str(w, "completion_summary"));
}

static void s_print_problems(ctl_t *ctl, json_t *reply)
{
    size_t i;
    json_t *p;
    char flat[512], when[48];
    json_array_foreach(json_object_get(reply, "problems"), i, p)
    {
        printf("%5lld %-8s %-10s %s %-14s %s%s%s\n", s_int(p, "id"), s_str(p, "state"),
               s_str(p, "source"), ctl_time_text(ctl, s_str(p, "filed_at"), when, sizeof(when)),
               s_str(p, "division"), ctl_flat(s_str(p, "title"), flat, sizeof(flat)),
               json_is_string(json_object_get(p, "rectification")) ? "  -> " : "",
               s_str(p, "rectification"));
    }
    printf("-- %zu problem(s)%s --\n", json_array_size(json_object_get(reply, "problems")),
           json_is_true(json_object_get(reply, "cut")) ? " (the first 500)" : "");
}

int ctl_workitem_read(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {
        {"plan", required_argument, NULL, 'p'},   {"division", required_argument, NULL, 'd'},
        {"leader", required_argument, NULL, 'l'}, {"state", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},         {NULL, 0, NULL, 0}};
    bool show = strcmp(argv[0], "show") == 0;
    char path[512] = "/api/v1/workitems";
    const char *plan = NULL, *division = NULL, *leader = NULL, *state = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            plan = optarg;
            break;
        case 'd':
            division = optarg;
            break;
        case 'l':
            leader = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'j':
            break;
        default:
            return CTL_USAGE;
        }
    }
    ctl_act_as(ctl, "insp001");
    if (show) {
        if (optind != argc - 1 || plan || division || leader || state ||
            strlen(argv[optind]) > 40 || strchr(argv[optind], '/')) {
            fprintf(stderr, "error: dubanctl workitem show CASE\n");
            return CTL_USAGE;
        }
        snprintf(path, sizeof(path), "/api/v1/workitems/%s", argv[optind]);
        return ctl_get_print(ctl, path, s_print_item);
    }
    if (optind < argc) {
        fprintf(stderr, "error: workitem list takes no argument %s\n", argv[optind]);
        return CTL_USAGE;
    }
    ctl_query_arg(path, sizeof(path), "plan", plan);
    ctl_query_arg(path, sizeof(path), "division", division);
    ctl_query_arg(path, sizeof(path), "leader", leader);
    ctl_query_arg(path, sizeof(path), "state", state);
    return ctl_get_print(ctl, path, s_print_list);
}

int ctl_problem_list(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"state", required_argument, NULL, 's'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    char path[128] = "/api/v1/problems";
    const char *state = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 's')
            state = optarg;
        else if (opt != 'j')
            return CTL_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "error: problem list takes no argument %s\n", argv[optind]);
        return CTL_USAGE;
    }
    ctl_query_arg(path, sizeof(path), "state", state);
    ctl_act_as(ctl, "insp001");
    return ctl_get_print(ctl, path, s_print_problems);
}
