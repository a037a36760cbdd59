/* The benchmark's ledger of its cases; see bench_ledger.h. */
#include "bench_ledger.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef enum { HOW_NONE, HOW_CONSOLE, HOW_DATABASE } how_t;

typedef struct {
    char case_number[BENCH_CASE_NUMBER_MAX];
    int64_t sent_us;
    int64_t accepted_us;
    int64_t delivered_us;
    int64_t suspected_us; /* first found in the database without its message */
    how_t how;
} sample_t;

/* A console message about a case whose 201 has not come (yet). */
typedef struct {
    char case_number[BENCH_CASE_NUMBER_MAX];
    int64_t at_us;
    bool used;
    bool taken; /* its 201 came */
} early_t;

struct bench_ledger {
    int total;
    sample_t *samples;
    int *by_number; /* open addressing: case number -> sample index + 1 */
    early_t *early; /* open addressing, at most total entries kept */
    size_t table_size;
    int early_kept;
    int early_dropped; /* not kept: the table was full */
    bench_ledger_counts_t counts;
    int64_t last_delivery_us;
};

static size_t s_hash(const char *s)
{
    size_t h = (size_t)1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

bench_ledger_t *bench_ledger_new(int total)
{
    if (total <= 0)
        return NULL;
    bench_ledger_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->total = total;
    /* at most half full, so that probes stay short */
    self->table_size = (size_t)total * 2 + 1;
    self->samples = calloc((size_t)total, sizeof(sample_t));
    self->by_number = calloc(self->table_size, sizeof(int));
    self->early = calloc(self->table_size, sizeof(early_t));
    if (!self->samples || !self->by_number || !self->early)
        bench_ledger_destroy(&self);
    return self;
}

void bench_ledger_destroy(bench_ledger_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bench_ledger_t *self = *self_p;
    free(self->samples);
    free(self->by_number);
    free(self->early);
    free(self);
    *self_p = NULL;
}

static int s_find(const bench_ledger_t *self, const char *case_number)
{
    size_t i = s_hash(case_number) % self->table_size;
    while (self->by_number[i]) {
        int idx = self->by_number[i] - 1;
        if (strcmp(self->samples[idx].case_number, case_number) == 0)
            return idx;
        i = (i + 1) % self->table_size;
    }
    return -1;
}

static early_t *s_early_find(const bench_ledger_t *self, const char *case_number)
{
    size_t i = s_hash(case_number) % self->table_size;
    while (self->early[i].used) {
        if (strcmp(self->early[i].case_number, case_number) == 0)
            return &self->early[i];
        i = (i + 1) % self->table_size;
    }
    return NULL;
}

static void s_early_keep(bench_ledger_t *self, const char *case_number, int64_t at_us)
{
    if (self->early_kept >= self->total) {
        self->early_dropped++;
        return;
    }
    size_t i = s_hash(case_number) % self->table_size;
    while (self->early[i].used)
        i = (i + 1) % self->table_size;
    early_t *e = &self->early[i];
    memcpy(e->case_number, case_number, strlen(case_number) + 1);
    e->at_us = at_us;
    e->used = true;
    self->early_kept++;
}

static void s_deliver(bench_ledger_t *self, sample_t *s, int64_t at_us, how_t how)
{
    s->delivered_us = at_us;
    s->how = how;
    self->counts.delivered++;
    if (how == HOW_CONSOLE)
        self->counts.console++;
    else
        self->counts.database++;
    if (at_us > self->last_delivery_us)
        self->last_delivery_us = at_us;
}

void bench_ledger_sent(bench_ledger_t *self, int idx, int64_t at_us)
{
    if (idx >= 0 && idx < self->total)
        self->samples[idx].sent_us = at_us;
}

int bench_ledger_accepted(bench_ledger_t *self, int idx, const char *case_number, int64_t at_us)
{
    size_t len = case_number ? strlen(case_number) : 0;
    if (idx < 0 || idx >= self->total || len == 0 || len >= BENCH_CASE_NUMBER_MAX ||
        self->samples[idx].case_number[0] || s_find(self, case_number) >= 0)
        return -1;
    sample_t *s = &self->samples[idx];
    memcpy(s->case_number, case_number, len + 1);
    s->accepted_us = at_us;
    size_t i = s_hash(case_number) % self->table_size;
    while (self->by_number[i])
        i = (i + 1) % self->table_size;
    self->by_number[i] = idx + 1;
    self->counts.accepted++;
    early_t *e = s_early_find(self, case_number);
    if (e && !e->taken) {
        e->taken = true;
        self->counts.before_201++;
        s_deliver(self, s, e->at_us, HOW_CONSOLE);
    }
    return 0;
}

int bench_ledger_console(bench_ledger_t *self, const char *case_number, int64_t at_us)
{
    size_t len = case_number ? strlen(case_number) : 0;
    if (len == 0 || len >= BENCH_CASE_NUMBER_MAX)
        return 0;
    int idx = s_find(self, case_number);
    if (idx < 0) {
        if (s_early_find(self, case_number))
            self->counts.duplicates++;
        else
            s_early_keep(self, case_number, at_us);
        return 0;
    }
    sample_t *s = &self->samples[idx];
    if (s->how != HOW_NONE) {
        self->counts.duplicates++;
        return 0;
    }
    s_deliver(self, s, at_us, HOW_CONSOLE);
    return 1;
}

int64_t bench_ledger_suspect(bench_ledger_t *self, const char *case_number, int64_t now_us)
{
    int idx = case_number ? s_find(self, case_number) : -1;
    if (idx < 0 || self->samples[idx].how != HOW_NONE)
        return 0;
    if (!self->samples[idx].suspected_us)
        self->samples[idx].suspected_us = now_us;
    return self->samples[idx].suspected_us;
}

int bench_ledger_from_database(bench_ledger_t *self, const char *case_number, int64_t at_us)
{
    int idx = case_number ? s_find(self, case_number) : -1;
    if (idx < 0 || self->samples[idx].how != HOW_NONE)
        return 0;
    s_deliver(self, &self->samples[idx], at_us, HOW_DATABASE);
    return 1;
}

int bench_ledger_missing(const bench_ledger_t *self, const char **numbers, int max)
{
    int n = 0;
    for (int i = 0; i < self->total && n < max; i++) {
        const sample_t *s = &self->samples[i];
        if (s->case_number[0] && s->how == HOW_NONE)
            numbers[n++] = s->case_number;
    }
    return n;
}

void bench_ledger_counts(const bench_ledger_t *self, bench_ledger_counts_t *out)
{
    *out = self->counts;
    /* kept messages no 201 ever named, and those there was no room for */
    out->strangers = self->early_kept - self->counts.before_201 + self->early_dropped;
}

int bench_ledger_intake_us(const bench_ledger_t *self, int64_t *out)
{
    int n = 0;
    for (int i = 0; i < self->total; i++)
        if (self->samples[i].case_number[0])
            out[n++] = self->samples[i].accepted_us - self->samples[i].sent_us;
    return n;
}

int bench_ledger_e2e_us(const bench_ledger_t *self, int64_t *out)
{
    int n = 0;
    for (int i = 0; i < self->total; i++)
        if (self->samples[i].how != HOW_NONE)
            out[n++] = self->samples[i].delivered_us - self->samples[i].sent_us;
    return n;
}

int64_t bench_ledger_last_delivery_us(const bench_ledger_t *self)
{
    return self->last_delivery_us;
}
