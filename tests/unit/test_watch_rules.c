/* services/watch/watch_rules.c: index members, the escalation schedule on
 * the round-the-clock and the 2017 calendars, the next entry a task needs,
 * and whether an entry that fell due still counts for the task as it is. */
#include "watch_rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#define S 1000000LL
#define T0 (1700000000LL * S) /* dispatch instant of the test tasks */

static calendar_t *s_rtc;
static calendar_t *s_cal;
static watch_policy_t s_fast; /* tests/config/sla-fast.conf's shape */

static int s_setup(void **state)
{
    s_rtc = calendar_new_round_the_clock();
    s_cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    s_fast = (watch_policy_t){.working = s_rtc, .period_us = 3 * S, .repeat_us = 2 * S,
                              .levels = 3};
    return s_rtc && s_cal ? 0 : -1;
}

static int s_teardown(void **state)
{
    calendar_destroy(&s_rtc);
    calendar_destroy(&s_cal);
    return 0;
}

/* A task dispatched at T0: response due at +6 s (warn +3 s), completion
 * due at +30 s (warn +15 s), nothing met, nothing raised. */
static watch_task_t s_task(void)
{
    watch_task_t t = {.id = 42};
    t.due_us[WATCH_RESPONSE] = T0 + 6 * S;
    t.warn_us[WATCH_RESPONSE] = T0 + 3 * S;
    t.due_us[WATCH_COMPLETION] = T0 + 30 * S;
    t.warn_us[WATCH_COMPLETION] = T0 + 15 * S;
    return t;
}

static watch_entry_t s_entry(watch_deadline_t d, watch_kind_t kind, int level, int64_t due)
{
    return (watch_entry_t){.task_id = 42, .deadline = d, .kind = kind, .level = level,
                           .due_us = due};
}

/* ------------------------------------------------------------- members */

