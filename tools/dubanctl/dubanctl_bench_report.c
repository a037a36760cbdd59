/* dubanctl bench's report (see dubanctl_bench.c): throughput, the
 * latency percentiles of the ledger, and what the run cost beside
 * pgbench's rate, as text or JSON. */
#include "dubanctl.h"

#include "bench_ledger.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>

static int s_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void ctl_sort_us(int64_t *us, int n)
{
    if (n > 1)
        qsort(us, (size_t)n, sizeof(int64_t), s_cmp64);
}

double ctl_percentile_ms(const int64_t *sorted_us, int n, double p)
{
    if (n <= 0)
        return 0;
    int i = (int)(p * (n - 1) + 0.5);
    return sorted_us[i] / 1000.0;
}

static void s_print_cpu(json_t *cpu, const char *key, const char *label)
{
    json_t *v = json_object_get(cpu, key);
    if (v)
        printf(" %s %.3f", label, json_real_value(v));
}

void ctl_bench_report(ctl_t *ctl, const ctl_bench_run_t *b, json_t *cost, const ctl_pgbench_t *pg_b,
                      const ctl_pgbench_t *pg_a)
{
    double pg_before = pg_b->tps, pg_after = pg_a->tps;
    int64_t *intake = calloc((size_t)b->total + 1, sizeof(int64_t));
    int64_t *e2e = calloc((size_t)b->total + 1, sizeof(int64_t));
    int ni = 0, ne = 0;
    if (intake && e2e) {
        ni = bench_ledger_intake_us(b->ledger, intake);
        ne = bench_ledger_e2e_us(b->ledger, e2e);
    }
    ctl_sort_us(intake, ni);
    ctl_sort_us(e2e, ne);
    bench_ledger_counts_t n;
    bench_ledger_counts(b->ledger, &n);
    int64_t last_us = bench_ledger_last_delivery_us(b->ledger);
    double intake_s = (b->intake_done_us - b->start_us) / 1e6;
    double e2e_s = ((last_us ? last_us : clock_mono_us()) - b->start_us) / 1e6;
    json_t *j = json_pack(
        "{s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "cases", b->total, "concurrency",
        b->conns, "accepted", n.accepted, "failed", b->failed, "delivered", n.delivered,
        "intake_per_s", intake_s > 0 ? n.accepted / intake_s : 0.0, "end_to_end_per_s",
        e2e_s > 0 ? n.delivered / e2e_s : 0.0, "intake_p50_ms", ctl_percentile_ms(intake, ni, 0.50),
        "intake_p99_ms", ctl_percentile_ms(intake, ni, 0.99), "e2e_p50_ms",
        ctl_percentile_ms(e2e, ne, 0.50), "e2e_p99_ms", ctl_percentile_ms(e2e, ne, 0.99));
    json_object_set_new(j, "console",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "received", n.console, "before_201",
                                  n.before_201, "lost_counted_from_database", n.database,
                                  "duplicates", n.duplicates, "strangers", n.strangers));
    if (b->rate > 0)
        json_object_set_new(j, "offered_per_s", json_real(b->rate));
    double pg_best = pg_before > pg_after ? pg_before : pg_after;
    if (pg_before > 0)
        json_object_set_new(j, "pgbench_before_tps", json_real(pg_before));
    if (pg_after > 0)
        json_object_set_new(j, "pgbench_after_tps", json_real(pg_after));
    double e2e_rate = json_real_value(json_object_get(j, "end_to_end_per_s"));
    if (pg_best > 0)
        json_object_set_new(j, "ratio_to_pgbench", json_real(e2e_rate / pg_best));
    if (pg_b->rate > 0)
        json_object_set_new(j, "pgbench_at_offered_rate",
                            json_pack("{s:f, s:f, s:f}", "per_s", pg_b->rate, "p50_ms",
                                      pg_b->p50_ms, "p99_ms", pg_b->p99_ms));
    if (cost)
        json_object_update(j, cost);
    if (ctl->json) {
        ctl_print_json(j);
    } else {
        printf("cases=%d concurrency=%d accepted=%d failed=%d delivered=%d\n", b->total, b->conns,
               n.accepted, b->failed, n.delivered);
        printf("console: %d received (%d before their 201), %d lost and counted from the "
               "database, %d duplicates, %d of other cases\n",
               n.console, n.before_201, n.database, n.duplicates, n.strangers);
        printf("throughput: intake %.0f cases/s, end to end %.0f cases/s\n",
               json_real_value(json_object_get(j, "intake_per_s")),
               json_real_value(json_object_get(j, "end_to_end_per_s")));
        printf("intake latency (to durable 201): p50 %.2f ms, p99 %.2f ms\n",
               ctl_percentile_ms(intake, ni, 0.50), ctl_percentile_ms(intake, ni, 0.99));
        printf("end-to-end latency (to division console): p50 %.2f ms, p99 %.2f ms\n",
               ctl_percentile_ms(e2e, ne, 0.50), ctl_percentile_ms(e2e, ne, 0.99));
        if (b->rate > 0)
            printf("open loop: %.0f cases/s offered, latencies from each case's intended send "
                   "time\n",
                   b->rate);
        json_t *wal = json_object_get(j, "wal_bytes_per_case");
        if (wal)
            printf("WAL per case: %.0f bytes\n", json_real_value(wal));
        json_t *cpu = json_object_get(j, "cpu_ms_per_case");
        if (cpu && json_object_size(cpu) > 0) {
            printf("CPU ms per case:");
            s_print_cpu(cpu, "intake", "intake");
            s_print_cpu(cpu, "triage", "triage");
            s_print_cpu(cpu, "dispatch", "dispatch");
            s_print_cpu(cpu, "watch", "watch");
            s_print_cpu(cpu, "services", "(services");
            if (json_object_get(cpu, "services"))
                printf(")");
            s_print_cpu(cpu, "postgresql", "postgresql");
            s_print_cpu(cpu, "redis", "redis");
            printf("\n");
        }
        json_t *others = json_object_get(j, "other_connections");
        json_int_t nothers = json_integer_value(json_object_get(others, "connections"));
        const char *other_dbs = json_string_value(json_object_get(others, "databases"));
        if (nothers > 0)
            printf("note: %lld connection(s) to other databases of this server at the end of "
                   "the run (%.120s): PostgreSQL's CPU and WAL above include their work\n",
                   (long long)nothers, other_dbs ? other_dbs : "");
        if (pg_best > 0)
            printf("postgresql one-row durable commits, 8 clients (pgbench, same server): "
                   "before %.0f tps, after %.0f tps\nratio end to end / best pgbench: %.3f\n",
                   pg_before, pg_after, e2e_rate / pg_best);
        if (pg_b->rate > 0)
            printf("postgresql one-row durable commits offered at %.0f/s, 8 clients (pgbench -R, "
                   "same server): p50 %.2f ms, p99 %.2f ms, from each one's scheduled start\n",
                   pg_b->rate, pg_b->p50_ms, pg_b->p99_ms);
    }
    json_decref(j);
    free(intake);
    free(e2e);
}
