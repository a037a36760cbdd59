/* services/bulletin/bulletin_sample.c: the look-back draw is ceil(10%) of
 * each division's closed cases (at least one where any exist), the same for
 * the same period label whatever order the cases come in, and keyed by a
 * fixed function (SHA-256) so a draw can be checked by hand. */
#include "bulletin_sample.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#define N 60

static char s_numbers[N][32];

/* 60 cases: 25 of division 0, 1 of division 1, 34 of division 2. */
static void s_items(bulletin_sample_item_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        snprintf(s_numbers[i], sizeof(s_numbers[i]), "DB20170301%06d", i + 1);
        items[i] = (bulletin_sample_item_t){.case_number = s_numbers[i],
                                            .division = i < 25    ? 0
                                                        : i == 25 ? 1
                                                                  : 2};
    }
}

/* The drawn case numbers, joined, in the order the draw leaves them. */
static void s_drawn(const bulletin_sample_item_t *items, int n, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        if (items[i].drawn) {
            strncat(out, items[i].case_number, len - strlen(out) - 1);
            strncat(out, " ", len - strlen(out) - 1);
        }
}

static void test_size(void **state)
{
    assert_int_equal(bulletin_sample_size(0, 10), 0);
    assert_int_equal(bulletin_sample_size(1, 10), 1); /* at least one where any exist */
    assert_int_equal(bulletin_sample_size(9, 10), 1);
    assert_int_equal(bulletin_sample_size(10, 10), 1);
    assert_int_equal(bulletin_sample_size(11, 10), 2);
    assert_int_equal(bulletin_sample_size(25, 10), 3);
    assert_int_equal(bulletin_sample_size(3, 100), 3);
    assert_int_equal(bulletin_sample_size(7, 50), 4);
}

static void test_key(void **state)
{
    /* First 8 bytes of SHA-256("2017-03\nDB20170306000001"), big-endian:
     * `printf '2017-03\nDB20170306000001' | sha256sum` starts 91a8fadcc4909415. */
    assert_true(bulletin_sample_key("2017-03", "DB20170306000001") == 0x91a8fadcc4909415ULL);
    assert_true(bulletin_sample_key("2017-Q1", "DB20170110000002") == 0xf486ae5a2ac1e397ULL);
}

static void test_reproducible(void **state)
{
    bulletin_sample_item_t a[N], b[N];
    char da[4096], db[4096];
    s_items(a, N);
    assert_int_equal(bulletin_sample_draw("2017-03", 10, a, N), 0);
    int per[3] = {0};
    for (int i = 0; i < N; i++)
        per[a[i].division] += a[i].drawn;
    assert_int_equal(per[0], 3); /* ceil(2.5) */
    assert_int_equal(per[1], 1); /* ceil(0.1) */
    assert_int_equal(per[2], 4); /* ceil(3.4) */
    /* Sorted by division, then case number. */
    for (int i = 1; i < N; i++)
        assert_true(a[i - 1].division < a[i].division ||
                    (a[i - 1].division == a[i].division &&
                     strcmp(a[i - 1].case_number, a[i].case_number) < 0));
    s_drawn(a, N, da, sizeof(da));
    /* The same cases in reverse order and shuffled: the same draw. */
    s_items(b, N);
    for (int i = 0; i < N / 2; i++) {
        bulletin_sample_item_t t = b[i];
        b[i] = b[N - 1 - i];
        b[N - 1 - i] = t;
    }
    for (int i = 0; i < N; i += 7) {
        bulletin_sample_item_t t = b[i];
        b[i] = b[(i * 13) % N];
        b[(i * 13) % N] = t;
    }
    bulletin_sample_draw("2017-03", 10, b, N);
    s_drawn(b, N, db, sizeof(db));
    assert_string_equal(da, db);
    /* The drawn cases of a division are the ones with the smallest keys. */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            if (a[i].division == a[j].division && a[i].drawn && !a[j].drawn)
                assert_true(a[i].key < a[j].key);
    /* Another period draws anew. */
    s_items(b, N);
    bulletin_sample_draw("2017-04", 10, b, N);
    s_drawn(b, N, db, sizeof(db));
    assert_string_not_equal(da, db);
    /* Nothing closed, nothing drawn. */
    assert_int_equal(bulletin_sample_draw("2017-03", 10, NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_reproducible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
