/* common/deadline.c: the deadline in force, on the 2017 business calendar
 * and the shipped SLA policy (complaints respond in 8 working hours and
 * complete by 17:30 of the 13th working day after the day of dispatch;
 * urgent cases respond within 2 h round the clock). */
#include "deadline.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#define HOUR 3600000000LL
#define MINUTE 60000000LL

typedef struct {
    sla_t *sla;
    calendar_t *working, *natural;
    deadline_rules_t r;
} fixture_t;

static int64_t s_at(const char *text)
{
    int64_t us = 0;
    assert_int_equal(calendar_parse_instant(text, &us), 0);
    return us;
}

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    f->sla = sla_new(DUBAN_SOURCE_DIR "/deploy/config/sla.conf");
    f->working = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    f->natural = calendar_new_round_the_clock();
    assert_non_null(f->sla);
    assert_non_null(f->working);
    assert_non_null(f->natural);
    f->r = (deadline_rules_t){f->sla, f->working, f->natural};
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    sla_destroy(&f->sla);
    calendar_destroy(&f->working);
    calendar_destroy(&f->natural);
    free(f);
    return 0;
}

/* Case C of tests/e2e/bulletin_quarter.sh: a complaint dispatched Wed
 * 2017-02-08 10:00 (response 02-09 10:30, completion 02-27 17:30), waiting
 * for material Fri 02-10 09:00 to Wed 02-15 14:30 (7 + 15 + 4.5 = 26.5
 * working hours: completion 03-03 14:00), extended by 5d (37.5 h: 03-10
 * 14:00). */
