/* The letters clerk's CSV (RFC 4180, parsed by libcsv) read into the JSON
 * bodies intake's API takes, one per row, apart from sending them: the
 * command (dubanctl_import.c) sends each, and the fuzzer reads any bytes
 * through the same code. The first row is the header; it names columns of
 * import_csv_columns only and must have external_ref. */
#ifndef DUBAN_IMPORT_CSV_H
#define DUBAN_IMPORT_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct import_csv import_csv_t;

/* One data row that started on physical line `line`. body is the case to
 * submit (borrowed), or NULL when the row is refused before sending, with
 * refusal saying why; ref is its external_ref when it has one. */
typedef void (*import_csv_row_fn)(long line, const char *ref, json_t *body, const char *refusal,
                                  void *arg);

/* The columns the header may name, NULL-terminated. */
extern const char *const import_csv_columns[];

import_csv_t *import_csv_new(import_csv_row_fn row, void *arg);
void import_csv_destroy(import_csv_t **self_p);

/* Feeds the next len bytes (any split: a field may span feeds); 0, or -1
 * on a CSV syntax error, which ends the file (import_csv_error says what
 * and where). */
int import_csv_feed(import_csv_t *self, const char *data, size_t len);

/* Ends the file (a last row without its newline is a row); 0 or -1 as feed. */
int import_csv_finish(import_csv_t *self);

/* Why the file stopped or its header was refused, with the line, e.g.
 * "line 1: column x is not one of duban's import columns" (terminal-safe:
 * what came from the file is escaped); NULL while all is well. */
const char *import_csv_error(const import_csv_t *self);

#endif
