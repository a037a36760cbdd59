/* A process's metrics in the Prometheus text exposition format (0.0.4):
 * counters, gauges and histograms with labels, rendered for GET /metrics.
 *
 * There is one registry per process. Families are registered by name and
 * registering a name again returns the family already there, so a module
 * may fetch its family where it counts (metrics_counter(...) is cheap).
 * Label values are copied and escaped on output (backslash, double quote,
 * newline); a family keeps at most METRICS_MAX_SERIES label sets, and values
 * past that are counted under the value "other", so a value from outside
 * cannot grow the registry without bound. Safe to call from any thread. */
#ifndef DUBAN_METRICS_H
#define DUBAN_METRICS_H

#include <stddef.h>

#define METRICS_MAX_LABELS 3
#define METRICS_MAX_SERIES 256
#define METRICS_MAX_BUCKETS 16

typedef struct metrics_family metrics_family_t;

/* Called before each rendering to set gauges from live state. */
typedef void (*metrics_scrape_cb)(void *arg);

/* Registers (or finds) a family. name must match [a-zA-Z_:][a-zA-Z0-9_:]*,
 * labels is NULL or a comma-separated list of at most METRICS_MAX_LABELS
 * label names; a histogram takes its upper bounds in increasing order
 * (+Inf is implied), NULL for METRICS_LATENCY_BUCKETS. A name registered
 * before with another type or labels is a programmer error (asserted).
 * Returns NULL only when out of memory. */
metrics_family_t *metrics_counter(const char *name, const char *help, const char *labels);
metrics_family_t *metrics_gauge(const char *name, const char *help, const char *labels);
metrics_family_t *metrics_histogram(const char *name, const char *help, const char *labels,
                                    const double *bounds, int nbounds);

/* Seconds, from a millisecond to a minute: latencies of a stage. */
extern const double METRICS_LATENCY_BUCKETS[];
extern const int METRICS_LATENCY_NBUCKETS;

/* Each takes one label value per label name of the family (NULL counts as
 * ""). A NULL family is ignored, so a failed registration loses a figure,
 * never the caller's work. */
void metrics_add(metrics_family_t *f, double v, ...);
void metrics_set(metrics_family_t *f, double v, ...);
void metrics_observe(metrics_family_t *f, double v, ...);

/* Forgets every label set of a gauge family (before setting it afresh from
 * a query, so a division with nothing overdue any more reads no stale
 * value). */
void metrics_clear(metrics_family_t *f);

/* Adds a callback run before each rendering (at most 8); metrics_off_scrape
 * removes it (before arg is freed). */
void metrics_on_scrape(metrics_scrape_cb cb, void *arg);
void metrics_off_scrape(metrics_scrape_cb cb, void *arg);

/* The exposition text of every family plus the process's own metrics
 * (process_resident_memory_bytes, process_cpu_seconds_total,
 * process_start_time_seconds, process_open_fds, duban_build_info), NUL
 * terminated; the caller frees it. NULL when out of memory. */
char *metrics_render(size_t *len);

/* The families several modules count into, named once here:
 * duban_stage_latency_seconds{stage,type} and duban_reconnects_total{to}. */
metrics_family_t *metrics_stage_latency(void);
metrics_family_t *metrics_reconnects(void);

/* The version built in (git describe at configure time). */
const char *metrics_version(void);

/* Forgets everything registered (unit tests). */
void metrics_reset(void);

#endif
