/* The organisation duban serves, read from the org file (deploy/config/org.conf):
 * divisions, categories with their routing (lead and co-handling divisions) and
 * triage keywords, kinds, channels, staff and the on-duty roster.
 * Read once at start; immutable afterwards. */
#ifndef DUBAN_ORG_H
#define DUBAN_ORG_H

#include <stdbool.h>

#define ORG_MAX_CO 8
#define ORG_MAX_KEYWORDS 32

typedef struct {
    char *code;
    char *name;
} org_named_t;

typedef struct {
    char *code;
    char *name;
    char *lead;                      /* division code */
    char *co[ORG_MAX_CO];            /* co-handling division codes */
    int nco;
    char *keywords[ORG_MAX_KEYWORDS];
    int nkeywords;
    bool urgent;                     /* safety at stake: urgent priority */
} org_category_t;

typedef struct {
    char *code;
    char *name;
    char *role;                      /* operator, clerk, handler, inspector, admin */
    char *division;                  /* "" when not attached to a division */
} org_staff_t;

typedef struct {
    org_named_t *divisions;
    int ndivisions;
    org_category_t *categories;
    int ncategories;
    org_named_t *kinds;
    int nkinds;
    org_named_t *channels;
    int nchannels;
    org_staff_t *staff;
    int nstaff;
    char **on_duty;                  /* staff codes accepting web and letter cases */
    int non_duty;
} org_t;

/* Reads and checks the org file (every routed division exists, codes are
 * unique). Returns NULL and logs what is wrong. */
org_t *org_new(const char *path);

void org_destroy(org_t **self_p);

const org_named_t *org_division_find(const org_t *self, const char *code);
const org_category_t *org_category_find(const org_t *self, const char *code);
const org_named_t *org_kind_find(const org_t *self, const char *code);
const org_named_t *org_channel_find(const org_t *self, const char *code);
const org_staff_t *org_staff_find(const org_t *self, const char *code);

/* First category (in file order) with a keyword contained in text; the
 * keyword found is stored in *keyword. NULL when nothing matches. */
const org_category_t *org_category_match(const org_t *self, const char *text,
                                         const char **keyword);

#endif
