/* services/dispatch/dispatch_rules.c: who may take which workflow step,
 * and the refusals people read. */
#include "dispatch_rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define NOW 1485417600000000LL /* 2017-01-26T08:00:00Z = 16:00 in China */
#define HOUR 3600000000LL

static const auth_identity_t s_handler = {"h-metrology", "handler", "metrology"};
static const auth_identity_t s_other = {"h-fiber", "handler", "fiber"};
static const auth_identity_t s_operator = {"op001", "operator", ""};
static const auth_identity_t s_inspector = {"insp001", "inspector", "inspection"};

static dispatch_context_t s_ctx(void)
{
    dispatch_context_t c = {0};
    snprintf(c.case_number, sizeof(c.case_number), "DB20170126000001");
    snprintf(c.case_state, sizeof(c.case_state), "dispatched");
    snprintf(c.first_responder, sizeof(c.first_responder), "op001");
    c.has_task = true;
    c.task_id = 7;
    snprintf(c.division, sizeof(c.division), "metrology");
    snprintf(c.role, sizeof(c.role), "lead");
    snprintf(c.task_state, sizeof(c.task_state), "dispatched");
    c.response_due_us = NOW + 2 * HOUR;
    c.completion_due_us = NOW + 48 * HOUR;
    return c;
}

static dispatch_verdict_t s_check(const dispatch_context_t *c, dispatch_step_t step,
                                  const auth_identity_t *who, int64_t now)
{
    dispatch_verdict_t v;
    dispatch_rules_check(c, &step, who, now, &v);
    return v;
}

static void test_parse_names(void **state)
{
    assert_int_equal(dispatch_action_parse("need-material"), ACTION_NEED_MATERIAL);
    assert_int_equal(dispatch_action_parse("dance"), ACTION_UNKNOWN);
    assert_int_equal(dispatch_action_parse(NULL), ACTION_UNKNOWN);
    assert_string_equal(dispatch_action_str(ACTION_DECIDE_EXTENSION), "decide-extension");
    assert_true(dispatch_action_on_task(ACTION_SIGN));
    assert_false(dispatch_action_on_task(ACTION_ARBITRATE));
    assert_false(dispatch_action_on_task(ACTION_DECIDE_EXTENSION));
}

static void test_division_acts_on_its_own_task(void **state)
{
    dispatch_context_t c = s_ctx();
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_SIGN}, &s_handler, NOW).status,
                     200);
    dispatch_verdict_t v = s_check(&c, (dispatch_step_t){.action = ACTION_SIGN}, &s_other, NOW);
    assert_int_equal(v.status, 403);
    assert_non_null(strstr(v.message, "acts only on its own tasks"));
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_SIGN}, &s_operator, NOW).status,
                     403);
    snprintf(c.task_state, sizeof(c.task_state), "signed");
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_SIGN}, &s_handler, NOW).status,
                     409);
}

static void test_return_needs_grounds_and_window(void **state)
{
    dispatch_context_t c = s_ctx();
    dispatch_step_t ok = {.action = ACTION_RETURN, .text = "不属于本处", .division = "fiber"};
    assert_int_equal(s_check(&c, ok, &s_handler, NOW).status, 200);
    dispatch_step_t outside = {.action = ACTION_RETURN, .text = "属于市场监管", .outside_agency = "市场监管局"};
    assert_int_equal(s_check(&c, outside, &s_handler, NOW).status, 200);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_RETURN, .division = "fiber"},
                             &s_handler, NOW).status, 422);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_RETURN, .text = "x"},
                             &s_handler, NOW).status, 422);
    dispatch_step_t self = {.action = ACTION_RETURN, .text = "x", .division = "metrology"};
    assert_int_equal(s_check(&c, self, &s_handler, NOW).status, 422);
    dispatch_verdict_t late = s_check(&c, ok, &s_handler, NOW + 3 * HOUR);
    assert_int_equal(late.status, 409);
    assert_string_equal(late.message, "return refused: response window closed at 2017-01-26 18:00:00");
    c.arbitrated = true;
    dispatch_verdict_t final = s_check(&c, ok, &s_handler, NOW);
    assert_int_equal(final.status, 409);
    assert_non_null(strstr(final.message, "its decision is final"));
    c.arbitrated = false;
    snprintf(c.task_state, sizeof(c.task_state), "signed");
    assert_int_equal(s_check(&c, ok, &s_handler, NOW).status, 409);
}

