/* dubanctl bench-bulletin [--tasks N] [--months M] [--reuse] [--keep]:
 * how long the bulletins take over a large database, beside a raw GROUP BY
 * division, role over all tasks. Creates a scratch
 * database (duban_bench_bulletin, on the server of pg.conninfo) with the
 * full schema, fills it with N tasks spread evenly over the M months ending
 * with the last full month (bulk INSERT ... SELECT generate_series, indexes
 * built after the load), then times the raw GROUP BY and, with the same
 * engine as duban-bulletin, the latest month-check, quarter, half-year and
 * year-end review: from the rows, as in operation, composed of frozen
 * months (s_time_all; the month-check also with its days stored one by
 * one as the service stores them, s_time_days), each with the read
 * statements that took longest (bulletin_run_info_t.statement_us). The data is synthetic but shaped
 * like the real thing: a tenth of the cases have a co-handling task; most tasks are signed and
 * replied (some late), a few returned, a few never replied; cases get a
 * callback and close; some tasks get extensions, alerts and violations. */
#include "dubanctl.h"

#include "bulletin_months.h"
#include "bulletin_run.h"
#include "clock.h"
#include "pg_time.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_DB "duban_bench_bulletin"

static int s_exec(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "error: %s\nin: %.200s\n", PQresultErrorMessage(res), sql);
    PQclear(res);
    return rc;
}

static double s_seconds(int64_t since_mono)
{
    return (double)(clock_mono_us() - since_mono) / 1e6;
}

/* Indexes other than primary keys and unique constraints of the big tables:
 * dropped before the load and built again after, which is several times
 * faster than maintaining them row by row. */
static const char *s_index_sql =
    "SELECT indexdef, indexname FROM pg_indexes i WHERE tablename IN ('tasks', 'cases',"
    " 'case_events', 'alerts', 'violations', 'task_clocks') AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
    " WHERE c.conname = i.indexname)";

/* $1 cases, $2 first month start, $3 seconds spanned. Task shapes by r in
 * 0..9999: 0..199 returned within the response window, 200 never replied,
 * 201..1200 replied late, the rest replied on time; tasks of the last 20
 * days are still open. */
