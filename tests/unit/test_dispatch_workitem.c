/* services/dispatch/dispatch_rules_workitem.c and
 * dispatch_workitem_schedule.c: the rules of supervised work items (who
 * creates (the inspection office; a leader their own instruction), reports,
 * verifies, reassigns; no 销号 around the verification; a
 * leader's item is not returned) and their calendar (reports due by the nth
 * working day, on the 2017 business calendar). */
#include "dispatch_rules.h"
#include "dispatch_workitem_schedule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define NOW 1489975200000000LL /* 2017-03-20T02:00:00Z = 10:00 in China */
#define HOUR 3600000000LL

static const auth_identity_t s_handler = {"h-office-legal", "handler", "office-legal"};
static const auth_identity_t s_other = {"h-party", "handler", "party"};
static const auth_identity_t s_inspector = {"insp001", "inspector", "inspection"};
static const auth_identity_t s_leader = {"leader001", "leader", ""};
static const auth_identity_t s_operator = {"op001", "operator", ""};

static dispatch_context_t s_item(void)
{
    dispatch_context_t c = {0};
    snprintf(c.case_number, sizeof(c.case_number), "DB20170218000001");
    snprintf(c.case_state, sizeof(c.case_state), "dispatched");
    snprintf(c.first_responder, sizeof(c.first_responder), "insp001");
    snprintf(c.kind, sizeof(c.kind), "workitem");
    snprintf(c.lead_division, sizeof(c.lead_division), "office-legal");
    snprintf(c.verification, sizeof(c.verification), "none");
    c.leader_assigned = true;
    c.has_task = true;
    c.task_id = 11;
    snprintf(c.division, sizeof(c.division), "office-legal");
    snprintf(c.role, sizeof(c.role), "lead");
    snprintf(c.task_state, sizeof(c.task_state), "signed");
    c.response_due_us = NOW - 24 * HOUR;
    c.completion_due_us = NOW + 240 * HOUR;
    return c;
}

static int s_status(const dispatch_context_t *c, dispatch_step_t step, const auth_identity_t *who)
{
    dispatch_verdict_t v;
    dispatch_rules_check(c, &step, who, NOW, &v);
    return v.status;
}

static const char *s_message(const dispatch_context_t *c, dispatch_step_t step,
                             const auth_identity_t *who)
{
    static dispatch_verdict_t v;
    dispatch_rules_check(c, &step, who, NOW, &v);
    return v.message;
}

static void test_names(void **state)
{
    assert_int_equal(dispatch_action_parse("ask-reassign"), ACTION_ASK_REASSIGN);
    assert_string_equal(dispatch_action_str(ACTION_CREATE_WORKITEM), "create-workitem");
    assert_true(dispatch_action_on_task(ACTION_PROGRESS));
    assert_true(dispatch_action_on_task(ACTION_COMPLETE));
    assert_false(dispatch_action_on_task(ACTION_VERIFY));
    assert_false(dispatch_action_on_task(ACTION_REASSIGN));
}

/* A report names at most DISPATCH_MAX_ATTACHMENTS file ids of the upload's
 * form; no other step names any. */
static void test_attachments(void **state)
{
    dispatch_context_t c = s_item();
    char ok_id[] = "0123456789abcdef0123456789abcdef", bad_id[] = "../../etc/passwd";
    char *one[] = {ok_id}, *bad[] = {bad_id};
    char *many[DISPATCH_MAX_ATTACHMENTS + 1];
    for (int i = 0; i <= DISPATCH_MAX_ATTACHMENTS; i++)
        many[i] = ok_id;
    dispatch_step_t progress = {.action = ACTION_PROGRESS, .text = "已完成一半", .percent = 50,
                                .attachments = one, .nattachments = 1};
    assert_int_equal(s_status(&c, progress, &s_handler), 200);
    progress.attachments = bad;
    assert_int_equal(s_status(&c, progress, &s_handler), 422);
    progress.attachments = many;
    progress.nattachments = DISPATCH_MAX_ATTACHMENTS + 1;
    assert_int_equal(s_status(&c, progress, &s_handler), 422);
    dispatch_step_t complete = {.action = ACTION_COMPLETE, .text = "完成", .attachments = one,
                                .nattachments = 1};
    assert_int_equal(s_status(&c, complete, &s_handler), 200);
    dispatch_step_t sign = {.action = ACTION_SIGN, .attachments = one, .nattachments = 1};
    assert_int_equal(s_status(&c, sign, &s_handler), 422);
    assert_non_null(strstr(s_message(&c, sign, &s_handler), "progress or completion report"));
}

