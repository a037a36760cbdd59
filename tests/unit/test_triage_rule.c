/* services/triage/triage_rule.c: the requester's category wins, keywords
 * route, nothing confident goes to the manual queue. */
#include "triage_rule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static org_t *s_org;

static int s_load(void **state)
{
    s_org = org_new(DUBAN_SOURCE_DIR "/deploy/config/org.conf");
    return s_org ? 0 : -1;
}

static int s_unload(void **state)
{
    org_destroy(&s_org);
    return 0;
}

static void test_requester_category_wins(void **state)
{
    triage_decision_t d;
    triage_rule_decide(s_org, "fees", "电梯困人", "电梯", NULL, &d);
    assert_int_equal(d.outcome, TRIAGE_ROUTED);
    assert_string_equal(d.category->code, "fees");
    assert_string_equal(d.rule, "requester");
    assert_string_equal(d.priority, "normal");
}

static void test_keyword_in_subject_then_description(void **state)
{
    triage_decision_t d;
    triage_rule_decide(s_org, "", "电梯困人", "", NULL, &d);
    assert_string_equal(d.category->code, "special-equipment");
    assert_string_equal(d.priority, "urgent");
    assert_string_equal(d.rule, "keyword:电梯");
    triage_rule_decide(s_org, NULL, "投诉", "菜市场电子秤不准", NULL, &d);
    assert_string_equal(d.category->code, "metrology");
    assert_string_equal(d.rule, "keyword:电子秤");
    triage_rule_decide(s_org, NULL, "买到山寨手机", "", NULL, &d);
    assert_string_equal(d.category->code, "counterfeit");
}

static void test_no_match_goes_to_manual_queue(void **state)
{
    triage_decision_t d;
    triage_rule_decide(s_org, NULL, "你好", "想问一下", NULL, &d);
    assert_int_equal(d.outcome, TRIAGE_MANUAL);
    assert_null(d.category);
    assert_string_equal(triage_outcome_str(d.outcome), "manual");
}

/* The desk's judgement raises the priority; it never lowers a category's. */
static void test_desk_urgent(void **state)
{
    triage_decision_t d;
    triage_rule_decide(s_org, "metrology", "加油机", "", "urgent", &d);
    assert_string_equal(d.priority, "urgent");
    triage_rule_decide(s_org, "metrology", "加油机", "", "normal", &d);
    assert_string_equal(d.priority, "normal");
    triage_rule_decide(s_org, NULL, "电梯困人", "", "normal", &d);
    assert_string_equal(d.priority, "urgent");
    triage_rule_decide(s_org, NULL, "你好", "想问一下", "urgent", &d);
    assert_int_equal(d.outcome, TRIAGE_MANUAL);
    assert_string_equal(d.priority, "urgent");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requester_category_wins),
        cmocka_unit_test(test_desk_urgent),
        cmocka_unit_test(test_keyword_in_subject_then_description),
        cmocka_unit_test(test_no_match_goes_to_manual_queue),
    };
    return cmocka_run_group_tests(tests, s_load, s_unload);
}
