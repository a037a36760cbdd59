/* services/intake/intake_request.c: every refusal names its field and
 * status; well-formed submissions parse whole. */
#include "intake_request.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void s_refused(const char *body, int status, const char *field)
{
    intake_error_t err;
    intake_request_t *r = intake_request_parse(s_org, body, strlen(body), &err);
    if (r)
        fail_msg("accepted: %s", body);
    assert_int_equal(err.status, status);
    assert_string_equal(err.field, field);
    assert_true(strlen(err.detail) > 0);
}

static void test_accepts_hotline_case(void **state)
{
    const char *body = "{\"channel\":\"hotline\",\"kind\":\"complaint\",\"subject\":\"电梯异响\","
                       "\"description\":\"3号楼电梯\",\"category\":\"special-equipment\","
                       "\"requester\":{\"name\":\"张三\",\"phone\":\"138 0000 1111\"},"
                       "\"first_responder\":\"op001\"}";
    intake_error_t err;
    intake_request_t *r = intake_request_parse(s_org, body, strlen(body), &err);
    assert_non_null(r);
    assert_string_equal(r->channel, "hotline");
    assert_string_equal(r->category, "special-equipment");
    assert_string_equal(r->requester_name, "张三");
    assert_string_equal(r->first_responder, "op001");
    assert_null(r->division);
    intake_request_destroy(&r);
    assert_null(r);
}

static void test_anonymous_requester_is_not_named(void **state)
{
    const char *body = "{\"channel\":\"hotline\",\"kind\":\"report\",\"subject\":\"s\","
                       "\"description\":\"d\",\"place\":\"石家庄\",\"enterprise\":\"某公司\","
                       "\"product\":\"电梯\",\"callback_phone\":\"0311-1234567\","
                       "\"location\":{\"lat\":38.04,\"long\":114.51},"
                       "\"requester\":{\"name\":\"李四\",\"phone\":\"13900000000\",\"anonymous\":true}}";
    intake_error_t err;
    intake_request_t *r = intake_request_parse(s_org, body, strlen(body), &err);
    assert_non_null(r);
    assert_true(r->anonymous);
    assert_null(r->requester_name);
    assert_string_equal(r->requester_phone, "13900000000");
    assert_string_equal(r->place, "石家庄");
    assert_string_equal(r->latitude, "38.0400000");
    intake_request_destroy(&r);
}

static void test_accepts_anonymous_web_case(void **state)
{
    const char *body = "{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\","
                       "\"description\":\"d\",\"requester\":null}";
    intake_error_t err;
    intake_request_t *r = intake_request_parse(s_org, body, strlen(body), &err);
    assert_non_null(r);
    assert_null(r->requester_name);
    assert_null(r->first_responder);
    intake_request_destroy(&r);
}

static void test_refuses_malformed_bodies(void **state)
{
    s_refused("not json", 400, "");
    s_refused("[1,2]", 400, "");
    s_refused("{\"channel\":\"web\"", 400, "");
    s_refused("{\"channel\":\"web\",\"channel\":\"web\"}", 400, "");
    const char bad_utf8[] = "{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"\xff\xfe\","
                            "\"description\":\"d\"}";
    intake_error_t err;
    assert_null(intake_request_parse(s_org, bad_utf8, sizeof(bad_utf8) - 1, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.title, "invalid UTF-8");
}

static void test_refuses_missing_and_wrong_typed_fields(void **state)
{
    s_refused("{\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\"}", 400, "channel");
    s_refused("{\"channel\":\"web\",\"subject\":\"s\",\"description\":\"d\"}", 400, "kind");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"description\":\"d\"}", 400, "subject");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"\",\"description\":\"d\"}",
              400, "subject");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\"}", 400, "description");
    s_refused("{\"channel\":7,\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\"}", 400,
              "channel");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"requester\":\"张三\"}",
              400, "requester");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"requester\":{\"phone\":12}}",
              400, "requester.phone");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"requester\":{\"phone\":\"call me\"}}",
              400, "requester.phone");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"colour\":\"red\"}",
              400, "colour");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"callback_phone\":\"abc\"}",
              400, "callback_phone");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"location\":{\"lat\":\"north\"}}",
              400, "location");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"location\":{\"lat\":95,\"long\":10}}",
              400, "location.lat");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"received_at\":\"last tuesday\"}",
              400, "received_at");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"requester\":{\"anonymous\":\"yes\"}}",
              400, "requester.anonymous");
}

static void test_refuses_unknown_codes(void **state)
{
    s_refused("{\"channel\":\"fax\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\"}",
              422, "channel");
    s_refused("{\"channel\":\"web\",\"kind\":\"praise\",\"subject\":\"s\",\"description\":\"d\"}",
              422, "kind");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"category\":\"weather\"}",
              422, "category");
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"division\":\"ministry\"}",
              422, "division");
    s_refused("{\"channel\":\"hotline\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"first_responder\":\"nobody\"}",
              422, "first_responder");
    s_refused("{\"channel\":\"hotline\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
              "\"first_responder\":\"h-metrology\"}",
              422, "first_responder");
}

