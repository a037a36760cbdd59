/* dubanctl search, caller, my-cases, triage-queue and org: what the hotline
 * desk's web pages read, from the same API (intake_search.h,
 * intake_desk.h), one case a line, or the API's JSON with --json. */
#include "dubanctl.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* One case a line: number, state, the division handling it and time left,
 * what waits (my-cases), the subject. */
static void s_print_cases(json_t *cases)
{
    size_t i;
    json_t *c;
    char flat[512];
    json_array_foreach(cases, i, c)
    {
        const char *light = s_str(c, "light");
        const char *waiting = s_str(c, "waiting");
        printf("%s %s %-10s %-18s %-22s %s%s%s\n",
               strcmp(light, "red") == 0 ? "超" : strcmp(light, "amber") == 0 ? "预" : "  ",
               s_str(c, "case_number"), s_str(c, "state"),
               s_str(c, "division")[0] ? s_str(c, "division") : "-",
               s_str(c, "left_text")[0] ? s_str(c, "left_text") : "-",
               strcmp(waiting, "inform") == 0     ? "[待告知] "
               : strcmp(waiting, "callback") == 0 ? "[待回访] "
                                                  : "",
               json_is_true(json_object_get(c, "overdue")) ? "[超期] " : "",
               ctl_flat(s_str(c, "subject"), flat, sizeof(flat)));
    }
}

static void s_print_search(ctl_t *ctl, json_t *r)
{
    json_t *total = json_object_get(r, "total");
    printf("== %s: %s%lld 条 · 第 %lld 页 ==\n", s_str(r, "q"),
           json_is_true(json_object_get(r, "total_exact")) ? "" : "超过 ",
           (long long)json_integer_value(total),
           (long long)json_integer_value(json_object_get(r, "page")));
    s_print_cases(json_object_get(r, "cases"));
    if (json_is_true(json_object_get(r, "more")))
        printf("-- more: --page %lld --\n",
               (long long)json_integer_value(json_object_get(r, "page")) + 1);
    if (json_is_false(json_object_get(r, "complete"))) {
        /* The search read as many cases as it may: say how far back it got. */
        char when[64];
        printf("-- %s\n   只搜索了 %s 以后受理的工单（--from/--to 指定受理日期）--\n",
               s_str(r, "notice"), ctl_time_text(ctl, s_str(r, "searched_since"), when, sizeof(when)));
    }
}

static void s_print_caller(ctl_t *ctl, json_t *r)
{
    printf("== %s: %lld 件，未办结 %lld 件 ==\n", s_str(r, "phone"),
           (long long)json_integer_value(json_object_get(r, "total")),
           (long long)json_integer_value(json_object_get(r, "open")));
    s_print_cases(json_object_get(r, "cases"));
    if (json_is_false(json_object_get(r, "complete"))) {
        char when[64];
        printf("-- 该号码诉求过多，只列出 %s 以后受理的 --\n",
               ctl_time_text(ctl, s_str(r, "searched_since"), when, sizeof(when)));
    }
}

static void s_print_mine(ctl_t *ctl, json_t *r)
{
    json_t *counts = json_object_get(r, "counts");
    printf("== %s: 在办 %lld · 待告知 %lld · 待回访 %lld · 超期 %lld ==\n", s_str(r, "staff"),
           (long long)json_integer_value(json_object_get(counts, "open")),
           (long long)json_integer_value(json_object_get(counts, "inform")),
           (long long)json_integer_value(json_object_get(counts, "callback")),
           (long long)json_integer_value(json_object_get(counts, "overdue")));
    s_print_cases(json_object_get(r, "cases"));
    printf("-- page %lld of %lld --\n", (long long)json_integer_value(json_object_get(r, "page")),
           (long long)json_integer_value(json_object_get(r, "pages")));
}

static void s_print_triage(ctl_t *ctl, json_t *r)
{
    printf("== 待分类 %lld 件 ==\n", (long long)json_integer_value(json_object_get(r, "total")));
    s_print_cases(json_object_get(r, "cases"));
    printf("-- page %lld of %lld --\n", (long long)json_integer_value(json_object_get(r, "page")),
           (long long)json_integer_value(json_object_get(r, "pages")));
}

