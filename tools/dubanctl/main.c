/* dubanctl: one command-line tool for the hotline desk, the divisions, the
 * inspection office and administrators. Finds the local deployment started by
 * tools/up when no --config is given. */
#include "dubanctl.h"

#include "log.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dubanctl [--config FILE] [--json] COMMAND [ARGS]\n\n"
            "commands:\n"
            "  submit --channel C --kind K --operator STAFF --subject TEXT --description TEXT\n"
            "         [--category CODE] [--division CODE] [--phone P] [--name N]\n"
            "                          record a case (hotline desk); prints its case number\n"
            "  show CASE_NUMBER        a case with its tasks and timeline\n"
            "  tasks --division CODE [--state open|all|dispatched|signed|returned|replied]\n"
            "                          a division's tasks\n"
            "  queue --division CODE [--state S] [--kind K] [--category C] [--overdue]\n"
            "        [--page N] [--limit N]\n"
            "                          a division's queue by deadline, with time left (also\n"
            "                          tasks with any of these options)\n"
            "  staff add|list|token|revoke|passwd CODE [--stdin]\n"
            "                          staff, tokens and web console passwords\n"
            "  console --division CODE [--once]\n"
            "                          division console: pending tasks, then live ones\n"
            "  bench [-n CASES] [-c CONNECTIONS]\n"
            "                          load generator: throughput and latency percentiles\n"
            "  alerts [--follow] [--for SECONDS] [--pub ENDPOINT]...\n"
            "                          inspection office: unacknowledged alerts, then live ones\n"
            "  ack ALERT_ID --decision TEXT [--rung-decision TEXT]\n"
            "                          acknowledge an alert (as insp001 unless --as/--token)\n"
            "  bench-watch [-n TASKS] [--probes N] [--keep]\n"
            "                          deadline watch figures: index rebuild time, alert latency\n"
            "  setup                   apply schema migrations and load the org file\n"
            "  bulletin month|quarter|half|year PERIOD\n"
            "                          month-check, quarter-bulletin, half-year, year-end review\n"
            "  bulletin show|render|list|rechecks|recheck|follow   the records and re-checks\n"
            "  import-history FILE.json  migrate historical cases with their handling history\n"
            "  bench-bulletin [--tasks N]  time a month-check over a scratch database of N tasks\n"
            "  calendar add|between|is-working   working-time deadlines (dubanctl calendar --help)\n"
            "  outbox parked|retry ID|drop ID   messages parked after their consumer refused them\n"
            "                          (dubanctl outbox --help)\n\n"
            "Without --config, dubanctl uses $DUBAN_CONFIG or the deployment of tools/up\n"
            "(var/duban.conf). Every command takes --json for machine-readable output.\n");
}

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
            s_usage(stdout);
            return CTL_OK;
        } else {
            fprintf(stderr, "error: unknown option %s\n", argv[i]);
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    if (i >= argc) {
        s_usage(stderr);
        return CTL_USAGE;
    }
    /* --json, --as and --token may also follow the command. */
    for (int j = i + 1; j < argc; j++) {
        if (strcmp(argv[j], "--json") == 0)
            ctl.json = true;
        if ((strcmp(argv[j], "--as") == 0 || strcmp(argv[j], "--token") == 0) && j + 1 < argc) {
            if (argv[j][2] == 'a')
                ctl.as = argv[j + 1];
            else
                ctl.token = argv[j + 1];
            memmove(&argv[j], &argv[j + 2], (size_t)(argc - j - 2) * sizeof(char *));
            argc -= 2;
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
    else if (ctl_is_action(cmd))
        rc = ctl_action(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "calendar") == 0)
        rc = ctl_calendar(&ctl, sub_argc, sub_argv);
    else if (strcmp(cmd, "help") == 0) {
        s_usage(stdout);
        rc = CTL_OK;
    } else {
        fprintf(stderr, "error: unknown command %s\n", cmd);
        s_usage(stderr);
        rc = CTL_USAGE;
    }
    curl_global_cleanup();
    settings_destroy(&ctl.settings);
    return rc;
}
