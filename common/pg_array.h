/* PostgreSQL arrays built in C, for statements that apply a whole batch at
 * once over unnest($n::type[], ...) instead of one statement per item: one
 * parameter per column, the items in the same order in each. A column of
 * text or numbers is an array literal (text); a column of bytes (a message
 * the stage sends on) is a bytea[] in PostgreSQL's binary form, which the
 * server copies element by element instead of parsing hex digit by digit
 * (about 8 ns a character, twice the bytes, then decode()). */
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
    int failed; /* an allocation failed, or kinds mixed: no text or parameter */
    int binary; /* elements are bytes: the binary form of a bytea[] */
} pg_array_t;

/* Starts an empty literal ("{}"). Never fails: a failed allocation is
 * remembered and reported by pg_array_text. */
void pg_array_init(pg_array_t *a);

/* Appends an element: text (quoted, with " and \ escaped; NULL for SQL
 * NULL) or a number, to a literal. */
void pg_array_add_text(pg_array_t *a, const char *v);
void pg_array_add_i64(pg_array_t *a, int64_t v);

/* Appends bytes, for a parameter written $n::bytea[]. An array holds bytes
 * from its first element on, or none: bytes after text, or text after
 * bytes, fail it. */
void pg_array_add_bytes(pg_array_t *a, const uint8_t *bytes, size_t len);

/* The literal of an array of text or numbers, NULL when an allocation
 * failed or it holds bytes. Valid until pg_array_free. */
const char *pg_array_text(pg_array_t *a);

/* The array as a statement parameter, text or binary as its elements are:
 * 0, or -1 when an allocation failed or kinds were mixed. Valid until
 * pg_array_free or the next append. */
int pg_array_param(pg_array_t *a, pg_param_t *out);

void pg_array_free(pg_array_t *a);

/* Most columns pg_txn_add_arrays takes. */
#define PG_ARRAY_MAX_COLUMNS 32

/* Adds the prepared batch statement name over the literals of ncols
 * columns, $1..$ncols in order (pg_txn_add_batch). Returns the statement's
 * index, or -1 when a literal's allocation failed or ncols is out of
 * range. */
int pg_txn_add_arrays(pg_txn_t *txn, const char *name, pg_array_t *cols, int ncols);

#endif
