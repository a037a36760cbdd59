/* When a batch waits for more; see gather.h. */
#include "gather.h"

/* A gap counts up to a second, so that a quiet spell does not hide a burst
 * that follows it for long. */
#define GATHER_GAP_CAP_US 1000000

/* Callers that wait for their answer: the batch waits only while at least
 * this many others were waiting, on average, when one arrived. */
#define GATHER_COMPANY_MIN 1.0

void gather_init(gather_t *g, int window_ms, int target, int gain)
{
    *g = (gather_t){
        .window_us = window_ms > 0 ? (int64_t)window_ms * 1000 : 0,
        .target = target,
        .gain = gain,
        .gap_us = GATHER_GAP_CAP_US,
    };
}

void gather_arrived(gather_t *g, int64_t now_us, int held_before)
{
    if (g->last_arrival_us > 0) {
        int64_t gap = now_us - g->last_arrival_us;
        g->gap_us =
            0.9 * g->gap_us + 0.1 * (double)(gap < GATHER_GAP_CAP_US ? gap : GATHER_GAP_CAP_US);
    }
    if (held_before == 0) {
        g->first_us = now_us;
        g->first_was_quiet = g->last_arrival_us == 0 || now_us - g->last_arrival_us > g->window_us;
    }
    g->last_arrival_us = now_us;
}

void gather_callers_wait(gather_t *g)
{
    g->callers_wait = true;
}

void gather_arrived_among(gather_t *g, int64_t now_us, int held_before, int others_waiting)
{
    g->company = 0.9 * g->company + 0.1 * (double)others_waiting;
    gather_arrived(g, now_us, held_before);
}

/* None when there is no window, when the batch is big enough already, when
 * its first ended a pause longer than the window, or when at the rate they
 * come fewer than gain more would arrive before the window closes, or,
 * its callers waiting for their answers, when they have had no company. */
int64_t gather_wait_us(const gather_t *g, int64_t now_us, int held)
{
    if (g->window_us <= 0 || g->first_was_quiet || held >= g->target ||
        (g->callers_wait && g->company < GATHER_COMPANY_MIN))
        return 0;
    int64_t left = g->first_us + g->window_us - now_us;
    if (left <= 0 || g->gap_us * g->gain > (double)left)
        return 0;
    return left;
}
