/* How much time a task has left before the deadline that runs now, as the
 * people who handle it read it: a traffic light (green before the warning
 * point, amber from it, red once overdue) and the working time left or
 * overdue, "剩余 1个工作日3小时" / "已超期 2个工作日". One home for the
 * queue page, the case page and dubanctl, on the same business calendar and
 * SLA policy that dispatch stamps deadlines with and watch warns by. */
#ifndef DUBAN_TIME_LEFT_H
#define DUBAN_TIME_LEFT_H

#include "calendar.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { TIME_LEFT_GREEN, TIME_LEFT_AMBER, TIME_LEFT_RED } time_left_light_t;

typedef struct {
    time_left_light_t light;
    int64_t left_us;  /* working time (natural time on a natural clock) left; < 0 overdue */
    bool paused;      /* the clock stands (waiting for material): counted at the pause */
    char text[64];    /* "剩余 1个工作日3小时", "已超期 2小时", "剩余 不足1分钟" */
} time_left_t;

/* Fills out for a deadline due_us with warning point warn_us (0: none) seen
 * at now_us. clock is the calendar the deadline counts on: the working
 * calendar, or a round-the-clock one for a natural-time window (then days
 * are "天", not "个工作日"). paused_us (0: not paused) freezes the count at
 * the pause. */
void time_left_compute(const calendar_t *clock, bool natural, int64_t now_us, int64_t warn_us,
                       int64_t due_us, int64_t paused_us, time_left_t *out);

struct sla;

/* The time left of a task's deadline ("response" or "completion") of a case
 * of kind and priority, counted on the clock its SLA policy says: working
 * (the business calendar) or natural (round the clock). The one choice
 * intake's queue and case page and dubanctl's console share. */
void time_left_of_task(const struct sla *sla, const calendar_t *working,
                       const calendar_t *natural, const char *kind, const char *priority,
                       const char *deadline, int64_t now_us, int64_t warn_us, int64_t due_us,
                       int64_t paused_us, time_left_t *out);

/* "green", "amber", "red". */
const char *time_left_light_str(time_left_light_t light);

/* Writes a working duration as people say it ("1个工作日3小时", "45分钟",
 * "不足1分钟"); day_us is the length of one (working) day. */
void time_left_format(int64_t us, int64_t day_us, bool natural, char *buf, size_t len);

#endif
