/* PostgreSQL array literals; see pg_array.h. */
#include "pg_array.h"

#include "decimal.h"

#include <stdlib.h>
#include <string.h>

/* Room for need more bytes plus the closing brace and the terminator. */
static int s_reserve(pg_array_t *a, size_t need)
{
    if (a->failed)
        return -1;
    if (a->len + need + 2 <= a->cap)
        return 0;
    size_t cap = (a->len + need + 2) * 2;
    char *b = realloc(a->buf, cap);
    if (!b) {
        a->failed = 1;
        return -1;
    }
    a->buf = b;
    a->cap = cap;
    return 0;
}

void pg_array_init(pg_array_t *a)
{
    memset(a, 0, sizeof(*a));
    if (s_reserve(a, 1) == 0) {
        a->buf[0] = '{';
        a->len = 1;
    }
}

/* The separator before every element but the first. */
static void s_comma(pg_array_t *a)
{
    if (a->count++ > 0)
        a->buf[a->len++] = ',';
}

void pg_array_add_text(pg_array_t *a, const char *v)
{
    if (!v) {
        if (s_reserve(a, 5) == 0) {
            s_comma(a);
            memcpy(a->buf + a->len, "NULL", 4);
            a->len += 4;
        }
        return;
    }
    if (s_reserve(a, 2 * strlen(v) + 3) < 0)
        return;
    s_comma(a);
    a->buf[a->len++] = '"';
    for (const char *s = v; *s; s++) {
        if (*s == '"' || *s == '\\')
            a->buf[a->len++] = '\\';
        a->buf[a->len++] = *s;
    }
    a->buf[a->len++] = '"';
}

void pg_array_add_i64(pg_array_t *a, int64_t v)
{
    if (s_reserve(a, DECIMAL_MAX) < 0)
        return;
    s_comma(a);
    a->len += (size_t)decimal_i64(v, a->buf + a->len);
}

void pg_array_add_hex(pg_array_t *a, const uint8_t *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (s_reserve(a, 2 * len + 3) < 0)
        return;
    s_comma(a);
    a->buf[a->len++] = '"';
    for (size_t i = 0; i < len; i++) {
        a->buf[a->len++] = digits[bytes[i] >> 4];
        a->buf[a->len++] = digits[bytes[i] & 15];
    }
    a->buf[a->len++] = '"';
}

const char *pg_array_text(pg_array_t *a)
{
    if (a->failed || !a->buf)
        return NULL;
    a->buf[a->len] = '}';
    a->buf[a->len + 1] = '\0';
    return a->buf;
}

void pg_array_free(pg_array_t *a)
{
    free(a->buf);
    memset(a, 0, sizeof(*a));
}

int pg_txn_add_arrays(pg_txn_t *txn, const char *name, pg_array_t *cols, int ncols)
{
    pg_param_t params[PG_ARRAY_MAX_COLUMNS];
    if (ncols < 1 || ncols > PG_ARRAY_MAX_COLUMNS)
        return -1;
    for (int i = 0; i < ncols; i++) {
        const char *text = pg_array_text(&cols[i]);
        if (!text)
            return -1;
        params[i] = PG_TEXT(text);
    }
    return pg_txn_add_batch(txn, name, ncols, params);
}
