/* The Prometheus text exposition format, written once; see metrics.h.
 *
 * The format (prometheus.io "Exposition formats", version 0.0.4): for each
 * family a "# HELP name text" line (backslash and newline escaped), a
 * "# TYPE name counter|gauge|histogram" line, then one line per sample,
 * "name{label="value",...} number", label values with backslash, double
 * quote and newline escaped. A histogram's samples are name_bucket with a
 * cumulative count per upper bound "le" (the last one "+Inf", equal to
 * name_count), name_sum and name_count. Numbers are Go floats: "+Inf",
 * "-Inf", "NaN", or a decimal that reads back exactly.
 *
 * One registry per process behind one mutex: the photo worker of intake
 * may count too, and a scrape is rare next to the work it measures. */
#include "metrics.h"

#include "log.h"
#include "text.h"

#include <assert.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef DUBAN_VERSION
#define DUBAN_VERSION "unknown"
#endif

#define METRICS_MAX_VALUE 64 /* bytes of a label value kept */
#define METRICS_MAX_SCRAPE_CBS 8

const double METRICS_LATENCY_BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1,      2.5,   5,    10,    30,   60};
const int METRICS_LATENCY_NBUCKETS =
    (int)(sizeof(METRICS_LATENCY_BUCKETS) / sizeof(METRICS_LATENCY_BUCKETS[0]));

typedef enum { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM } metrics_type_t;

typedef struct series {
    char *values[METRICS_MAX_LABELS];
    double value; /* counter, gauge */
    double sum;   /* histogram */
    unsigned long count;
    unsigned long buckets[METRICS_MAX_BUCKETS]; /* observations at or under each bound */
    struct series *next;
} series_t;

struct metrics_family {
    char *name;
    char *help;
    metrics_type_t type;
    int nlabels;
    char *labels[METRICS_MAX_LABELS];
    double bounds[METRICS_MAX_BUCKETS];
    int nbounds;
    series_t *series;
    series_t *tail;
    int nseries;
    metrics_family_t *next;
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static metrics_family_t *s_families;
static metrics_family_t *s_families_tail;
typedef struct {
    metrics_scrape_cb cb;
    void *arg;
} scrape_hook_t;
static scrape_hook_t s_scrape[METRICS_MAX_SCRAPE_CBS];
static int s_nscrape;
static double s_start_time; /* seconds since the epoch, at the first registration */

static const char *s_type_str(metrics_type_t type)
{
    switch (type) {
    case METRICS_COUNTER:
        return "counter";
    case METRICS_GAUGE:
        return "gauge";
    case METRICS_HISTOGRAM:
        return "histogram";
    }
    return "untyped";
}

static bool s_valid_name(const char *name, bool colon)
{
    if (!name || !*name || (*name >= '0' && *name <= '9'))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || (colon && *p == ':')))
            return false;
    return true;
}

static void s_family_free(metrics_family_t *f)
{
    series_t *s = f->series;
    while (s) {
        series_t *next = s->next;
        for (int i = 0; i < f->nlabels; i++)
            free(s->values[i]);
        free(s);
        s = next;
    }
    for (int i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->name);
    free(f->help);
    free(f);
}

