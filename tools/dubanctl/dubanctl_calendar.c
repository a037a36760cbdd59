/* dubanctl calendar: deadline arithmetic in working time against the business
 * calendar of this deployment, without any server. Reads the calendar folder
 * from --calendar-dir, else setting calendar_dir, else the folder "calendar"
 * beside org_file, else deploy/config/calendar. Bad instants and windows are
 * usage errors (exit 2) that say what was wrong; answers exit 0. */
#include "dubanctl.h"

#include "calendar.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALENDAR_DEFAULT_DIR "deploy/config/calendar"

static const struct option s_options[] = {{"calendar-dir", required_argument, NULL, 'c'},
                                          {"from-next-working-day", no_argument, NULL, 'n'},
                                          {"json", no_argument, NULL, 'j'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dubanctl calendar [--calendar-dir DIR] [--json] SUBCOMMAND\n\n"
            "subcommands:\n"
            "  add INSTANT WINDOW [--from-next-working-day]\n"
            "                 the due instant: INSTANT plus WINDOW of working time; WINDOW is\n"
            "                 Ns, Nm, Nh or Nd (N standard working days of working time); with\n"
            "                 --from-next-working-day, Nd ends at the close of the Nth working\n"
            "                 day after INSTANT's date\n"
            "  between FROM TO\n"
            "                 working time from FROM to TO, in hours and working days\n"
            "  is-working INSTANT\n"
            "                 yes or no, with the reason\n\n"
            "INSTANT is RFC 3339 with an offset, e.g. 2017-01-26T16:00+08:00 or\n"
            "2017-01-26T08:00:00Z. The calendar folder is --calendar-dir, else setting\n"
            "calendar_dir, else calendar/ beside org_file, else " CALENDAR_DEFAULT_DIR ".\n");
}

void ctl_calendar_usage(FILE *out)
{
    s_usage(out);
}

/* Where the calendar is; writes into buf when derived from org_file. */
static const char *s_calendar_dir(ctl_t *ctl, const char *option, char *buf, size_t len)
{
    if (option)
        return option;
    const char *dir = settings_string(ctl->settings, "calendar_dir", NULL);
    if (dir && dir[0])
        return dir;
    const char *org = settings_string(ctl->settings, "org_file", NULL);
    if (!org || !org[0])
        return CALENDAR_DEFAULT_DIR;
    const char *slash = strrchr(org, '/');
    if (!slash)
        snprintf(buf, len, "calendar");
    else if (slash == org)
        snprintf(buf, len, "/calendar");
    else
        snprintf(buf, len, "%.*s/calendar", (int)(slash - org), org);
    return buf;
}

static int s_instant(const char *text, int64_t *us)
{
    if (calendar_parse_instant(text, us) == 0)
        return 0;
    fprintf(
        stderr,
        "error: instant \"%s\" is not a date and time with an offset, e.g. 2017-01-26T16:00+08:00\n",
        text);
    return -1;
}

static int s_add(ctl_t *ctl, calendar_t *cal, char **args, bool from_next)
{
    int64_t start;
    calendar_window_t window;
    if (s_instant(args[0], &start) < 0)
        return CTL_USAGE;
    if (calendar_parse_window(args[1], &window) < 0) {
        fprintf(stderr,
                "error: window \"%s\" is not a number up to %d and a unit s, m, h or d, e.g. 3d\n",
                args[1], CALENDAR_MAX_AMOUNT);
        return CTL_USAGE;
    }
    if (from_next && window.unit != CALENDAR_UNIT_DAYS) {
        fprintf(stderr,
                "error: --from-next-working-day counts whole days: write the window as e.g. 3d\n");
        return CTL_USAGE;
    }
    int64_t due = from_next ? calendar_add_days_from_next(cal, start, (int)window.amount)
                            : calendar_add_working(cal, start, calendar_window_us(cal, &window));
    if (due == CALENDAR_NEVER) {
        fprintf(stderr, "error: the due instant of %s after %s falls after year 9999\n", args[1],
                args[0]);
        return CTL_FAILED;
    }
    char start_text[48], due_text[48];
    calendar_format_instant(cal, start, start_text, sizeof(start_text));
    calendar_format_instant(cal, due, due_text, sizeof(due_text));
    if (!ctl->json) {
        printf("%s\n", due_text);
        return CTL_OK;
    }
    json_t *j =
        json_pack("{s:s, s:s, s:b, s:s, s:I}", "start", start_text, "window", args[1],
                  "from_next_working_day", from_next, "due", due_text, "due_us", (json_int_t)due);
    if (!from_next)
        json_object_set_new(j, "working_seconds",
                            json_integer(calendar_window_us(cal, &window) / 1000000));
    ctl_print_json(j);
    json_decref(j);
    return CTL_OK;
}