static void test_material_and_extension(void **state)
{
    dispatch_context_t c = s_ctx();
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_NEED_MATERIAL, .text = "凭证"},
                             &s_handler, NOW).status, 200);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_MATERIAL_ARRIVED}, &s_handler,
                             NOW).status, 409);
    c.paused_at_us = NOW;
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_NEED_MATERIAL, .text = "x"},
                             &s_handler, NOW).status, 409);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_MATERIAL_ARRIVED}, &s_handler,
                             NOW).status, 200);
    dispatch_step_t extend = {.action = ACTION_EXTEND, .window = "5d", .text = "送检"};
    assert_int_equal(s_check(&c, extend, &s_handler, NOW).status, 200);
    assert_int_equal(s_check(&c, extend, &s_handler, NOW + 49 * HOUR).status, 409);
    snprintf(c.extension_state, sizeof(c.extension_state), "requested");
    assert_int_equal(s_check(&c, extend, &s_handler, NOW).status, 409);
    dispatch_step_t decide = {.action = ACTION_DECIDE_EXTENSION, .grant = true};
    assert_int_equal(s_check(&c, decide, &s_handler, NOW).status, 403);
    assert_int_equal(s_check(&c, decide, &s_inspector, NOW).status, 200);
}

static void test_only_first_responder_closes_after_reply(void **state)
{
    dispatch_context_t c = s_ctx();
    dispatch_step_t inform = {.action = ACTION_INFORM};
    assert_int_equal(s_check(&c, inform, &s_operator, NOW).status, 409);
    snprintf(c.case_state, sizeof(c.case_state), "replied");
    assert_int_equal(s_check(&c, inform, &s_operator, NOW).status, 200);
    auth_identity_t other_op = {"op002", "operator", ""};
    dispatch_verdict_t v = s_check(&c, inform, &other_op, NOW);
    assert_int_equal(v.status, 403);
    assert_non_null(strstr(v.message, "only the first responder (op001)"));
    dispatch_step_t callback = {.action = ACTION_CALLBACK, .satisfaction = "satisfied"};
    assert_int_equal(s_check(&c, callback, &s_operator, NOW).status, 409);
    snprintf(c.case_state, sizeof(c.case_state), "informed");
    assert_int_equal(s_check(&c, callback, &s_operator, NOW).status, 200);
    callback.satisfaction = "happy";
    assert_int_equal(s_check(&c, callback, &s_operator, NOW).status, 422);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_CLOSE}, &s_operator, NOW).status,
                     200);
}

static void test_arbitration_and_triage(void **state)
{
    dispatch_context_t c = s_ctx();
    dispatch_step_t arb = {.action = ACTION_ARBITRATE, .division = "fiber", .text = "职责所在"};
    assert_int_equal(s_check(&c, arb, &s_inspector, NOW).status, 409);
    snprintf(c.case_state, sizeof(c.case_state), "arbitration");
    assert_int_equal(s_check(&c, arb, &s_inspector, NOW).status, 200);
    assert_int_equal(s_check(&c, arb, &s_handler, NOW).status, 403);
    arb.text = NULL;
    assert_int_equal(s_check(&c, arb, &s_inspector, NOW).status, 422);
    dispatch_step_t triage = {.action = ACTION_TRIAGE, .category = "metrology"};
    assert_int_equal(s_check(&c, triage, &s_operator, NOW).status, 409);
    snprintf(c.case_state, sizeof(c.case_state), "needs_triage");
    assert_int_equal(s_check(&c, triage, &s_operator, NOW).status, 200);
    assert_int_equal(s_check(&c, triage, &s_handler, NOW).status, 403);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_UNKNOWN}, &s_operator, NOW).status,
                     400);
}

static void test_lead_reply_needs_dispatched_case(void **state)
{
    dispatch_context_t c = s_ctx();
    dispatch_step_t reply = {.action = ACTION_REPLY, .text = "已处理"};
    assert_int_equal(s_check(&c, reply, &s_handler, NOW).status, 200);
    assert_int_equal(s_check(&c, (dispatch_step_t){.action = ACTION_REPLY}, &s_handler, NOW).status,
                     422);
    snprintf(c.case_state, sizeof(c.case_state), "arbitration");
    assert_int_equal(s_check(&c, reply, &s_handler, NOW).status, 409);
    snprintf(c.role, sizeof(c.role), "co");
    assert_int_equal(s_check(&c, reply, &s_handler, NOW).status, 200);
}

