/* The month so far; see bulletin_to_date.h. The statements are the
 * engine's (bulletin_query_sql), run one by one in their own transaction as
 * bulletin_run.c does; only the last bound moves. */
#include "bulletin_to_date.h"

#include "bulletin_months.h"
#include "clock.h"
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void bulletin_to_date_cut(bulletin_query_t *q, int64_t end_us)
{
    char end[40];
    clock_format_utc(end_us, end, sizeof(end));
    q->bounds[q->nmonths] = end_us;
    snprintf(q->params[2], sizeof(q->params[2]), "%s", end);
    /* $1 is "{b0,b1,...,bn}": replace bn. */
    char *last = strrchr(q->params[0], ',');
    if (last) {
        size_t used = (size_t)(last - q->params[0]);
        snprintf(last, sizeof(q->params[0]) - used, ",%s}", end);
    }
}

bulletin_report_t *bulletin_to_date(PGconn *conn, const bulletin_engine_t *engine, int64_t now_us)
{
    /* The local month of now, in the calendar's zone. */
    time_t local = (time_t)((now_us + engine->offset_us) / 1000000);
    struct tm tm;
    gmtime_r(&local, &tm);
    bulletin_period_t p;
    bulletin_period_of(BULLETIN_MONTH, tm.tm_year + 1900, tm.tm_mon + 1, &p);
    bulletin_query_t q;
    bulletin_query_init(&q, &p, engine->offset_us);
    if (now_us <= q.bounds[q.first_current] || now_us >= q.bounds[q.nmonths])
        return NULL; /* cannot happen: now lies in its own month */
    bulletin_to_date_cut(&q, now_us);
    PGresult *results[BQ_COUNT] = {0};
    bulletin_report_t *report = NULL;
    int i = 0;
    for (; i < BQ_COUNT; i++) {
        int n;
        const char *sql = bulletin_query_sql(&q, i, &n);
        const char *values[BQ_PARAMS];
        for (int k = 0; k < BQ_PARAMS; k++)
            values[k] = q.params[k];
        results[i] = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(results[i]);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            log_error("could not read the month so far", "statement=%d err=%s", i,
                      PQresultErrorMessage(results[i]));
            if (i > BQ_BEGIN)
                PQclear(PQexec(conn, "ROLLBACK"));
            break;
        }
    }
    if (i == BQ_COUNT)
        report = bulletin_engine_report(engine, &q, results);
    if (report && report->freeze) {
        /* the month before, read from the rows: stored for the next reader */
        const char *values[2] = {report->freeze_epoch, report->freeze};
        PGresult *res =
            PQexecParams(conn, BULLETIN_MONTHS_FREEZE_SQL, 2, NULL, values, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            log_warn("could not freeze the month before the month so far", "err=%s",
                     PQresultErrorMessage(res));
        PQclear(res);
    }
    for (int k = 0; k < BQ_COUNT; k++)
        PQclear(results[k]);
    return report;
}