static void test_member_round_trip(void **state)
{
    watch_entry_t e = {.task_id = 1234567, .deadline = WATCH_COMPLETION,
                       .kind = WATCH_KIND_REPEAT, .level = 3, .due_us = 1700000012345678LL,
                       .at_us = 99};
    char buf[WATCH_MEMBER_MAX];
    int n = watch_entry_encode(&e, buf, sizeof(buf));
    assert_int_equal(n, (int)strlen("1234567:c:p:3:1700000012345678"));
    assert_string_equal(buf, "1234567:c:p:3:1700000012345678");
    watch_entry_t d = {.at_us = 7};
    assert_int_equal(watch_entry_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.task_id, e.task_id);
    assert_int_equal(d.deadline, WATCH_COMPLETION);
    assert_int_equal(d.kind, WATCH_KIND_REPEAT);
    assert_int_equal(d.level, 3);
    assert_int_equal(d.due_us, e.due_us);
    assert_int_equal(d.at_us, 7); /* the score is not in the member */
    e = s_entry(WATCH_RESPONSE, WATCH_KIND_WARNING, 0, 5);
    assert_true(watch_entry_encode(&e, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "42:r:w:0:5");
    assert_int_equal(watch_entry_encode(&e, buf, 5), -1); /* does not fit */
}

static void test_member_refuses_what_encode_never_writes(void **state)
{
    static const char *bad[] = {"",          "42",           "42:r:w:0",       "42:x:w:0:5",
                                "42:r:q:0:5", "42:r:w:1:5",  "42:r:a:0:5",     "42:r:p:0:5",
                                "042:r:w:0:5", "42:r:w:0:05", "42:r:w:0:5x",   "-1:r:w:0:5",
                                "0:r:w:0:5",  "42:r:a:100:5", "42:r:w:0:0",    "42;r;w;0;5",
                                "99999999999999999999:r:w:0:5",
                                "42:r:a:1:123456789012345678901234567890123456789012345678901"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        watch_entry_t e = {0};
        if (watch_entry_decode(bad[i], strlen(bad[i]), &e) != -1)
            fail_msg("decoded %s", bad[i]);
    }
    watch_entry_t e = {0};
    assert_int_equal(watch_entry_decode("42:r:a:1:5 trailing", 10, &e), 0); /* len bounds it */
    assert_int_equal(watch_entry_decode(NULL, 3, &e), -1);
    watch_entry_t invalid = s_entry(WATCH_RESPONSE, WATCH_KIND_ALERT, 0, 5);
    char buf[WATCH_MEMBER_MAX];
    assert_int_equal(watch_entry_encode(&invalid, buf, sizeof(buf)), -1);
}

static void test_score_never_early(void **state)
{
    assert_true(watch_score(1000) == 1.0);
    assert_true(watch_score(1001) == 2.0);
    assert_true(watch_score(1999) == 2.0);
    assert_true(watch_score(T0 + 1) == (double)(T0 / 1000 + 1));
}

static void test_names(void **state)
{
    watch_deadline_t d;
    assert_string_equal(watch_deadline_str(WATCH_COMPLETION), "completion");
    assert_int_equal(watch_deadline_parse("response", &d), 0);
    assert_int_equal(d, WATCH_RESPONSE);
    assert_int_equal(watch_deadline_parse("later", &d), -1);
    watch_entry_t e = s_entry(WATCH_RESPONSE, WATCH_KIND_ALERT, 1, 5);
    assert_string_equal(watch_alert_kind_str(&e), "breach");
    e.level = 2;
    assert_string_equal(watch_alert_kind_str(&e), "escalation");
    e = s_entry(WATCH_RESPONSE, WATCH_KIND_WARNING, 0, 5);
    assert_string_equal(watch_alert_kind_str(&e), "warning");
}

/* ------------------------------------------------------------ schedule */

static void test_levels_round_the_clock(void **state)
{
    int64_t due = T0 + 6 * S;
    assert_int_equal(watch_level_at(&s_fast, due, 1), due);
    assert_int_equal(watch_level_at(&s_fast, due, 2), due + 3 * S);
    assert_int_equal(watch_level_at(&s_fast, due, 3), due + 6 * S);
}

static int64_t s_at(const char *text)
{
    int64_t us = 0;
    if (calendar_parse_instant(text, &us) < 0)
        fail_msg("could not parse %s", text);
    return us;
}

/* A breach at 16:00 on Thursday 2017-01-26, escalated every 4 working hours:
 * 1.5 h are left that day, the Spring Festival holidays follow, so level 2
 * falls on Friday 2017-02-03 at 11:00 and level 3 at 16:30 (lunch skipped). */
static void test_levels_in_working_time(void **state)
{
    watch_policy_t p = {.working = s_cal, .period_us = 4 * 3600 * S, .repeat_us = 1800 * S,
                        .levels = 3};
    int64_t due = s_at("2017-01-26T16:00+08:00");
    assert_int_equal(watch_level_at(&p, due, 1), due);
    assert_int_equal(watch_level_at(&p, due, 2), s_at("2017-02-03T11:00+08:00"));
    assert_int_equal(watch_level_at(&p, due, 3), s_at("2017-02-03T16:30+08:00"));
}

static void test_next_follows_the_chain(void **state)
{
    watch_task_t t = s_task();
    watch_entry_t e;
    /* Fresh: the response warning first. */
    assert_int_equal(watch_next(&s_fast, &t, T0, &e), 1);
    assert_int_equal(e.kind, WATCH_KIND_WARNING);
    assert_int_equal(e.deadline, WATCH_RESPONSE);
    assert_int_equal(e.at_us, T0 + 3 * S);
    assert_int_equal(e.due_us, T0 + 6 * S);
    /* Warned: the breach at the deadline. */
    t.raised[WATCH_RESPONSE].warned = true;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 3 * S, &e), 1);
    assert_int_equal(e.kind, WATCH_KIND_ALERT);
    assert_int_equal(e.level, 1);
    assert_int_equal(e.at_us, T0 + 6 * S);
    /* Breached, unacknowledged: its repeat (+2 s) comes before level 2 (+3 s). */
    t.raised[WATCH_RESPONSE] = (watch_raised_t){.warned = true, .max_level = 1, .top_id = 7,
                                                .top_next_repeat_us = T0 + 8 * S};
    assert_int_equal(watch_next(&s_fast, &t, T0 + 6 * S, &e), 1);
    assert_int_equal(e.kind, WATCH_KIND_REPEAT);
    assert_int_equal(e.level, 1);
    assert_int_equal(e.at_us, T0 + 8 * S);
    /* Acknowledged: level 2. */
    t.raised[WATCH_RESPONSE].top_acked = true;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 7 * S, &e), 1);
    assert_int_equal(e.kind, WATCH_KIND_ALERT);
    assert_int_equal(e.level, 2);
    assert_int_equal(e.at_us, T0 + 9 * S);
    /* Top level acknowledged: the response chain is done; the completion
     * warning is next. */
    t.raised[WATCH_RESPONSE].max_level = 3;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 13 * S, &e), 1);
    assert_int_equal(e.deadline, WATCH_COMPLETION);
    assert_int_equal(e.kind, WATCH_KIND_WARNING);
    assert_int_equal(e.at_us, T0 + 15 * S);
}

static void test_next_skips_a_warning_too_late(void **state)
{
    watch_task_t t = s_task();
    watch_entry_t e;
    /* watch was down through the response deadline: straight to the breach. */
    assert_int_equal(watch_next(&s_fast, &t, T0 + 7 * S, &e), 1);
    assert_int_equal(e.kind, WATCH_KIND_ALERT);
    assert_int_equal(e.level, 1);
    assert_int_equal(e.at_us, T0 + 6 * S);
}

