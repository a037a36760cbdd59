/* services/bulletin/bulletin_score.c and bulletin_config.c: rates with
 * empty denominators ("n/a", never 100%), rounding half up to a tenth,
 * working days, the weighted score with penalties, grade thresholds from the
 * shipped bulletin.conf, and refused bulletin files. */
#include "bulletin_config.h"
#include "bulletin_score.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after the headers it needs */

#define DAY_US (27000LL * 1000000LL) /* 7.5 h */
#define HOUR_US (3600LL * 1000000LL)

static bulletin_config_t *s_config;

static int s_setup(void **state)
{
    s_config = bulletin_config_new(DUBAN_SOURCE_DIR "/deploy/config/bulletin.conf");
    return s_config ? 0 : -1;
}

static int s_teardown(void **state)
{
    bulletin_config_destroy(&s_config);
    bulletin_config_destroy(&s_config); /* twice is safe */
    bulletin_config_destroy(NULL);
    return 0;
}

static void test_rates(void **state)
{
    assert_int_equal(bulletin_rate_x10(0, 0), BULLETIN_NA); /* empty: n/a, not 100% */
    assert_int_equal(bulletin_rate_x10(5, 0), BULLETIN_NA);
    assert_int_equal(bulletin_rate_x10(0, 5), 0);
    assert_int_equal(bulletin_rate_x10(5, 5), 1000);
    assert_int_equal(bulletin_rate_x10(3, 4), 750);
    assert_int_equal(bulletin_rate_x10(2, 3), 667); /* 66.67 */
    assert_int_equal(bulletin_rate_x10(1, 3), 333);
    assert_int_equal(bulletin_rate_x10(1, 6), 167); /* 16.67 */
    assert_int_equal(bulletin_rate_x10(1, 8), 125); /* 12.5 exactly */
    assert_int_equal(bulletin_rate_x10(1, 16), 63); /* 6.25 rounds half up */
    assert_int_equal(bulletin_rate_x10(20, 22), 909);
    assert_int_equal(bulletin_rate_x10(999999, 1000000), 1000); /* 99.9999 rounds to 100.0 */
    bulletin_counts_t c = {.satisfied = 3, .basically = 1, .unsatisfied = 1};
    assert_int_equal(bulletin_satisfaction_x10(&c), 800);
    bulletin_counts_t none = {0};
    assert_int_equal(bulletin_satisfaction_x10(&none), BULLETIN_NA);
}

static void test_days(void **state)
{
    /* 34.5 working hours = 4.6 working days. */
    assert_int_equal(bulletin_days_x10(345 * HOUR_US / 10, 1, DAY_US), 46);
    /* 180 h over 3 replies = 60 h = 8.0 days. */
    assert_int_equal(bulletin_days_x10(180 * HOUR_US, 3, DAY_US), 80);
    assert_int_equal(bulletin_days_x10(0, 0, DAY_US), BULLETIN_NA);
    /* A quarter of a day (1.875 h) is 0.25: half up to 0.3. */
    assert_int_equal(bulletin_duration_x10(DAY_US / 4, DAY_US), 3);
    assert_int_equal(bulletin_duration_x10(14 * DAY_US, DAY_US), 140);
    assert_int_equal(bulletin_duration_x10(0, DAY_US), 0);
}

