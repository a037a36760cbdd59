/* See dispatch_workitem_schedule.h. */
#include "dispatch_workitem_schedule.h"

#include <stdio.h>

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

int dispatch_workitem_report_dues(const calendar_t *working, int64_t starts_us,
                                  int64_t deadline_us, int day, int64_t *dues, int max)
{
    int year, month, d, n = 0;
    if (day < 1 || calendar_local_date(working, starts_us, &year, &month, &d) < 0)
        return 0;
    for (;;) {
        if (++month > 12) {
            month = 1;
            year++;
        }
        int64_t due = dispatch_workitem_nth_working_day(working, year, month, day);
        if (due == CALENDAR_NEVER || due >= deadline_us)
            return n;
        if (n == max)
            return -1;
        dues[n++] = due;
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
