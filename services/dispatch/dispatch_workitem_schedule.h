/* A work item's calendar, as pure arithmetic on the business calendar: the
 * instants its progress reports fall due (the report rhythm) and the warning
 * point of a deadline the creator set rather than the SLA policy (the same
 * share of the working time as the policy's warnings, sla.h). No I/O. */
#ifndef DUBAN_DISPATCH_WORKITEM_SCHEDULE_H
#define DUBAN_DISPATCH_WORKITEM_SCHEDULE_H

#include "calendar.h"

#include <stdint.h>

/* At most this many reports per item (five years of monthly reports). */
#define WORKITEM_MAX_REPORTS 60

/* The report rhythms a plan names (work_items.report_rhythm, with n in
 * report_day):
 *   "monthly"       by the nth working day of every month (1-23)
 *   "quarterly"     by the nth working day of every quarter's first month
 *                   (January, April, July, October: on the quarter past; 1-23)
 *   "working_days"  every n working days from the start (1-60; 5 is weekly
 *                   in a week without a holiday)
 *   "none"          no report falls due */
#define WORKITEM_DAY_OF_MONTH_MAX 23
#define WORKITEM_EVERY_DAYS_MAX 60

/* The close of the day-th working day of the local month of month_us
 * (e.g. the 5th working day of March 2017: Tue 2017-03-07 17:30 +08:00). */
int64_t dispatch_workitem_nth_working_day(const calendar_t *working, int year, int month, int day);

/* The reports due on rhythm with n (above) after starts_us and before
 * deadline_us, into dues (at most max): monthly one in each month after the
 * month of starts_us, quarterly one in each quarter's first month after it,
 * working_days one at the close of every nth working day, counted from the
 * day after the start and then from each due. Returns how many (0 for none
 * or a rhythm not named above), or -1 when there would be more than max. */
int dispatch_workitem_report_dues(const calendar_t *working, const char *rhythm, int n,
                                  int64_t starts_us, int64_t deadline_us, int64_t *dues, int max);

/* The instant warning_percent of the working time from start_us to due_us
 * has passed (due_us itself when no working time lies between). */
int64_t dispatch_workitem_warn(const calendar_t *working, int warning_percent, int64_t start_us,
                               int64_t due_us);

#endif
