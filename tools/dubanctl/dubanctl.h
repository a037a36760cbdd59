/* dubanctl: the command-line tool for every duban user. Each command lives in
 * its own file; this header is what they share. */
#ifndef DUBAN_DUBANCTL_H
#define DUBAN_DUBANCTL_H

#include "org.h"
#include "settings.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct {
    settings_t *settings;
    bool json;          /* machine-readable output */
    const char *config; /* the settings file in use */
    const char *token;  /* --token, else $DUBAN_TOKEN */
    const char *as;     /* --as STAFF: whose saved token to use */
    struct calendar *zone; /* the bureau's zone, for times shown (loaded when first used) */
    struct bus_curve *curve; /* dubanctl's bus key (ctl_bus_curve loads it) */
    bool curve_loaded;
    bool curve_off; /* bus.curve = 0 */
} ctl_t;

/* Exit codes: 0 done, 1 refused or failed, 2 usage error. */
enum { CTL_OK = 0, CTL_FAILED = 1, CTL_USAGE = 2 };

int ctl_setup(ctl_t *ctl, int argc, char **argv);
int ctl_roles(ctl_t *ctl, int argc, char **argv);
int ctl_keys(ctl_t *ctl, int argc, char **argv);

struct bus_curve;

/* dubanctl's bus keys (loaded when first asked): NULL with *ok true when
 * the bus runs without CURVE (bus.curve = 0); *ok false (printed why) when
 * the key is missing. */
const struct bus_curve *ctl_bus_curve(ctl_t *ctl, bool *ok);

/* Secures zsock as a CURVE client of the service peer and connects it to
 * each address of endpoints (separated by commas). Returns 0 / -1 (printed
 * why). */
int ctl_bus_connect(ctl_t *ctl, void *zsock, const char *peer, const char *endpoints);
int ctl_submit(ctl_t *ctl, int argc, char **argv);
int ctl_show(ctl_t *ctl, int argc, char **argv);
int ctl_tasks(ctl_t *ctl, int argc, char **argv);
int ctl_queue(ctl_t *ctl, int argc, char **argv);
/* The queue's list (tasks and queue), with the tab counts or without. */
int ctl_queue_list(ctl_t *ctl, int argc, char **argv, bool counts);
int ctl_console(ctl_t *ctl, int argc, char **argv);
int ctl_bench(ctl_t *ctl, int argc, char **argv);
int ctl_staff(ctl_t *ctl, int argc, char **argv);
int ctl_watchlist(ctl_t *ctl, int argc, char **argv);
int ctl_import(ctl_t *ctl, int argc, char **argv);
int ctl_open311(ctl_t *ctl, int argc, char **argv);
int ctl_bulletin(ctl_t *ctl, int argc, char **argv);
int ctl_import_history(ctl_t *ctl, int argc, char **argv);
int ctl_bench_bulletin(ctl_t *ctl, int argc, char **argv);
int ctl_alerts(ctl_t *ctl, int argc, char **argv);
int ctl_ack(ctl_t *ctl, int argc, char **argv);
int ctl_bench_watch(ctl_t *ctl, int argc, char **argv);
int ctl_notices(ctl_t *ctl, int argc, char **argv);
int ctl_outbox(ctl_t *ctl, int argc, char **argv);
/* Work items (dubanctl_workitem.c): workitem create, import-plan FILE. */
int ctl_workitem(ctl_t *ctl, int argc, char **argv);
/* workitem list|show and problem list (dubanctl_workitem_list.c); argv[0]
 * is the subcommand. */
int ctl_workitem_read(ctl_t *ctl, int argc, char **argv);
int ctl_problem_list(ctl_t *ctl, int argc, char **argv);
int ctl_import_plan(ctl_t *ctl, int argc, char **argv);
/* The problem list (dubanctl_problem.c): problem add, problem review ID. */
int ctl_problem(ctl_t *ctl, int argc, char **argv);
int ctl_status(ctl_t *ctl, int argc, char **argv);
/* board, arbitrations, extensions, dashboard (argv[0] names which). */
int ctl_office(ctl_t *ctl, int argc, char **argv);

/* The table of commands (dubanctl_usage.c): every command's usage, all of
 * them (--help) or one (CMD --help); true when name is a command. */
void ctl_usage_all(FILE *out);
int ctl_usage_command(FILE *out, const char *name);
bool ctl_usage_known(const char *name);

/* The fuller usage of the commands with subcommands of their own. */
void ctl_bulletin_usage(FILE *out);
void ctl_open311_usage(FILE *out);
void ctl_outbox_usage(FILE *out);
void ctl_calendar_usage(FILE *out);

