/* Every command of dubanctl and how to call it, in one table: `dubanctl
 * --help` lists them all (the workflow steps included) and `dubanctl CMD
 * --help` prints one command's usage. main.c answers --help from here before
 * any command runs, so asking for help never changes anything. Commands with
 * subcommands of their own keep their full usage beside their code and are
 * named here by their printer. */
#include "dubanctl.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *group;        /* heading in the full list */
    const char *synopsis;     /* after "dubanctl NAME " */
    const char *what;         /* one or two lines */
    void (*usage)(FILE *out); /* the command's own, fuller usage, or NULL */
} command_t;

#define STEP "workflow steps (over dispatch's console; act with --as STAFF or --token)"

static const command_t s_commands[] = {
    {"submit", "hotline desk and letters",
     "--kind K --subject TEXT --description TEXT [--channel C] [--operator STAFF]\n"
     "       [--category CODE] [--division CODE] [--phone P] [--name N] [--place TEXT]\n"
     "       [--enterprise TEXT] [--product TEXT] [--callback PHONE] [--anonymous]\n"
     "       [--priority urgent|normal] [--idempotency-key KEY]",
     "record a case; prints its case number, and its query code on standard error\n"
     "(shown once: read it out to the requester)",
     NULL},
    {"show", "hotline desk and letters", "CASE_NUMBER",
     "a case with its tasks (deadline, time left) and its whole timeline", NULL},
    {"notices", "hotline desk and letters",
     "--staff CODE | --inspection [--since TIME] [--seconds N]",
     "what a first responder (or the inspection office) is told: with --since, what\n"
     "happened since TIME (RFC 3339, e.g. 2017-03-02T08:00+08:00, or 2h, 3d ago) from the\n"
     "event log first, then live steps until Ctrl-C (or N seconds)",
     NULL},
    {"search", "hotline desk and letters",
     "TEXT|CASE_NUMBER|PHONE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--page N] [--limit N]",
     "cases by the words of their texts, their number or the caller's phone (however\n"
     "written), newest first; a division finds only its own cases. --from/--to: days\n"
     "received (+08:00, both included). A search that read as many cases as it may says\n"
     "how far back it got and asks for a narrower one (结果太多，请缩小搜索范围)",
     NULL},
    {"caller", "hotline desk and letters", "PHONE [--limit N]",
     "a caller's cases (历史诉求), the open ones first, with the division handling each",
     NULL},
    {"my-cases", "hotline desk and letters",
     "--staff CODE [--show all|inform|callback|overdue] [--page N]",
     "a first responder's open cases and what waits on them: 待告知, 待回访, 超期", NULL},
    {"triage-queue", "hotline desk and letters", "[--page N]",
     "the cases triage could not categorise (then: triage CASE --category C)", NULL},
    {"org", "hotline desk and letters", "",
     "divisions, categories with their divisions and keywords, kinds, channels", NULL},
    {"import", "hotline desk and letters", "FILE.csv",
     "letters and e-mails in bulk (one case a row; re-importing a row changes nothing)", NULL},
    {"tasks", "divisions",
     "--division CODE [--state open|dispatched|signed|replied|returned|all] [--kind K]\n"
     "       [--category C] [--overdue] [--page N] [--limit N]",
     "a division's tasks by deadline, soonest first, with the deadline and the working\n"
     "time left; says when the list goes on over more pages",
     NULL},
    {"queue", "divisions",
     "--division CODE [--state S] [--kind K] [--category C] [--overdue] [--page N]\n"
     "       [--limit N]",
     "the same list with the tab counts, as the web console shows it", NULL},
    {"console", "divisions", "--division CODE [--once]",
     "a division's console: its open tasks by deadline with the working time left, then new\n"
     "tasks and warnings live (Ctrl-C to stop)",
     NULL},
    {"sign", STEP, "CASE [--task ID] [--division CODE]", "签收: take the task", NULL},
    {"return", STEP, "CASE --reason TEXT (--to DIVISION | --outside AGENCY) [--task ID]",
     "退回: not this division's; a second return goes to the inspection office", NULL},
    {"note", STEP, "CASE --text TEXT [--task ID]", "备注: a note in the timeline", NULL},
    {"need-material", STEP, "CASE --text TEXT [--task ID]",
     "补充材料: what is missing; the deadline pauses", NULL},
    {"material-arrived", STEP, "CASE [--task ID]", "材料已到: the deadline runs again", NULL},
    {"extend", STEP, "CASE --by 5d --reason TEXT [--task ID]",
     "申请延期: ask the inspection office for more working time", NULL},
    {"decide-extension", STEP, "CASE --grant|--refuse [--decision TEXT]",
     "延期审批 (inspection office)", NULL},
    {"reply", STEP, "CASE --result TEXT [--internal TEXT] [--task ID]",
     "办结答复: the result the requester is told, and a part for staff only", NULL},
    {"arbitrate", STEP, "CASE (--division CODE | --outside AGENCY) --decision TEXT",
     "仲裁 (inspection office): who handles a case returned twice; final", NULL},
    {"inform", STEP, "CASE --how TEXT", "告知: the first responder told the requester", NULL},
    {"callback", STEP, "CASE --satisfaction 满意|基本满意|不满意 [--remark TEXT]",
     "回访: closes the case, or reopens it when unsatisfied", NULL},
    {"close", STEP, "CASE", "结案 by the first responder", NULL},
    {"triage", STEP, "CASE --category CODE", "分类派单 from the manual queue", NULL},
    {"attach-call", STEP, "CASE --text TEXT",
     "追加来电: a repeat call about an open case, told to the division handling it", NULL},
    {"progress", STEP, "CASE --text TEXT --percent N [--attach FILE]... [--task ID]",
     "进度报告 on a work item: what was done, percent done; meets the report due", NULL},
    {"complete", STEP, "CASE --text TEXT [--attach FILE]... [--task ID]",
     "完成报告 on a work item: the lead division's puts it before the inspection office", NULL},
    {"verify", STEP, "CASE --accept [--text TEXT] | --send-back --reason TEXT",
     "核验 (inspection office): accepted closes the work item (销号); sent back reopens it,\n"
     "its deadline still running",
     NULL},
    {"ask-reassign", STEP, "CASE --reason TEXT [--to DIVISION]",
     "申请调整 a work item a leader assigned (it cannot be returned): recorded, to the\n"
     "inspection office",
     NULL},
    {"reassign", STEP, "CASE --division CODE --decision TEXT",
     "调整牵头处室 of a work item (inspection office); its deadline keeps running", NULL},
    {"workitem", "inspection office",
     "create --ref KEY --source plan|instruction|meeting|problem --title T --content C\n"
     "       --lead DIVISION [--division CODE]... [--leader STAFF]... [--units TEXT]\n"
     "       [--starts DATE] --deadline DATE [--milestone TITLE@DATE]...\n"
     "       [--monthly-report N | --quarterly-report N | --report-every N]\n"
     "       | create --file ITEM.json\n"
     "       | list [--plan P] [--division CODE] [--leader STAFF] [--state open|closed]\n"
     "       | show CASE",
     "督办事项: a work item dispatched at once to its lead and responsible divisions, with a\n"
     "progress report due by the Nth working day of every month or quarter, or every N\n"
     "working days (report tasks); list and\n"
     "show read them as the console does (a division's handler: its own only)",
     NULL},
    {"import-plan", "inspection office", "FILE.json",
     "a plan (phases with dates, items with leaders and divisions) as work items; again\n"
     "changes nothing (deploy/plans/)",
     NULL},
    {"problem", "inspection office",
     "add --ref KEY --source visit|mailbox|survey|letter|online|assessment|meeting|case\n"
     "       --title T --description D [--detail TEXT] [--division CODE] [--case N] [--plan P]\n"
     "       | review ID (--reject --reason TEXT | --accept --lead DIVISION --person STAFF\n"
     "       --measure TEXT --deadline DATE [--division CODE]... [--monthly-report N])\n"
     "       | list [--state open|accepted|rejected]",
     "问题清单: a problem entered with its source; the review rejects it with a reason or\n"
     "makes its rectification item (整改事项), a work item with its person responsible",
     NULL},
    {"alerts", "inspection office", "[--follow] [--for SECONDS] [--pub ENDPOINT]...",
     "unacknowledged breaches and escalations (with --json an array, [] when none); with\n"
     "--follow, then live alerts and acknowledgements (one JSON object a line)",
     NULL},
    {"ack", "inspection office", "ALERT_ID --decision TEXT [--rung-decision TEXT] [--whole-task]",
     "acknowledge an alert with the decision taken (and on the accountability rung); with\n"
     "--whole-task also the task's older unacknowledged alerts (a storm is one decision)",
     NULL},
    {"board", "inspection office", "",
     "every division's open, warned and overdue tasks now and cases awaiting arbitration", NULL},
    {"arbitrations", "inspection office", "[--division CODE]",
     "cases waiting for arbitration, with their returns (decide with arbitrate)", NULL},
    {"extensions", "inspection office", "[--division CODE]",
     "extension requests waiting for a decision (decide with decide-extension)", NULL},
    {"dashboard", "inspection office", "",
     "the month so far as the leaders see it: received, rates, overdue, ranking", NULL},
    {"bulletin", "inspection office",
     "month|quarter|half|year PERIOD | days MONTH | show|render|list|rechecks|recheck|follow",
     "month-check, quarter-bulletin, half-year and year-end review; look-back re-checks",
     ctl_bulletin_usage},
    {"setup", "administration", "[--demo-tokens] [--demo-passwords]",
     "apply the schema migrations and load the org file; demo tokens and passwords", NULL},
    {"roles", "administration", "--superuser CONNINFO [--database]",
     "make (or bring back in line) duban's PostgreSQL roles and their passfiles, as the\n"
     "superuser; with --database, the database too (see deploy/schema/README.md)",
     NULL},
    {"keys", "administration", "",
     "the bus's CURVE key pairs of every service and of dubanctl, in the secrets folder\n"
     "(existing ones kept), and the allow-list of their public keys (bus_public.keys)",
     NULL},
    {"staff", "administration", "add|list|token|revoke|passwd CODE [--save] [--stdin]",
     "staff, bearer tokens and web console passwords", NULL},
    {"watchlist", "administration", "add|remove|list [--phone P|--ip A|--email E] [--reason R]",
     "requesters and addresses whose cases are flagged and kept out of the figures", NULL},
    {"open311", "administration", "add-client|revoke-client NAME | list-clients",
     "Open311 clients and their api keys", ctl_open311_usage},
    {"status", "administration", "",
     "every service: health, outbox backlog and parked messages, address, version\n"
     "(exit code 1 when one is not healthy)",
     NULL},
    {"outbox", "administration", "parked|retry ID|drop ID",
     "messages parked after their consumer refused them", ctl_outbox_usage},
    {"calendar", "administration", "add|between|is-working ...",
     "working-time deadlines on the business calendar", ctl_calendar_usage},
    {"import-history", "administration", "FILE.json",
     "migrate historical cases with their handling history (again: add later steps)", NULL},
    {"bench", "measuring",
     "[-n CASES] [-c CONNECTIONS] [--rate CASES_PER_S] [--pgbench-seconds S] [--into-live]",
     "load generator on a deployment of its own (--into-live: the running one): throughput, "
     "latency, WAL and CPU per case, ratio to pgbench (-c beyond intake's connections per address "
     "is let in on its own deployment; --into-live only warns, from these settings)",
     NULL},
    {"bench-watch", "measuring", "[-n TASKS] [--probes N] [--keep]",
     "deadline watch figures: index rebuild time, alert latency", NULL},
    {"bench-bulletin", "measuring", "[--tasks N] [--months M] [--reuse]",
     "time a month-check over a scratch database of N tasks", NULL},
};