static const char *s_fill[] = {
    "CREATE TEMP TABLE g AS SELECT i, abs(hashint8(i)) % 10000 AS r,"
    " to_timestamp($2::bigint) + (i::float8 / $1::bigint) * $3::float8 * interval '1 second'"
    "  AS at,"
    " (ARRAY['metrology','supervision','enforcement','fiber','standards','special-equipment',"
    "  'certification','licensing','finance','office-legal','discipline'])"
    "  [1 + abs(hashint8(i + 7)) % 11] AS division"
    " FROM generate_series(1, $1::bigint) i",
    "INSERT INTO cases (id, case_number, query_code_sha256, channel, kind, priority, subject,"
    " description, first_responder, state, created_at, updated_at, satisfaction, closed_at,"
    " replied_at, flagged, category, place)"
    " SELECT i, 'DB' || lpad(i::text, 12, '0'), '\\x00', 'hotline', 'complaint', 'normal',"
    " '电子秤不准', '缺斤短两', 'op001',"
    " CASE WHEN at > now() - interval '20 days' OR r = 200 THEN 'dispatched' ELSE 'closed' END,"
    " at, at, CASE WHEN r % 10 = 0 THEN 'unsatisfied' WHEN r % 10 < 4 THEN 'basically'"
    "  ELSE 'satisfied' END, at + interval '20 days', at + interval '18 days', r % 1000 = 999,"
    " (ARRAY['metrology', 'counterfeit', 'fiber', 'product-quality', 'fees'])[1 + i % 5],"
    " CASE WHEN i % 3 = 0 THEN (ARRAY['石家庄市长安区', '保定市竞秀区', '唐山市路南区',"
    "  '邯郸市丛台区', '廊坊市广阳区'])[1 + i % 7 % 5] || '某街道' END"
    " FROM g",
    "INSERT INTO tasks (case_id, division, role, state, dispatched_at, response_due,"
    " completion_due, response_warn, completion_warn, signed_at, returned_at, return_to,"
    " return_reason, replied_at, result, updated_at)"
    " SELECT i, division, 'lead',"
    "  CASE WHEN r < 200 THEN 'returned' WHEN at > now() - interval '20 days' OR r = 200"
    "   THEN 'signed' ELSE 'replied' END,"
    "  at + interval '10 minutes', at + interval '1 day', at + interval '19 days',"
    "  at + interval '18 hours', at + interval '15 days',"
    "  CASE WHEN r >= 200 THEN at + (r % 30) * interval '1 hour' END,"
    "  CASE WHEN r < 200 THEN at + interval '2 hours' END,"
    "  CASE WHEN r < 200 THEN 'licensing' END, CASE WHEN r < 200 THEN '不属于本处' END,"
    "  CASE WHEN r > 200 AND at <= now() - interval '20 days'"
    "   THEN at + (CASE WHEN r <= 1200 THEN 21 ELSE 3 + r % 15 END) * interval '1 day' END,"
    "  CASE WHEN r > 200 THEN '已办结' END, at FROM g",
    "INSERT INTO tasks (case_id, division, role, state, dispatched_at, response_due,"
    " completion_due, response_warn, completion_warn, signed_at, replied_at, updated_at)"
    " SELECT i, 'supervision', 'co', CASE WHEN at > now() - interval '20 days' THEN 'signed'"
    "  ELSE 'replied' END, at + interval '10 minutes', at + interval '1 day',"
    "  at + interval '19 days', at + interval '18 hours', at + interval '15 days',"
    "  at + interval '3 hours', CASE WHEN at <= now() - interval '20 days'"
    "   THEN at + interval '10 days' END, at FROM g WHERE i % 10 = 0",
    /* each clock's history: one state from dispatch to the step that ended it,
     * still in force (until NULL) where no step has ended it */
    "INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since, until, due,"
    " ended)"
    " SELECT id, 'response', 1, case_id, division, role, dispatched_at,"
    "  CASE WHEN coalesce(signed_at, returned_at) IS NOT NULL"
    "   THEN greatest(dispatched_at, coalesce(signed_at, returned_at)) END, response_due,"
    "  CASE WHEN coalesce(signed_at, returned_at) IS NOT NULL THEN 'met' END FROM tasks"
    " UNION ALL"
    " SELECT id, 'completion', 1, case_id, division, role, dispatched_at,"
    "  CASE WHEN coalesce(replied_at, returned_at) IS NOT NULL"
    "   THEN greatest(dispatched_at, coalesce(replied_at, returned_at)) END, completion_due,"
    "  CASE WHEN replied_at IS NOT NULL THEN 'met' WHEN returned_at IS NOT NULL THEN 'returned'"
    "  END FROM tasks",
    "INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    " SELECT t.case_id, t.id, 'returned', 'bench', jsonb_build_object('division', t.division),"
    "  t.returned_at FROM tasks t WHERE t.returned_at IS NOT NULL",
    "INSERT INTO case_events (case_id, type, actor, detail, at)"
    " SELECT c.id, x.type, 'op001', x.detail, c.closed_at - x.before FROM cases c,"
    " LATERAL (VALUES ('callback', jsonb_build_object('satisfaction', c.satisfaction),"
    "  interval '1 second'), ('closed', '{}'::jsonb, interval '0')) x(type, detail, before)"
    " WHERE c.state = 'closed'",
    "INSERT INTO case_events (case_id, task_id, type, actor, detail, at)"
    " SELECT t.case_id, t.id, 'extension_granted', 'insp001',"
    "  jsonb_build_object('division', t.division), t.dispatched_at + interval '5 days'"
    " FROM tasks t WHERE t.id % 37 = 0 AND t.role = 'lead'",
    "INSERT INTO alerts (task_id, case_id, division, deadline, kind, level, due_at, raised_at)"
    " SELECT t.id, t.case_id, t.division, 'completion', 'breach', 1, t.completion_due,"
    "  t.completion_due FROM tasks t WHERE t.role = 'lead' AND t.completion_due < now()"
    "  AND (t.replied_at IS NULL OR t.replied_at > t.completion_due) AND t.returned_at IS NULL",
    "INSERT INTO violations (division, case_id, task_id, kind, at)"
    " SELECT division, case_id, task_id, 'completion_overdue', raised_at FROM alerts",
    "SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))",
};