static void test_score(void **state)
{
    /* The shipped weights: response 20, on time 50, satisfaction 30. */
    assert_int_equal(s_config->w_response, 20);
    assert_int_equal(s_config->w_ontime, 50);
    assert_int_equal(s_config->w_satisfaction, 30);
    /* 2/3, 2/3 and 2/2: (20*66.67 + 50*66.67 + 30*100) / 100 = 76.67 -> 76.7 */
    bulletin_counts_t c = {.response_due = 3,
                           .response_met = 2,
                           .ontime_due = 3,
                           .ontime_met = 2,
                           .satisfied = 1,
                           .basically = 1};
    assert_int_equal(bulletin_score_x10(s_config, &c), 767);
    /* One overdue open task (-5) and one reopen (-3). */
    c.overdue_open = 1;
    c.reopened = 1;
    assert_int_equal(bulletin_score_x10(s_config, &c), 687);
    /* Only the rates that have a denominator count: 100% response and
     * satisfaction with no completion deadline is 100, less a groundless
     * return (-3). */
    bulletin_counts_t d = {.response_due = 3, .response_met = 3, .satisfied = 1, .groundless = 1};
    assert_int_equal(bulletin_score_x10(s_config, &d), 970);
    /* Penalties never take a score below 0; alerts of level 1 and up count,
     * warnings (level 0) do not. */
    bulletin_counts_t e = {.response_due = 1, .ontime_due = 1, .overdue_open = 1};
    e.alerts[0] = 1;
    e.alerts[1] = 2;
    e.alerts[2] = 1;
    assert_int_equal(bulletin_score_x10(s_config, &e), 0);
    bulletin_counts_t f = {.response_due = 2, .response_met = 2, .alerts = {5, 1}};
    assert_int_equal(bulletin_score_x10(s_config, &f), 990);
    /* No rate at all: not scored, whatever else happened. */
    bulletin_counts_t g = {.received = 4, .overdue_open = 2, .returns = 1};
    assert_int_equal(bulletin_score_x10(s_config, &g), BULLETIN_NA);
}

/* Work items: their on-time rate (weight 30) and the public evaluation's
 * 满意率 (weight 10) join the weighted mean; a missed progress report (-1),
 * a verification sent back (-2) and a failed look-back (as a reopen, -3)
 * are penalties. */
static void test_score_workitems(void **state)
{
    assert_int_equal(s_config->w_workitems, 30);
    assert_int_equal(s_config->w_evaluation, 10);
    assert_int_equal(s_config->p_report_missed_x10, 10);
    assert_int_equal(s_config->p_sent_back_x10, 20);
    /* Complaints alone: 100% response and on time, no callback: 100. */
    bulletin_counts_t c = {.response_due = 1, .response_met = 1, .ontime_due = 1, .ontime_met = 1};
    assert_int_equal(bulletin_score_x10(s_config, &c), 1000);
    /* One item due, not on time: (20*100 + 50*100 + 30*0) / 100 = 70. */
    c.wi_due = 1;
    assert_int_equal(bulletin_score_x10(s_config, &c), 700);
    /* And an evaluation 基本满意, one 不满意: (7000 + 10*50) / 110 = 68.18. */
    c.wi_eval_basically = 1;
    c.wi_eval_dissatisfied = 1;
    assert_int_equal(bulletin_evaluation_x10(&c), 500);
    assert_int_equal(bulletin_score_x10(s_config, &c), 682);
    /* A missed report, a verification sent back, a failed look-back. */
    c.wi_reports_missed = 1;
    c.wi_sent_back = 1;
    c.wi_lookback_failed = 1;
    assert_int_equal(bulletin_score_x10(s_config, &c), 682 - 10 - 20 - 30);
    /* Work items alone score a division: one due, on time: 100. */
    bulletin_counts_t w = {.wi_due = 1, .wi_ontime = 1};
    assert_int_equal(bulletin_score_x10(s_config, &w), 1000);
    bulletin_counts_t none = {.wi_reports_missed = 2};
    assert_int_equal(bulletin_score_x10(s_config, &none), BULLETIN_NA);
    assert_int_equal(bulletin_evaluation_x10(&none), BULLETIN_NA);
}

