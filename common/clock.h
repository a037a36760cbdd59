/* The one clock every service reads. Tests steer it: a process started with
 * DUBAN_CLOCK_OFFSET_S=N runs N seconds ahead of real time, and unit tests may
 * pin it with clock_set_fixed(). */
#ifndef DUBAN_CLOCK_H
#define DUBAN_CLOCK_H

#include <stdint.h>

/* Microseconds since the epoch (UTC), steered as above. */
int64_t clock_now_us(void);

/* Pins the clock at us (0 releases it); for tests. */
void clock_set_fixed(int64_t us);

/* Adds seconds to the clock's offset; for tests. */
void clock_advance(int64_t seconds);

/* Monotonic microseconds, for measuring durations; never steered. */
int64_t clock_mono_us(void);

/* Formats us as RFC 3339 UTC with milliseconds into buf (>= 32 bytes). */
void clock_format_utc(int64_t us, char *buf, int len);

#endif