static int s_fill_db(PGconn *conn, long tasks, int months, int64_t first_us, int64_t span_s)
{
    long cases = tasks * 10 / 11;
    char p1[32], p2[64], p3[32];
    snprintf(p1, sizeof(p1), "%ld", cases);
    snprintf(p2, sizeof(p2), "%lld", (long long)(first_us / 1000000));
    snprintf(p3, sizeof(p3), "%lld", (long long)span_s);
    PGresult *idx = PQexec(conn, s_index_sql);
    if (PQresultStatus(idx) != PGRES_TUPLES_OK) {
        PQclear(idx);
        return -1;
    }
    /* Foreign-key checks are skipped during the load where the role may
     * (a superuser); duban_owner may not, and loads with them, slower. */
    PGresult *replica = PQexec(conn, "SET session_replication_role = replica");
    bool skip_checks = PQresultStatus(replica) == PGRES_COMMAND_OK;
    PQclear(replica);
    int rc = s_exec(conn, "SET maintenance_work_mem = '512MB'") |
             s_exec(conn, "SET synchronous_commit = off");
    for (int i = 0; rc == 0 && i < PQntuples(idx); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "DROP INDEX %s", PQgetvalue(idx, i, 1));
        rc = s_exec(conn, sql);
    }
    int64_t t0 = clock_mono_us();
    for (size_t i = 0; rc == 0 && i < sizeof(s_fill) / sizeof(s_fill[0]); i++) {
        const char *params[3] = {p1, p2, p3};
        PGresult *res = PQexecParams(conn, s_fill[i], i == 0 ? 3 : 0, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
            fprintf(stderr, "error: filling the scratch database: %s", PQresultErrorMessage(res));
            rc = -1;
        }
        PQclear(res);
        fprintf(stderr, "  fill step %zu done after %.1f s\n", i + 1, s_seconds(t0));
    }
    for (int i = 0; rc == 0 && i < PQntuples(idx); i++)
        rc = s_exec(conn, PQgetvalue(idx, i, 0));
    fprintf(stderr, "  %d indexes built after %.1f s\n", PQntuples(idx), s_seconds(t0));
    PQclear(idx);
    if (rc == 0)
        rc = (skip_checks ? s_exec(conn, "RESET session_replication_role") : 0) |
             s_exec(conn,
                    "VACUUM ANALYZE cases, tasks, task_clocks, case_events, alerts, violations");
    return rc;
}

static long s_count(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    long n = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                 ? strtol(PQgetvalue(res, 0, 0), NULL, 10)
                 : -1;
    PQclear(res);
    return n;
}

/* The rescan a bulletin must beat: the same kind of counts by division and
 * role, read from every task (no index helps it). */
static const char *s_raw_sql =
    "SELECT division, role, count(*), count(*) FILTER (WHERE returned_at IS NULL),"
    " count(signed_at), count(*) FILTER (WHERE signed_at <= response_due), count(replied_at),"
    " count(*) FILTER (WHERE replied_at <= completion_due),"
    " sum(extract(epoch FROM replied_at - dispatched_at)),"
    " count(*) FILTER (WHERE replied_at IS NULL AND returned_at IS NULL AND completion_due < now())"
    " FROM tasks GROUP BY division, role";

/* The fastest of two runs of the raw GROUP BY, in seconds; < 0 on error. */
static double s_raw_group_by(PGconn *conn)
{
    double best = -1;
    s_exec(conn, "SET jit = off");
    for (int pass = 1; pass <= 2; pass++) {
        int64_t t0 = clock_mono_us();
        if (s_exec(conn, s_raw_sql) < 0)
            return -1;
        double took = s_seconds(t0);
        printf("raw GROUP BY division, role over all tasks (run %d): %.2f s\n", pass, took);
        if (best < 0 || took < best)
            best = took;
    }
    s_exec(conn, "RESET jit");
    return best;
}

