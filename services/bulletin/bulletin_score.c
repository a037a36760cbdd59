/* Rates, working days, score and grade; see bulletin_score.h. Exact
 * rational arithmetic in 128-bit integers, rounded once at the end. */
#include "bulletin_score.h"

#include <stdio.h>
#include <string.h>

typedef __int128 s128;

void bulletin_counts_add(bulletin_counts_t *dst, const bulletin_counts_t *src)
{
    /* The struct holds only int64_t fields, so it can be added as an array. */
    int64_t *d = (int64_t *)dst;
    const int64_t *s = (const int64_t *)src;
    for (size_t i = 0; i < sizeof(*dst) / sizeof(int64_t); i++)
        d[i] += s[i];
}

/* num / den rounded half up, for num >= 0 and den > 0. */
static int64_t s_div_round(s128 num, s128 den)
{
    return (int64_t)((2 * num + den) / (2 * den));
}

int bulletin_rate_x10(int64_t num, int64_t den)
{
    if (den <= 0 || num < 0)
        return BULLETIN_NA;
    return (int)s_div_round((s128)num * 1000, den);
}

int bulletin_days_x10(int64_t total_us, int64_t n, int64_t day_us)
{
    if (n <= 0 || day_us <= 0 || total_us < 0)
        return BULLETIN_NA;
    return (int)s_div_round((s128)total_us * 10, (s128)n * day_us);
}

int bulletin_duration_x10(int64_t us, int64_t day_us)
{
    if (day_us <= 0 || us < 0)
        return 0;
    return (int)s_div_round((s128)us * 10, day_us);
}

int bulletin_satisfaction_x10(const bulletin_counts_t *c)
{
    return bulletin_rate_x10(c->satisfied + c->basically,
                             c->satisfied + c->basically + c->unsatisfied);
}

int bulletin_evaluation_x10(const bulletin_counts_t *c)
{
    return bulletin_rate_x10(c->wi_eval_satisfied + c->wi_eval_basically,
                             c->wi_eval_satisfied + c->wi_eval_basically + c->wi_eval_dissatisfied);
}

int bulletin_score_x10(const bulletin_config_t *config, const bulletin_counts_t *c)
{
    /* Weighted mean of rates num_i / den_i in percent:
     *   sum_i w_i * 100 * num_i / den_i / sum_i w_i
     * over a common denominator D = prod den_i * sum w_i, all exact. */
    int64_t num[5] = {c->response_met, c->ontime_met, c->satisfied + c->basically, c->wi_ontime,
                      c->wi_eval_satisfied + c->wi_eval_basically};
    int64_t den[5] = {c->response_due, c->ontime_due, c->satisfied + c->basically + c->unsatisfied,
                      c->wi_due,
                      c->wi_eval_satisfied + c->wi_eval_basically + c->wi_eval_dissatisfied};
    int64_t w[5] = {config->w_response, config->w_ontime, config->w_satisfaction,
                    config->w_workitems, config->w_evaluation};
    s128 top = 0, bottom = 1;
    int64_t wsum = 0;
    for (int i = 0; i < 5; i++) {
        if (den[i] <= 0 || w[i] == 0)
            continue;
        /* top/bottom + w * num / den */
        top = top * den[i] + (s128)w[i] * num[i] * bottom;
        bottom *= den[i];
        wsum += w[i];
    }
    if (wsum == 0)
        return BULLETIN_NA;
    /* base in tenths of a point: 1000 * top / (bottom * wsum), still exact
     * until this one rounding. */
    int64_t base_x10 = s_div_round(top * 1000, bottom * wsum);
    int64_t penalty_x10 = c->overdue_open * config->p_overdue_x10 +
                          c->groundless * config->p_groundless_x10 +
                          (c->reopened + c->wi_lookback_failed) * config->p_reopened_x10 +
                          c->wi_reports_missed * config->p_report_missed_x10 +
                          c->wi_sent_back * config->p_sent_back_x10;
    for (int level = 1; level < BULLETIN_LEVELS; level++)
        penalty_x10 += c->alerts[level] * config->p_alert_x10;
    int64_t score = base_x10 - penalty_x10;
    if (score < 0)
        score = 0;
    if (score > 1000)
        score = 1000;
    return (int)score;
}

const bulletin_grade_t *bulletin_grade_for(const bulletin_config_t *config, int score_x10)
{
    if (score_x10 == BULLETIN_NA)
        return NULL;
    for (int i = 0; i < config->ngrades; i++)
        if (score_x10 >= config->grades[i].min_x10)
            return &config->grades[i];
    return &config->grades[config->ngrades - 1];
}

json_t *bulletin_x10_json(int x10)
{
    if (x10 == BULLETIN_NA)
        return json_string("n/a");
    return json_real((double)x10 / 10.0);
}

const char *bulletin_x10_str(int x10, char *buf, size_t len)
{
    if (x10 == BULLETIN_NA)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%s%d.%d", x10 < 0 ? "-" : "", (x10 < 0 ? -x10 : x10) / 10,
                 (x10 < 0 ? -x10 : x10) % 10);
    return buf;
}

const char *bulletin_delta_str(int now_x10, int before_x10, char *buf, size_t len)
{
    if (now_x10 == BULLETIN_NA || before_x10 == BULLETIN_NA) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    int d = now_x10 - before_x10;
    int a = d < 0 ? -d : d;
    snprintf(buf, len, "%s%d.%d", d > 0 ? "+" : d < 0 ? "-" : "", a / 10, a % 10);
    return buf;
}