/* The case page's buttons: what the rules allow now, whatever the fields. */
static void test_may_lists_the_buttons(void **state)
{
    dispatch_context_t c = s_ctx();
    assert_true(dispatch_rules_may(&c, ACTION_SIGN, &s_handler, NOW));
    assert_true(dispatch_rules_may(&c, ACTION_RETURN, &s_handler, NOW));
    assert_true(dispatch_rules_may(&c, ACTION_REPLY, &s_handler, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_MATERIAL_ARRIVED, &s_handler, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_SIGN, &s_other, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_CLOSE, &s_handler, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_RETURN, &s_handler, NOW + 3 * HOUR));
    snprintf(c.task_state, sizeof(c.task_state), "signed");
    assert_false(dispatch_rules_may(&c, ACTION_SIGN, &s_handler, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_RETURN, &s_handler, NOW));
    assert_true(dispatch_rules_may(&c, ACTION_EXTEND, &s_handler, NOW));
    c.paused_at_us = NOW - HOUR;
    assert_true(dispatch_rules_may(&c, ACTION_MATERIAL_ARRIVED, &s_handler, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_NEED_MATERIAL, &s_handler, NOW));
    assert_false(dispatch_rules_may(&c, ACTION_ARBITRATE, &s_inspector, NOW));
}

/* A leader reads and may do nothing: no step is allowed in any state the
 * steps need, whatever the fields. */
static void test_leader_may_do_nothing(void **state)
{
    const auth_identity_t leader = {"leader001", "leader", ""};
    const char *case_states[] = {"dispatched", "arbitration", "replied", "informed",
                                 "needs_triage"};
    const char *task_states[] = {"dispatched", "signed"};
    for (size_t cs = 0; cs < sizeof(case_states) / sizeof(case_states[0]); cs++)
        for (size_t ts = 0; ts < 2; ts++)
            for (int paused = 0; paused < 2; paused++) {
                dispatch_context_t c = s_ctx();
                snprintf(c.case_state, sizeof(c.case_state), "%s", case_states[cs]);
                snprintf(c.task_state, sizeof(c.task_state), "%s", task_states[ts]);
                snprintf(c.extension_state, sizeof(c.extension_state), "requested");
                c.paused_at_us = paused ? NOW - HOUR : 0;
                for (int a = 0; a < ACTION_UNKNOWN; a++)
                    assert_false(dispatch_rules_may(&c, (dispatch_action_t)a, &leader, NOW));
            }
}

static void test_attach_call(void **state)
{
    static const auth_identity_t clerk = {"clerk001", "clerk", ""};
    static const auth_identity_t other_operator = {"op002", "operator", ""};
    dispatch_context_t c = s_ctx();
    dispatch_step_t call = {.action = ACTION_ATTACH_CALL, .text = "来电催办：电子秤仍未处理"};
    assert_int_equal(dispatch_action_parse("attach-call"), ACTION_ATTACH_CALL);
    assert_string_equal(dispatch_action_str(ACTION_ATTACH_CALL), "attach-call");
    assert_false(dispatch_action_on_task(ACTION_ATTACH_CALL));
    /* Any desk member takes the call, not only the first responder. */
    assert_int_equal(s_check(&c, call, &s_operator, NOW).status, 200);
    assert_int_equal(s_check(&c, call, &other_operator, NOW).status, 200);
    assert_int_equal(s_check(&c, call, &clerk, NOW).status, 200);
    dispatch_verdict_t v = s_check(&c, call, &s_handler, NOW);
    assert_int_equal(v.status, 403);
    assert_non_null(strstr(v.message, "hotline desk"));
    assert_int_equal(s_check(&c, call, &s_inspector, NOW).status, 403);
    /* What the caller said is required. */
    v = s_check(&c, (dispatch_step_t){.action = ACTION_ATTACH_CALL}, &s_operator, NOW);
    assert_int_equal(v.status, 422);
    /* Open at every stage before closure, even before dispatch... */
    const char *open[] = {"received", "needs_triage", "triaged", "arbitration", "replied",
                          "informed"};
    for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
        snprintf(c.case_state, sizeof(c.case_state), "%s", open[i]);
        assert_int_equal(s_check(&c, call, &s_operator, NOW).status, 200);
        assert_true(dispatch_rules_may(&c, ACTION_ATTACH_CALL, &s_operator, NOW));
    }
    /* ...but a closed or merged case takes a new case instead. */
    const char *shut[] = {"closed", "merged"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(c.case_state, sizeof(c.case_state), "%s", shut[i]);
        v = s_check(&c, call, &s_operator, NOW);
        assert_int_equal(v.status, 409);
        assert_non_null(strstr(v.message, "new case"));
        assert_false(dispatch_rules_may(&c, ACTION_ATTACH_CALL, &s_operator, NOW));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_division_acts_on_its_own_task),
        cmocka_unit_test(test_return_needs_grounds_and_window),
        cmocka_unit_test(test_material_and_extension),
        cmocka_unit_test(test_only_first_responder_closes_after_reply),
        cmocka_unit_test(test_arbitration_and_triage),
        cmocka_unit_test(test_lead_reply_needs_dispatched_case),
        cmocka_unit_test(test_may_lists_the_buttons),
        cmocka_unit_test(test_leader_may_do_nothing),
        cmocka_unit_test(test_attach_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