static int s_between(ctl_t *ctl, calendar_t *cal, char **args)
{
    int64_t a, b;
    if (s_instant(args[0], &a) < 0 || s_instant(args[1], &b) < 0)
        return CTL_USAGE;
    int64_t us = calendar_working_between(cal, a, b);
    int64_t secs = us / 1000000;
    double days = (double)us / (double)calendar_day_length_us(cal);
    char text[64];
    int n =
        snprintf(text, sizeof(text), "%lldh%02dm", (long long)(secs / 3600), (int)(secs / 60 % 60));
    if (secs % 60)
        snprintf(text + n, sizeof(text) - (size_t)n, "%02ds", (int)(secs % 60));
    if (!ctl->json) {
        printf("%s (%.2f d)\n", text, days);
        return CTL_OK;
    }
    char from[48], to[48];
    calendar_format_instant(cal, a, from, sizeof(from));
    calendar_format_instant(cal, b, to, sizeof(to));
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f}", "from", from, "to", to, "working", text,
                          "working_us", (json_int_t)us, "working_seconds", (json_int_t)secs,
                          "working_days", days);
    ctl_print_json(j);
    json_decref(j);
    return CTL_OK;
}

static int s_is_working(ctl_t *ctl, calendar_t *cal, char **args)
{
    int64_t t;
    int y, m, d;
    calendar_day_t kind;
    if (s_instant(args[0], &t) < 0)
        return CTL_USAGE;
    if (calendar_local_date(cal, t, &y, &m, &d) < 0 || calendar_day_kind(cal, y, m, d, &kind) < 0) {
        fprintf(stderr, "error: instant %s lies outside years 0000 to 9999\n", args[0]);
        return CTL_USAGE;
    }
    bool working = calendar_is_working_time(cal, t);
    const char *reason = "working time";
    if (kind == CALENDAR_DAY_HOLIDAY || kind == CALENDAR_DAY_WEEKEND)
        reason = calendar_day_str(kind);
    else if (!working)
        reason = "outside hours";
    else if (kind == CALENDAR_DAY_MAKEUP)
        reason = calendar_day_str(kind);
    if (!ctl->json) {
        printf("%s (%s)\n", working ? "yes" : "no", reason);
        return CTL_OK;
    }
    char text[48];
    calendar_format_instant(cal, t, text, sizeof(text));
    json_t *j = json_pack("{s:s, s:b, s:s, s:s}", "instant", text, "working", working, "reason",
                          reason, "day", calendar_day_str(kind));
    ctl_print_json(j);
    json_decref(j);
    return CTL_OK;
}

int ctl_calendar(ctl_t *ctl, int argc, char **argv)
{
    const char *dir_option = NULL;
    bool from_next = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", s_options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            dir_option = optarg;
            break;
        case 'n':
            from_next = true;
            break;
        case 'j':
            break;
        case 'h':
            s_usage(stdout);
            return CTL_OK;
        default:
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    static const struct {
        const char *name;
        int nargs;
    } subs[] = {{"add", 2}, {"between", 2}, {"is-working", 1}};
    const char *sub = optind < argc ? argv[optind] : NULL;
    int nargs = argc - optind - 1, which = -1;
    for (int i = 0; sub && i < (int)(sizeof(subs) / sizeof(subs[0])); i++)
        if (strcmp(sub, subs[i].name) == 0)
            which = i;
    if (which < 0) {
        if (sub)
            fprintf(stderr, "error: calendar has no subcommand %s\n", sub);
        s_usage(stderr);
        return CTL_USAGE;
    }
    if (nargs != subs[which].nargs) {
        fprintf(stderr, "error: calendar %s takes %d argument%s; see dubanctl calendar --help\n",
                sub, subs[which].nargs, subs[which].nargs == 1 ? "" : "s");
        return CTL_USAGE;
    }
    if (from_next && which != 0) {
        fprintf(stderr, "error: --from-next-working-day goes with calendar add\n");
        return CTL_USAGE;
    }
    char buf[PATH_MAX];
    const char *dir = s_calendar_dir(ctl, dir_option, buf, sizeof(buf));
    calendar_t *cal = calendar_new(dir);
    if (!cal) {
        fprintf(
            stderr,
            "error: could not load the calendar from %s: fix it, set calendar_dir or pass --calendar-dir\n",
            dir);
        return CTL_FAILED;
    }
    char **args = argv + optind + 1;
    int rc = which == 0   ? s_add(ctl, cal, args, from_next)
             : which == 1 ? s_between(ctl, cal, args)
                          : s_is_working(ctl, cal, args);
    calendar_destroy(&cal);
    return rc;
}
