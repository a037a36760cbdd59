/* The Prometheus text format of common/metrics.c: HELP and TYPE lines,
 * label values escaped, histograms cumulative with +Inf equal to _count,
 * numbers Go can read, a bounded number of label sets. */
#include "metrics.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *s_render(void)
{
    size_t len = 0;
    char *text = metrics_render(&len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void s_contains(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing in the exposition: %s\n--- got ---\n%s", line, text);
}

static int s_setup(void **state)
{
    metrics_reset();
    return 0;
}

static void test_counter_with_labels(void **state)
{
    metrics_family_t *f = metrics_counter(
        "duban_cases_refused_total", "Cases refused, by channel and reason.", "channel,reason");
    assert_ptr_equal(f, metrics_counter("duban_cases_refused_total", "again", "channel,reason"));
    metrics_add(f, 1, "web", "missing_subject");
    metrics_add(f, 2, "web", "missing_subject");
    metrics_add(f, 1, "open311", "bad_json");
    char *text = s_render();
    s_contains(text, "# HELP duban_cases_refused_total Cases refused, by channel and reason.\n"
                     "# TYPE duban_cases_refused_total counter\n"
                     "duban_cases_refused_total{channel=\"web\",reason=\"missing_subject\"} 3\n"
                     "duban_cases_refused_total{channel=\"open311\",reason=\"bad_json\"} 1\n");
    free(text);
}

static void test_label_values_escaped(void **state)
{
    metrics_family_t *g = metrics_gauge("duban_x", "Help with \\ and\nnewline.", "division");
    metrics_set(g, 1.5, "a\"b\\c");
    metrics_set(g, 2, "\xff\xfe");    /* not UTF-8 */
    metrics_set(g, 3, "line\nbreak"); /* a control character */
    metrics_set(g, 4, "计量处");
    char *text = s_render();
    s_contains(text, "# HELP duban_x Help with \\\\ and\\nnewline.\n");
    s_contains(text, "duban_x{division=\"a\\\"b\\\\c\"} 1.5\n");
    s_contains(text, "duban_x{division=\"invalid\"} 3\n"); /* both bad values, last set wins */
    s_contains(text, "duban_x{division=\"计量处\"} 4\n");
    free(text);
}

/* A label value keeps at most 64 bytes, cut before a character that would
 * not fit whole: a long division name stays a valid, recognisable value. */
static void test_label_values_cut(void **state)
{
    metrics_family_t *g = metrics_gauge("duban_cut", "Cut values.", "division");
    char cjk[22 * 3 + 1] = "", ascii[66];
    for (int i = 0; i < 22; i++)
        strcat(cjk, "计");
    memset(ascii, 'a', 65);
    ascii[65] = '\0';
    metrics_set(g, 1, cjk);   /* 66 bytes: 21 whole characters fit */
    metrics_set(g, 2, ascii); /* 65 bytes: 64 kept */
    char *text = s_render();
    char want_cjk[128], want_ascii[128];
    snprintf(want_cjk, sizeof(want_cjk), "duban_cut{division=\"%.63s\"} 1\n", cjk);
    snprintf(want_ascii, sizeof(want_ascii), "duban_cut{division=\"%.64s\"} 2\n", ascii);
    s_contains(text, want_cjk);
    s_contains(text, want_ascii);
    free(text);
}

static void test_histogram_cumulative(void **state)
{
    static const double bounds[] = {0.1, 0.5, 2};
    metrics_family_t *h = metrics_histogram("duban_stage_seconds", "Latency.", "stage", bounds, 3);
    metrics_observe(h, 0.05, "triage");
    metrics_observe(h, 0.1, "triage"); /* le is inclusive */
    metrics_observe(h, 1, "triage");
    metrics_observe(h, 10, "triage");
    char *text = s_render();
    s_contains(text, "# TYPE duban_stage_seconds histogram\n"
                     "duban_stage_seconds_bucket{stage=\"triage\",le=\"0.1\"} 2\n"
                     "duban_stage_seconds_bucket{stage=\"triage\",le=\"0.5\"} 2\n"
                     "duban_stage_seconds_bucket{stage=\"triage\",le=\"2\"} 3\n"
                     "duban_stage_seconds_bucket{stage=\"triage\",le=\"+Inf\"} 4\n"
                     "duban_stage_seconds_sum{stage=\"triage\"} 11.15\n"
                     "duban_stage_seconds_count{stage=\"triage\"} 4\n");
    free(text);
}

static void test_numbers_and_no_labels(void **state)
{
    metrics_family_t *g = metrics_gauge("duban_plain", "No labels.", NULL);
    metrics_set(g, 1.0 / 0.0);
    char *text = s_render();
    s_contains(text, "duban_plain +Inf\n");
    free(text);
    metrics_set(g, 1e-7);
    text = s_render();
    s_contains(text, "duban_plain 1e-07\n");
    free(text);
    metrics_set(g, 123456789012.0);
    text = s_render();
    s_contains(text, "duban_plain 123456789012\n");
    s_contains(text, "# TYPE process_resident_memory_bytes gauge\n");
    s_contains(text, "# TYPE process_cpu_seconds_total counter\n");
    s_contains(text, "duban_build_info{version=\"");
    free(text);
}

static void test_series_bounded(void **state)
{
    metrics_family_t *f = metrics_counter("duban_many_total", "Many.", "reason");
    char value[32];
    for (int i = 0; i < METRICS_MAX_SERIES + 50; i++) {
        snprintf(value, sizeof(value), "r%d", i);
        metrics_add(f, 1, value);
    }
    char *text = s_render();
    s_contains(text, "duban_many_total{reason=\"other\"} 50\n");
    int lines = 0;
    for (const char *p = text; (p = strstr(p, "duban_many_total{")); p++)
        lines++;
    assert_int_equal(lines, METRICS_MAX_SERIES + 1);
    free(text);
}

static int s_scraped;
static void s_scrape_cb(void *arg)
{
    s_scraped++;
    metrics_set(metrics_gauge("duban_live", "Set at scrape.", NULL), 7);
}

static void test_scrape_callback_and_clear(void **state)
{
    s_scraped = 0;
    metrics_on_scrape(s_scrape_cb, NULL);
    metrics_family_t *g = metrics_gauge("duban_overdue", "Overdue.", "division");
    metrics_set(g, 3, "metrology");
    metrics_clear(g);
    metrics_set(g, 1, "food");
    char *text = s_render();
    assert_int_equal(s_scraped, 1);
    s_contains(text, "duban_live 7\n");
    s_contains(text, "duban_overdue{division=\"food\"} 1\n");
    assert_null(strstr(text, "metrology"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_counter_with_labels, s_setup),
        cmocka_unit_test_setup(test_label_values_escaped, s_setup),
        cmocka_unit_test_setup(test_label_values_cut, s_setup),
        cmocka_unit_test_setup(test_histogram_cumulative, s_setup),
        cmocka_unit_test_setup(test_numbers_and_no_labels, s_setup),
        cmocka_unit_test_setup(test_series_bounded, s_setup),
        cmocka_unit_test_setup(test_scrape_callback_and_clear, s_setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    metrics_reset();
    return rc;
}