/* The read statements that took longest, slowest first ("events 0.412 s,
 * closed 0.300 s, ..."): where a run's time went. */
static void s_slowest(const bulletin_run_info_t *info, char *buf, size_t len)
{
    bool shown[BQ_COUNT] = {false};
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < 4; k++) {
        int top = -1;
        for (int i = 0; i < BQ_COUNT; i++)
            if (!shown[i] && (top < 0 || info->statement_us[i] > info->statement_us[top]))
                top = i;
        shown[top] = true;
        int n = snprintf(buf + used, len - used, "%s%s %.3f s", k ? ", " : "",
                         bulletin_query_name(top), (double)info->statement_us[top] / 1e6);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

/* Each read statement's seconds, by name. */
static json_t *s_statements_json(const bulletin_run_info_t *info)
{
    json_t *j = json_object();
    for (int i = 0; j && i < BQ_COUNT; i++)
        json_object_set_new(j, bulletin_query_name(i),
                            json_real((double)info->statement_us[i] / 1e6));
    return j;
}

/* Runs period p once and prints how long it took, against the raw GROUP BY. */
static int s_time(PGconn *conn, bulletin_engine_t *e, const bulletin_period_t *p, bool from_rows,
                  const char *what, double raw, json_t *out)
{
    bulletin_run_opts_t opts = {
        .trigger = "demand", .by = "bench", .replace = true, .from_rows = from_rows};
    bulletin_run_info_t info;
    int64_t t0 = clock_mono_us();
    if (bulletin_run(conn, e, p, &opts, &info) < 0)
        return -1;
    double total = s_seconds(t0);
    char slowest[256];
    s_slowest(&info, slowest, sizeof(slowest));
    printf("%s %s, %s: %.2f s = %.3f x the raw GROUP BY — read %.2f s, compute %.2f s, store "
           "%.3f s, files %.3f s; months %d as frozen, %d from the rows, %d frozen now, %d days "
           "as stored; %s\n"
           "  slowest statements: %s\n",
           bulletin_kind_name(p->kind), p->label, what, total, raw > 0 ? total / raw : 0,
           info.read_us / 1e6, info.compute_us / 1e6, info.store_us / 1e6, info.files_us / 1e6,
           info.months_stored, info.months_read, info.months_frozen, info.days_stored,
           bulletin_run_result_str(info.result), slowest);
    fflush(stdout);
    json_array_append_new(
        out,
        json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:i, s:i, s:o}", "kind",
                  bulletin_kind_str(p->kind), "period", p->label, "run", what, "seconds", total,
                  "ratio_to_raw", raw > 0 ? total / raw : 0, "read_seconds", info.read_us / 1e6,
                  "compute_seconds", info.compute_us / 1e6, "months_stored", info.months_stored,
                  "months_read", info.months_read, "statement_seconds", s_statements_json(&info)));
    return 0;
}

/* The month's days stored one at a time, each once it has ended for good,
 * as the bulletin service stores them (bulletin_days.h): how long a day
 * takes, the slowest and all together. */
