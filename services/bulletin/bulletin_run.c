/* The blocking bulletin runner; see bulletin_run.h. */
#include "bulletin_run.h"

#include "bulletin_days.h"
#include "bulletin_months.h"
#include "bulletin_render.h"
#include "bulletin_store.h"
#include "clock.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_results[] = {"published", "unchanged", "differs", "replaced", "failed"};

const char *bulletin_run_result_str(bulletin_run_result_t result)
{
    return (unsigned)result <= BULLETIN_RUN_FAILED ? s_results[result] : "failed";
}

static PGresult *s_exec(PGconn *conn, const char *sql, int n, const pg_param_t *params)
{
    const char *values[16];
    int lengths[16], formats[16];
    for (int i = 0; i < n && i < 16; i++) {
        values[i] = params[i].value;
        lengths[i] = params[i].len;
        formats[i] = params[i].binary;
    }
    return PQexecParams(conn, sql, n, NULL, values, lengths, formats, 0);
}

static bool s_ok(PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* Runs the read statements; results[] gets every result (caller clears),
 * statement_us[] how long each took. */
static int s_read(PGconn *conn, const bulletin_query_t *q, PGresult **results,
                  int64_t *statement_us)
{
    pg_param_t params[BQ_PARAMS];
    for (int i = 0; i < BQ_PARAMS; i++)
        params[i] = PG_TEXT(q->params[i]);
    for (int i = 0; i < BQ_COUNT; i++) {
        int n;
        const char *sql = bulletin_query_sql(q, i, &n);
        int64_t t0 = clock_mono_us();
        results[i] = s_exec(conn, sql, n, params);
        statement_us[i] = clock_mono_us() - t0;
        if (!s_ok(results[i])) {
            log_error("could not read figures of bulletin", "period=%s statement=%d err=%s",
                      q->period.label, i, PQresultErrorMessage(results[i]));
            if (i > BQ_BEGIN)
                PQclear(PQexec(conn, "ROLLBACK"));
            return -1;
        }
    }
    return 0;
}

static int s_store(PGconn *conn, const bulletin_report_t *report, const bulletin_run_opts_t *o,
                   int replace_revision, bulletin_stored_t *stored)
{
    bulletin_store_t *s = bulletin_store_new(report, o->trigger, o->by, replace_revision);
    if (!s) {
        log_error("cannot store bulletin: out of memory", "period=%s", report->period.label);
        return -1;
    }
    int n;
    const pg_param_t *params = bulletin_store_params(s, &n);
    PGresult *res = s_exec(conn, bulletin_store_sql(s), n, params);
    int rc = 0;
    if (!s_ok(res) || bulletin_store_result(res, stored) < 0) {
        log_error("could not store bulletin", "period=%s err=%s", report->period.label,
                  PQresultErrorMessage(res));
        rc = -1;
    }
    PQclear(res);
    bulletin_store_destroy(&s);
    return rc;
}

/* Stores the months the run read from the rows that have ended for good;
 * a failure costs only speed (the next run reads them again). */
static int s_freeze(PGconn *conn, const bulletin_report_t *report)
{
    if (!report->freeze)
        return 0;
    const char *params[2] = {report->freeze_epoch, report->freeze};
    PGresult *res = PQexecParams(conn, BULLETIN_MONTHS_FREEZE_SQL, 2, NULL, params, NULL, NULL, 0);
    int n = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        n = atoi(PQgetvalue(res, 0, 0));
    else
        log_warn("could not freeze the months of bulletin", "period=%s err=%s",
                 report->period.label, PQresultErrorMessage(res));
    PQclear(res);
    return n;
}

/* The stored digest and revision, read again: the publishing statement saw
 * none because another publisher of the period committed while it waited. */
static int s_reread(PGconn *conn, const bulletin_period_t *p, bulletin_stored_t *stored)
{
    const char *params[2] = {bulletin_kind_str(p->kind), p->label};
    PGresult *res = PQexecParams(conn, BULLETIN_STORE_READ_SQL, 2, NULL, params, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        snprintf(stored->digest, sizeof(stored->digest), "%s", PQgetvalue(res, 0, 1));
        stored->revision = atoi(PQgetvalue(res, 0, 2));
        rc = 0;
    } else {
        log_error("could not read the published bulletin", "period=%s err=%s", p->label,
                  PQresultErrorMessage(res));
    }
    PQclear(res);
    return rc;
}

int bulletin_run(PGconn *conn, const bulletin_engine_t *engine, const bulletin_period_t *p,
                 const bulletin_run_opts_t *opts, bulletin_run_info_t *info)
{
    memset(info, 0, sizeof(*info));
    info->result = BULLETIN_RUN_FAILED;
    bulletin_query_t q;
    bulletin_query_init(&q, p, engine->offset_us);
    bulletin_query_from_rows(&q, opts->from_rows);
    PGresult *results[BQ_COUNT] = {0};
    bulletin_report_t *report = NULL;
    int rc = -1;
    int64_t t0 = clock_mono_us();
    if (s_read(conn, &q, results, info->statement_us) < 0)
        goto out_clear;
    int64_t t1 = clock_mono_us();
    report = bulletin_engine_report(engine, &q, results);
    if (!report)
        goto out_clear;
    snprintf(info->digest, sizeof(info->digest), "%s", report->digest);
    info->months_stored = report->months_stored;
    info->months_read = report->months_read;
    info->days_stored = report->days_stored;
    int64_t t2 = clock_mono_us();
    info->months_frozen = s_freeze(conn, report);
    bulletin_stored_t stored;
    if (s_store(conn, report, opts, 0, &stored) < 0)
        goto out_clear;
    if (!stored.stored && !stored.digest[0] && s_reread(conn, p, &stored) < 0)
        goto out_clear;
    snprintf(info->stored_digest, sizeof(info->stored_digest), "%s", stored.digest);
    info->revision = stored.revision;
    info->rechecks = stored.rechecks;
    if (stored.stored)
        info->result = BULLETIN_RUN_PUBLISHED;
    else if (strcmp(stored.digest, report->digest) == 0)
        info->result = BULLETIN_RUN_UNCHANGED;
    else if (!opts->replace)
        info->result = BULLETIN_RUN_DIFFERS;
    else {
        int before = stored.revision;
        if (s_store(conn, report, opts, before, &stored) < 0)
            goto out_clear;
        if (!stored.stored) {
            log_error("could not replace bulletin: it changed meanwhile; run it again", "period=%s",
                      p->label);
            goto out_clear;
        }
        info->result = BULLETIN_RUN_REPLACED;
        info->revision = stored.revision;
        info->rechecks = stored.rechecks;
    }
    int64_t t3 = clock_mono_us();
    /* Files follow the record: a run whose figures differ from the published
     * record leaves the published files alone. */
    if (!opts->no_files && info->result != BULLETIN_RUN_DIFFERS) {
        if (bulletin_render_files(report, engine->out_dir) < 0)
            goto out_clear;
        snprintf(info->files, sizeof(info->files), "%s", engine->out_dir);
    }
    info->read_us = t1 - t0;
    info->compute_us = t2 - t1;
    info->store_us = t3 - t2;
    info->files_us = clock_mono_us() - t3;
    rc = 0;
out_clear:
    if (rc < 0)
        info->result = BULLETIN_RUN_FAILED;
    for (int i = 0; i < BQ_COUNT; i++)
        PQclear(results[i]);
    bulletin_report_destroy(&report);
    return rc;
}

/* Where the month's stored days end (its start when none is); -1 on error. */
static int64_t s_stored_end(PGconn *conn, const bulletin_days_plan_t *plan)
{
    char start[24];
    snprintf(start, sizeof(start), "%lld", (long long)plan->month_start_us);
    const char *params[1] = {start};
    PGresult *res = PQexecParams(conn, BULLETIN_DAYS_STORED_SQL, 1, NULL, params, NULL, NULL, 0);
    int64_t end = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        end = PQgetisnull(res, 0, 0) ? plan->month_start_us
                                     : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else
        log_error("could not read where the stored days end", "month=%s err=%s", plan->month.label,
                  PQresultErrorMessage(res));
    PQclear(res);
    return end;
}

int bulletin_days_run(PGconn *conn, const bulletin_engine_t *engine, const bulletin_period_t *month,
                      int64_t now_us, int *read, int *stored)
{
    *read = *stored = 0;
    bulletin_days_plan_t plan;
    if (bulletin_days_of_month(month, now_us, engine->offset_us, &plan) < 0)
        return 0;
    int64_t stored_end = s_stored_end(conn, &plan);
    if (stored_end < 0)
        return -1;
    bulletin_query_t q;
    if (bulletin_days_query(&q, &plan, stored_end, engine->offset_us) == 0)
        return 0;
    PGresult *results[BQ_COUNT] = {0};
    int64_t statement_us[BQ_COUNT];
    int rc = -1;
    bulletin_data_t *d = NULL;
    char *days = NULL;
    if (s_read(conn, &q, results, statement_us) < 0 ||
        !(d = bulletin_data_new(&q, engine->calendar, results)))
        goto out_clear;
    *read = q.nmonths;
    int count;
    days = bulletin_days_to_freeze(d, plan.month_start_us, &count);
    if (days) {
        char epoch[24];
        snprintf(epoch, sizeof(epoch), "%lld", (long long)d->epoch);
        const char *params[2] = {epoch, days};
        PGresult *res =
            PQexecParams(conn, BULLETIN_DAYS_FREEZE_SQL, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
            log_error("could not store the days read", "month=%s err=%s", month->label,
                      PQresultErrorMessage(res));
            PQclear(res);
            goto out_clear;
        }
        *stored = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    rc = 0;
out_clear:
    free(days);
    bulletin_data_destroy(&d);
    for (int i = 0; i < BQ_COUNT; i++)
        PQclear(results[i]);
    return rc;
}