static void test_times_are_real_dates_of_duban_years(void **state)
{
    static const char *const good[] = {
        "2017-03-01T09:30:00+08:00", "2017-03-01 09:30:00+08:00", "2017-03-01T09:30+08:00",
        "2017-03-01T01:30:00Z",      "2017-03-01T09:30:00.123456-05:00", "2017-03-01T09:30:00",
        "2016-02-29T00:00:00+08",    "1990-01-01T00:00:00+08:00", "2100-12-31T23:59:59+08:00",
    };
    static const char *const bad[] = {
        "2017-02-29T09:00:00+08:00", /* not a leap year */
        "2017-04-31T09:00:00+08:00", "2017-13-01T09:00:00+08:00", "2017-00-10T09:00:00+08:00",
        "2017-03-00T09:00:00+08:00", "2017-03-01T24:00:00+08:00", "2017-03-01T09:60:00+08:00",
        "2017-03-01T09:30:61+08:00", "1989-12-31T23:59:59+08:00", "2101-01-01T00:00:00+08:00",
        "0001-01-01T00:00:00+08:00", "9999-12-31T00:00:00+08:00", "2017-03-01",
        "2017-03-01T09:30:00+08:00junk", "2017-03-01T09:30:00+25:00", "2017-03-01T09:30:00+08:77",
        "2017-03-01T09:30:00.+08:00", "2017-03-01T09:30:00+0800", "2017-3-1T09:30:00+08:00",
        "", "last tuesday",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!intake_request_time_ok(good[i]))
            fail_msg("refused %s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (intake_request_time_ok(bad[i]))
            fail_msg("accepted %s", bad[i]);
    /* A submission names received_at before PostgreSQL sees the time. */
    s_refused("{\"channel\":\"letter\",\"kind\":\"enquiry\",\"subject\":\"s\","
              "\"description\":\"d\",\"received_at\":\"2017-02-30T09:00:00+08:00\"}",
              400, "received_at");
    s_refused("{\"channel\":\"letter\",\"kind\":\"enquiry\",\"subject\":\"s\","
              "\"description\":\"d\",\"received_at\":\"1900-01-01T09:00:00+08:00\"}",
              400, "received_at");
}

static void test_confidential_is_a_boolean(void **state)
{
    const char *body = "{\"channel\":\"web\",\"kind\":\"complaint\",\"subject\":\"s\","
                       "\"description\":\"d\",\"confidential\":true}";
    intake_error_t err;
    intake_request_t *r = intake_request_parse(s_org, body, strlen(body), &err);
    assert_non_null(r);
    assert_true(r->confidential);
    intake_request_destroy(&r);
    s_refused("{\"channel\":\"web\",\"kind\":\"complaint\",\"subject\":\"s\","
              "\"description\":\"d\",\"confidential\":\"yes\"}",
              400, "confidential");
}

static void test_bounds_lengths_in_characters(void **state)
{
    /* 200 Chinese characters (600 bytes) fit; 201 do not. */
    char subject[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(subject, "电");
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"%s\",\"description\":\"d\"}",
             subject);
    intake_error_t err;
    intake_request_t *r = intake_request_parse(s_org, body, strlen(body), &err);
    assert_non_null(r);
    intake_request_destroy(&r);
    strcat(subject, "电");
    snprintf(body, sizeof(body),
             "{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"%s\",\"description\":\"d\"}",
             subject);
    s_refused(body, 400, "subject");
    assert_int_equal(intake_utf8_length("电梯ab"), 4);
}

static void test_refuses_embedded_nul(void **state)
{
    /* jansson refuses \u0000 at parse time: text with NUL never reaches a column. */
    s_refused("{\"channel\":\"web\",\"kind\":\"enquiry\",\"subject\":\"a\\u0000b\",\"description\":\"d\"}",
              400, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_hotline_case),
        cmocka_unit_test(test_accepts_anonymous_web_case),
        cmocka_unit_test(test_anonymous_requester_is_not_named),
        cmocka_unit_test(test_refuses_malformed_bodies),
        cmocka_unit_test(test_refuses_missing_and_wrong_typed_fields),
        cmocka_unit_test(test_refuses_unknown_codes),
        cmocka_unit_test(test_times_are_real_dates_of_duban_years),
        cmocka_unit_test(test_confidential_is_a_boolean),
        cmocka_unit_test(test_bounds_lengths_in_characters),
        cmocka_unit_test(test_refuses_embedded_nul),
    };
    return cmocka_run_group_tests(tests, s_load, s_unload);
}
