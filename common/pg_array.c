/* PostgreSQL array literals; see pg_array.h. */
#include "pg_array.h"

#include "decimal.h"

#include <arpa/inet.h>

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

/* Text after bytes fails the array (pg_array_add_bytes). */
static int s_literal(pg_array_t *a)
{
    if (a->binary)
        a->failed = 1;
    return a->failed ? -1 : 0;
}

void pg_array_add_text(pg_array_t *a, const char *v)
{
    if (s_literal(a) < 0)
        return;
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
    if (s_literal(a) < 0)
        return;
    if (s_reserve(a, DECIMAL_MAX) < 0)
        return;
    s_comma(a);
    a->len += (size_t)decimal_i64(v, a->buf + a->len);
}

/* PostgreSQL's binary form of a one-dimensional array (array_send): the
 * number of dimensions, a has-NULLs flag, the element type, then each
 * dimension's length and lower bound, all 32-bit in network order; then
 * each element's length and bytes. The header is written last, once the
 * count is known. */
#define BINARY_HEADER 20
#define BYTEA_OID 17

static void s_put_u32(char *at, uint32_t v)
{
    v = htonl(v);
    memcpy(at, &v, sizeof(v));
}

void pg_array_add_bytes(pg_array_t *a, const uint8_t *bytes, size_t len)
{
    if (!a->binary && a->count > 0)
        a->failed = 1;
    if (len > INT32_MAX)
        a->failed = 1;
    if (!a->binary && !a->failed) {
        a->binary = 1;
        a->len = 0;
        if (s_reserve(a, BINARY_HEADER) < 0)
            return;
        a->len = BINARY_HEADER;
    }
    if (s_reserve(a, 4 + len) < 0)
        return;
    s_put_u32(a->buf + a->len, (uint32_t)len);
    if (len)
        memcpy(a->buf + a->len + 4, bytes, len);
    a->len += 4 + len;
    a->count++;
}

const char *pg_array_text(pg_array_t *a)
{
    if (a->failed || !a->buf || a->binary)
        return NULL;
    a->buf[a->len] = '}';
    a->buf[a->len + 1] = '\0';
    return a->buf;
}

int pg_array_param(pg_array_t *a, pg_param_t *out)
{
    if (!a->binary) {
        const char *text = pg_array_text(a);
        *out = PG_TEXT(text);
        return text ? 0 : -1;
    }
    if (a->failed)
        return -1;
    s_put_u32(a->buf, 1);
    s_put_u32(a->buf + 4, 0);
    s_put_u32(a->buf + 8, BYTEA_OID);
    s_put_u32(a->buf + 12, (uint32_t)a->count);
    s_put_u32(a->buf + 16, 1);
    *out = PG_BINARY(a->buf, a->len);
    return 0;
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
    for (int i = 0; i < ncols; i++)
        if (pg_array_param(&cols[i], &params[i]) < 0)
            return -1;
    return pg_txn_add_batch(txn, name, ncols, params);
}