/* The hotline desk's lists (dubanctl_desk.c): search, caller, my-cases,
 * triage-queue, org; argv[0] is the command. */
bool ctl_is_desk(const char *cmd);
int ctl_desk(ctl_t *ctl, int argc, char **argv);

/* The workflow steps (dubanctl_actions.c): argv[0] is the step's name. */
bool ctl_is_action(const char *cmd);
int ctl_action(ctl_t *ctl, int argc, char **argv);

/* Uses staff's saved token unless the user chose one (--token, --as,
 * $DUBAN_TOKEN): e.g. submit --operator op001 acts as op001. */
void ctl_act_as(ctl_t *ctl, const char *staff);

/* Acts as the first handler of division listed in the org file (for
 * tasks and console), unless the user chose an identity. */
void ctl_act_as_division(ctl_t *ctl, const char *division);

/* The bearer token this invocation uses (malloc'ed), or NULL. */
char *ctl_token(ctl_t *ctl);

/* Like ctl_token, but says what is wrong when there is none (no saved token
 * for the staff member acted as: not a staff code, or tokens not made). */
char *ctl_token_or_explain(ctl_t *ctl);

/* Times shown to people, in the bureau's zone (the business calendar's,
 * +08:00): "2017-03-02 10:30:05 +08:00". ctl_time_text takes an RFC 3339
 * text as the API gives it (UTC) and returns it unchanged when it is not
 * one; NULL or "" gives "-". */
const char *ctl_time_us(ctl_t *ctl, int64_t us, char *buf, size_t len);
const char *ctl_time_text(ctl_t *ctl, const char *rfc3339, char *buf, size_t len);

/* The folder of saved tokens: setting ctl.token_dir, else tokens/ next to
 * the settings file. Writes into buf. */
const char *ctl_token_dir(ctl_t *ctl, char *buf, size_t len);

struct pg_conn;

/* Issues a new token for staff (optionally saved to the token folder);
 * prints it unless quiet. Returns 0 / -1. */
int ctl_staff_issue(ctl_t *ctl, struct pg_conn *conn, const char *staff, bool save, bool quiet);

/* Sets staff's console password (argon2id hash) and ends their console
 * sessions. Returns 0 / -1 (printed why). */
int ctl_staff_set_password(struct pg_conn *conn, const char *staff, const char *password);

struct pg_result;

/* Drops database db WITH (FORCE), waiting up to 20 s for sessions it may not
 * end to go; prints PostgreSQL's error and returns -1 when it cannot. */
int ctl_pg_drop_database(struct pg_conn *admin, const char *db);

/* Runs one statement with text parameters; prints PostgreSQL's error and
 * returns -1 when it fails. With out, the result is handed over (PQclear). */
int ctl_pg_exec(struct pg_conn *conn, const char *sql, int nparams, const char *const *params,
                struct pg_result **out);

/* Opens a libpq connection as dubanctl's role (pg.conninfo, then
 * ctl.pg_conninfo); prints why and returns NULL when it cannot. */
struct pg_conn *ctl_pg_connect(ctl_t *ctl);

/* The same as who ("ctl", or "setup" for the owner of the schema). */
struct pg_conn *ctl_pg_connect_as(ctl_t *ctl, const char *who);

/* True when a GET of url answers 200 within a second. */
bool ctl_http_ok(const char *url);

/* A benchmark's own deployment (dubanctl_scratch.c): a scratch database,
 * a token for op001 in it, and intake, triage and dispatch on free ports;
 * while it stands the settings name it. NULL (reasons printed) when it
 * cannot be made; destroy stops the services and drops the database. */
typedef struct ctl_scratch ctl_scratch_t;
/* clients: how many connections the bench will hold to its intake, all
 * from one address; the scratch intake lets that many in (its limit per
 * address is for a real deployment's many clients). */
ctl_scratch_t *ctl_scratch_new(ctl_t *ctl, int clients);
const char *ctl_scratch_token(const ctl_scratch_t *self);
/* The scratch services' process ids and names (duban-intake, -triage,
 * -dispatch, -watch): up to max, returns how many. */
int ctl_scratch_services(const ctl_scratch_t *self, pid_t *pids, const char **names, int max);

/* What a benchmark run costs (dubanctl_bench_cost.c): started before the
 * load, stopped after it; stop returns {wal_bytes_per_case, cpu_ms_per_case:
 * {<service>..., services, postgresql, redis}, other_connections:
 * {connections, databases}} with the figures it could read, and frees. pids may be NULL (no services of its own to measure). */
