/* dubanctl: one command-line tool for the hotline desk, the divisions, the
 * inspection office and administrators. Finds the local deployment started by
 * tools/up when no --config is given. */
#include "dubanctl.h"

#include "bus_curve.h"
#include "calendar.h"
#include "log.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* var/duban.conf of the checkout this binary was built in (build/bin/..). */
static const char *s_default_config(char *buf, size_t len)
{
    const char *env = getenv("DUBAN_CONFIG");
    if (env && env[0])
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    snprintf(buf, len, "%s/../../var/duban.conf", exe);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

int main(int argc, char **argv)
{
    ctl_output_guard();
    ctl_t ctl = {0};
    char path[PATH_MAX + 32];
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            ctl.config = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            ctl.json = true;
        else if (strcmp(argv[i], "--token") == 0 && i + 1 < argc)
            ctl.token = argv[++i];
        else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
            ctl.as = argv[++i];
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            ctl_usage_all(stdout);
            return CTL_OK;
        } else {
            fprintf(stderr, "error: unknown option %s before the command; `dubanctl --help` "
                            "lists the options and commands\n", argv[i]);
            return CTL_USAGE;
        }
    }
    if (i >= argc) {
        ctl_usage_all(stderr);
        return CTL_USAGE;
    }
    /* Help first: `dubanctl CMD ... --help` prints CMD's usage and runs
     * nothing (no settings read, no database touched). */
    if (strcmp(argv[i], "help") == 0)
        return i + 1 < argc ? ctl_usage_command(stdout, argv[i + 1])
                            : (ctl_usage_all(stdout), CTL_OK);
    for (int j = i + 1; j < argc; j++)
        if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
            return ctl_usage_command(stdout, argv[i]);
    if (!ctl_usage_known(argv[i])) {
        fprintf(stderr, "error: dubanctl has no command %s; `dubanctl --help` lists them\n",
                argv[i]);
        return CTL_USAGE;
    }
    /* --json, --as and --token may also follow the command (and its
     * arguments): taken out here, so no command has to know them. */
    for (int j = i + 1; j < argc; j++) {
        int take = 0;
        if (strcmp(argv[j], "--json") == 0) {
            ctl.json = true;
            take = 1;
        } else if ((strcmp(argv[j], "--as") == 0 || strcmp(argv[j], "--token") == 0) &&
                   j + 1 < argc) {
            if (argv[j][2] == 'a')
                ctl.as = argv[j + 1];
            else
                ctl.token = argv[j + 1];
            take = 2;
        }
        if (take) {
            memmove(&argv[j], &argv[j + take], (size_t)(argc - j - take) * sizeof(char *));
            argc -= take;
            argv[argc] = NULL;
            j--;
        }
    }
    if (!ctl.config)
        ctl.config = s_default_config(path, sizeof(path));
    if (!ctl.token && getenv("DUBAN_TOKEN") && getenv("DUBAN_TOKEN")[0])
        ctl.token = getenv("DUBAN_TOKEN");
    log_init("dubanctl", LOG_WARN);
    ctl.settings = settings_new(ctl.config);
    if (!ctl.settings)
        return CTL_FAILED;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *cmd = argv[i];
    int sub_argc = argc - i;
    char **sub_argv = argv + i;
    int rc;
    if (strcmp(cmd, "submit") == 0)
        rc = ctl_submit(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "show") == 0)
        rc = ctl_show(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "tasks") == 0)
        rc = ctl_tasks(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "queue") == 0)
        rc = ctl_queue(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "console") == 0)
        rc = ctl_console(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "bench") == 0)
        rc = ctl_bench(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "setup") == 0)
        rc = ctl_setup(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "roles") == 0)
        rc = ctl_roles(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "keys") == 0)
        rc = ctl_keys(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "staff") == 0)
        rc = ctl_staff(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "watchlist") == 0)
        rc = ctl_watchlist(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "import") == 0)
        rc = ctl_import(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "open311") == 0)
        rc = ctl_open311(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "bulletin") == 0)
        rc = ctl_bulletin(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "import-history") == 0)
        rc = ctl_import_history(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "bench-bulletin") == 0)
        rc = ctl_bench_bulletin(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "alerts") == 0)
        rc = ctl_alerts(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "ack") == 0)
        rc = ctl_ack(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "bench-watch") == 0)
        rc = ctl_bench_watch(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "notices") == 0)
        rc = ctl_notices(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "outbox") == 0)
        rc = ctl_outbox(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "status") == 0)
        rc = ctl_status(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "board") == 0 || strcmp(cmd, "arbitrations") == 0 ||
             strcmp(cmd, "extensions") == 0 || strcmp(cmd, "dashboard") == 0)
        rc = ctl_office(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "workitem") == 0)
        rc = ctl_workitem(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "import-plan") == 0)
        rc = ctl_import_plan(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "problem") == 0)
        rc = ctl_problem(&ctl, sub_argc, sub_argv);
    else if (ctl_is_action(cmd))
        rc = ctl_action(&ctl, sub_argc, sub_argv);
    else if (ctl_is_desk(cmd))
        rc = ctl_desk(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "calendar") == 0)
        rc = ctl_calendar(&ctl, sub_argc, sub_argv);
    else
        rc = CTL_USAGE; /* every known command is dispatched above */
    if (rc == CTL_USAGE)
        fprintf(stderr, "see `dubanctl %s --help`\n", cmd);
    curl_global_cleanup();
    calendar_destroy(&ctl.zone);
    bus_curve_destroy(&ctl.curve);
    settings_destroy(&ctl.settings);
    return rc;
}
