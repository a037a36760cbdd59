/* common/sla.c against the shipped policy on the shipped 2017 calendar, the
 * integration tests' fast policy on a round-the-clock calendar, and broken
 * policy files (each must be refused with a log line naming line and field). */
#include "sla.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after the headers it needs */

#define SECOND_US 1000000LL
#define HOUR_US (3600LL * SECOND_US)

static sla_t *s_sla;      /* deploy/config/sla.conf */
static sla_t *s_fast;     /* tests/config/sla-fast.conf */
static calendar_t *s_cal; /* deploy/config/calendar */
static calendar_t *s_rtc; /* round the clock */

static int s_load(void **state)
{
    s_sla = sla_new(DUBAN_SOURCE_DIR "/deploy/config/sla.conf");
    s_fast = sla_new(DUBAN_SOURCE_DIR "/tests/config/sla-fast.conf");
    s_cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    s_rtc = calendar_new_round_the_clock();
    return s_sla && s_fast && s_cal && s_rtc ? 0 : -1;
}

static int s_unload(void **state)
{
    sla_destroy(&s_sla);
    sla_destroy(&s_fast);
    sla_destroy(&s_sla); /* twice is safe */
    sla_destroy(NULL);
    calendar_destroy(&s_cal);
    calendar_destroy(&s_rtc);
    return 0;
}

static int64_t s_at(const char *text)
{
    int64_t us = 0;
    if (calendar_parse_instant(text, &us) < 0)
        fail_msg("could not parse %s", text);
    return us;
}

