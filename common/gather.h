/* When a batch that could go now should wait a little for more: the rule
 * that intake's group commit and the pipeline's consumers share. Each of
 * their statements has a fixed cost (executor start, statement triggers,
 * the commit), which a batch of 4 cases pays eight times as often per case
 * as one of 32. A batch waits only while cases keep coming fast enough that
 * the wait buys several more, so one at a quiet time goes at once.
 *
 * Times are monotonic microseconds (clock_mono_us), passed in so that the
 * rule can be checked without a clock. */
#ifndef DUBAN_GATHER_H
#define DUBAN_GATHER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t window_us; /* the longest a batch waits; 0: never */
    int target;        /* a batch of this many goes at once */
    int gain;          /* it waits only if at least this many more would come */
    int64_t last_arrival_us;
    double gap_us;        /* moving mean of the time between arrivals */
    int64_t first_us;     /* when the batch now waiting got its first */
    bool first_was_quiet; /* ... and that one ended a pause longer than the window */
    bool callers_wait;    /* gather_callers_wait: company counts */
    double company;       /* moving mean of the others waiting at each arrival */
} gather_t;

/* A rule that waits up to window_ms (0: never) until a batch holds target,
 * and only when at least gain more would arrive before the window closes. */
void gather_init(gather_t *g, int window_ms, int target, int gain);

/* One more arrived at now_us, joining a batch that held held_before. */
void gather_arrived(gather_t *g, int64_t now_us, int held_before);

/* For a batch whose callers each wait for its answer (intake's callers wait
 * for their 201): a caller that sends its next only once answered (an
 * import, a lone client) brings no company however fast it sends, and a
 * batch that waited for it would only make it slower (a client sending one
 * case after another: 525-703 cases/s without intake's window, 363 with
 * it). From this call on the batch waits only while, at the recent
 * arrivals, at least one other caller was waiting on average; arrivals
 * are then told with gather_arrived_among. */
void gather_callers_wait(gather_t *g);

/* gather_arrived, for a caller that found others_waiting others waiting
 * (queued or in a batch in flight). */
void gather_arrived_among(gather_t *g, int64_t now_us, int held_before, int others_waiting);

/* How long a batch of held, which could go at now_us, still waits for more:
 * 0 to go now. */
int64_t gather_wait_us(const gather_t *g, int64_t now_us, int held);

#endif