/* Splits "a,b" into f->labels; -1 when out of memory. */
static int s_parse_labels(metrics_family_t *f, const char *labels)
{
    if (!labels || !*labels)
        return 0;
    const char *p = labels;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (f->nlabels == METRICS_MAX_LABELS)
            return -1;
        f->labels[f->nlabels] = strndup(p, n);
        if (!f->labels[f->nlabels])
            return -1;
        f->nlabels++;
        if (!s_valid_name(f->labels[f->nlabels - 1], false) ||
            strncmp(f->labels[f->nlabels - 1], "__", 2) == 0)
            return -1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static metrics_family_t *s_register(metrics_type_t type, const char *name, const char *help,
                                    const char *labels, const double *bounds, int nbounds)
{
    /* A wrong name or a name registered with another type is a programmer
     * error: the family is refused (NULL, so nothing is counted) and said. */
    if (!s_valid_name(name, true)) {
        log_error("cannot register metric: not a valid metric name", "metric=%s", name ? name : "");
        return NULL;
    }
    pthread_mutex_lock(&s_lock);
    metrics_family_t *f;
    for (f = s_families; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            break;
    if (f) {
        pthread_mutex_unlock(&s_lock);
        if (f->type != type) {
            log_error("cannot register metric: registered before as another type",
                      "metric=%s type=%s", name, s_type_str(f->type));
            return NULL;
        }
        return f;
    }
    if (s_start_time == 0) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        s_start_time = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
    }
    f = calloc(1, sizeof(*f));
    if (!f)
        goto out_unlock;
    f->type = type;
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    if (!f->name || !f->help || s_parse_labels(f, labels) < 0) {
        log_error("cannot register metric: labels are not valid", "metric=%s labels=%s", name,
                  labels ? labels : "");
        s_family_free(f);
        f = NULL;
        goto out_unlock;
    }
    if (type == METRICS_HISTOGRAM) {
        if (!bounds) {
            bounds = METRICS_LATENCY_BUCKETS;
            nbounds = METRICS_LATENCY_NBUCKETS;
        }
        bool ordered = nbounds > 0 && nbounds <= METRICS_MAX_BUCKETS;
        for (int i = 0; ordered && i < nbounds; i++) {
            ordered = i == 0 || bounds[i] > bounds[i - 1];
            f->bounds[i] = bounds[i];
        }
        if (!ordered) {
            log_error("cannot register metric: bucket bounds out of order", "metric=%s", name);
            s_family_free(f);
            f = NULL;
            goto out_unlock;
        }
        f->nbounds = nbounds;
    }
    if (s_families_tail)
        s_families_tail->next = f;
    else
        s_families = f;
    s_families_tail = f;
out_unlock:
    pthread_mutex_unlock(&s_lock);
    return f;
}

metrics_family_t *metrics_counter(const char *name, const char *help, const char *labels)
{
    return s_register(METRICS_COUNTER, name, help, labels, NULL, 0);
}

metrics_family_t *metrics_gauge(const char *name, const char *help, const char *labels)
{
    return s_register(METRICS_GAUGE, name, help, labels, NULL, 0);
}

metrics_family_t *metrics_histogram(const char *name, const char *help, const char *labels,
                                    const double *bounds, int nbounds)
{
    return s_register(METRICS_HISTOGRAM, name, help, labels, bounds, nbounds);
}

/* A label value as kept: at most METRICS_MAX_VALUE bytes cut at a character
 * boundary; text that is not valid UTF-8 or has a control character becomes
 * "invalid" (the format wants UTF-8, and a log reader a clean value). */
static void s_label_value(const char *in, char *out, size_t cap)
{
    /* Copied without snprintf: a label is looked up on every case. A value
     * cut inside a character (the first byte left out continues one) is
     * cut before that character instead. */
    size_t n = in ? strnlen(in, cap - 1) : 0;
    if (in && in[n])
        while (n > 0 && ((unsigned char)in[n] & 0xC0) == 0x80)
            n--;
    memcpy(out, in ? in : "", n);
    out[n] = '\0';
    if (text_check(out, false, NULL, NULL) != TEXT_OK)
        snprintf(out, cap, "invalid");
}

/* The series of f for the given values, made when new; under the lock.
 * Past METRICS_MAX_SERIES, the series whose every value is "other". */
static series_t *s_series(metrics_family_t *f, va_list ap)
{
    char values[METRICS_MAX_LABELS][METRICS_MAX_VALUE + 1];
    for (int i = 0; i < f->nlabels; i++)
        s_label_value(va_arg(ap, const char *), values[i], sizeof(values[i]));
    for (int pass = 0; pass < 2; pass++) {
        for (series_t *s = f->series; s; s = s->next) {
            int i = 0;
            while (i < f->nlabels && strcmp(s->values[i], values[i]) == 0)
                i++;
            if (i == f->nlabels)
                return s;
        }
        if (f->nseries < METRICS_MAX_SERIES || pass == 1)
            break;
        for (int i = 0; i < f->nlabels; i++)
            snprintf(values[i], sizeof(values[i]), "other");
    }
    series_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    for (int i = 0; i < f->nlabels; i++) {
        s->values[i] = strdup(values[i]);
        if (!s->values[i]) {
            for (int j = 0; j < i; j++)
                free(s->values[j]);
            free(s);
            return NULL;
        }
    }
    if (f->tail)
        f->tail->next = s;
    else
        f->series = s;
    f->tail = s;
    f->nseries++;
    return s;
}

void metrics_add(metrics_family_t *f, double v, ...)
{
    if (!f)
        return;
    assert(f->type != METRICS_HISTOGRAM);
    assert(f->type != METRICS_COUNTER || v >= 0);
    va_list ap;
    va_start(ap, v);
    pthread_mutex_lock(&s_lock);
    series_t *s = s_series(f, ap);
    if (s)
        s->value += v;
    pthread_mutex_unlock(&s_lock);
    va_end(ap);
}

void metrics_set(metrics_family_t *f, double v, ...)
{
    if (!f)
        return;
    assert(f->type == METRICS_GAUGE);
    va_list ap;
    va_start(ap, v);
    pthread_mutex_lock(&s_lock);
    series_t *s = s_series(f, ap);
    if (s)
        s->value = v;
    pthread_mutex_unlock(&s_lock);
    va_end(ap);
}

void metrics_observe(metrics_family_t *f, double v, ...)
{
    if (!f)
        return;
    assert(f->type == METRICS_HISTOGRAM);
    va_list ap;
    va_start(ap, v);
    pthread_mutex_lock(&s_lock);
    series_t *s = s_series(f, ap);
    if (s) {
        s->count++;
        s->sum += v;
        for (int i = 0; i < f->nbounds; i++)
            if (v <= f->bounds[i]) {
                s->buckets[i]++;
                break;
            }
    }
    pthread_mutex_unlock(&s_lock);
    va_end(ap);
}

void metrics_clear(metrics_family_t *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&s_lock);
    series_t *s = f->series;
    while (s) {
        series_t *next = s->next;
        for (int i = 0; i < f->nlabels; i++)
            free(s->values[i]);
        free(s);
        s = next;
    }
    f->series = f->tail = NULL;
    f->nseries = 0;
    pthread_mutex_unlock(&s_lock);
}

