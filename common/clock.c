#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t s_fixed_us;
static int64_t s_offset_us;
static int s_env_read;

static void s_read_env(void)
{
    if (s_env_read)
        return;
    s_env_read = 1;
    const char *offset = getenv("DUBAN_CLOCK_OFFSET_S");
    if (offset)
        s_offset_us = strtoll(offset, NULL, 10) * 1000000LL;
}

int64_t clock_now_us(void)
{
    s_read_env();
    if (s_fixed_us)
        return s_fixed_us + s_offset_us;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000 + s_offset_us;
}

void clock_set_fixed(int64_t us)
{
    s_fixed_us = us;
}

void clock_advance(int64_t seconds)
{
    s_read_env();
    s_offset_us += seconds * 1000000LL;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void clock_format_utc(int64_t us, char *buf, int len)
{
    time_t secs = (time_t)(us / 1000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, (size_t)len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)((us % 1000000LL) / 1000));
}
