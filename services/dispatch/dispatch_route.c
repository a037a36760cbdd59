#include "dispatch_route.h"

#include <string.h>

int dispatch_route_find(const org_t *org, const char *category, const char *lead_hint,
                        dispatch_route_t *out)
{
    memset(out, 0, sizeof(*out));
    const org_category_t *c = category ? org_category_find(org, category) : NULL;
    if (!c)
        return -1;
    out->lead = c->lead;
    if (lead_hint && lead_hint[0]) {
        const org_named_t *d = org_division_find(org, lead_hint);
        if (!d)
            return -1;
        out->lead = d->code;
    }
    for (int i = 0; i < c->nco; i++)
        if (strcmp(c->co[i], out->lead) != 0)
            out->co[out->nco++] = c->co[i];
    return 0;
}
