/* common/pg_txn.c, common/pg_array.c: how a multi-row batch statement is
 * sent (pg_txn_add_batch, pg_txn_add_arrays). */
#include "pg.h"
#include "pg_array.h"
#include "pg_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

/* A batch runs the prepared statement, after the settings under which its
 * generic plan is made; the batch statement's index is returned, since its
 * result is the one with a row per message. */
static void test_batch_prepared(void **state)
{
    (void)state;
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT("{1,2,3}")};
    int i = pg_txn_add_batch(txn, "stage_apply", 1, params);
    assert_int_equal(i, 1);
    assert_int_equal(pg_txn_count(txn), 2);
    assert_int_equal(txn->stmts[0].kind, PG_STMT_SQL);
    assert_non_null(strstr(txn->stmts[0].stmt, "'plan_cache_mode', 'force_generic_plan', true"));
    assert_non_null(strstr(txn->stmts[0].stmt, "'enable_seqscan', 'off', true"));
    assert_int_equal(txn->stmts[1].kind, PG_STMT_PREPARED);
    assert_string_equal(txn->stmts[1].stmt, "stage_apply");
    assert_string_equal(txn->stmts[1].values[0], "{1,2,3}");
    pg_txn_destroy(&txn);
}

/* A large batch the same way: planning it cost more than a plan for its
 * own arrays saved (pg.h). */
static void test_large_batch_prepared(void **state)
{
    (void)state;
    pg_txn_t *txn = pg_txn_new();
    pg_array_t col;
    pg_array_init(&col);
    for (int v = 0; v < 500; v++)
        pg_array_add_i64(&col, v);
    int i = pg_txn_add_arrays(txn, "stage_apply", &col, 1);
    assert_int_equal(i, 1);
    assert_int_equal(txn->stmts[1].kind, PG_STMT_PREPARED);
    assert_string_equal(txn->stmts[1].stmt, "stage_apply");
    assert_int_equal(txn->stmts[1].nparams, 1);
    assert_non_null(strstr(txn->stmts[1].values[0], ",499}"));
    pg_array_free(&col);
    pg_txn_destroy(&txn);
}

/* A column whose literal could not be made, or a count of columns out of
 * range, adds nothing. */
static void test_arrays_refused(void **state)
{
    (void)state;
    pg_txn_t *txn = pg_txn_new();
    pg_array_t col;
    pg_array_init(&col);
    assert_int_equal(pg_txn_add_arrays(txn, "stage_apply", &col, 0), -1);
    assert_int_equal(pg_txn_add_arrays(txn, "stage_apply", &col, PG_ARRAY_MAX_COLUMNS + 1), -1);
    col.failed = 1;
    assert_int_equal(pg_txn_add_arrays(txn, "stage_apply", &col, 1), -1);
    assert_int_equal(pg_txn_count(txn), 0);
    pg_array_free(&col);
    pg_txn_destroy(&txn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_prepared),
        cmocka_unit_test(test_large_batch_prepared),
        cmocka_unit_test(test_arrays_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
