/* dubanctl board, arbitrations, extensions and dashboard: what the
 * inspection office and the leaders see on their console pages, from the
 * same API (intake_board.h, intake_bulletins.h); --json prints its answer. */
#include "dubanctl.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_get(ctl_t *ctl, const char *path, void (*print)(ctl_t *, json_t *))
{
    ctl_act_as(ctl, "insp001");
    return ctl_get_print(ctl, path, print);
}

static long long s_int(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *s_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static void s_print_board(ctl_t *ctl, json_t *reply)
{
    char when[48];
    printf("== 督查总览 as of %s ==\n",
           ctl_time_text(ctl, s_str(reply, "now"), when, sizeof(when)));
    printf("%-20s %8s %8s %8s %8s\n", "division", "open", "warned", "overdue", "arbitr.");
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(reply, "divisions"), i, d)
    {
        printf("%-20s %8lld %8lld %8lld %8lld  %s\n", s_str(d, "division"), s_int(d, "open"),
               s_int(d, "warned"), s_int(d, "overdue"), s_int(d, "arbitration"), s_str(d, "name"));
    }
    json_t *t = json_object_get(reply, "totals");
    printf("%-20s %8lld %8lld %8lld %8lld\n", "(bureau)", s_int(t, "open"), s_int(t, "warned"),
           s_int(t, "overdue"), s_int(t, "arbitration"));
}

static void s_print_arbitrations(ctl_t *ctl, json_t *reply)
{
    size_t i, k;
    json_t *c, *r;
    char flat[1024], when[48];
    json_array_foreach(json_object_get(reply, "cases"), i, c)
    {
        printf("%s waiting since %s  %s\n", s_str(c, "case_number"),
               ctl_time_text(ctl, s_str(c, "waiting_since"), when, sizeof(when)),
               ctl_flat(s_str(c, "subject"), flat, sizeof(flat)));
        json_array_foreach(json_object_get(c, "returns"), k, r)
        {
            printf("    returned by %s to %s: %s\n", s_str(r, "division"), s_str(r, "to"),
                   ctl_flat(s_str(r, "reason"), flat, sizeof(flat)));
        }
    }
    printf("-- %zu case(s) waiting for arbitration%s --\n",
           json_array_size(json_object_get(reply, "cases")),
           json_is_true(json_object_get(reply, "cut")) ? " (the first 200)" : "");
}

static void s_print_extensions(ctl_t *ctl, json_t *reply)
{
    size_t i;
    json_t *t;
    char flat[1024], due[48];
    json_array_foreach(json_object_get(reply, "tasks"), i, t)
    {
        printf("%s %-18s asks %-4s due %s %s  %s\n", s_str(t, "case_number"), s_str(t, "division"),
               s_str(t, "window"), ctl_time_text(ctl, s_str(t, "due"), due, sizeof(due)),
               s_str(t, "left_text"), ctl_flat(s_str(t, "reason"), flat, sizeof(flat)));
    }
    printf("-- %zu extension request(s) waiting%s --\n",
           json_array_size(json_object_get(reply, "tasks")),
           json_is_true(json_object_get(reply, "cut")) ? " (the first 200)" : "");
}

/* A rate as the record writes it: a number, or "n/a". */
static const char *s_rate(json_t *v, char *buf, size_t len)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.1f%%", json_number_value(v));
    else
        snprintf(buf, len, "%s", json_is_string(v) ? json_string_value(v) : "-");
    return buf;
}

static void s_print_dashboard(ctl_t *ctl, json_t *reply)
{
    json_t *rec = json_object_get(reply, "record");
    json_t *t = json_object_get(rec, "totals");
    json_t *prev = json_object_get(json_object_get(rec, "previous"), "totals");
    char when[48], a[16], b[16], c[16], d[16], e[16], f[16];
    printf("== %s so far, as of %s ==\n", s_str(rec, "title"),
           ctl_time_text(ctl, s_str(reply, "as_of"), when, sizeof(when)));
    printf("received %lld (last month %lld); response on time %s (%s); completed on time %s "
           "(%s); satisfied %s (%s); overdue now %lld\n",
           s_int(t, "received"), s_int(prev, "received"),
           s_rate(json_object_get(json_object_get(t, "response"), "rate"), a, sizeof(a)),
           s_rate(json_object_get(json_object_get(prev, "response"), "rate"), b, sizeof(b)),
           s_rate(json_object_get(json_object_get(t, "ontime"), "rate"), c, sizeof(c)),
           s_rate(json_object_get(json_object_get(prev, "ontime"), "rate"), d, sizeof(d)),
           s_rate(json_object_get(json_object_get(t, "satisfaction"), "rate"), e, sizeof(e)),
           s_rate(json_object_get(json_object_get(prev, "satisfaction"), "rate"), f, sizeof(f)),
           s_int(t, "overdue_open"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rec, "ranking"), i, r)
    {
        char score[16];
        s_rate(json_object_get(r, "score"), score, sizeof(score));
        score[strcspn(score, "%")] = '\0';
        printf("%3lld %-20s %6s %s\n", s_int(r, "rank"), s_str(r, "division"), score,
               s_str(r, "grade"));
    }
}

/* --division CODE, the only option these take; false on a usage error. */
static bool s_division(int argc, char **argv, char *path, size_t len, const char *base)
{
    static const struct option options[] = {{"division", required_argument, NULL, 'd'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    const char *division = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'd')
            division = optarg;
        else if (opt != 'j')
            return false;
    }
    if (optind < argc) {
        fprintf(stderr, "error: %s takes no argument %s\n", argv[0], argv[optind]);
        return false;
    }
    char *enc = division ? curl_easy_escape(NULL, division, 0) : NULL;
    snprintf(path, len, "%s%s%s", base, enc ? "?division=" : "", enc ? enc : "");
    curl_free(enc);
    return true;
}

int ctl_office(ctl_t *ctl, int argc, char **argv)
{
    char path[256];
    const char *cmd = argv[0];
    if (strcmp(cmd, "board") == 0 || strcmp(cmd, "dashboard") == 0) {
        if (argc > 1) {
            fprintf(stderr, "error: %s takes no argument %s\n", cmd, argv[1]);
            return CTL_USAGE;
        }
        return strcmp(cmd, "board") == 0 ? s_get(ctl, "/api/v1/board", s_print_board)
                                         : s_get(ctl, "/api/v1/dashboard", s_print_dashboard);
    }
    bool arb = strcmp(cmd, "arbitrations") == 0;
    if (!s_division(argc, argv, path, sizeof(path),
                    arb ? "/api/v1/arbitrations" : "/api/v1/extensions"))
        return CTL_USAGE;
    return s_get(ctl, path, arb ? s_print_arbitrations : s_print_extensions);
}
