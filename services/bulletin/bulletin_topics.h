/* Hot topics (热点问题), as 12345 hotline bulletins carry them: the
 * categories and the areas with the most cases in the period, each with its
 * count, its share, the previous period's count and the change. Counted over
 * the period's received lead tasks (the `received` figure: a reopen counts
 * again, a task returned in its month does not); the area is the place the
 * case names, cut to its city (else its district): a place that names
 * neither is counted as unplaced, never shown. Requesters are never named. */
#ifndef DUBAN_BULLETIN_TOPICS_H
#define DUBAN_BULLETIN_TOPICS_H

#include "bulletin_figures.h"

#include <jansson.h>

/* The `hot_topics` object of months [from, to) against [prev_from,
 * prev_to), the top `top` of each list. NULL when out of memory. */
json_t *bulletin_topics_json(const bulletin_data_t *d, int from, int to, int prev_from,
                             int prev_to, int top);

#endif
