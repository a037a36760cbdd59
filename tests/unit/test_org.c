/* common/org.c against the shipped org file and broken ones. */
#include "org.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

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

static void test_default_divisions_from_design(void **state)
{
    static const char *codes[] = {"office-legal", "supervision", "enforcement", "fiber",
                                  "metrology", "standards", "special-equipment", "certification",
                                  "licensing", "finance", "personnel", "party", "discipline",
                                  "discipline-group",
                                  "inspection"};
    assert_int_equal(s_org->ndivisions, 15);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        assert_non_null(org_division_find(s_org, codes[i]));
    assert_string_equal(org_division_find(s_org, "metrology")->name, "计量处");
    assert_null(org_division_find(s_org, "nope"));
}

static void test_routing_of_design_categories(void **state)
{
    static const char *pairs[][2] = {
        {"general", "office-legal"},         {"policy", "office-legal"},
        {"product-quality", "supervision"},  {"recall", "supervision"},
        {"counterfeit", "enforcement"},      {"e-commerce", "enforcement"},
        {"fiber", "fiber"},                  {"metrology", "metrology"},
        {"standards", "standards"},          {"special-equipment", "special-equipment"},
        {"testing-institutes", "certification"}, {"certification", "certification"},
        {"licensing", "licensing"},          {"fees", "finance"},
        {"staff-conduct", "discipline"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const org_category_t *c = org_category_find(s_org, pairs[i][0]);
        assert_non_null(c);
        assert_string_equal(c->lead, pairs[i][1]);
    }
}

static void test_kinds_channels_staff(void **state)
{
    assert_int_equal(s_org->nkinds, 4);
    assert_non_null(org_kind_find(s_org, "suggestion"));
    assert_int_equal(s_org->nchannels, 7);
    assert_non_null(org_channel_find(s_org, "walk-in"));
    assert_string_equal(org_staff_find(s_org, "op002")->role, "operator");
    assert_string_equal(org_staff_find(s_org, "insp001")->division, "inspection");
    assert_int_equal(s_org->non_duty, 3);
}

static void test_keyword_match(void **state)
{
    const char *kw = NULL;
    const org_category_t *c = org_category_match(s_org, "小区电梯困人", &kw);
    assert_non_null(c);
    assert_string_equal(c->code, "special-equipment");
    assert_string_equal(kw, "电梯");
    c = org_category_match(s_org, "加油机少加油", &kw);
    assert_string_equal(c->code, "metrology");
    assert_null(org_category_match(s_org, "今天天气不错", &kw));
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_refuses_route_to_unknown_division(void **state)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/duban-org-%d.conf", (int)getpid());
    s_write(path, "divisions = ({ code = \"a\"; name = \"A\"; });\n"
                  "categories = ({ code = \"x\"; name = \"X\"; lead = \"b\"; });\n"
                  "kinds = (); channels = (); staff = ();\n");
    assert_null(org_new(path));
    s_write(path, "divisions = ({ code = \"a\"; name = \"A\"; });\n"
                  "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; });\n"
                  "kinds = (); channels = (); staff = ();\n"
                  "roster = { on_duty = [\"ghost\"]; };\n");
    assert_null(org_new(path));
    s_write(path, "divisions = ({ code = \"a\"; name = \"A\"; });\n"
                  "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; });\n"
                  "kinds = (); channels = (); staff = ();\n");
    org_t *ok = org_new(path);
    assert_non_null(ok);
    org_destroy(&ok);
    unlink(path);
}

static void test_attributes_of_categories(void **state)
{
    const org_category_t *c = org_category_find(s_org, "special-equipment");
    assert_int_equal(c->nattributes, 3);
    const org_attribute_t *equipment = c->attributes[0];
    assert_string_equal(equipment->code, "equipment");
    assert_string_equal(equipment->datatype, "singlevaluelist");
    assert_true(equipment->required);
    assert_int_equal(equipment->field, ORG_FIELD_PRODUCT);
    assert_true(org_attribute_value_ok(equipment, "电梯"));
    assert_false(org_attribute_value_ok(equipment, "拖拉机"));
    const org_attribute_t *detail = org_attribute_find(s_org, "place_detail");
    assert_int_equal(detail->field, ORG_FIELD_PLACE);
    assert_string_equal(org_field_str(detail->field), "place");
    assert_false(detail->required);
    assert_true(org_attribute_value_ok(detail, "3号楼"));
    assert_int_equal(org_category_find(s_org, "general")->nattributes, 0);
}

static void test_refuses_broken_attributes(void **state)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/duban-org-attr-%d.conf", (int)getpid());
    static const char *broken[] = {
        /* a category naming an attribute that is not listed */
        "attributes = ({ code = \"e\"; field = \"enterprise\"; });\n"
        "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; attributes = [\"f\"]; });\n",
        /* a field cases do not have */
        "attributes = ({ code = \"e\"; field = \"salary\"; });\n"
        "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; });\n",
        /* a list without values */
        "attributes = ({ code = \"e\"; field = \"product\"; datatype = \"singlevaluelist\"; });\n"
        "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; });\n",
        /* kind is attribute[kind] already */
        "attributes = ({ code = \"kind\"; field = \"product\"; });\n"
        "categories = ({ code = \"x\"; name = \"X\"; lead = \"a\"; });\n",
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "divisions = ({ code = \"a\"; name = \"A\"; });\n%s"
                 "kinds = (); channels = (); staff = ();\n",
                 broken[i]);
        s_write(path, text);
        assert_null(org_new(path));
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_divisions_from_design),
        cmocka_unit_test(test_routing_of_design_categories),
        cmocka_unit_test(test_kinds_channels_staff),
        cmocka_unit_test(test_keyword_match),
        cmocka_unit_test(test_refuses_route_to_unknown_division),
        cmocka_unit_test(test_attributes_of_categories),
        cmocka_unit_test(test_refuses_broken_attributes),
    };
    return cmocka_run_group_tests(tests, s_load, s_unload);
}