/* Asserts that us is the instant written as want (in +08:00). */
static void s_check_at(int64_t us, const char *want)
{
    char buf[48];
    calendar_format_instant(s_cal, us, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void test_shipped_settings(void **state)
{
    assert_int_equal(sla_warning_percent(s_sla), 75);
    assert_int_equal(sla_escalation_period_us(s_sla, s_cal), 4 * HOUR_US);
    assert_int_equal(sla_alert_repeat_us(s_sla), 30 * 60 * SECOND_US);
    assert_int_equal(sla_ladder_period_us(s_sla), 90 * 24 * HOUR_US);
    assert_int_equal(sla_level_count(s_sla), 3);
    assert_string_equal(sla_level_name(s_sla, 1), "督查室");
    assert_null(sla_level_name(s_sla, 0));
    assert_null(sla_level_name(s_sla, 4));
    int n = -1;
    const char *const *to = sla_level_notify(s_sla, 2, &n);
    assert_int_equal(n, 3);
    assert_string_equal(to[0], "inspection");
    assert_string_equal(to[2], "lead-leader");
    assert_null(sla_level_notify(s_sla, 9, &n));
    assert_int_equal(n, 0);
    assert_int_equal(sla_level_for_alert(s_sla, 0), 1);
    assert_int_equal(sla_level_for_alert(s_sla, 1), 1);
    assert_int_equal(sla_level_for_alert(s_sla, 3), 3);
    assert_int_equal(sla_level_for_alert(s_sla, 7), 3);
}

static void test_policy_matching(void **state)
{
    const sla_policy_t *p = sla_policy_find(s_sla, "complaint", "urgent");
    assert_non_null(p); /* urgent beats kind: the "*" policy comes first */
    assert_string_equal(p->kind, "*");
    assert_true(p->response_natural);
    assert_true(p->response.unit == CALENDAR_UNIT_HOURS && p->response.amount == 2);
    assert_false(p->completion_from_next);
    assert_string_equal(sla_policy_find(s_sla, "no-such-kind", "urgent")->kind, "*");
    p = sla_policy_find(s_sla, "complaint", "normal");
    assert_string_equal(p->kind, "complaint");
    assert_false(p->response_natural);
    assert_true(p->completion_from_next);
    assert_true(p->completion.unit == CALENDAR_UNIT_DAYS && p->completion.amount == 13);
    assert_string_equal(sla_policy_find(s_sla, "enquiry", "normal")->kind, "enquiry");
    assert_string_equal(sla_policy_find(s_sla, "suggestion", "normal")->kind, "suggestion");
    assert_null(sla_policy_find(s_sla, "no-such-kind", "normal"));
    assert_null(sla_policy_find(s_sla, "complaint", "high"));
    sla_deadlines_t d = {.response_due_us = 42};
    assert_int_equal(sla_deadlines(s_sla, s_cal, s_rtc, "complaint", "high", 0, &d), -1);
    assert_int_equal(d.response_due_us, 42); /* left as it was */
}

/* Thursday 16:00 before the 2017 Spring Festival (27 Jan - 2 Feb holidays,
 * Saturday 4 Feb a make-up working day). */
static void test_complaint_across_spring_festival(void **state)
{
    sla_deadlines_t d;
    int64_t start = s_at("2017-01-26T16:00+08:00");
    assert_int_equal(sla_deadlines(s_sla, s_cal, s_rtc, "complaint", "normal", start, &d), 0);
    /* 8h: 1.5 h on 26 Jan, then 3.5 h + 3 h on Friday 3 Feb */
    s_check_at(d.response_due_us, "2017-02-03T16:30:00+08:00");
    /* 75% = 6h: 1.5 + 3.5 + 1 */
    s_check_at(d.response_warn_us, "2017-02-03T14:30:00+08:00");
    /* 13 working days from 3 Feb: 3, 4 (make-up), 6-10, 13-17, 20 */
    s_check_at(d.completion_due_us, "2017-02-20T17:30:00+08:00");
    /* 75% of 1.5 h + 13 x 7.5 h = 74.25 h: 1.5 + 9 x 7.5 = 69 h by 14 Feb,
     * then 3.5 h + 1.75 h on 15 Feb */
    s_check_at(d.completion_warn_us, "2017-02-15T15:15:00+08:00");
    /* dispatch at any hour of 26 Jan gives the same completion deadline */
    assert_int_equal(sla_deadlines(s_sla, s_cal, s_rtc, "complaint", "normal",
                                   s_at("2017-01-26T08:00+08:00"), &d),
                     0);
    s_check_at(d.completion_due_us, "2017-02-20T17:30:00+08:00");
}

static void test_enquiry_and_report(void **state)
{
    sla_deadlines_t d;
    int64_t start = s_at("2017-03-07T11:00+08:00"); /* Tuesday */
    assert_int_equal(sla_deadlines(s_sla, s_cal, s_rtc, "enquiry", "normal", start, &d), 0);
    s_check_at(d.response_due_us, "2017-03-07T16:30:00+08:00"); /* 1 h + lunch + 3 h */
    s_check_at(d.response_warn_us, "2017-03-07T15:30:00+08:00");
    s_check_at(d.completion_due_us, "2017-03-10T17:30:00+08:00"); /* Wed, Thu, Fri */
    assert_int_equal(sla_deadlines(s_sla, s_cal, s_rtc, "report", "normal", start, &d), 0);
    s_check_at(d.completion_due_us, "2017-03-28T17:30:00+08:00"); /* 15 working days */
}

/* An urgent case dispatched on a holiday Saturday: the response runs in
 * natural hours, the completion in working time from the next working day. */
static void test_urgent_runs_in_natural_hours(void **state)
{
    sla_deadlines_t d;
    int64_t start = s_at("2017-01-28T10:00+08:00");
    assert_int_equal(sla_deadlines(s_sla, s_cal, s_rtc, "complaint", "urgent", start, &d), 0);
    s_check_at(d.response_due_us, "2017-01-28T12:00:00+08:00");
    s_check_at(d.response_warn_us, "2017-01-28T11:30:00+08:00");
    /* 1d = 7.5 working hours: all of Friday 3 Feb */
    s_check_at(d.completion_due_us, "2017-02-03T17:30:00+08:00");
    /* 75% = 5 h 37 min 30 s: 3.5 h by noon, then 2 h 7 min 30 s */
    s_check_at(d.completion_warn_us, "2017-02-03T15:37:30+08:00");
    /* overnight on a working day too */
    assert_int_equal(
        sla_deadlines(s_sla, s_cal, s_rtc, "enquiry", "urgent", s_at("2017-03-07T23:00+08:00"), &d),
        0);
    s_check_at(d.response_due_us, "2017-03-08T01:00:00+08:00");
}

static void test_fast_policy_round_the_clock(void **state)
{
    sla_deadlines_t d;
    int64_t t = s_at("2017-01-28T10:00:00Z");
    assert_int_equal(sla_deadlines(s_fast, s_rtc, s_rtc, "complaint", "normal", t, &d), 0);
    assert_int_equal(d.response_due_us - t, 6 * SECOND_US);
    assert_int_equal(d.response_warn_us - t, 3 * SECOND_US);
    assert_int_equal(d.completion_due_us - t, 30 * SECOND_US);
    assert_int_equal(d.completion_warn_us - t, 15 * SECOND_US);
    assert_int_equal(sla_deadlines(s_fast, s_rtc, s_rtc, "report", "urgent", t, &d), 0);
    assert_int_equal(d.response_due_us - t, 4 * SECOND_US);
    assert_int_equal(d.response_warn_us - t, 2 * SECOND_US);
    assert_int_equal(d.completion_due_us - t, 20 * SECOND_US);
    assert_int_equal(d.completion_warn_us - t, 10 * SECOND_US);
    assert_int_equal(sla_warning_percent(s_fast), 50);
    assert_int_equal(sla_escalation_period_us(s_fast, s_rtc), 3 * SECOND_US);
    assert_int_equal(sla_alert_repeat_us(s_fast), 2 * SECOND_US);
    assert_int_equal(sla_ladder_period_us(s_fast), 24 * HOUR_US);
    assert_string_equal(sla_ladder_rung(s_fast, 2, NULL), "inquiry");
    assert_string_equal(sla_ladder_rung(s_fast, 5, NULL), "discipline");
}

static void test_ladder_rungs(void **state)
{
    const char *name = "x";
    assert_null(sla_ladder_rung(s_sla, 0, &name));
    assert_null(name);
    assert_null(sla_ladder_rung(s_sla, -1, NULL));
    assert_string_equal(sla_ladder_rung(s_sla, 1, &name), "criticism");
    assert_string_equal(name, "批评教育");
    assert_string_equal(sla_ladder_rung(s_sla, 2, NULL), "criticism");
    assert_string_equal(sla_ladder_rung(s_sla, 3, NULL), "inquiry");
    assert_string_equal(sla_ladder_rung(s_sla, 4, &name), "inquiry");
    assert_string_equal(name, "函询说明");
    assert_string_equal(sla_ladder_rung(s_sla, 7, NULL), "admonish");
    assert_string_equal(sla_ladder_rung(s_sla, 11, NULL), "notice");
    assert_string_equal(sla_ladder_rung(s_sla, 12, &name), "discipline");
    assert_string_equal(name, "纪律处分");
    assert_string_equal(sla_ladder_rung(s_sla, 1000, NULL), "discipline");
}

/* A small valid file; each broken file below changes one piece of it. */
#define BASE_POLICIES                                                                              \
    "  policies = (\n"                                                                             \
    "    { kind = \"*\"; priority = \"urgent\"; response = \"2h\"; completion = \"1d\"; },\n"      \
    "    { kind = \"complaint\"; priority = \"normal\"; response = \"8h\";\n"                      \
    "      completion = \"13d\"; from_next_working_day = true; } );\n"
static const char s_base[] =
    "sla = {\n"
    "  warning_percent = 75;\n"
    "  escalation_period = \"4h\";\n"
    "  alert_repeat = \"30m\";\n"
    "  levels = ( { level = 1; name = \"L1\"; notify = [\"inspection\"]; },\n"
    "             { level = 2; name = \"L2\"; notify = [\"inspection\", \"lead-leader\"]; } );\n"
    "  ladder = { period = \"90d\";\n"
    "             rungs = ( { min = 1; code = \"criticism\"; name = \"C\"; },\n"
    "                       { min = 3; code = \"inquiry\"; name = \"I\"; } ); };\n" BASE_POLICIES
    "};\n";

/* Writes s_base with its first from replaced by to as path; loads it with
 * stderr captured; returns whether it loaded and checks that the log, when
 * it did not, holds want. */
static bool s_loads(const char *dir, const char *from, const char *to, const char *want)
{
    char path[256], log_path[256], text[4096], log[4096] = "";
    snprintf(path, sizeof(path), "%s/sla.conf", dir);
    snprintf(log_path, sizeof(log_path), "%s/log", dir);
    const char *at = from ? strstr(s_base, from) : NULL;
    if (from && !at)
        fail_msg("%s is not in the base file", from);
    if (at)
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - s_base), s_base, to, at + strlen(from));
    else
        snprintf(text, sizeof(text), "%s", s_base);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);

    int saved = dup(STDERR_FILENO);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    sla_t *sla = sla_new(path);
    dup2(saved, STDERR_FILENO);
    close(saved);
    f = fopen(log_path, "r");
    assert_non_null(f);
    size_t n = fread(log, 1, sizeof(log) - 1, f);
    log[n] = '\0';
    fclose(f);
    unlink(log_path);
    unlink(path);

    bool ok = sla != NULL;
    sla_destroy(&sla);
    /* want: the pieces the line must hold, separated by '|' */
    for (const char *piece = want; !ok && piece && *piece;) {
        size_t len = strcspn(piece, "|");
        char one[256];
        snprintf(one, sizeof(one), "%.*s", (int)len, piece);
        if (!strstr(log, one))
            fail_msg("log \"%s\" does not say \"%s\"", log, one);
        piece += len + (piece[len] == '|');
    }
    return ok;
}

