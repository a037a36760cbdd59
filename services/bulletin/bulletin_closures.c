/* The closures of a month-check; see bulletin_closures.h. */
#include "bulletin_closures.h"

#include <stdlib.h>
#include <string.h>

static int s_add(bulletin_data_t *d, const char *number, const char *division, bool workitem, int m)
{
    if (d->nclosures == d->closures_cap) {
        int cap = d->closures_cap ? 2 * d->closures_cap : 64;
        bulletin_closure_t *grown = realloc(d->closures, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -1;
        d->closures = grown;
        d->closures_cap = cap;
    }
    bulletin_closure_t *c = &d->closures[d->nclosures];
    c->case_number = strdup(number);
    c->division = strdup(division);
    c->workitem = workitem;
    c->month = m;
    d->nclosures++; /* freed with the others, also when a strdup failed */
    return c->case_number && c->division ? 0 : -1;
}

int bulletin_closures_add_rows(bulletin_data_t *d, PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++)
        if (s_add(d, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                  strcmp(PQgetvalue(res, i, 2), "t") == 0, atoi(PQgetvalue(res, i, 3))) < 0)
            return -1;
    return 0;
}

int bulletin_closures_add_stored(bulletin_data_t *d, int m, const json_t *list)
{
    if (!json_is_array(list))
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *number, *division;
        int workitem;
        if (json_unpack(item, "[s, s, b]", &number, &division, &workitem) < 0 ||
            s_add(d, number, division, workitem != 0, m) < 0)
            return -1;
    }
    return 0;
}

json_t *bulletin_closures_json(const bulletin_data_t *d, int m)
{
    json_t *list = json_array();
    for (int i = 0; list && i < d->nclosures; i++) {
        const bulletin_closure_t *c = &d->closures[i];
        if (c->month == m && json_array_append_new(list, json_pack("[s, s, b]", c->case_number,
                                                                   c->division, c->workitem)) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* By case number, the latest (the one added last) first. */
static int s_by_number_latest(const void *a, const void *b)
{
    const bulletin_closure_t *x = *(const bulletin_closure_t *const *)a;
    const bulletin_closure_t *y = *(const bulletin_closure_t *const *)b;
    int c = strcmp(x->case_number, y->case_number);
    if (c)
        return c;
    return x < y ? 1 : x > y ? -1 : 0;
}

int bulletin_closures_settle(bulletin_data_t *d)
{
    const bulletin_closure_t **order = calloc((size_t)d->nclosures + 1, sizeof(*order));
    d->closed = calloc((size_t)d->nclosures + 1, sizeof(*d->closed));
    if (!order || !d->closed) {
        free(order);
        return -1;
    }
    for (int i = 0; i < d->nclosures; i++)
        order[i] = &d->closures[i];
    if (d->nclosures > 0)
        qsort(order, (size_t)d->nclosures, sizeof(*order), s_by_number_latest);
    for (int i = 0; i < d->nclosures; i++) {
        const bulletin_closure_t *c = order[i];
        if (i > 0 && strcmp(order[i - 1]->case_number, c->case_number) == 0)
            continue; /* an earlier closure of the same case */
        if (!c->division[0])
            continue; /* no division replied (e.g. referred to an outside agency) */
        bulletin_sample_item_t *item = &d->closed[d->nclosed++];
        item->case_number = c->case_number;
        item->division = bulletin_data_division(d, c->division);
        item->workitem = c->workitem;
    }
    free(order);
    return 0;
}

void bulletin_closures_free(bulletin_data_t *d)
{
    for (int i = 0; i < d->nclosures; i++) {
        free(d->closures[i].case_number);
        free(d->closures[i].division);
    }
    free(d->closures);
    free(d->closed);
    d->closures = NULL;
    d->closed = NULL;
    d->nclosures = d->nclosed = d->closures_cap = 0;
}
