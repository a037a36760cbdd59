/* dubanctl problem add and dubanctl problem review: the problem list
 * (问题清单) and its review into the rectification list (整改清单), through
 * the API (POST /api/v1/problems, POST /api/v1/problems/{id}/review), acting
 * as the inspection office (insp001) unless --as or --token says otherwise.
 * An accepted problem becomes a rectification item: a work item with its
 * lead division, person responsible (责任人), measure (整改措施) and deadline. */
#include "dubanctl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "2017-04-28" as the close of the bureau's working day; an instant as it is. */
static json_t *s_deadline(const char *s)
{
    char buf[40];
    if (strchr(s, 'T'))
        return json_string(s);
    snprintf(buf, sizeof(buf), "%s%s", s, "T17:30:00+08:00");
    return json_string(buf);
}

static int s_post(ctl_t *ctl, const char *path, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_t *reply = NULL;
    int status = text ? ctl_http(ctl, "POST", path, text, &reply) : -1;
    free(text);
    if (status < 0)
        return CTL_FAILED;
    int rc = status == 200 ? CTL_OK : CTL_FAILED;
    if (status != 200)
        ctl_print_problem(status, reply);
    else if (ctl->json)
        ctl_print_json(reply);
    else
        printf("%s\n", json_string_value(json_object_get(reply, "message")));
    json_decref(reply);
    return rc;
}

static int s_add(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {
        {"ref", required_argument, NULL, 'r'},     {"source", required_argument, NULL, 's'},
        {"detail", required_argument, NULL, 'D'},  {"title", required_argument, NULL, 't'},
        {"description", required_argument, NULL, 'd'},
        {"division", required_argument, NULL, 'v'}, {"case", required_argument, NULL, 'c'},
        {"plan", required_argument, NULL, 'p'},    {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    static const char *keys[128] = {['r'] = "ref",         ['s'] = "source",
                                    ['D'] = "source_detail", ['t'] = "title",
                                    ['d'] = "description", ['v'] = "division",
                                    ['c'] = "case_number", ['p'] = "plan"};
    json_t *body = json_object();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'j')
            continue;
        if (opt < 0 || opt >= 128 || !keys[opt]) {
            json_decref(body);
            return CTL_USAGE;
        }
        json_object_set_new(body, keys[opt], json_string(optarg));
    }
    ctl_act_as(ctl, "insp001");
    int rc = s_post(ctl, "/api/v1/problems", body);
    json_decref(body);
    return rc;
}

static int s_review(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {
        {"accept", no_argument, NULL, 'A'},         {"reject", no_argument, NULL, 'R'},
        {"reason", required_argument, NULL, 'x'},   {"lead", required_argument, NULL, 'L'},
        {"division", required_argument, NULL, 'd'}, {"person", required_argument, NULL, 'P'},
        {"measure", required_argument, NULL, 'm'},  {"deadline", required_argument, NULL, 'D'},
        {"title", required_argument, NULL, 't'},    {"content", required_argument, NULL, 'c'},
        {"monthly-report", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0}};
    json_t *body = json_object(), *rect = json_object(), *divisions = json_array();
    int opt, decided = 0, rc = CTL_USAGE;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'A': json_object_set_new(body, "accept", json_true()); decided++; break;
        case 'R': json_object_set_new(body, "accept", json_false()); decided++; break;
        case 'x': json_object_set_new(body, "text", json_string(optarg)); break;
        case 'L': json_object_set_new(rect, "lead_division", json_string(optarg)); break;
        case 'd': json_array_append_new(divisions, json_string(optarg)); break;
        case 'P': json_object_set_new(rect, "responsible_staff", json_string(optarg)); break;
        case 'm': json_object_set_new(rect, "measure", json_string(optarg)); break;
        case 'D': json_object_set_new(rect, "deadline", s_deadline(optarg)); break;
        case 't': json_object_set_new(rect, "title", json_string(optarg)); break;
        case 'c': json_object_set_new(rect, "content", json_string(optarg)); break;
        case 'M':
            json_object_set_new(rect, "report", json_pack("{s:s, s:i}", "rhythm", "monthly",
                                                          "by_working_day", atoi(optarg)));
            break;
        case 'j': break;
        default: goto out;
        }
    }
    long long id = optind < argc ? strtoll(argv[optind], NULL, 10) : 0;
    if (id <= 0 || decided != 1) {
        fprintf(stderr, "error: problem review ID --accept ... | --reject --reason TEXT\n");
        goto out;
    }
    if (json_is_true(json_object_get(body, "accept"))) {
        json_object_set(rect, "divisions", divisions);
        json_object_set(body, "rectification", rect);
    }
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/problems/%lld/review", id);
    ctl_act_as(ctl, "insp001");
    rc = s_post(ctl, path, body);
out:
    json_decref(body);
    json_decref(rect);
    json_decref(divisions);
    return rc;
}

int ctl_problem(ctl_t *ctl, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return s_add(ctl, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "review") == 0)
        return s_review(ctl, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return ctl_problem_list(ctl, argc - 1, argv + 1);
    fprintf(stderr, "error: dubanctl problem add ... | review ID ... | list [--state S]\n");
    return CTL_USAGE;
}