static int s_time_days(PGconn *conn, bulletin_engine_t *e, const bulletin_period_t *month,
                       double raw, json_t *runs)
{
    int64_t start = bulletin_month_start_us(month->year, month->first_month, e->offset_us);
    int ny, nm;
    bulletin_period_month(month, 1, &ny, &nm);
    int64_t end = bulletin_month_start_us(ny, nm, e->offset_us);
    double total = 0, slowest = 0;
    int days = 0;
    for (int64_t day_end = start + BULLETIN_DAY_US; day_end <= end; day_end += BULLETIN_DAY_US) {
        int read, stored;
        int64_t t0 = clock_mono_us();
        if (bulletin_days_run(conn, e, month, day_end + BULLETIN_MONTH_SETTLE_US, &read, &stored) <
                0 ||
            stored != 1) {
            fprintf(stderr, "error: the day ending %lld was not stored\n", (long long)day_end);
            return -1;
        }
        double took = s_seconds(t0);
        total += took;
        slowest = took > slowest ? took : slowest;
        days++;
    }
    printf("月检查 %s, its %d days stored one by one as they end: %.3f s a day on average, the "
           "slowest %.3f s (%.3f x the raw GROUP BY), %.2f s in all\n",
           month->label, days, total / days, slowest, raw > 0 ? slowest / raw : 0, total);
    fflush(stdout);
    json_array_append_new(runs,
                          json_pack("{s:s, s:s, s:s, s:f, s:f, s:i}", "kind", "days", "period",
                                    month->label, "run", "days one by one", "seconds", total,
                                    "slowest_day_seconds", slowest, "days", days));
    return 0;
}

/* The latest ended month-check, quarter, half-year and year-end review:
 * each from the rows (every month read), then as in operation (a
 * month-check's month before frozen by its own month-check and its days
 * stored as they ended; a longer period reading what is not frozen yet),
 * then composed of frozen months. */
static int s_time_all(PGconn *conn, bulletin_engine_t *e, const bulletin_period_t *last_month,
                      double raw, json_t *runs)
{
    bulletin_period_t before;
    bulletin_period_previous(last_month, &before);
    char forget[160];
    snprintf(forget, sizeof(forget),
             "DELETE FROM bulletin_months WHERE month_start = " PG_TIME_TS_OF("%lld"),
             (long long)bulletin_month_start_us(last_month->year, last_month->first_month,
                                                e->offset_us));
    if (s_time(conn, e, last_month, true, "from the rows", raw, runs) < 0 ||
        s_time(conn, e, &before, false, "the month before, from the rows (freezing it)", raw,
               runs) < 0 ||
        s_time(conn, e, last_month, false, "first run, no day stored (the month before frozen)",
               raw, runs) < 0 ||
        /* the month again as if not read yet, now with its days stored */
        s_exec(conn, forget) < 0 || s_time_days(conn, e, last_month, raw, runs) < 0 ||
        s_time(conn, e, last_month, false, "first run (the month before frozen, its days stored)",
               raw, runs) < 0 ||
        s_time(conn, e, last_month, false, "composed", raw, runs) < 0)
        return -1;
    static const bulletin_kind_t kinds[] = {BULLETIN_QUARTER, BULLETIN_HALF, BULLETIN_YEAR};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        bulletin_period_t p;
        bulletin_period_last_ended(kinds[i], clock_now_us(), e->offset_us, &p);
        if (s_time(conn, e, &p, true, "from the rows", raw, runs) < 0 ||
            s_time(conn, e, &p, false, "first run", raw, runs) < 0 ||
            s_time(conn, e, &p, false, "composed", raw, runs) < 0)
            return -1;
    }
    return 0;
}

