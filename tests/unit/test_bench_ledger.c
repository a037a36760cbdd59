/* tools/dubanctl/bench_ledger.c: the benchmark counts each of its cases
 * once, whatever the order its 201 and its console message come in, and
 * says which cases it counted from the database. */
#include "bench_ledger.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void s_e2e(const bench_ledger_t *l, int64_t *out, int expect)
{
    assert_int_equal(bench_ledger_e2e_us(l, out), expect);
}

/* The usual order: sent, 201, console message. */
static void test_in_order(void **state)
{
    bench_ledger_t *l = bench_ledger_new(2);
    assert_non_null(l);
    bench_ledger_sent(l, 0, 1000);
    bench_ledger_sent(l, 1, 1100);
    assert_int_equal(bench_ledger_accepted(l, 0, "DB2026120400001", 3000), 0);
    assert_int_equal(bench_ledger_accepted(l, 1, "DB2026120400002", 3500), 0);
    assert_int_equal(bench_ledger_console(l, "DB2026120400002", 9100), 1);
    assert_int_equal(bench_ledger_console(l, "DB2026120400001", 9000), 1);
    bench_ledger_counts_t n;
    bench_ledger_counts(l, &n);
    assert_int_equal(n.accepted, 2);
    assert_int_equal(n.delivered, 2);
    assert_int_equal(n.console, 2);
    assert_int_equal(n.before_201, 0);
    assert_int_equal(n.database, 0);
    int64_t v[2];
    assert_int_equal(bench_ledger_intake_us(l, v), 2);
    assert_int_equal(v[0], 2000);
    assert_int_equal(v[1], 2400);
    s_e2e(l, v, 2);
    assert_int_equal(v[0], 8000);
    assert_int_equal(v[1], 8000);
    assert_int_equal(bench_ledger_last_delivery_us(l), 9100);
    bench_ledger_destroy(&l);
    assert_null(l);
}

/* The console message before the 201 (intake sends the case on before it
 * answers): kept, and counted when the 201 names the case, at the time the
 * message came, not at the 201's. */
static void test_console_before_201(void **state)
{
    bench_ledger_t *l = bench_ledger_new(1);
    bench_ledger_sent(l, 0, 1000);
    assert_int_equal(bench_ledger_console(l, "DB2026120400007", 4000), 0);
    bench_ledger_counts_t n;
    bench_ledger_counts(l, &n);
    assert_int_equal(n.delivered, 0);
    assert_int_equal(bench_ledger_accepted(l, 0, "DB2026120400007", 6000), 0);
    bench_ledger_counts(l, &n);
    assert_int_equal(n.accepted, 1);
    assert_int_equal(n.delivered, 1);
    assert_int_equal(n.console, 1);
    assert_int_equal(n.before_201, 1);
    assert_int_equal(n.strangers, 0);
    int64_t v[1];
    s_e2e(l, v, 1);
    assert_int_equal(v[0], 3000);
    assert_int_equal(bench_ledger_intake_us(l, v), 1);
    assert_int_equal(v[0], 5000);
    bench_ledger_destroy(&l);
}

/* A second message about a case (a co-handling task's, a re-send) counts
 * nothing, before or after the 201; the first message's time stays. */
static void test_duplicates_once(void **state)
{
    bench_ledger_t *l = bench_ledger_new(2);
    bench_ledger_sent(l, 0, 0);
    bench_ledger_sent(l, 1, 0);
    bench_ledger_console(l, "DB1", 10);
    bench_ledger_console(l, "DB1", 20);
    bench_ledger_accepted(l, 0, "DB1", 30);
    assert_int_equal(bench_ledger_console(l, "DB1", 40), 0);
    bench_ledger_accepted(l, 1, "DB2", 30);
    assert_int_equal(bench_ledger_console(l, "DB2", 50), 1);
    assert_int_equal(bench_ledger_console(l, "DB2", 60), 0);
    bench_ledger_counts_t n;
    bench_ledger_counts(l, &n);
    assert_int_equal(n.delivered, 2);
    assert_int_equal(n.console, 2);
    assert_int_equal(n.duplicates, 3);
    int64_t v[2];
    s_e2e(l, v, 2);
    assert_int_equal(v[0], 10);
    assert_int_equal(v[1], 50);
    /* a case number given twice is refused, and counts nothing */
    bench_ledger_t *m = bench_ledger_new(2);
    assert_int_equal(bench_ledger_accepted(m, 0, "DB9", 1), 0);
    assert_int_equal(bench_ledger_accepted(m, 1, "DB9", 2), -1);
    assert_int_equal(bench_ledger_accepted(m, 0, "DB8", 2), -1);
    assert_int_equal(bench_ledger_accepted(m, 5, "DB7", 2), -1);
    assert_int_equal(bench_ledger_accepted(m, 1, "", 2), -1);
    bench_ledger_counts(m, &n);
    assert_int_equal(n.accepted, 1);
    bench_ledger_destroy(&l);
    bench_ledger_destroy(&m);
}