#define NCOMMANDS (sizeof(s_commands) / sizeof(s_commands[0]))

static const command_t *s_find(const char *name)
{
    for (size_t i = 0; name && i < NCOMMANDS; i++)
        if (strcmp(s_commands[i].name, name) == 0)
            return &s_commands[i];
    return NULL;
}

bool ctl_usage_known(const char *name)
{
    return s_find(name) != NULL;
}

static void s_print_what(FILE *out, const char *what, const char *indent)
{
    fputs(indent, out);
    for (const char *p = what; *p; p++) {
        fputc(*p, out);
        if (*p == '\n')
            fputs(indent, out);
    }
    fputc('\n', out);
}

void ctl_usage_all(FILE *out)
{
    fprintf(out,
            "usage: dubanctl [--config FILE] [--json] [--as STAFF | --token T] COMMAND [ARGS]\n");
    const char *group = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const command_t *c = &s_commands[i];
        if (!group || strcmp(group, c->group) != 0) {
            group = c->group;
            fprintf(out, "\n%s:\n", group);
        }
        fprintf(out, "  %s %s\n", c->name, c->synopsis);
        s_print_what(out, c->what, "        ");
    }
    fprintf(out, "\nWithout --config, dubanctl uses $DUBAN_CONFIG or the deployment of tools/up\n"
                 "(var/duban.conf). --json (machine-readable output), --as and --token may come\n"
                 "before or after the command. Times are shown in the bureau's zone. `dubanctl\n"
                 "COMMAND --help` shows one command and runs nothing.\n");
}

int ctl_usage_command(FILE *out, const char *name)
{
    const command_t *c = s_find(name);
    if (!c) {
        fprintf(stderr, "error: dubanctl has no command %s; `dubanctl --help` lists them\n",
                name ? name : "(none)");
        return CTL_USAGE;
    }
    if (c->usage) {
        c->usage(out);
        return CTL_OK;
    }
    fprintf(out, "usage: dubanctl %s %s\n", c->name, c->synopsis);
    s_print_what(out, c->what, "  ");
    if (strcmp(c->group, STEP) == 0)
        fprintf(out, "  The step goes to dispatch, which applies the workflow's rules and says "
                     "why when it refuses.\n");
    return CTL_OK;
}