int ctl_bench_bulletin(ctl_t *ctl, int argc, char **argv)
{
    long tasks = 1000000;
    int months = 120;
    bool reuse = false, keep = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tasks") == 0 && i + 1 < argc)
            tasks = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--months") == 0 && i + 1 < argc)
            months = atoi(argv[++i]);
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = true;
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else {
            fprintf(stderr, "usage: dubanctl bench-bulletin [--tasks N] [--months M] [--reuse] "
                            "[--keep]\n");
            return CTL_USAGE;
        }
    }
    if (tasks < 11 || months < 4 || months > 600) {
        fprintf(stderr, "error: --tasks at least 11, --months 4..600\n");
        return CTL_USAGE;
    }
    if (sodium_init() < 0)
        return CTL_FAILED;
    /* Everything below talks to the scratch database: a later dbname in a
     * conninfo string wins over an earlier one. */
    const char *base = settings_string(ctl->settings, "pg.conninfo", "dbname=duban");
    char conninfo[1024], outdir[] = "/tmp/duban-bench-bulletin.XXXXXX";
    snprintf(conninfo, sizeof(conninfo), "%s dbname=%s", base, BENCH_DB);
    /* the schema's owner creates, fills and reads the scratch database */
    PGconn *admin = ctl_pg_connect_as(ctl, "setup");
    if (!admin || !mkdtemp(outdir)) {
        PQfinish(admin);
        return CTL_FAILED;
    }
    s_exec(admin, "SET client_min_messages = warning");
    int rc = CTL_FAILED;
    bulletin_engine_t *e = NULL;
    PGconn *conn = NULL;
    json_t *runs = json_array();
    bool exists =
        s_count(admin, "SELECT count(*) FROM pg_database WHERE datname = '" BENCH_DB "'") == 1;
    if ((!reuse || !exists) &&
        (s_exec(admin, "DROP DATABASE IF EXISTS " BENCH_DB " WITH (FORCE)") < 0 ||
         s_exec(admin, "CREATE DATABASE " BENCH_DB) < 0))
        goto out_finish;
    /* also when reused: a database kept from before gets the migrations
     * added since */
    setenv("DUBAN_PG_CONNINFO", conninfo, 1);
    char *setup_argv[] = {"setup", NULL};
    if (ctl_setup(ctl, 1, setup_argv) != CTL_OK)
        goto out_finish;
    setenv("DUBAN_BULLETIN_OUT_DIR", outdir, 1);
    e = bulletin_engine_new(ctl->settings);
    conn = ctl_pg_connect_as(ctl, "setup");
    if (!e || !conn)
        goto out_finish;
    s_exec(conn, "SET client_min_messages = warning");
    bulletin_period_t last;
    bulletin_period_last_ended(BULLETIN_MONTH, clock_now_us(), e->offset_us, &last);
    bulletin_period_t first = last;
    for (int i = 1; i < months; i++)
        bulletin_period_previous(&first, &first);
    int64_t first_us = bulletin_month_start_us(first.year, first.first_month, e->offset_us);
    int ny, nm;
    bulletin_period_month(&last, 1, &ny, &nm);
    int64_t span_s = (bulletin_month_start_us(ny, nm, e->offset_us) - first_us) / 1000000;
    if (!reuse || !exists || s_count(conn, "SELECT count(*) FROM tasks") == 0) {
        printf("filling %s with %ld tasks over %d months (%s to %s) ...\n", BENCH_DB, tasks, months,
               first.label, last.label);
        fflush(stdout);
        int64_t t0 = clock_mono_us();
        if (s_fill_db(conn, tasks, months, first_us, span_s) < 0)
            goto out_finish;
        printf("filled in %.1f s\n", s_seconds(t0));
    }
    long ntasks = s_count(conn, "SELECT count(*) FROM tasks");
    long nevents = s_count(conn, "SELECT count(*) FROM case_events");
    printf("database: %ld tasks, %ld cases, %ld events, %ld alerts\n", ntasks,
           s_count(conn, "SELECT count(*) FROM cases"), nevents,
           s_count(conn, "SELECT count(*) FROM alerts"));
    s_exec(conn, "DELETE FROM bulletin_rechecks");
    s_exec(conn, "DELETE FROM bulletins");
    s_exec(conn, "SELECT bulletin_months_thaw('-infinity')"); /* the days too */
    double raw = s_raw_group_by(conn);
    if (raw < 0 || s_time_all(conn, e, &last, raw, runs) < 0)
        goto out_finish;
    if (ctl->json) {
        json_t *j = json_pack("{s:I, s:I, s:f, s:o}", "tasks", (json_int_t)ntasks, "events",
                              (json_int_t)nevents, "raw_group_by_seconds", raw, "runs", runs);
        runs = NULL;
        ctl_print_json(j);
        json_decref(j);
    }
    rc = CTL_OK;
out_finish:
    json_decref(runs);
    PQfinish(conn);
    bulletin_engine_destroy(&e);
    if (!keep && rc == CTL_OK)
        ctl_pg_drop_database(admin, BENCH_DB);
    PQfinish(admin);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", outdir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", outdir);
    return rc;
}