static void test_pause_and_extension(void **state)
{
    fixture_t *f = *state;
    deadline_task_t t;
    deadline_change_t ch;
    assert_int_equal(deadline_start(&f->r, "complaint", "normal",
                                    s_at("2017-02-08T10:00:00+08:00"), &t, &ch),
                     0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_RUN);
    assert_int_equal(t.clock[DEADLINE_RESPONSE].due_us, s_at("2017-02-09T10:30:00+08:00"));
    assert_int_equal(t.clock[DEADLINE_COMPLETION].due_us, s_at("2017-02-27T17:30:00+08:00"));
    assert_int_equal(deadline_sign(&f->r, &t, s_at("2017-02-08T11:00:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_MEET);
    assert_int_equal(ch.action[DEADLINE_COMPLETION], DEADLINE_KEEP);
    assert_int_equal(deadline_sign(&f->r, &t, s_at("2017-02-08T12:00:00+08:00"), &ch), -1);

    assert_int_equal(deadline_pause(&f->r, &t, s_at("2017-02-10T09:00:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_KEEP); /* signed: it has ended */
    assert_int_equal(ch.action[DEADLINE_COMPLETION], DEADLINE_STAND);
    /* while it stands nobody is overdue, however late it gets */
    assert_false(deadline_overdue_at(&t, DEADLINE_COMPLETION, s_at("2017-03-30T09:00:00+08:00")));
    /* a deadline as it would be if the material came at 02-15 14:30 */
    assert_int_equal(
        deadline_due_at(&f->r, &t, DEADLINE_COMPLETION, s_at("2017-02-15T14:30:00+08:00")),
        s_at("2017-03-03T14:00:00+08:00"));
    assert_int_equal(deadline_resume(&f->r, &t, s_at("2017-02-15T14:30:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_COMPLETION], DEADLINE_RUN);
    assert_int_equal(ch.due_us[DEADLINE_COMPLETION], s_at("2017-03-03T14:00:00+08:00"));
    assert_int_equal(deadline_resume(&f->r, &t, s_at("2017-02-16T14:30:00+08:00"), &ch), -1);

    int64_t five_days = deadline_window_us(&f->r, &t, "5d");
    assert_int_equal(five_days, 5 * (7 * HOUR + 30 * MINUTE));
    assert_int_equal(deadline_extend(&f->r, &t, s_at("2017-03-01T10:00:00+08:00"), five_days, &ch),
                     0);
    assert_int_equal(ch.due_us[DEADLINE_COMPLETION], s_at("2017-03-10T14:00:00+08:00"));
    assert_int_equal(deadline_reply(&f->r, &t, s_at("2017-03-09T16:00:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_COMPLETION], DEADLINE_MEET);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_KEEP);
    assert_int_equal(deadline_missed_by(&t, DEADLINE_COMPLETION, s_at("2017-04-01T00:00:00+08:00")),
                     0);
}

/* The same history replayed from events, asked at instants in between. */
static void test_replay_in_force(void **state)
{
    fixture_t *f = *state;
    deadline_event_t ev[] = {
        {DEADLINE_EV_SIGN, s_at("2017-02-08T11:00:00+08:00"), 0},
        {DEADLINE_EV_PAUSE, s_at("2017-02-10T09:00:00+08:00"), 0},
        {DEADLINE_EV_RESUME, s_at("2017-02-15T14:30:00+08:00"), 0},
        {DEADLINE_EV_EXTEND, s_at("2017-03-01T10:00:00+08:00"), 5 * (7 * HOUR + 30 * MINUTE)},
    };
    deadline_task_t t;
    int64_t at0 = s_at("2017-02-08T10:00:00+08:00");
    /* at the end of February: the resumed deadline, not yet extended */
    assert_int_equal(deadline_replay(&f->r, "complaint", "normal", at0, ev, 4,
                                     s_at("2017-03-01T00:00:00+08:00"), &t),
                     0);
    assert_int_equal(t.clock[DEADLINE_COMPLETION].due_us, s_at("2017-03-03T14:00:00+08:00"));
    assert_false(t.clock[DEADLINE_COMPLETION].standing);
    /* on 02-12 it stood */
    assert_int_equal(deadline_replay(&f->r, "complaint", "normal", at0, ev, 4,
                                     s_at("2017-02-12T00:00:00+08:00"), &t),
                     0);
    assert_true(t.clock[DEADLINE_COMPLETION].standing);
    assert_int_equal(deadline_replay(&f->r, "complaint", "normal", at0, ev, 4,
                                     s_at("2017-04-01T00:00:00+08:00"), &t),
                     0);
    assert_int_equal(t.clock[DEADLINE_COMPLETION].due_us, s_at("2017-03-10T14:00:00+08:00"));
    assert_int_equal(deadline_replay(&f->r, "no-such-kind", "normal", at0, ev, 4, at0, &t), -1);
}

/* A deadline that passes while the clock runs is missed, once: a pause
 * after it and the deadline it moves to do not erase it, nor count again. */
static void test_first_miss_stands(void **state)
{
    fixture_t *f = *state;
    deadline_task_t t;
    deadline_change_t ch;
    assert_int_equal(
        deadline_start(&f->r, "complaint", "normal", s_at("2017-02-08T10:00:00+08:00"), &t, NULL),
        0);
    int64_t due = t.clock[DEADLINE_COMPLETION].due_us; /* 02-27 17:30 */
    int64_t after = s_at("2017-02-28T09:00:00+08:00");
    assert_true(deadline_overdue_at(&t, DEADLINE_COMPLETION, after));
    assert_int_equal(deadline_missed_by(&t, DEADLINE_COMPLETION, after), due);
    assert_int_equal(deadline_missed_by(&t, DEADLINE_COMPLETION, due), 0); /* not before it */
    /* the response deadline 02-09 10:30 passed unsigned as well */
    assert_int_equal(deadline_missed_by(&t, DEADLINE_RESPONSE, after),
                     s_at("2017-02-09T10:30:00+08:00"));
    assert_int_equal(deadline_pause(&f->r, &t, s_at("2017-03-01T09:00:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_STAND);
    assert_int_equal(deadline_resume(&f->r, &t, s_at("2017-03-02T09:00:00+08:00"), &ch), 0);
    assert_true(ch.due_us[DEADLINE_COMPLETION] > due);
    assert_int_equal(deadline_reply(&f->r, &t, s_at("2017-03-02T10:00:00+08:00"), &ch), 0);
    assert_int_equal(deadline_missed_by(&t, DEADLINE_COMPLETION, s_at("2017-04-01T00:00:00+08:00")),
                     due);
}

/* A reply (or a sign) while waiting for material is judged against the
 * deadline the clock would have had on resuming then: never missed. */
static void test_met_while_standing(void **state)
{
    fixture_t *f = *state;
    deadline_task_t t;
    deadline_change_t ch;
    deadline_start(&f->r, "complaint", "normal", s_at("2017-02-08T10:00:00+08:00"), &t, NULL);
    deadline_pause(&f->r, &t, s_at("2017-02-08T11:00:00+08:00"), &ch);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_STAND);
    /* signed three weeks later: the response clock stood since 11:00 */
    int64_t sign = s_at("2017-03-01T09:00:00+08:00");
    assert_int_equal(deadline_sign(&f->r, &t, sign, &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_MEET);
    assert_true(ch.due_us[DEADLINE_RESPONSE] >= sign);
    assert_true(t.clock[DEADLINE_COMPLETION].standing);
    int64_t reply = s_at("2017-03-20T09:00:00+08:00");
    assert_int_equal(deadline_reply(&f->r, &t, reply, &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_KEEP);
    assert_int_equal(ch.action[DEADLINE_COMPLETION], DEADLINE_MEET);
    assert_true(ch.due_us[DEADLINE_COMPLETION] >= reply);
    assert_int_equal(deadline_missed_by(&t, DEADLINE_COMPLETION, reply + HOUR), 0);
    assert_int_equal(deadline_state_verdict(reply - HOUR, reply, ch.due_us[DEADLINE_COMPLETION],
                                            false, true),
                     DEADLINE_MET);
}

/* A return is a response; the completion clock ends with no verdict. */
static void test_return(void **state)
{
    fixture_t *f = *state;
    deadline_task_t t;
    deadline_change_t ch;
    deadline_start(&f->r, "complaint", "normal", s_at("2017-03-06T09:00:00+08:00"), &t, NULL);
    assert_int_equal(deadline_return(&f->r, &t, s_at("2017-03-06T15:00:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_MEET);
    assert_int_equal(ch.action[DEADLINE_COMPLETION], DEADLINE_DROP);
    assert_false(t.clock[DEADLINE_COMPLETION].open);
    assert_false(deadline_overdue_at(&t, DEADLINE_COMPLETION, s_at("2017-06-01T00:00:00+08:00")));
    assert_int_equal(deadline_reply(&f->r, &t, s_at("2017-03-07T15:00:00+08:00"), &ch), -1);
}

/* An urgent case's response clock runs round the clock: a pause of a night
 * moves it by the whole night, where the completion clock (working time)
 * moves by the working hours only. */
static void test_natural_clock(void **state)
{
    fixture_t *f = *state;
    deadline_task_t t;
    deadline_change_t ch;
    int64_t at = s_at("2017-03-06T16:00:00+08:00"); /* a Monday */
    deadline_start(&f->r, "complaint", "urgent", at, &t, NULL);
    assert_true(t.clock[DEADLINE_RESPONSE].natural);
    assert_int_equal(t.clock[DEADLINE_RESPONSE].due_us, at + 2 * HOUR);
    deadline_pause(&f->r, &t, at + HOUR, &ch);
    deadline_resume(&f->r, &t, at + 17 * HOUR, &ch); /* Tuesday 09:00 */
    assert_int_equal(ch.due_us[DEADLINE_RESPONSE], at + 18 * HOUR);
    /* completion (1d of working time) moved by 0.5 h of Monday and 0.5 h of Tuesday */
    assert_int_equal(t.clock[DEADLINE_COMPLETION].natural, false);
}

/* The verdicts on recorded states, as the bulletin's SQL reads them. */
static void test_state_verdicts(void **state)
{
    (void)state;
    /* in force 10..20 against 15: missed (the deadline passed while in force) */
    assert_int_equal(deadline_state_verdict(10, 20, 15, false, false), DEADLINE_MISSED);
    assert_int_equal(deadline_state_verdict(10, 0, 15, false, false), DEADLINE_MISSED);
    /* ...but not a second time */
    assert_int_equal(deadline_state_verdict(10, 20, 15, true, false), DEADLINE_NO_VERDICT);
    /* met at or before it */
    assert_int_equal(deadline_state_verdict(10, 15, 15, false, true), DEADLINE_MET);
    assert_int_equal(deadline_state_verdict(10, 12, 15, false, true), DEADLINE_MET);
    /* paused before it: no verdict yet; standing: none */
    assert_int_equal(deadline_state_verdict(10, 12, 15, false, false), DEADLINE_NO_VERDICT);
    assert_int_equal(deadline_state_verdict(10, 0, 0, false, false), DEADLINE_NO_VERDICT);
    /* overdue at 16 while in force; not at 15 (not yet passed), nor after it ended */
    assert_true(deadline_state_overdue_at(10, 20, 15, 16));
    assert_false(deadline_state_overdue_at(10, 20, 15, 15));
    assert_false(deadline_state_overdue_at(10, 20, 15, 20));
    assert_false(deadline_state_overdue_at(10, 0, 0, 30));
    assert_string_equal(deadline_clock_str(DEADLINE_COMPLETION), "completion");
}

/* A row as dispatch reads it: signed, waiting for material. */
static void test_from_row(void **state)
{
    fixture_t *f = *state;
    deadline_task_t t;
    deadline_change_t ch;
    int64_t due[2] = {s_at("2017-02-09T10:30:00+08:00"), s_at("2017-02-27T17:30:00+08:00")};
    int64_t warn[2] = {0, 0};
    assert_int_equal(deadline_from_row(&f->r, "complaint", "normal", due, warn, false, true,
                                       s_at("2017-02-10T09:00:00+08:00"), &t),
                     0);
    assert_false(t.clock[DEADLINE_RESPONSE].open);
    assert_true(t.clock[DEADLINE_COMPLETION].standing);
    assert_int_equal(deadline_resume(&f->r, &t, s_at("2017-02-15T14:30:00+08:00"), &ch), 0);
    assert_int_equal(ch.action[DEADLINE_RESPONSE], DEADLINE_KEEP);
    assert_int_equal(ch.due_us[DEADLINE_COMPLETION], s_at("2017-03-03T14:00:00+08:00"));
    assert_int_equal(deadline_from_row(&f->r, "nothing", "normal", due, warn, true, true, 0, &t),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pause_and_extension), cmocka_unit_test(test_replay_in_force),
        cmocka_unit_test(test_first_miss_stands),   cmocka_unit_test(test_met_while_standing),
        cmocka_unit_test(test_return),              cmocka_unit_test(test_natural_clock),
        cmocka_unit_test(test_state_verdicts),      cmocka_unit_test(test_from_row),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