void metrics_on_scrape(metrics_scrape_cb cb, void *arg)
{
    pthread_mutex_lock(&s_lock);
    assert(s_nscrape < METRICS_MAX_SCRAPE_CBS);
    s_scrape[s_nscrape].cb = cb;
    s_scrape[s_nscrape].arg = arg;
    s_nscrape++;
    pthread_mutex_unlock(&s_lock);
}

void metrics_off_scrape(metrics_scrape_cb cb, void *arg)
{
    pthread_mutex_lock(&s_lock);
    for (int i = 0; i < s_nscrape; i++)
        if (s_scrape[i].cb == cb && s_scrape[i].arg == arg) {
            memmove(&s_scrape[i], &s_scrape[i + 1],
                    sizeof(s_scrape[0]) * (size_t)(s_nscrape - i - 1));
            s_nscrape--;
            break;
        }
    pthread_mutex_unlock(&s_lock);
}

/* A Go-readable float: the shortest decimal that reads back exactly. */
static void s_put_number(FILE *out, double v)
{
    if (isnan(v)) {
        fputs("NaN", out);
        return;
    }
    if (isinf(v)) {
        fputs(v > 0 ? "+Inf" : "-Inf", out);
        return;
    }
    char buf[40];
    if (v == floor(v) && fabs(v) < 1e15) { /* counts: plain integers */
        fprintf(out, "%.0f", v);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, sizeof(buf), "%.*g", precision, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

static void s_put_escaped(FILE *out, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", out);
        else if (*s == '\n')
            fputs("\\n", out);
        else if (quote && *s == '"')
            fputs("\\\"", out);
        else
            fputc(*s, out);
    }
}

/* {a="x",b="y"} plus an optional le; nothing when there are no labels. */
static void s_put_labels(FILE *out, const metrics_family_t *f, const series_t *s, const char *le)
{
    if (f->nlabels == 0 && !le)
        return;
    fputc('{', out);
    for (int i = 0; i < f->nlabels; i++) {
        fprintf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
        s_put_escaped(out, s->values[i], true);
        fputc('"', out);
    }
    if (le)
        fprintf(out, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    fputc('}', out);
}

static void s_put_family(FILE *out, const metrics_family_t *f)
{
    fprintf(out, "# HELP %s ", f->name);
    s_put_escaped(out, f->help, false);
    fprintf(out, "\n# TYPE %s %s\n", f->name, s_type_str(f->type));
    for (const series_t *s = f->series; s; s = s->next) {
        if (f->type != METRICS_HISTOGRAM) {
            fputs(f->name, out);
            s_put_labels(out, f, s, NULL);
            fputc(' ', out);
            s_put_number(out, s->value);
            fputc('\n', out);
            continue;
        }
        unsigned long cumulative = 0;
        for (int i = 0; i <= f->nbounds; i++) {
            char le[40];
            if (i < f->nbounds) {
                cumulative += s->buckets[i];
                FILE *mem = fmemopen(le, sizeof(le), "w");
                if (!mem)
                    continue;
                s_put_number(mem, f->bounds[i]);
                fclose(mem);
            } else {
                cumulative = s->count;
                snprintf(le, sizeof(le), "+Inf");
            }
            fprintf(out, "%s_bucket", f->name);
            s_put_labels(out, f, s, le);
            fprintf(out, " %lu\n", cumulative);
        }
        fprintf(out, "%s_sum", f->name);
        s_put_labels(out, f, s, NULL);
        fputc(' ', out);
        s_put_number(out, s->sum);
        fprintf(out, "\n%s_count", f->name);
        s_put_labels(out, f, s, NULL);
        fprintf(out, " %lu\n", s->count);
    }
}

static int s_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the one opendir holds */
}

static void s_put_process(FILE *out)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm) {
        long size;
        if (fscanf(statm, "%ld %ld", &size, &pages) != 2)
            pages = 0;
        fclose(statm);
    }
    fputs("# HELP process_cpu_seconds_total User and system CPU time spent, in seconds.\n"
          "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
          out);
    s_put_number(out, cpu);
    fputs("\n# HELP process_resident_memory_bytes Resident memory size, in bytes.\n"
          "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
          out);
    s_put_number(out, (double)pages * (double)sysconf(_SC_PAGESIZE));
    fputs("\n# HELP process_start_time_seconds Start time of the process since the epoch, in "
          "seconds.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
          out);
    s_put_number(out, s_start_time);
    fputs("\n# HELP process_open_fds Open file descriptors.\n"
          "# TYPE process_open_fds gauge\nprocess_open_fds ",
          out);
    s_put_number(out, s_open_fds());
    fputs("\n# HELP duban_build_info The version running; always 1.\n"
          "# TYPE duban_build_info gauge\nduban_build_info{version=\"",
          out);
    s_put_escaped(out, DUBAN_VERSION, true);
    fputs("\"} 1\n", out);
}

