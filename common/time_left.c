/* Time left before a deadline; see time_left.h. */
#include "time_left.h"

#include "sla.h"

#include <stdio.h>
#include <string.h>

#define MINUTE_US 60000000LL
#define HOUR_US (60 * MINUTE_US)

const char *time_left_light_str(time_left_light_t light)
{
    return light == TIME_LEFT_RED ? "red" : light == TIME_LEFT_AMBER ? "amber" : "green";
}

void time_left_format(int64_t us, int64_t day_us, bool natural, char *buf, size_t len)
{
    if (day_us <= 0)
        day_us = 24 * HOUR_US;
    int64_t days = us / day_us, rest = us % day_us;
    int64_t hours = rest / HOUR_US, minutes = (rest % HOUR_US) / MINUTE_US;
    const char *day_word = natural ? "天" : "个工作日";
    if (days > 0 && hours > 0)
        snprintf(buf, len, "%lld%s%lld小时", (long long)days, day_word, (long long)hours);
    else if (days > 0)
        snprintf(buf, len, "%lld%s", (long long)days, day_word);
    else if (hours > 0 && minutes > 0)
        snprintf(buf, len, "%lld小时%lld分钟", (long long)hours, (long long)minutes);
    else if (hours > 0)
        snprintf(buf, len, "%lld小时", (long long)hours);
    else if (minutes > 0)
        snprintf(buf, len, "%lld分钟", (long long)minutes);
    else
        snprintf(buf, len, "不足1分钟");
}

void time_left_compute(const calendar_t *clock, bool natural, int64_t now_us, int64_t warn_us,
                       int64_t due_us, int64_t paused_us, time_left_t *out)
{
    int64_t at = paused_us > 0 && paused_us < now_us ? paused_us : now_us;
    out->paused = paused_us > 0;
    out->light = at >= due_us                 ? TIME_LEFT_RED
                 : warn_us > 0 && at >= warn_us ? TIME_LEFT_AMBER
                                                : TIME_LEFT_GREEN;
    int64_t day_us = calendar_day_length_us(clock);
    char span[48];
    if (at >= due_us) {
        out->left_us = -calendar_working_between(clock, due_us, at);
        time_left_format(-out->left_us, day_us, natural, span, sizeof(span));
        snprintf(out->text, sizeof(out->text), "已超期 %s", span);
    } else {
        out->left_us = calendar_working_between(clock, at, due_us);
        time_left_format(out->left_us, day_us, natural, span, sizeof(span));
        snprintf(out->text, sizeof(out->text), "剩余 %s", span);
    }
}

void time_left_of_task(const struct sla *sla, const calendar_t *working,
                       const calendar_t *natural, const char *kind, const char *priority,
                       const char *deadline, int64_t now_us, int64_t warn_us, int64_t due_us,
                       int64_t paused_us, time_left_t *out)
{
    const sla_policy_t *p = sla ? sla_policy_find(sla, kind, priority) : NULL;
    bool on_natural = natural && p &&
                      (strcmp(deadline, "response") == 0 ? p->response_natural
                                                         : p->completion_natural);
    time_left_compute(on_natural ? natural : working, on_natural, now_us, warn_us, due_us,
                      paused_us, out);
}
