/* What bulletin_render_json.c (the record's assembly and its other sections)
 * shares with bulletin_render_json_divisions.c (the division tables). Not for
 * use outside the record's building. */
#ifndef DUBAN_BULLETIN_RENDER_JSON_INTERNAL_H
#define DUBAN_BULLETIN_RENDER_JSON_INTERNAL_H

#include "bulletin_render_json.h"

#include <jansson.h>

typedef struct {
    const bulletin_ctx_t *ctx;
    const bulletin_data_t *d;
    int from, to;           /* the period's months */
    int prev_from, prev_to; /* the previous period's months */
    int *order;             /* division indices in the org file's order, then the rest by code */
    int *position;          /* the inverse: a division index's place in order */
} build_t;

/* The figures of one row of a table (the totals and the previous period's
 * are rows too). */
json_t *bulletin_render_json_figures(const build_t *b, const bulletin_counts_t *c);

/* Sets the divisions, ranking and not_ranked tables of root. Returns 0, or
 * -1 when out of memory. */
int bulletin_render_json_divisions(const build_t *b, json_t *root);

/* The co_handling section. */
json_t *bulletin_render_json_co(const build_t *b);

#endif
