/* PostgreSQL array literals built in C, for statements that apply a whole
 * batch at once over unnest($n::type[], ...) instead of one statement per
 * item: one text parameter per column, the items in the same order in each. */
#ifndef DUBAN_PG_ARRAY_H
#define DUBAN_PG_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "pg.h"

typedef struct {
    char *buf;
    size_t len;
    size_t cap;
    int count;
    int failed; /* an allocation failed: pg_array_text answers NULL */
} pg_array_t;

/* Starts an empty literal ("{}"). Never fails: a failed allocation is
 * remembered and reported by pg_array_text. */
void pg_array_init(pg_array_t *a);

/* Appends an element: text (quoted, with " and \ escaped; NULL for SQL
 * NULL), a number, or bytes as hex text (for decode(x, 'hex')). */
void pg_array_add_text(pg_array_t *a, const char *v);
void pg_array_add_i64(pg_array_t *a, int64_t v);
void pg_array_add_hex(pg_array_t *a, const uint8_t *bytes, size_t len);

/* The literal, NULL when an allocation failed. Valid until pg_array_free. */
const char *pg_array_text(pg_array_t *a);

void pg_array_free(pg_array_t *a);

/* Most columns pg_txn_add_arrays takes. */
#define PG_ARRAY_MAX_COLUMNS 32

/* Adds the prepared batch statement name over the literals of ncols
 * columns, $1..$ncols in order (pg_txn_add_batch). Returns the statement's
 * index, or -1 when a literal's allocation failed or ncols is out of
 * range. */
int pg_txn_add_arrays(pg_txn_t *txn, const char *name, pg_array_t *cols, int ncols);

#endif
