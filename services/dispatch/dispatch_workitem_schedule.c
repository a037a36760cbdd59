/* See dispatch_workitem_schedule.h. */
#include "dispatch_workitem_schedule.h"

#include <stdio.h>
#include <string.h>

int64_t dispatch_workitem_nth_working_day(const calendar_t *working, int year, int month, int day)
{
    /* Noon UTC of the month's last day before: that day in every zone
     * within twelve hours of UTC, so the nth working day after it is the
     * month's nth. */
    char text[40];
    snprintf(text, sizeof(text), "%04d-%02d-01T00:00:00Z", year, month);
    int64_t first;
    if (calendar_parse_instant(text, &first) < 0)
        return CALENDAR_NEVER;
    return calendar_add_days_from_next(working, first - 12LL * 3600 * 1000000, day);
}

/* Every days working days: the close of the days-th working day after the
 * start's date, then after each due's. */
static int s_every(const calendar_t *working, int days, int64_t starts_us, int64_t deadline_us,
                   int64_t *dues, int max)
{
    int n = 0;
    int64_t at = starts_us;
    for (;;) {
        int64_t due = calendar_add_days_from_next(working, at, days);
        if (due == CALENDAR_NEVER || due <= at || due >= deadline_us)
            return n;
        if (n == max)
            return -1;
        dues[n++] = at = due;
    }
}

int dispatch_workitem_report_dues(const calendar_t *working, const char *rhythm, int n,
                                  int64_t starts_us, int64_t deadline_us, int64_t *dues, int max)
{
    if (!rhythm || n < 1)
        return 0;
    if (strcmp(rhythm, "working_days") == 0)
        return n > WORKITEM_EVERY_DAYS_MAX ? 0 : s_every(working, n, starts_us, deadline_us, dues, max);
    int step = strcmp(rhythm, "monthly") == 0 ? 1 : strcmp(rhythm, "quarterly") == 0 ? 3 : 0;
    int year, month, d, count = 0;
    if (!step || n > WORKITEM_DAY_OF_MONTH_MAX ||
        calendar_local_date(working, starts_us, &year, &month, &d) < 0)
        return 0;
    for (;;) {
        /* the next month after the start's that opens a period of the rhythm */
        do {
            if (++month > 12) {
                month = 1;
                year++;
            }
        } while ((month - 1) % step != 0);
        int64_t due = dispatch_workitem_nth_working_day(working, year, month, n);
        if (due == CALENDAR_NEVER || due >= deadline_us)
            return count;
        if (count == max)
            return -1;
        dues[count++] = due;
    }
}

int64_t dispatch_workitem_warn(const calendar_t *working, int warning_percent, int64_t start_us,
                               int64_t due_us)
{
    int64_t span = calendar_working_between(working, start_us, due_us);
    if (span <= 0)
        return due_us;
    int64_t warn = calendar_add_working(working, start_us, span / 100 * warning_percent);
    return warn < due_us ? warn : due_us;
}
