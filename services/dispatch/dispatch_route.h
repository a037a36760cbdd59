/* The routing table: which division leads a case and which co-handle it.
 * Pure logic over the org file, unit-tested. */
#ifndef DUBAN_DISPATCH_ROUTE_H
#define DUBAN_DISPATCH_ROUTE_H

#include "org.h"

typedef struct {
    const char *lead;
    const char *co[ORG_MAX_CO];
    int nco;
} dispatch_route_t;

/* Routes category (a configured code); lead_hint, when set and a known
 * division, overrides the lead (the operator knows better), and is then
 * removed from the co-handling list. Returns 0, or -1 for an unknown
 * category or hint. */
int dispatch_route_find(const org_t *org, const char *category, const char *lead_hint,
                        dispatch_route_t *out);

#endif
