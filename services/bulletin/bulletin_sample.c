/* Reproducible look-back sample; see bulletin_sample.h. SHA-256 (libsodium)
 * serves as a keyed shuffle: no random state, no dependence on row order. */
#include "bulletin_sample.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int64_t bulletin_sample_size(int64_t n, int percent)
{
    if (n <= 0 || percent <= 0)
        return 0;
    int64_t k = (n * percent + 99) / 100;
    return k > n ? n : k;
}

uint64_t bulletin_sample_key(const char *label, const char *case_number)
{
    crypto_hash_sha256_state st;
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)label, strlen(label));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)case_number, strlen(case_number));
    crypto_hash_sha256_final(&st, out);
    uint64_t key = 0;
    for (int i = 0; i < 8; i++)
        key = key << 8 | out[i];
    return key;
}

static int s_by_division_key(const void *a, const void *b)
{
    const bulletin_sample_item_t *x = a, *y = b;
    if (x->division != y->division)
        return x->division < y->division ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->case_number, y->case_number);
}

static int s_by_division_case(const void *a, const void *b)
{
    const bulletin_sample_item_t *x = a, *y = b;
    if (x->division != y->division)
        return x->division < y->division ? -1 : 1;
    return strcmp(x->case_number, y->case_number);
}

int bulletin_sample_draw(const char *label, int percent, bulletin_sample_item_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        items[i].key = bulletin_sample_key(label, items[i].case_number);
        items[i].drawn = false;
    }
    if (n > 0)
        qsort(items, (size_t)n, sizeof(*items), s_by_division_key);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && items[j].division == items[i].division)
            j++;
        int64_t k = bulletin_sample_size(j - i, percent);
        for (int64_t d = 0; d < k; d++)
            items[i + d].drawn = true;
        i = j;
    }
    if (n > 0)
        qsort(items, (size_t)n, sizeof(*items), s_by_division_case);
    return 0;
}