/* A work item that starts tomorrow has nothing to report today. */
static void test_nothing_before_the_start(void **state)
{
    dispatch_context_t c = s_item();
    c.dispatched_us = NOW + 24 * HOUR;
    dispatch_step_t progress = {.action = ACTION_PROGRESS, .text = "提前", .percent = 10};
    assert_int_equal(s_status(&c, progress, &s_handler), 409);
    assert_non_null(strstr(s_message(&c, progress, &s_handler), "has not begun"));
    dispatch_step_t complete = {.action = ACTION_COMPLETE, .text = "完成"};
    assert_int_equal(s_status(&c, complete, &s_handler), 409);
    c.dispatched_us = NOW;
    assert_int_equal(s_status(&c, progress, &s_handler), 200);
}

static void test_who_creates(void **state)
{
    dispatch_context_t none = {0};
    char *self[] = {"leader001"}, *other[] = {"ld-liujx"}, *both[] = {"leader001", "ld-liujx"};
    Duban__WorkItemSpec w = DUBAN__WORK_ITEM_SPEC__INIT;
    w.source = "instruction";
    w.leaders = self;
    w.n_leaders = 1;
    dispatch_step_t create = {.action = ACTION_CREATE_WORKITEM, .workitem = &w};
    /* a leader: their own instruction, which they lead */
    assert_int_equal(s_status(&none, create, &s_leader), 200);
    assert_int_equal(s_status(&none, create, &s_inspector), 200);
    assert_int_equal(s_status(&none, create, &s_handler), 403);
    assert_int_equal(s_status(&none, create, &s_operator), 403);
    w.leaders = other; /* another leader's */
    assert_int_equal(s_status(&none, create, &s_leader), 403);
    assert_non_null(strstr(s_message(&none, create, &s_leader), "[\"leader001\"]"));
    w.leaders = both;
    w.n_leaders = 2;
    assert_int_equal(s_status(&none, create, &s_leader), 403);
    w.n_leaders = 0;
    assert_int_equal(s_status(&none, create, &s_leader), 403);
    /* the inspection office creates every kind; a leader only instructions */
    w.leaders = self;
    w.n_leaders = 1;
    w.source = "plan";
    assert_int_equal(s_status(&none, create, &s_leader), 403);
    assert_non_null(strstr(s_message(&none, create, &s_leader), "instruction"));
    assert_int_equal(s_status(&none, create, &s_inspector), 200);
    create.workitem = NULL;
    assert_int_equal(s_status(&none, create, &s_leader), 403);
    assert_int_equal(s_status(&none, create, &s_inspector), 200); /* the spec check says missing */
}

static void test_progress_by_the_division(void **state)
{
    dispatch_context_t c = s_item();
    dispatch_step_t p = {.action = ACTION_PROGRESS, .text = "已起草", .percent = 30};
    assert_int_equal(s_status(&c, p, &s_handler), 200);
    assert_int_equal(s_status(&c, p, &s_other), 403); /* not its task */
    assert_int_equal(s_status(&c, p, &s_inspector), 403);
    p.percent = 101;
    assert_int_equal(s_status(&c, p, &s_handler), 422);
    p.percent = -1;
    assert_int_equal(s_status(&c, p, &s_handler), 422);
    p.percent = 100;
    p.text = "";
    assert_int_equal(s_status(&c, p, &s_handler), 422);
    p.text = "x";
    snprintf(c.task_state, sizeof(c.task_state), "replied");
    assert_int_equal(s_status(&c, p, &s_handler), 409);
    /* a report task is met by a progress report, never acted on */
    c = s_item();
    snprintf(c.role, sizeof(c.role), "report");
    assert_int_equal(s_status(&c, (dispatch_step_t){.action = ACTION_SIGN}, &s_handler), 409);
    /* progress is for work items */
    c = s_item();
    snprintf(c.kind, sizeof(c.kind), "complaint");
    assert_int_equal(s_status(&c, p, &s_handler), 409);
}

