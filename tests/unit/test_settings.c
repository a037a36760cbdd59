/* common/settings.c: file values, environment overrides, defaults, errors. */
#include "settings.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <unistd.h>

static char s_path[64];

static int s_setup(void **state)
{
    snprintf(s_path, sizeof(s_path), "/tmp/duban-settings-%d.conf", (int)getpid());
    FILE *f = fopen(s_path, "w");
    fputs("pg = { conninfo = \"dbname=file\"; };\nintake = { http = \"127.0.0.1:1\"; max_body = 99; };\n", f);
    fclose(f);
    return 0;
}

static int s_teardown(void **state)
{
    unlink(s_path);
    unsetenv("DUBAN_PG_CONNINFO");
    unsetenv("DUBAN_INTAKE_MAX_BODY");
    return 0;
}

static void test_reads_file_values(void **state)
{
    settings_t *st = settings_new(s_path);
    assert_non_null(st);
    assert_string_equal(settings_string(st, "pg.conninfo", "x"), "dbname=file");
    assert_int_equal(settings_int(st, "intake.max_body", 1), 99);
    assert_string_equal(settings_string(st, "absent.key", "fallback"), "fallback");
    assert_int_equal(settings_int(st, "absent.number", 7), 7);
    settings_destroy(&st);
    assert_null(st);
    settings_destroy(&st); /* twice is safe */
}

static void test_environment_overrides_file(void **state)
{
    setenv("DUBAN_PG_CONNINFO", "dbname=env", 1);
    setenv("DUBAN_INTAKE_MAX_BODY", "1234", 1);
    settings_t *st = settings_new(s_path);
    assert_string_equal(settings_string(st, "pg.conninfo", "x"), "dbname=env");
    assert_int_equal(settings_int(st, "intake.max_body", 1), 1234);
    setenv("DUBAN_INTAKE_MAX_BODY", "12ab", 1);
    assert_int_equal(settings_int(st, "intake.max_body", 5), 5);
    settings_destroy(&st);
}

static void test_refuses_broken_file(void **state)
{
    char path[80];
    snprintf(path, sizeof(path), "%s.broken", s_path);
    FILE *f = fopen(path, "w");
    fputs("pg = { conninfo = ; \n", f);
    fclose(f);
    assert_null(settings_new(path));
    assert_null(settings_new("/nonexistent/duban.conf"));
    unlink(path);
}

static void test_no_file_means_defaults(void **state)
{
    settings_t *st = settings_new(NULL);
    assert_non_null(st);
    assert_string_equal(settings_string(st, "pg.conninfo", "d"), "d");
    assert_string_equal(settings_path(st), "");
    settings_destroy(&st);
}

/* A service's conninfo: where (pg.conninfo) then as whom (SVC.pg_conninfo),
 * from the file or the environment; a conninfo too long is refused. */
static void test_pg_conninfo_per_service(void **state)
{
    settings_t *st = settings_new(s_path);
    char buf[128];
    assert_string_equal(settings_pg_conninfo(st, "triage", buf, sizeof(buf)), "dbname=file");
    setenv("DUBAN_INTAKE_PG_CONNINFO", "user=duban_intake passfile=/s/duban_intake.pgpass", 1);
    assert_string_equal(settings_pg_conninfo(st, "intake", buf, sizeof(buf)),
                        "dbname=file user=duban_intake passfile=/s/duban_intake.pgpass");
    setenv("DUBAN_PG_CONNINFO", "host=db dbname=duban", 1);
    assert_string_equal(settings_pg_conninfo(st, "intake", buf, sizeof(buf)),
                        "host=db dbname=duban user=duban_intake passfile=/s/duban_intake.pgpass");
    assert_null(settings_pg_conninfo(st, "intake", buf, 20));
    unsetenv("DUBAN_INTAKE_PG_CONNINFO");
    settings_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_file_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_pg_conninfo_per_service, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_environment_overrides_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_broken_file, s_setup, s_teardown),
        cmocka_unit_test(test_no_file_means_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