static void s_print_org(ctl_t *ctl, json_t *r)
{
    size_t i, j;
    json_t *o, *w;
    printf("divisions:\n");
    json_array_foreach(json_object_get(r, "divisions"), i, o)
        printf("  %-18s %s\n", s_str(o, "code"), s_str(o, "name"));
    printf("categories (lead; keywords):\n");
    json_array_foreach(json_object_get(r, "categories"), i, o)
    {
        printf("  %-18s %-8s %-18s", s_str(o, "code"), s_str(o, "name"), s_str(o, "lead"));
        json_array_foreach(json_object_get(o, "keywords"), j, w)
            printf(" %s", json_string_value(w));
        printf("\n");
    }
    printf("kinds:");
    json_array_foreach(json_object_get(r, "kinds"), i, o)
        printf(" %s(%s)", s_str(o, "code"), s_str(o, "name"));
    printf("\nchannels:");
    json_array_foreach(json_object_get(r, "channels"), i, o)
        printf(" %s(%s)", s_str(o, "code"), s_str(o, "name"));
    printf("\n");
}

/* Reads the options every list shares; returns the first argument that is
 * not an option (NULL if none), or sets *bad. */
static const char *s_options(int argc, char **argv, const char **page, const char **limit,
                             const char **staff, const char **show, const char **days[2],
                             bool *bad)
{
    static const struct option options[] = {
        {"page", required_argument, NULL, 'p'}, {"limit", required_argument, NULL, 'l'},
        {"staff", required_argument, NULL, 's'}, {"show", required_argument, NULL, 'w'},
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    *bad = false;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'p': *page = optarg; break;
        case 'l': *limit = optarg; break;
        case 's': *staff = optarg; break;
        case 'w': *show = optarg; break;
        case 'f': *days[0] = optarg; break;
        case 't': *days[1] = optarg; break;
        case 'j': break;
        default: *bad = true; return NULL;
        }
    }
    return optind < argc ? argv[optind] : NULL;
}

int ctl_desk(ctl_t *ctl, int argc, char **argv)
{
    const char *cmd = argv[0], *page = NULL, *limit = NULL, *staff = NULL, *show = NULL;
    const char *from = NULL, *to = NULL, **days[2] = {&from, &to};
    bool bad;
    const char *arg = s_options(argc, argv, &page, &limit, &staff, &show, days, &bad);
    if (bad)
        return CTL_USAGE;
    char path[1024];
    if (strcmp(cmd, "search") == 0) {
        if (!arg) {
            fprintf(stderr, "usage: dubanctl search TEXT|CASE_NUMBER|PHONE [--from YYYY-MM-DD]"
                            " [--to YYYY-MM-DD] [--page N] [--limit N]\n");
            return CTL_USAGE;
        }
        snprintf(path, sizeof(path), "/api/v1/cases");
        ctl_query_arg(path, sizeof(path), "q", arg);
        ctl_query_arg(path, sizeof(path), "page", page);
        ctl_query_arg(path, sizeof(path), "limit", limit);
        ctl_query_arg(path, sizeof(path), "from", from);
        ctl_query_arg(path, sizeof(path), "to", to);
        return ctl_get_print(ctl, path, s_print_search);
    }
    if (strcmp(cmd, "caller") == 0) {
        char *enc = arg ? curl_easy_escape(NULL, arg, 0) : NULL;
        if (!enc) {
            fprintf(stderr, "usage: dubanctl caller PHONE [--limit N]\n");
            return CTL_USAGE;
        }
        snprintf(path, sizeof(path), "/api/v1/callers/%s/cases", enc);
        curl_free(enc);
        ctl_query_arg(path, sizeof(path), "limit", limit);
        return ctl_get_print(ctl, path, s_print_caller);
    }
    if (strcmp(cmd, "my-cases") == 0) {
        if (!staff || strlen(staff) > 48) {
            fprintf(stderr, "usage: dubanctl my-cases --staff CODE [--show all|inform|callback|"
                            "overdue] [--page N]\n");
            return CTL_USAGE;
        }
        ctl_act_as(ctl, staff);
        char *enc = curl_easy_escape(NULL, staff, 0);
        snprintf(path, sizeof(path), "/api/v1/responders/%s/cases", enc ? enc : "");
        curl_free(enc);
        ctl_query_arg(path, sizeof(path), "show", show);
        ctl_query_arg(path, sizeof(path), "page", page);
        ctl_query_arg(path, sizeof(path), "limit", limit);
        return ctl_get_print(ctl, path, s_print_mine);
    }
    if (strcmp(cmd, "triage-queue") == 0) {
        snprintf(path, sizeof(path), "/api/v1/triage/cases");
        ctl_query_arg(path, sizeof(path), "page", page);
        ctl_query_arg(path, sizeof(path), "limit", limit);
        return ctl_get_print(ctl, path, s_print_triage);
    }
    return ctl_get_print(ctl, "/api/v1/org", s_print_org);
}

bool ctl_is_desk(const char *cmd)
{
    return strcmp(cmd, "search") == 0 || strcmp(cmd, "caller") == 0 ||
           strcmp(cmd, "my-cases") == 0 || strcmp(cmd, "triage-queue") == 0 ||
           strcmp(cmd, "org") == 0;
}