static void test_no_close_around_the_verification(void **state)
{
    dispatch_context_t c = s_item();
    static const dispatch_action_t closing[] = {ACTION_REPLY, ACTION_INFORM, ACTION_CALLBACK,
                                                ACTION_CLOSE};
    for (size_t i = 0; i < 4; i++) {
        dispatch_step_t s = {.action = closing[i], .text = "完成", .satisfaction = "satisfied"};
        assert_int_equal(s_status(&c, s, &s_handler), 409);
        assert_int_equal(s_status(&c, s, &s_inspector), 409);
        snprintf(c.case_state, sizeof(c.case_state), "informed"); /* even where a complaint closes */
        assert_int_equal(s_status(&c, s, &s_inspector), 409);
        snprintf(c.case_state, sizeof(c.case_state), "dispatched");
    }
    assert_non_null(strstr(s_message(&c, (dispatch_step_t){.action = ACTION_CLOSE}, &s_inspector),
                           "complete, then verify"));
}

static void test_verify_needs_a_completion_report(void **state)
{
    dispatch_context_t c = s_item();
    dispatch_step_t accept = {.action = ACTION_VERIFY, .grant = true};
    dispatch_step_t back = {.action = ACTION_VERIFY, .grant = false, .text = "未晾晒"};
    assert_int_equal(s_status(&c, accept, &s_inspector), 409); /* nothing to verify */
    /* an arbitration to an outside agency replies a case, but no report awaits */
    snprintf(c.case_state, sizeof(c.case_state), "replied");
    assert_int_equal(s_status(&c, accept, &s_inspector), 409);
    snprintf(c.verification, sizeof(c.verification), "awaiting");
    assert_int_equal(s_status(&c, accept, &s_inspector), 200);
    assert_int_equal(s_status(&c, accept, &s_handler), 403);
    assert_int_equal(s_status(&c, accept, &s_leader), 403);
    assert_int_equal(s_status(&c, back, &s_inspector), 200);
    back.text = NULL;
    assert_int_equal(s_status(&c, back, &s_inspector), 422); /* sent back needs its reason */
    /* completion report: the division's own open task on a dispatched item */
    c = s_item();
    assert_int_equal(s_status(&c, (dispatch_step_t){.action = ACTION_COMPLETE, .text = "已完成"},
                              &s_handler),
                     200);
    assert_int_equal(s_status(&c, (dispatch_step_t){.action = ACTION_COMPLETE}, &s_handler), 422);
}

static void test_leader_item_is_not_returned(void **state)
{
    dispatch_context_t c = s_item();
    snprintf(c.task_state, sizeof(c.task_state), "dispatched");
    c.response_due_us = NOW + HOUR; /* inside the response window */
    dispatch_step_t ret = {.action = ACTION_RETURN, .text = "不归我处", .division = "party"};
    assert_int_equal(s_status(&c, ret, &s_handler), 409);
    assert_non_null(strstr(s_message(&c, ret, &s_handler), "ask-reassign"));
    c.leader_assigned = false; /* a meeting's item: returned as a complaint is */
    assert_int_equal(s_status(&c, ret, &s_handler), 200);
    c.leader_assigned = true;
    dispatch_step_t ask = {.action = ACTION_ASK_REASSIGN, .text = "归机关党委"};
    assert_int_equal(s_status(&c, ask, &s_handler), 200);
    ask.text = "";
    assert_int_equal(s_status(&c, ask, &s_handler), 422);
    ask.text = "x";
    snprintf(c.role, sizeof(c.role), "co");
    assert_int_equal(s_status(&c, ask, &s_handler), 409); /* the lead's task is reassigned */
    c = s_item();
    dispatch_step_t re = {.action = ACTION_REASSIGN, .division = "party", .text = "改由党委牵头"};
    assert_int_equal(s_status(&c, re, &s_inspector), 200);
    assert_int_equal(s_status(&c, re, &s_handler), 403);
    re.division = "office-legal";
    assert_int_equal(s_status(&c, re, &s_inspector), 422); /* leads already */
    re.division = "party";
    re.text = NULL;
    assert_int_equal(s_status(&c, re, &s_inspector), 422);
}