static void test_next_for_met_and_paused_tasks(void **state)
{
    watch_task_t t = s_task();
    watch_entry_t e;
    /* Signed in time: only the completion deadline is watched. */
    t.met_us[WATCH_RESPONSE] = T0 + 2 * S;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 2 * S, &e), 1);
    assert_int_equal(e.deadline, WATCH_COMPLETION);
    /* Signed late (at +7 s) before watch saw the deadline: alerts are for
     * tasks overdue now, so nothing for the response (the step that met it
     * late records the violation); the completion warning is next. */
    t = s_task();
    t.met_us[WATCH_RESPONSE] = T0 + 7 * S;
    t.raised[WATCH_RESPONSE].warned = true;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 7 * S, &e), 1);
    assert_int_equal(e.deadline, WATCH_COMPLETION);
    assert_int_equal(e.kind, WATCH_KIND_WARNING);
    t.raised[WATCH_RESPONSE].max_level = 1;
    t.raised[WATCH_RESPONSE].top_next_repeat_us = T0 + 8 * S;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 7 * S, &e), 1);
    assert_int_equal(e.deadline, WATCH_COMPLETION); /* no repeat, no level 2 */
    /* Paused for material: nothing at all. */
    t = s_task();
    t.paused_us = T0 + 1 * S;
    assert_int_equal(watch_next(&s_fast, &t, T0 + 1 * S, &e), 0);
    /* Replied: nothing. */
    t = s_task();
    t.met_us[WATCH_RESPONSE] = t.met_us[WATCH_COMPLETION] = T0 + S;
    assert_int_equal(watch_next(&s_fast, &t, T0 + S, &e), 0);
    /* No deadlines (or one beyond the calendar): nothing. */
    t = (watch_task_t){.id = 42};
    t.due_us[WATCH_RESPONSE] = CALENDAR_NEVER;
    assert_int_equal(watch_next(&s_fast, &t, T0, &e), 0);
}

/* --------------------------------------------------------------- decide */

static void test_decide_warnings(void **state)
{
    watch_task_t t = s_task();
    const char *why = NULL;
    watch_entry_t w = s_entry(WATCH_RESPONSE, WATCH_KIND_WARNING, 0, T0 + 6 * S);
    assert_int_equal(watch_decide(&s_fast, &t, &w, T0 + 3 * S, &why), WATCH_RAISE);
    assert_int_equal(watch_decide(&s_fast, &t, &w, T0 + 2 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "not yet due");
    assert_int_equal(watch_decide(&s_fast, &t, &w, T0 + 6 * S, &why), WATCH_SKIP);
    t.raised[WATCH_RESPONSE].warned = true;
    assert_int_equal(watch_decide(&s_fast, &t, &w, T0 + 3 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "already warned");
    t = s_task();
    t.met_us[WATCH_RESPONSE] = T0 + 2 * S;
    assert_int_equal(watch_decide(&s_fast, &t, &w, T0 + 3 * S, &why), WATCH_SKIP);
    /* The deadline moved (pause, extension): the entry is stale. */
    t = s_task();
    t.due_us[WATCH_RESPONSE] += 5 * S;
    assert_int_equal(watch_decide(&s_fast, &t, &w, T0 + 3 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "deadline moved");
}

static void test_decide_alerts(void **state)
{
    watch_task_t t = s_task();
    const char *why = NULL;
    int64_t due = T0 + 6 * S;
    watch_entry_t a1 = s_entry(WATCH_RESPONSE, WATCH_KIND_ALERT, 1, due);
    watch_entry_t a2 = s_entry(WATCH_RESPONSE, WATCH_KIND_ALERT, 2, due);
    watch_entry_t a4 = s_entry(WATCH_RESPONSE, WATCH_KIND_ALERT, 4, due);
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due, &why), WATCH_RAISE);
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due - WATCH_EARLY_US - 1, &why), WATCH_SKIP);
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due - WATCH_EARLY_US, &why), WATCH_RAISE);
    assert_int_equal(watch_decide(&s_fast, &t, &a2, due + 3 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "a lower level is pending");
    assert_int_equal(watch_decide(&s_fast, &t, &a4, due + 9 * S, &why), WATCH_SKIP);
    /* Signed in time: no breach; signed late, before watch acted: no alert
     * either (nothing is overdue now). */
    t.met_us[WATCH_RESPONSE] = due - 1;
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due + S, &why), WATCH_SKIP);
    t.met_us[WATCH_RESPONSE] = due + S;
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due + 2 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "met or waiting for material now");
    /* Level 2 after the breach, unless it is already out or the task was
     * paused before it fell due. */
    t = s_task();
    t.raised[WATCH_RESPONSE].max_level = 1;
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due + 3 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "already raised");
    assert_int_equal(watch_decide(&s_fast, &t, &a2, due + 3 * S, &why), WATCH_RAISE);
    t.paused_us = due + 2 * S;
    assert_int_equal(watch_decide(&s_fast, &t, &a2, due + 3 * S, &why), WATCH_SKIP);
    t.paused_us = due + 4 * S; /* paused after it fell due: not overdue now */
    assert_int_equal(watch_decide(&s_fast, &t, &a2, due + 5 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "met or waiting for material now");
    /* Another task's entry is never applied. */
    a1.task_id = 43;
    assert_int_equal(watch_decide(&s_fast, &t, &a1, due, &why), WATCH_SKIP);
}