typedef struct ctl_bench_cost ctl_bench_cost_t;
ctl_bench_cost_t *ctl_bench_cost_start(ctl_t *ctl, const pid_t *pids, const char *const *names,
                                       int npids);
json_t *ctl_bench_cost_stop(ctl_bench_cost_t **self_p, int cases);

/* PostgreSQL's own durable one-row commit on the server of pg.conninfo
 * (dubanctl_bench_pgbench.c): pgbench with 8 clients for seconds, in a
 * database made and dropped for it; its rate unthrottled, and when rate >
 * 0 the latency of commits offered at that rate, from each one's scheduled
 * start. A figure that cannot be had (said why) is -1; rate is 0 when no
 * latency was had. Returns 0 when the rate was had, else -1. */
typedef struct {
    double tps;
    double rate_asked, rate;
    double p50_ms, p99_ms;
} ctl_pgbench_t;
int ctl_bench_pgbench(ctl_t *ctl, int seconds, double rate, ctl_pgbench_t *out);

/* Sorts n microsecond figures; the p-quantile (0..1) of sorted ones in ms
 * (0 when n is 0). */
void ctl_sort_us(int64_t *us, int n);
double ctl_percentile_ms(const int64_t *sorted_us, int n, double p);

/* For dubanctl bench (dubanctl_bench_lost.c): counts from the database the
 * cases of ledger whose console message never came (their lead task
 * committed, and still no message grace_us after that was first seen);
 * returns how many it counted. */
struct bench_ledger;
int ctl_bench_count_lost(ctl_t *ctl, struct bench_ledger *ledger, int64_t now_us,
                         int64_t grace_us);
/* A finished dubanctl bench run, for its report (dubanctl_bench_report.c):
 * conns connections, rate cases/s offered (0: closed loop), every case's
 * times in ledger. */
typedef struct {
    int total, conns, failed;
    double rate;
    int64_t start_us, intake_done_us;
    struct bench_ledger *ledger;
} ctl_bench_run_t;
void ctl_bench_report(ctl_t *ctl, const ctl_bench_run_t *run, json_t *cost,
                      const ctl_pgbench_t *pg_before, const ctl_pgbench_t *pg_after);
void ctl_scratch_destroy(ctl_scratch_t **self_p);
int ctl_calendar(ctl_t *ctl, int argc, char **argv);

/* The intake base URL, e.g. "http://127.0.0.1:7100". */
const char *ctl_intake_url(ctl_t *ctl, char *buf, size_t len);

/* Performs an HTTP request to intake (body NULL for GET). On success returns
 * the HTTP status and sets *reply (parsed JSON, caller decrefs; NULL if the
 * body was not JSON). Returns -1 when intake could not be reached, after
 * printing why. */
int ctl_http(ctl_t *ctl, const char *method, const char *path, const char *body, json_t **reply);

/* Like ctl_http, with an optional extra header line ("Name: value"). */
int ctl_http_ex(ctl_t *ctl, const char *method, const char *path, const char *body,
                const char *header, json_t **reply);

/* POSTs len bytes of data as content_type to path (a file upload). */
int ctl_http_upload(ctl_t *ctl, const char *path, const void *data, size_t len,
                    const char *content_type, json_t **reply);

/* Prints an RFC 9457 problem reply as "error: title: detail (field)". */
void ctl_print_problem(int status, json_t *reply);

/* GETs path; on 200 prints the reply as JSON (with --json) or hands it to
 * print, else prints the problem. CTL_OK or CTL_FAILED. */
int ctl_get_print(ctl_t *ctl, const char *path, void (*print)(ctl_t *, json_t *));

/* Appends name=value to the query of the path in buf (len bytes), after ?
 * or &, the value URL-encoded; nothing when value is NULL. */
void ctl_query_arg(char *buf, size_t len, const char *name, const char *value);

/* Prints j as indented JSON on stdout. */
void ctl_print_json(json_t *j);

/* Puts stdout and stderr behind a filter that escapes control characters
 * (see dubanctl_output.c); call once at start. */
void ctl_output_guard(void);

/* s on one line in buf (len bytes): newlines shown as U+23CE, tabs as
 * spaces, cut at a whole character. For values in a one-line listing. */
const char *ctl_flat(const char *s, char *buf, size_t len);

/* Prints "  label: text" with every further line of text indented under
 * the first, so a value's own lines cannot pass for dubanctl's. */
void ctl_print_block(const char *label, const char *text);

#endif