static void test_spec(void **state)
{
    char *leaders[] = {"ld-liujx"};
    char *divisions[] = {"party", "personnel"};
    Duban__WorkItemSpec w = DUBAN__WORK_ITEM_SPEC__INIT;
    w.ref = "2017-be/1.2";
    w.source = "plan";
    w.title = "制定工作方案";
    w.content = "各处室研究制定本部门本单位的工作方案";
    w.lead_division = "office-legal";
    w.leaders = leaders;
    w.n_leaders = 1;
    w.divisions = divisions;
    w.n_divisions = 2;
    w.starts_us = NOW;
    w.deadline_us = NOW + 100 * HOUR;
    w.report_rhythm = "monthly";
    w.report_day = 5;
    dispatch_verdict_t v;
    assert_true(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 0;
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 5;
    w.deadline_us = NOW;
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.deadline_us = NOW + HOUR;
    divisions[1] = "office-legal"; /* the lead among the responsible */
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    divisions[1] = "party"; /* named twice */
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    divisions[1] = "personnel";
    w.source = "rumour";
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.source = "instruction";
    w.n_leaders = 0; /* an instruction names its leader */
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    assert_int_equal(v.status, 422);
    w.n_leaders = 1;
    /* the rhythms: quarterly by a working day 1-23, every 1-60 working days */
    w.report_rhythm = "quarterly";
    assert_true(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 24;
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_rhythm = "working_days";
    assert_true(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 60;
    assert_true(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 61;
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 0;
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    w.report_day = 5;
    w.report_rhythm = "weekly";
    assert_false(dispatch_rules_workitem_spec(&w, NOW, &v));
    assert_non_null(strstr(v.message, "working_days"));
    w.report_rhythm = "none";
    assert_true(dispatch_rules_workitem_spec(&w, NOW, &v));
    assert_false(dispatch_rules_workitem_spec(NULL, NOW, &v));
}

static void test_problem_list(void **state)
{
    dispatch_context_t none = {0};
    dispatch_step_t file = {.action = ACTION_FILE_PROBLEM};
    dispatch_step_t review = {.action = ACTION_REVIEW_PROBLEM};
    static const auth_identity_t clerk = {"clerk001", "clerk", ""};
    assert_int_equal(s_status(&none, file, &clerk), 200);
    assert_int_equal(s_status(&none, file, &s_operator), 200);
    assert_int_equal(s_status(&none, file, &s_inspector), 200);
    assert_int_equal(s_status(&none, file, &s_handler), 403);
    assert_int_equal(s_status(&none, file, &s_leader), 403);
    assert_int_equal(s_status(&none, review, &s_inspector), 200);
    assert_int_equal(s_status(&none, review, &clerk), 403);
    assert_int_equal(s_status(&none, review, &s_handler), 403);
    assert_false(dispatch_action_on_case(ACTION_FILE_PROBLEM));
    assert_true(dispatch_action_on_case(ACTION_VERIFY));

    Duban__ProblemSpec p = DUBAN__PROBLEM_SPEC__INIT;
    p.ref = "P-1";
    p.source = "visit";
    p.title = "生产许可证延续手续繁琐";
    p.description = "企业反映延续需重复提交材料";
    dispatch_verdict_t v;
    assert_true(dispatch_rules_problem_spec(&p, &v));
    p.source = "case"; /* a problem from a case names it */
    assert_false(dispatch_rules_problem_spec(&p, &v));
    p.case_number = "DB20170301000001";
    assert_true(dispatch_rules_problem_spec(&p, &v));
    p.source = "gossip";
    assert_false(dispatch_rules_problem_spec(&p, &v));
    p.source = "survey";
    p.description = "";
    assert_false(dispatch_rules_problem_spec(&p, &v));

    /* a rectification item: a whole work item, its person and its measure */
    Duban__WorkItemSpec w = DUBAN__WORK_ITEM_SPEC__INIT;
    w.ref = "problem-1";
    w.source = "problem";
    w.title = "t";
    w.content = "c";
    w.lead_division = "licensing";
    w.deadline_us = NOW + HOUR;
    w.responsible_staff = "h-licensing";
    w.measure = "推行延续免核查";
    assert_true(dispatch_rules_rectification_spec(&w, NOW, &v));
    w.measure = "";
    assert_false(dispatch_rules_rectification_spec(&w, NOW, &v));
    w.measure = "m";
    w.responsible_staff = NULL;
    assert_false(dispatch_rules_rectification_spec(&w, NOW, &v));
}

static int64_t s_at(const char *text)
{
    int64_t us = 0;
    assert_int_equal(calendar_parse_instant(text, &us), 0);
    return us;
}

/* The other rhythms a plan names, on the 2017 calendar. */
static void test_report_rhythms(void **state)
{
    calendar_t *cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    assert_non_null(cal);
    int64_t dues[WORKITEM_MAX_REPORTS];
    /* quarterly by the 5th working day of April, July, October (National
     * Day 1-8 Oct: Mon 9 ... Fri 13); the start's own quarter owes none,
     * January 2018 falls after the deadline */
    int n = dispatch_workitem_report_dues(cal, "quarterly", 5, s_at("2017-02-18T08:30:00+08:00"),
                                          s_at("2017-12-29T17:30:00+08:00"), dues,
                                          WORKITEM_MAX_REPORTS);
    assert_int_equal(n, 3);
    assert_true(dues[0] == s_at("2017-04-10T17:30:00+08:00"));
    assert_true(dues[1] == s_at("2017-07-07T17:30:00+08:00"));
    assert_true(dues[2] == s_at("2017-10-13T17:30:00+08:00"));
    /* started in a quarter's first month: its next quarter's first */
    n = dispatch_workitem_report_dues(cal, "quarterly", 1, s_at("2017-04-20T08:30:00+08:00"),
                                      s_at("2017-08-31T17:30:00+08:00"), dues, 60);
    assert_int_equal(n, 1);
    assert_true(dues[0] == s_at("2017-07-03T17:30:00+08:00"));
    /* every 5 working days from Mon 27 Mar: Sat 1 Apr is a make-up working
     * day, Qingming 2-4 is not: 1 Apr, 11 Apr, 18 Apr */
    n = dispatch_workitem_report_dues(cal, "working_days", 5, s_at("2017-03-27T08:30:00+08:00"),
                                      s_at("2017-04-20T17:30:00+08:00"), dues, 60);
    assert_int_equal(n, 3);
    assert_true(dues[0] == s_at("2017-04-01T17:30:00+08:00"));
    assert_true(dues[1] == s_at("2017-04-11T17:30:00+08:00"));
    assert_true(dues[2] == s_at("2017-04-18T17:30:00+08:00"));
    /* every working day for a year: more than the bound */
    n = dispatch_workitem_report_dues(cal, "working_days", 1, s_at("2017-01-03T08:30:00+08:00"),
                                      s_at("2017-12-29T17:30:00+08:00"), dues, 60);
    assert_int_equal(n, -1);
    /* none, an unknown rhythm, a day out of bounds: nothing due */
    assert_int_equal(dispatch_workitem_report_dues(cal, "none", 5, s_at("2017-02-18T08:30:00+08:00"),
                                                   s_at("2017-12-29T17:30:00+08:00"), dues, 60),
                     0);
    assert_int_equal(dispatch_workitem_report_dues(cal, "weekly", 5, s_at("2017-02-18T08:30:00+08:00"),
                                                   s_at("2017-12-29T17:30:00+08:00"), dues, 60),
                     0);
    assert_int_equal(dispatch_workitem_report_dues(cal, "quarterly", 24,
                                                   s_at("2017-02-18T08:30:00+08:00"),
                                                   s_at("2017-12-29T17:30:00+08:00"), dues, 60),
                     0);
    calendar_destroy(&cal);
}

static void test_reports_by_the_fifth_working_day(void **state)
{
    calendar_t *cal = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
    assert_non_null(cal);
    /* March 2017: Wed 1, Thu 2, Fri 3, Mon 6, Tue 7. April: Sat 1 (make-up
     * day), Qingming 2-4, Wed 5, Thu 6, Fri 7, Mon 10. */
    assert_true(dispatch_workitem_nth_working_day(cal, 2017, 3, 5) ==
                s_at("2017-03-07T17:30:00+08:00"));
    assert_true(dispatch_workitem_nth_working_day(cal, 2017, 4, 5) ==
                s_at("2017-04-10T17:30:00+08:00"));
    /* 集中整治 09 Apr - 31 Aug: May to August (the month it starts owes none) */
    int64_t dues[WORKITEM_MAX_REPORTS];
    int n = dispatch_workitem_report_dues(cal, "monthly", 5, s_at("2017-04-09T08:30:00+08:00"),
                                          s_at("2017-08-31T17:30:00+08:00"), dues,
                                          WORKITEM_MAX_REPORTS);
    assert_int_equal(n, 4);
    /* May: 1 holiday, 2 Tue ... 5 Fri, 8 Mon */
    assert_true(dues[0] == s_at("2017-05-08T17:30:00+08:00"));
    assert_true(dues[3] == s_at("2017-08-07T17:30:00+08:00"));
    /* 动员讨论 18 Feb - 8 Mar: March's report falls before the deadline */
    n = dispatch_workitem_report_dues(cal, "monthly", 5, s_at("2017-02-18T08:30:00+08:00"),
                                      s_at("2017-03-08T17:30:00+08:00"), dues, 60);
    assert_int_equal(n, 1);
    n = dispatch_workitem_report_dues(cal, "monthly", 5, s_at("2017-02-18T08:30:00+08:00"),
                                      s_at("2017-03-07T17:30:00+08:00"), dues, 60);
    assert_int_equal(n, 0); /* due with the completion itself: none */
    n = dispatch_workitem_report_dues(cal, "monthly", 5, s_at("2017-01-01T08:30:00+08:00"),
                                      s_at("2027-01-01T17:30:00+08:00"), dues, 60);
    assert_int_equal(n, -1); /* more than the bound */
    /* the warning at the policy's share of the working time */
    int64_t start = s_at("2017-03-06T08:30:00+08:00"), due = s_at("2017-03-07T17:30:00+08:00");
    int64_t warn = dispatch_workitem_warn(cal, 75, start, due);
    assert_true(warn > start && warn < due);
    assert_true(calendar_working_between(cal, start, warn) ==
                calendar_working_between(cal, start, due) / 100 * 75);
    calendar_destroy(&cal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_nothing_before_the_start),
        cmocka_unit_test(test_who_creates),
        cmocka_unit_test(test_progress_by_the_division),
        cmocka_unit_test(test_no_close_around_the_verification),
        cmocka_unit_test(test_verify_needs_a_completion_report),
        cmocka_unit_test(test_leader_item_is_not_returned),
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_problem_list),
        cmocka_unit_test(test_reports_by_the_fifth_working_day),
        cmocka_unit_test(test_report_rhythms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
