/* Frozen days; see bulletin_days.h. */
#include "bulletin_days.h"

#include "bulletin_closures.h"
#include "bulletin_months.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The local midnight at or before at_us, in the zone offset_us east of UTC
 * (the calendar's zone has no summer time: bulletin_calendar_offset_us). */
static int64_t s_midnight(int64_t at_us, int64_t offset_us)
{
    int64_t local = at_us + offset_us;
    int64_t day = local / BULLETIN_DAY_US - (local % BULLETIN_DAY_US < 0 ? 1 : 0);
    return day * BULLETIN_DAY_US - offset_us;
}

static void s_month_of(int64_t at_us, int64_t offset_us, bulletin_period_t *month)
{
    time_t local = (time_t)((at_us + offset_us) / 1000000);
    struct tm tm;
    gmtime_r(&local, &tm);
    bulletin_period_of(BULLETIN_MONTH, tm.tm_year + 1900, tm.tm_mon + 1, month);
}

static void s_plan(const bulletin_period_t *month, int64_t final_end_us, int64_t offset_us,
                   bulletin_days_plan_t *plan)
{
    plan->month = *month;
    plan->month_start_us = bulletin_month_start_us(month->year, month->first_month, offset_us);
    plan->final_end_us = final_end_us;
}

void bulletin_days_latest(int64_t now_us, int64_t offset_us, bulletin_days_plan_t *plan)
{
    /* the latest midnight a day ended at for good */
    int64_t end = s_midnight(now_us - BULLETIN_MONTH_SETTLE_US, offset_us);
    bulletin_period_t month;
    s_month_of(end - 1, offset_us, &month);
    s_plan(&month, end, offset_us, plan);
}

int bulletin_days_of_month(const bulletin_period_t *month, int64_t now_us, int64_t offset_us,
                           bulletin_days_plan_t *plan)
{
    int year, next;
    bulletin_period_month(month, 1, &year, &next);
    int64_t month_end = bulletin_month_start_us(year, next, offset_us);
    int64_t end = s_midnight(now_us - BULLETIN_MONTH_SETTLE_US, offset_us);
    s_plan(month, end < month_end ? end : month_end, offset_us, plan);
    return plan->final_end_us > plan->month_start_us ? 0 : -1;
}

int bulletin_days_query(bulletin_query_t *q, const bulletin_days_plan_t *plan,
                        int64_t stored_end_us, int64_t offset_us)
{
    int64_t from = stored_end_us > plan->month_start_us ? stored_end_us : plan->month_start_us;
    if (from >= plan->final_end_us)
        return 0;
    int ndays = (int)((plan->final_end_us - from) / BULLETIN_DAY_US);
    bulletin_query_init_days(q, &plan->month, from, ndays, offset_us);
    return q->nmonths;
}

char *bulletin_days_to_freeze(const bulletin_data_t *d, int64_t month_start_us, int *count)
{
    *count = 0;
    json_t *days = json_array();
    int rc = days ? 0 : -1;
    for (int m = 0; rc == 0 && m < d->q.nmonths; m++) {
        if (!bulletin_month_final(d->q.bounds[m + 1], d->read_us))
            break; /* the stored days stay a prefix */
        json_t *figures = bulletin_month_figures(d, m);
        json_t *closed = bulletin_closures_json(d, m);
        char start[24], end[24], month[24];
        snprintf(start, sizeof(start), "%lld", (long long)d->q.bounds[m]);
        snprintf(end, sizeof(end), "%lld", (long long)d->q.bounds[m + 1]);
        snprintf(month, sizeof(month), "%lld", (long long)month_start_us);
        json_t *day = figures && closed
                          ? json_pack("{s:s, s:s, s:s, s:O, s:O}", "start", start, "end", end,
                                      "month", month, "figures", figures, "closed", closed)
                          : NULL;
        json_decref(figures);
        json_decref(closed);
        rc = day ? json_array_append_new(days, day) : -1;
        if (rc == 0)
            (*count)++;
    }
    char *text = rc == 0 && *count > 0 ? json_dumps(days, JSON_COMPACT) : NULL;
    json_decref(days);
    if (rc < 0)
        *count = 0;
    return text;
}