static void test_decide_repeats(void **state)
{
    watch_task_t t = s_task();
    const char *why = NULL;
    int64_t due = T0 + 6 * S;
    t.raised[WATCH_RESPONSE] = (watch_raised_t){.max_level = 2, .top_id = 9,
                                                .top_next_repeat_us = due + 5 * S};
    watch_entry_t p2 = s_entry(WATCH_RESPONSE, WATCH_KIND_REPEAT, 2, due);
    watch_entry_t p1 = s_entry(WATCH_RESPONSE, WATCH_KIND_REPEAT, 1, due);
    assert_int_equal(watch_decide(&s_fast, &t, &p2, due + 5 * S, &why), WATCH_REPEAT);
    assert_int_equal(watch_decide(&s_fast, &t, &p2, due + 4 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "not yet due");
    assert_int_equal(watch_decide(&s_fast, &t, &p1, due + 5 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "superseded");
    t.raised[WATCH_RESPONSE].top_acked = true;
    assert_int_equal(watch_decide(&s_fast, &t, &p2, due + 5 * S, &why), WATCH_SKIP);
    assert_string_equal(why, "acknowledged");
    t.raised[WATCH_RESPONSE].top_acked = false;
    t.met_us[WATCH_RESPONSE] = due + 4 * S; /* signed at last */
    assert_int_equal(watch_decide(&s_fast, &t, &p2, due + 5 * S, &why), WATCH_SKIP);
}

/* A task watch first sees long after its deadline (an imported ledger's,
 * or through an outage): one alert, at the level reached, not one per level;
 * and once its completion deadline has passed too, nothing more on its
 * response deadline. */
static void test_catch_up(void **state)
{
    watch_task_t t = s_task();
    watch_entry_t e;
    const char *why = NULL;
    int64_t now = T0 + 40 * S; /* both deadlines passed: response +6 s, completion +30 s */
    assert_int_equal(watch_level_reached(&s_fast, T0 + 6 * S, now), 3);
    assert_int_equal(watch_level_reached(&s_fast, T0 + 30 * S, T0 + 31 * S), 1);
    assert_int_equal(watch_level_reached(&s_fast, T0 + 30 * S, T0 + 29 * S), 0);
    assert_int_equal(watch_next(&s_fast, &t, now, &e), 1);
    assert_int_equal(e.deadline, WATCH_COMPLETION); /* not the response */
    assert_int_equal(e.kind, WATCH_KIND_ALERT);
    assert_int_equal(e.level, 1);
    assert_int_equal(watch_decide(&s_fast, &t, &e, now, &why), WATCH_RAISE);
    assert_int_equal(watch_raise_level(&s_fast, &e, now), 3); /* +30, +33, +36 have passed */
    watch_entry_t r = s_entry(WATCH_RESPONSE, WATCH_KIND_ALERT, 1, T0 + 6 * S);
    assert_int_equal(watch_decide(&s_fast, &t, &r, now, &why), WATCH_SKIP);
    assert_string_equal(why, "overdue on its completion deadline: alerted on that");
    /* on time, the level is the entry's */
    watch_entry_t b = s_entry(WATCH_COMPLETION, WATCH_KIND_ALERT, 1, T0 + 30 * S);
    assert_int_equal(watch_raise_level(&s_fast, &b, T0 + 30 * S), 1);
    /* replied in the past: nothing at all */
    t.met_us[WATCH_RESPONSE] = t.met_us[WATCH_COMPLETION] = T0 + 35 * S;
    assert_int_equal(watch_next(&s_fast, &t, now, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_round_trip),
        cmocka_unit_test(test_member_refuses_what_encode_never_writes),
        cmocka_unit_test(test_score_never_early),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_levels_round_the_clock),
        cmocka_unit_test(test_levels_in_working_time),
        cmocka_unit_test(test_next_follows_the_chain),
        cmocka_unit_test(test_next_skips_a_warning_too_late),
        cmocka_unit_test(test_next_for_met_and_paused_tasks),
        cmocka_unit_test(test_catch_up),
        cmocka_unit_test(test_decide_warnings),
        cmocka_unit_test(test_decide_alerts),
        cmocka_unit_test(test_decide_repeats),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