/* Messages about other cases (a live deployment's) are kept in vain and
 * counted as strangers; beyond room for total of them they are not kept. */
static void test_strangers(void **state)
{
    bench_ledger_t *l = bench_ledger_new(2);
    bench_ledger_console(l, "X1", 1);
    bench_ledger_console(l, "X2", 1);
    bench_ledger_console(l, "X3", 1); /* no room: not kept */
    bench_ledger_accepted(l, 0, "X3", 2);
    bench_ledger_counts_t n;
    bench_ledger_counts(l, &n);
    assert_int_equal(n.delivered, 0);
    assert_int_equal(n.strangers, 3);
    /* far too long a number is no case's */
    char longer[100];
    memset(longer, 'D', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_int_equal(bench_ledger_console(l, longer, 1), 0);
    assert_int_equal(bench_ledger_accepted(l, 1, longer, 1), -1);
    bench_ledger_destroy(&l);
}

/* A lost console message: the case is missing, suspected once the
 * database shows its task, and counted from the database, apart; a message
 * that comes after all counts nothing. */
static void test_lost_counted_from_database(void **state)
{
    bench_ledger_t *l = bench_ledger_new(3);
    for (int i = 0; i < 3; i++)
        bench_ledger_sent(l, i, 100);
    bench_ledger_accepted(l, 0, "DB1", 200);
    bench_ledger_accepted(l, 1, "DB2", 200);
    bench_ledger_accepted(l, 2, "DB3", 200);
    bench_ledger_console(l, "DB2", 500);
    const char *missing[3];
    assert_int_equal(bench_ledger_missing(l, missing, 3), 2);
    assert_string_equal(missing[0], "DB1");
    assert_string_equal(missing[1], "DB3");
    assert_int_equal(bench_ledger_missing(l, missing, 1), 1);
    assert_int_equal(bench_ledger_suspect(l, "DB1", 1000), 1000);
    assert_int_equal(bench_ledger_suspect(l, "DB1", 2000), 1000);
    assert_int_equal(bench_ledger_suspect(l, "DB2", 2000), 0);
    assert_int_equal(bench_ledger_suspect(l, "NOPE", 2000), 0);
    assert_int_equal(bench_ledger_from_database(l, "DB1", 400), 1);
    assert_int_equal(bench_ledger_from_database(l, "DB1", 400), 0);
    assert_int_equal(bench_ledger_from_database(l, "DB2", 400), 0);
    assert_int_equal(bench_ledger_from_database(l, "NOPE", 400), 0);
    assert_int_equal(bench_ledger_console(l, "DB1", 3000), 0);
    bench_ledger_counts_t n;
    bench_ledger_counts(l, &n);
    assert_int_equal(n.accepted, 3);
    assert_int_equal(n.delivered, 2);
    assert_int_equal(n.console, 1);
    assert_int_equal(n.database, 1);
    assert_int_equal(n.duplicates, 1);
    assert_int_equal(bench_ledger_missing(l, missing, 3), 1);
    assert_string_equal(missing[0], "DB3");
    int64_t v[3];
    s_e2e(l, v, 2);
    assert_int_equal(v[0], 300);
    assert_int_equal(v[1], 400);
    bench_ledger_destroy(&l);
}

/* Many cases, every order at once: each counted exactly once. */
static void test_many_each_once(void **state)
{
    enum { N = 20000 };
    bench_ledger_t *l = bench_ledger_new(N);
    char number[32];
    for (int i = 0; i < N; i++) {
        bench_ledger_sent(l, i, i);
        snprintf(number, sizeof(number), "DB20261204%05d", i);
        if (i % 3 == 0)
            bench_ledger_console(l, number, N + i);
        bench_ledger_accepted(l, i, number, N + i + 1);
        if (i % 3 != 2)
            bench_ledger_console(l, number, N + i + 2);
    }
    for (int i = 2; i < N; i += 3) {
        snprintf(number, sizeof(number), "DB20261204%05d", i);
        bench_ledger_from_database(l, number, N + i + 3);
    }
    bench_ledger_counts_t n;
    bench_ledger_counts(l, &n);
    assert_int_equal(n.accepted, N);
    assert_int_equal(n.delivered, N);
    assert_int_equal(n.before_201, (N + 2) / 3);
    assert_int_equal(n.database, N / 3);
    assert_int_equal(n.console + n.database, N);
    assert_int_equal(n.duplicates, (N + 2) / 3);
    assert_int_equal(n.strangers, 0);
    bench_ledger_destroy(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_console_before_201),
        cmocka_unit_test(test_duplicates_once),
        cmocka_unit_test(test_strangers),
        cmocka_unit_test(test_lost_counted_from_database),
        cmocka_unit_test(test_many_each_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
