/* The closures a month-check draws its look-back sample from
 * (bulletin_sample.h): those read from the rows (BQ_CLOSED) and those stored
 * with the month's days (BQ_DAYS, 079). A case closed more than once counts
 * by its latest closure, as the statement alone would count it: the stored
 * days come first, in order, the rows after them. */
#ifndef DUBAN_BULLETIN_CLOSURES_H
#define DUBAN_BULLETIN_CLOSURES_H

#include "bulletin_figures.h"

#include <jansson.h>
#include <libpq-fe.h>

/* Adds the rows of BQ_CLOSED. Returns 0, or -1 when out of memory. */
int bulletin_closures_add_rows(bulletin_data_t *d, PGresult *res);

/* Adds a day's stored closures ([[case_number, division, workitem], ...])
 * as of month (bucket) m. Returns 0, or -1 when they are not of this form
 * or memory ran out. */
int bulletin_closures_add_stored(bulletin_data_t *d, int m, const json_t *list);

/* The stored form of the closures of bucket m (a day read's day); NULL when
 * out of memory. */
json_t *bulletin_closures_json(const bulletin_data_t *d, int m);

/* Fills d->closed: each case once, by its latest closure, those closed by
 * no division's reply left out. Returns 0, or -1 when out of memory. */
int bulletin_closures_settle(bulletin_data_t *d);

/* Frees the closures and d->closed. */
void bulletin_closures_free(bulletin_data_t *d);

#endif