static void test_refuses_malformed_files(void **state)
{
    char dir[] = "/tmp/duban-sla-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_true(s_loads(dir, NULL, NULL, NULL));
    /* unknown settings, at every depth */
    assert_false(s_loads(dir, "warning_percent", "warning_pct",
                         "msg=\"sla file: a group has a setting it does not take\"|line=2 group=sla setting=warning_pct\n"));
    assert_false(s_loads(dir, "response = \"8h\"", "respnse = \"8h\"",
                         "line=12 group=\"sla.policies #2\" setting=respnse\n"));
    assert_false(
        s_loads(dir, "min = 3;", "minimum = 3;", "line=9 group=\"sla.ladder.rungs #2\" setting=minimum\n"));
    assert_false(s_loads(dir, "sla = {", "extra = 1;\nsla = {",
                         "group=\"the file\" setting=extra\n"));
    /* bad windows and values */
    assert_false(s_loads(dir, "\"8h\"", "\"3x\"",
                         "sla file: not a window such as|line=12 group=\"sla.policies #2\" setting=response value=3x\n"));
    assert_false(s_loads(dir, "\"4h\"", "\"0h\"", "setting=escalation_period value=0h\n"));
    assert_false(s_loads(dir, "\"90d\"", "\"-90d\"", "setting=period value=-90d\n"));
    assert_false(s_loads(dir, "\"30m\"", "30", "msg=\"sla file: a setting has the wrong type\"|line=4 group=sla setting=alert_repeat shape="));
    assert_false(s_loads(dir, "= 75", "= 100",
                         "a whole number is out of range|line=2 group=sla setting=warning_percent min=1 max=99\n"));
    assert_false(s_loads(dir, "response = \"2h\";", "response = \"2h\"; response_clock = \"wall\";",
                         "must be \\\"working\\\" or \\\"natural\\\"|setting=response_clock value=wall\n"));
    assert_false(s_loads(dir, "\"13d\"", "\"30s\"",
                         "from_next_working_day = true needs a completion|line=12 group=\"sla.policies #2\"\n"));
    assert_false(s_loads(dir, "  alert_repeat = \"30m\";\n", "", "a setting is missing|line=1 group=sla setting=alert_repeat shape="));
    /* lists */
    assert_false(s_loads(dir, "min = 3", "min = 1",
                         "each rung needs more violations|line=9 group=\"sla.ladder.rungs #2\" min=1 previous_min="));
    assert_false(s_loads(dir, "level = 2", "level = 3", "levels must be numbered|line=6 group=\"sla.levels #2\" number=3\n"));
    assert_false(
        s_loads(dir, "notify = [\"inspection\"]", "notify = []", "notify must name|group=\"sla.levels #1\" max="));
    assert_false(
        s_loads(dir, BASE_POLICIES, "  policies = ();\n", "a list must hold 1 to max entries|line=10 group=sla setting=policies max="));
    assert_false(s_loads(dir, "kind = \"complaint\"; priority = \"normal\"",
                         "kind = \"complaint\"; priority = \"urgent\"",
                         "can never apply|policy=\"sla.policies #2\" kind=complaint priority=urgent before="));
    /* not libconfig at all, or no file */
    assert_false(s_loads(dir, "};", "", "msg=\"could not read sla file\" file="));
    assert_null(sla_new("/nonexistent/duban-sla.conf"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_settings),
        cmocka_unit_test(test_policy_matching),
        cmocka_unit_test(test_complaint_across_spring_festival),
        cmocka_unit_test(test_enquiry_and_report),
        cmocka_unit_test(test_urgent_runs_in_natural_hours),
        cmocka_unit_test(test_fast_policy_round_the_clock),
        cmocka_unit_test(test_ladder_rungs),
        cmocka_unit_test(test_refuses_malformed_files),
    };
    return cmocka_run_group_tests(tests, s_load, s_unload);
}
