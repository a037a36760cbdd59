/* Integers as decimal text; see decimal.h. */
#include "decimal.h"

/* The digits of magnitude, after a '-' when negative. */
static int s_digits(uint64_t magnitude, int negative, char *out)
{
    char rev[DECIMAL_MAX];
    int n = 0;
    do {
        rev[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    int len = 0;
    if (negative)
        out[len++] = '-';
    while (n)
        out[len++] = rev[--n];
    out[len] = '\0';
    return len;
}

int decimal_i64(int64_t v, char *out)
{
    /* 0 - (uint64_t)v is v's magnitude for every v, INT64_MIN included. */
    return s_digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, out);
}

int decimal_u64(uint64_t v, char *out)
{
    return s_digits(v, 0, out);
}
