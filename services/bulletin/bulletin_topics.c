/* Hot topics (热点问题); see bulletin_topics.h. */
#include "bulletin_topics.h"

#include "bulletin_score.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int64_t now, before;
} tally_t;

/* Adds count to name's tally (now or before) in list (n used, cap). */
static void s_add(tally_t *list, int *n, const char *name, int64_t count, bool now)
{
    int i = 0;
    while (i < *n && strcmp(list[i].name, name) != 0)
        i++;
    if (i == *n) {
        list[i] = (tally_t){name, 0, 0};
        (*n)++;
    }
    if (now)
        list[i].now += count;
    else
        list[i].before += count;
}

/* Most cases first, then the greater rise, then the name (bytes), so the
 * order is the same on every run. */
static int s_cmp(const void *a, const void *b)
{
    const tally_t *x = a, *y = b;
    if (x->now != y->now)
        return x->now > y->now ? -1 : 1;
    int64_t dx = x->now - x->before, dy = y->now - y->before;
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static json_t *s_list(tally_t *list, int n, int64_t total, int top)
{
    qsort(list, (size_t)n, sizeof(*list), s_cmp);
    json_t *out = json_array();
    for (int i = 0; i < n && i < top && list[i].now > 0; i++)
        json_array_append_new(
            out, json_pack("{s:s, s:I, s:o, s:I, s:I}", "name", list[i].name, "cases",
                           (json_int_t)list[i].now, "share",
                           bulletin_x10_json(bulletin_rate_x10(list[i].now, total)), "previous",
                           (json_int_t)list[i].before, "change",
                           (json_int_t)(list[i].now - list[i].before)));
    return out;
}

json_t *bulletin_topics_json(const bulletin_data_t *d, int from, int to, int prev_from,
                             int prev_to, int top)
{
    tally_t *cats = calloc((size_t)d->ntopics + 1, sizeof(*cats));
    tally_t *areas = calloc((size_t)d->ntopics + 1, sizeof(*areas));
    json_t *out = NULL;
    if (!cats || !areas)
        goto out_free;
    int ncats = 0, nareas = 0;
    int64_t total = 0, total_before = 0, unplaced = 0;
    for (int i = 0; i < d->ntopics; i++) {
        const bulletin_topic_t *t = &d->topics[i];
        bool now = t->month >= from && t->month < to;
        if (!now && !(t->month >= prev_from && t->month < prev_to))
            continue;
        s_add(cats, &ncats, t->category, t->count, now);
        if (t->area[0])
            s_add(areas, &nareas, t->area, t->count, now);
        else if (now)
            unplaced += t->count;
        if (now)
            total += t->count;
        else
            total_before += t->count;
    }
    out = json_pack("{s:I, s:I, s:i, s:o, s:o, s:I}", "received", (json_int_t)total,
                    "previous_received", (json_int_t)total_before, "top", top, "categories",
                    s_list(cats, ncats, total, top), "areas", s_list(areas, nareas, total, top),
                    "unplaced", (json_int_t)unplaced);
out_free:
    free(cats);
    free(areas);
    return out;
}