static void test_grades(void **state)
{
    static const struct {
        int score;
        const char *grade;
    } cases[] = {{1000, "A"}, {900, "A"}, {899, "B"}, {750, "B"},
                 {749, "C"},  {600, "C"}, {599, "D"}, {0, "D"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(bulletin_grade_for(s_config, cases[i].score)->grade, cases[i].grade);
    assert_null(bulletin_grade_for(s_config, BULLETIN_NA));
    assert_string_equal(bulletin_grade_for(s_config, 950)->name, "好");
}

static void test_format(void **state)
{
    char buf[16];
    assert_string_equal(bulletin_x10_str(667, buf, sizeof(buf)), "66.7");
    assert_string_equal(bulletin_x10_str(1000, buf, sizeof(buf)), "100.0");
    assert_string_equal(bulletin_x10_str(0, buf, sizeof(buf)), "0.0");
    assert_string_equal(bulletin_x10_str(BULLETIN_NA, buf, sizeof(buf)), "n/a");
    assert_string_equal(bulletin_delta_str(767, 1000, buf, sizeof(buf)), "-23.3");
    assert_string_equal(bulletin_delta_str(1000, 975, buf, sizeof(buf)), "+2.5");
    assert_string_equal(bulletin_delta_str(500, 500, buf, sizeof(buf)), "0.0");
    assert_string_equal(bulletin_delta_str(500, BULLETIN_NA, buf, sizeof(buf)), "n/a");
    json_t *j = bulletin_x10_json(BULLETIN_NA);
    assert_string_equal(json_string_value(j), "n/a");
    json_decref(j);
    j = bulletin_x10_json(667);
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
    assert_string_equal(text, "66.7");
    free(text);
    json_decref(j);
    j = bulletin_x10_json(1000);
    text = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
    assert_string_equal(text, "100.0");
    free(text);
    json_decref(j);
}

/* Writes text to a temporary file and reads it as a bulletin file. */
static bulletin_config_t *s_read(const char *text)
{
    char path[] = "/tmp/test_bulletin_conf.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bulletin_config_t *c = bulletin_config_new(path);
    unlink(path);
    return c;
}

#define GOOD_SCHEDULE "schedule = { at = \"09:00\"; kinds = [\"month\"]; };"
#define GOOD_SAMPLE "sample = { percent = 10; };"
#define GOOD_SCORE                                                                                 \
    "score = { weights = { response = 20; ontime = 50; satisfaction = 30; };"                      \
    " penalties = { overdue_open = 5.0; groundless_return = 3; reopened = 3; alert = 1; }; };"
#define GOOD_GRADES                                                                                \
    "grades = ( { grade = \"A\"; min = 90.0; name = \"好\"; },"                                   \
    " { grade = \"D\"; min = 0; name = \"差\"; } );" GOOD_DOCUMENT
#define DOCUMENT_NUMBER "number = { prefix = \"质监督查\"; month = 0; quarter = 12; half = 16; year = 18; };"
#define DOCUMENT_REST                                                                              \
    " addressee = \"各处室\"; copy_to = [\"局领导\"]; printer = \"督查室\"; unranked = [\"inspection\"];"
#define GOOD_DOCUMENT "document = { issuer = \"某局\"; " DOCUMENT_NUMBER DOCUMENT_REST " };"

static void test_config_refused(void **state)
{
    bulletin_config_t *c =
        s_read("bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE GOOD_GRADES " };");
    assert_non_null(c);
    assert_int_equal(c->at_minute, 9 * 60);
    assert_true(c->scheduled[BULLETIN_MONTH]);
    assert_false(c->scheduled[BULLETIN_YEAR]);
    assert_int_equal(c->ngrades, 2);
    /* a file written before work items: their weights and penalties shipped */
    assert_int_equal(c->w_workitems, BULLETIN_DEFAULT_W_WORKITEMS);
    assert_int_equal(c->w_evaluation, BULLETIN_DEFAULT_W_EVALUATION);
    assert_int_equal(c->p_report_missed_x10, BULLETIN_DEFAULT_P_REPORT_MISSED_X10);
    assert_int_equal(c->p_sent_back_x10, BULLETIN_DEFAULT_P_SENT_BACK_X10);
    assert_string_equal(c->doc.issuer, "某局");
    assert_true(bulletin_document_unranked(&c->doc, "inspection"));
    assert_false(bulletin_document_unranked(&c->doc, "metrology"));
    /* The document of a period: its number is its place in the year. */
    bulletin_period_t p;
    assert_int_equal(bulletin_period_parse("2017-03", &p), 0);
    json_t *d = bulletin_document_json(&c->doc, &p, "2017-04-05");
    assert_string_equal(json_string_value(json_object_get(d, "number")), "质监督查〔2017〕3号");
    assert_string_equal(json_string_value(json_object_get(d, "title")),
                        "关于2017年3月督办工作月检查情况的通报");
    assert_string_equal(json_string_value(json_object_get(d, "issue_date_cn")), "2017年4月5日");
    json_decref(d);
    assert_int_equal(bulletin_period_parse("2017-Q2", &p), 0);
    d = bulletin_document_json(&c->doc, &p, "2017-07-03");
    assert_string_equal(json_string_value(json_object_get(d, "number")), "质监督查〔2017〕14号");
    assert_string_equal(json_string_value(json_object_get(d, "title")),
                        "关于2017年第二季度督办工作情况的通报");
    json_decref(d);
    bulletin_config_destroy(&c);
    /* A misspelt setting, a missing group, grades out of order, a last grade
     * above zero, a time that is not HH:MM, weights all zero, a sample of 0. */
    static const char *bad[] = {
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE GOOD_GRADES " extra = 1; };",
        "bulletin = { " GOOD_SCHEDULE GOOD_SCORE GOOD_GRADES " };",
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE
        "grades = ( { grade = \"D\"; min = 0; name = \"差\"; },"
        " { grade = \"A\"; min = 90; name = \"好\"; } );" GOOD_DOCUMENT " };",
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE
        "grades = ( { grade = \"A\"; min = 90; name = \"好\"; } );" GOOD_DOCUMENT " };",
        "bulletin = { schedule = { at = \"9am\"; kinds = [\"month\"]; };" GOOD_SAMPLE GOOD_SCORE
            GOOD_GRADES " };",
        "bulletin = { schedule = { at = \"09:00\"; kinds = [\"week\"]; };" GOOD_SAMPLE GOOD_SCORE
            GOOD_GRADES " };",
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE
        "score = { weights = { response = 0; ontime = 0; satisfaction = 0; workitems = 0;"
        " evaluation = 0; };"
        " penalties = { overdue_open = 5; groundless_return = 3; reopened = 3; alert = 1; }; };" GOOD_GRADES
        " };",
        /* a work-item penalty out of range */
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE
        "score = { weights = { response = 20; ontime = 50; satisfaction = 30; };"
        " penalties = { overdue_open = 5; groundless_return = 3; reopened = 3; alert = 1;"
        " sent_back = 101; }; };" GOOD_GRADES " };",
        "bulletin = { " GOOD_SCHEDULE "sample = { percent = 0; };" GOOD_SCORE GOOD_GRADES " };",
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE GOOD_GRADES " ",
        /* a document without its number, with a setting it does not take */
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE
        "grades = ( { grade = \"D\"; min = 0; name = \"差\"; } );"
        " document = { issuer = \"某局\";" DOCUMENT_REST " }; };",
        "bulletin = { " GOOD_SCHEDULE GOOD_SAMPLE GOOD_SCORE
        "grades = ( { grade = \"D\"; min = 0; name = \"差\"; } );"
        " document = { issuer = \"某局\"; seal = \"x\"; " DOCUMENT_NUMBER DOCUMENT_REST " }; };",
        NULL};
    for (int i = 0; bad[i]; i++) {
        c = s_read(bad[i]);
        if (c)
            fail_msg("bulletin file %d was accepted", i);
    }
    assert_null(bulletin_config_new("/nonexistent/bulletin.conf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates),  cmocka_unit_test(test_days),
        cmocka_unit_test(test_score),  cmocka_unit_test(test_score_workitems),
        cmocka_unit_test(test_grades),
        cmocka_unit_test(test_format), cmocka_unit_test(test_config_refused),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