char *metrics_render(size_t *len)
{
    pthread_mutex_lock(&s_lock);
    int n = s_nscrape;
    scrape_hook_t cbs[METRICS_MAX_SCRAPE_CBS];
    memcpy(cbs, s_scrape, sizeof(cbs));
    if (s_start_time == 0) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        s_start_time = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
    }
    pthread_mutex_unlock(&s_lock);
    /* outside the lock: a callback sets gauges, which takes it */
    for (int i = 0; i < n; i++)
        cbs[i].cb(cbs[i].arg);

    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    pthread_mutex_lock(&s_lock);
    for (const metrics_family_t *f = s_families; f; f = f->next)
        s_put_family(out, f);
    pthread_mutex_unlock(&s_lock);
    s_put_process(out);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    if (len)
        *len = size;
    return text;
}

metrics_family_t *metrics_stage_latency(void)
{
    return metrics_histogram(
        "duban_stage_latency_seconds",
        "From the producer's commit to this stage's commit of a message, by stage and type.",
        "stage,type", NULL, 0);
}

metrics_family_t *metrics_reconnects(void)
{
    return metrics_counter("duban_reconnects_total", "Connections made again after one was lost.",
                           "to");
}

const char *metrics_version(void)
{
    return DUBAN_VERSION;
}

void metrics_reset(void)
{
    pthread_mutex_lock(&s_lock);
    metrics_family_t *f = s_families;
    while (f) {
        metrics_family_t *next = f->next;
        s_family_free(f);
        f = next;
    }
    s_families = s_families_tail = NULL;
    s_nscrape = 0;
    pthread_mutex_unlock(&s_lock);
}
