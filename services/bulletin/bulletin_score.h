/* The arithmetic of a bulletin's figures: the counts kept per division,
 * role and month, rates with their empty denominators, working days, the
 * weighted score and the grade. Pure functions on integers: every result is
 * rounded half up to a tenth and is the same on every run and machine. */
#ifndef DUBAN_BULLETIN_SCORE_H
#define DUBAN_BULLETIN_SCORE_H

#include "bulletin_config.h"

#include <jansson.h>
#include <stdint.h>

#define BULLETIN_LEVELS 8 /* alerts: [0] warnings, [1..7] breach and escalation levels */
#define BULLETIN_NA (-1)  /* a figure whose denominator is empty: "n/a" */

/* Counts of one division (or the bureau), one role, over some months. */
typedef struct {
    int64_t received;                   /* tasks dispatched, less those it returned */
    int64_t response_due, response_met; /* response deadlines in the period; met by them */
    int64_t ontime_due, ontime_met;     /* completion deadlines in the period; replied by them */
    int64_t replies, handling_us;       /* replies in the period; working time dispatch->reply */
    int64_t returns, arbitrated, groundless, reopened, extensions;
    int64_t satisfied, basically, unsatisfied; /* callbacks in the period */
    int64_t alerts[BULLETIN_LEVELS];
    int64_t violations;
    int64_t overdue_open, overdue_us; /* census at the end: count, working time over */
    /* Work items (督办事项), on the lead division's lead cell: items whose
     * deadline fell in the period and those completed on time; progress
     * reports due and missed; verifications sent back; failed look-backs;
     * public evaluations (网上评议) by rating. */
    int64_t wi_due, wi_ontime;
    int64_t wi_reports_due, wi_reports_missed;
    int64_t wi_sent_back, wi_lookback_failed;
    int64_t wi_eval_satisfied, wi_eval_basically, wi_eval_dissatisfied;
} bulletin_counts_t;

/* dst += src, field by field. */
void bulletin_counts_add(bulletin_counts_t *dst, const bulletin_counts_t *src);

/* 1000 * num / den rounded half up (tenths of a percent), or BULLETIN_NA
 * when den is 0 — never 100%. */
int bulletin_rate_x10(int64_t num, int64_t den);

/* Mean working days of total_us over n items of day_us each, in tenths,
 * rounded half up; BULLETIN_NA when n is 0. */
int bulletin_days_x10(int64_t total_us, int64_t n, int64_t day_us);

/* Working days of a duration in tenths, rounded half up. */
int bulletin_duration_x10(int64_t us, int64_t day_us);

/* satisfied + basically over all callbacks, as bulletin_rate_x10. */
int bulletin_satisfaction_x10(const bulletin_counts_t *c);

/* satisfied + basically over all public evaluations of work items. */
int bulletin_evaluation_x10(const bulletin_counts_t *c);

/* The score in tenths: the weighted mean (weights of the config) of the
 * response, on-time and satisfaction rates and the work items' on-time and
 * evaluation rates that have a denominator, in percent, minus penalties per
 * overdue open task, groundless return, reopen (failed look-backs of work
 * items too), breach/escalation alert, missed progress report and
 * verification sent back, kept within 0..100. BULLETIN_NA when none of the
 * five rates has a denominator. */
int bulletin_score_x10(const bulletin_config_t *config, const bulletin_counts_t *c);

/* The grade of a score (the first whose min it reaches); NULL for
 * BULLETIN_NA. */
const bulletin_grade_t *bulletin_grade_for(const bulletin_config_t *config, int score_x10);

/* A tenths value as a JSON number with one decimal (75.0), or "n/a". */
json_t *bulletin_x10_json(int x10);

/* Writes a tenths value as "75.0" or "n/a" into buf (>= 16 bytes). */
const char *bulletin_x10_str(int x10, char *buf, size_t len);

/* A signed difference of two tenths values as "+2.5", "-1.0", "0.0", or
 * "n/a" when either is BULLETIN_NA. */
const char *bulletin_delta_str(int now_x10, int before_x10, char *buf, size_t len);

#endif
