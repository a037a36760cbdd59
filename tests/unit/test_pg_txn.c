/* common/pg_txn.c: how a multi-row batch statement is sent, by the size of
 * the batch (pg_txn_add_batch). */
#include "pg.h"
#include "pg_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const char *s_sql = "SELECT unnest($1::int[])";

/* A small batch runs the prepared statement, after the settings under
 * which its generic plan is made; the batch statement's index is returned,
 * since its result is the one with a row per message. */
static void test_small_batch_prepared(void **state)
{
    (void)state;
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT("{1,2,3}")};
    int i = pg_txn_add_batch(txn, 3, "stage_apply", s_sql, 1, params);
    assert_int_equal(i, 1);
    assert_int_equal(pg_txn_count(txn), 2);
    assert_int_equal(txn->stmts[0].kind, PG_STMT_SQL);
    assert_non_null(strstr(txn->stmts[0].stmt, "'plan_cache_mode', 'force_generic_plan', true"));
    assert_non_null(strstr(txn->stmts[0].stmt, "'enable_seqscan', 'off', true"));
    assert_int_equal(txn->stmts[1].kind, PG_STMT_PREPARED);
    assert_string_equal(txn->stmts[1].stmt, "stage_apply");
    assert_string_equal(txn->stmts[1].values[0], "{1,2,3}");
    /* one message alone (a batch retried message by message) too */
    assert_int_equal(pg_txn_add_batch(txn, 1, "stage_apply", s_sql, 1, params), 3);
    assert_int_equal(txn->stmts[3].kind, PG_STMT_PREPARED);
    pg_txn_destroy(&txn);
}

/* From PG_BATCH_PLANNED_FROM messages on, the text, planned for the batch. */
static void test_large_batch_planned(void **state)
{
    (void)state;
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT("{1}")};
    assert_int_equal(pg_txn_add_batch(txn, PG_BATCH_PLANNED_FROM - 1, "stage_apply", s_sql, 1,
                                        params),
                     1);
    int i = pg_txn_add_batch(txn, PG_BATCH_PLANNED_FROM, "stage_apply", s_sql, 1, params);
    assert_int_equal(i, 2);
    assert_int_equal(pg_txn_count(txn), 3);
    assert_int_equal(txn->stmts[2].kind, PG_STMT_SQL);
    assert_string_equal(txn->stmts[2].stmt, s_sql);
    assert_int_equal(txn->stmts[2].nparams, 1);
    pg_txn_destroy(&txn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_batch_prepared),
        cmocka_unit_test(test_large_batch_planned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
