/* The organisation duban serves, read from the org file (deploy/config/org.conf):
 * divisions, categories with their routing (lead and co-handling divisions) and
 * triage keywords, kinds, channels, staff and the on-duty roster.
 * Read once at start; immutable afterwards. */
#ifndef DUBAN_ORG_H
#define DUBAN_ORG_H

#include <stdbool.h>

#define ORG_MAX_CO 8
#define ORG_MAX_KEYWORDS 32
#define ORG_MAX_ATTRIBUTES 8 /* per category */
#define ORG_MAX_VALUES 16    /* per list attribute */

/* The constraint name of the database's refusal of a code it lacks
 * (deploy/schema/080, 081): the org file is newer than the database, which
 * dubanctl setup brings up to it. */
#define ORG_CODES_CONSTRAINT "org_codes"

typedef struct {
    char *code;
    char *name;
} org_named_t;

/* What a requester is asked besides the description (Open311 service
 * attributes, services/{code}.xml): its answer lands in one field of the
 * case. datatype is Open311's: string, text or singlevaluelist (values). */
typedef enum { ORG_FIELD_ENTERPRISE, ORG_FIELD_PRODUCT, ORG_FIELD_PLACE } org_field_t;

typedef struct {
    char *code;
    char *datatype;
    char *description;               /* Chinese, as the requester reads it */
    org_field_t field;               /* the case's field its answer goes to */
    bool required;
    char *values[ORG_MAX_VALUES];    /* singlevaluelist: keys and names are the same text */
    int nvalues;
} org_attribute_t;

typedef struct {
    char *code;
    char *name;
    char *lead;                      /* division code */
    char *co[ORG_MAX_CO];            /* co-handling division codes */
    int nco;
    char *keywords[ORG_MAX_KEYWORDS];
    int nkeywords;
    bool urgent;                     /* safety at stake: urgent priority */
    const org_attribute_t *attributes[ORG_MAX_ATTRIBUTES]; /* borrowed from org_t */
    int nattributes;
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
    org_attribute_t *attributes;     /* every attribute a category may name */
    int nattributes;
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
const org_attribute_t *org_attribute_find(const org_t *self, const char *code);

/* The case field an attribute fills, as a word: enterprise, product, place. */
const char *org_field_str(org_field_t field);

/* True when value is one of a singlevaluelist attribute's values (any value
 * for other datatypes). */
bool org_attribute_value_ok(const org_attribute_t *attr, const char *value);

/* First category (in file order) with a keyword contained in text; the
 * keyword found is stored in *keyword. NULL when nothing matches. */
const org_category_t *org_category_match(const org_t *self, const char *text,
                                         const char **keyword);

#endif
