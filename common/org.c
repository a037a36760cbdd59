/* Reads the org file with libconfig into plain arrays. */
#include "org.h"

#include "log.h"

#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

static char *s_dup_member(config_setting_t *item, const char *name, const char *def)
{
    const char *value = NULL;
    if (config_setting_lookup_string(item, name, &value) != CONFIG_TRUE)
        value = def;
    return value ? strdup(value) : NULL;
}

static int s_read_named(config_t *cfg, const char *list, org_named_t **out, int *count)
{
    config_setting_t *setting = config_lookup(cfg, list);
    if (!setting || !config_setting_is_list(setting)) {
        log_error("org file: a list must be a list of { code = ...; name = ...; }", "list=%s",
                  list);
        return -1;
    }
    int n = config_setting_length(setting);
    *out = calloc((size_t)n + 1, sizeof(**out));
    if (!*out)
        return -1;
    *count = n;
    for (int i = 0; i < n; i++) {
        config_setting_t *item = config_setting_get_elem(setting, (unsigned)i);
        (*out)[i].code = s_dup_member(item, "code", NULL);
        (*out)[i].name = s_dup_member(item, "name", "");
        if (!(*out)[i].code) {
            log_error("org file: an entry has no code", "list=%s entry=%d", list, i + 1);
            return -1;
        }
    }
    return 0;
}

static int s_read_strings(config_setting_t *item, const char *name, char **out, int max,
                          int *count)
{
    *count = 0;
    config_setting_t *array = config_setting_get_member(item, name);
    if (!array)
        return 0;
    int n = config_setting_length(array);
    if (n > max) {
        log_error("org file: too many entries", "max=%d list=%s", max, name);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *s = config_setting_get_string_elem(array, i);
        if (!s) {
            log_error("org file: a list must hold strings", "list=%s", name);
            return -1;
        }
        out[(*count)++] = strdup(s);
    }
    return 0;
}

static const char *const s_fields[] = {"enterprise", "product", "place"};

const char *org_field_str(org_field_t field)
{
    return s_fields[field];
}

/* The optional list of attributes (see org.h): code, datatype, description,
 * field, required, values. */
static int s_read_attributes(config_t *cfg, org_t *self)
{
    config_setting_t *setting = config_lookup(cfg, "attributes");
    if (!setting)
        return 0;
    if (!config_setting_is_list(setting)) {
        log_error("org file: attributes must be a list of { code = ...; field = ...; }");
        return -1;
    }
    int n = config_setting_length(setting);
    self->attributes = calloc((size_t)n + 1, sizeof(*self->attributes));
    if (!self->attributes)
        return -1;
    self->nattributes = n;
    for (int i = 0; i < n; i++) {
        config_setting_t *item = config_setting_get_elem(setting, (unsigned)i);
        org_attribute_t *a = &self->attributes[i];
        a->code = s_dup_member(item, "code", NULL);
        a->datatype = s_dup_member(item, "datatype", "string");
        a->description = s_dup_member(item, "description", "");
        char *field = s_dup_member(item, "field", NULL);
        int required = 0;
        config_setting_lookup_bool(item, "required", &required);
        a->required = required != 0;
        int f = -1;
        for (int j = 0; field && j < (int)(sizeof(s_fields) / sizeof(s_fields[0])); j++)
            if (strcmp(field, s_fields[j]) == 0)
                f = j;
        free(field);
        if (!a->code || f < 0) {
            log_error(
                "org file: an attribute needs a code and a field (enterprise, product or place)",
                "attribute=%d", i + 1);
            return -1;
        }
        a->field = (org_field_t)f;
        if (strcmp(a->code, "kind") == 0) {
            log_error("org file: attribute code kind is taken (attribute[kind] is the kind)");
            return -1;
        }
        if (strcmp(a->datatype, "string") != 0 && strcmp(a->datatype, "text") != 0 &&
            strcmp(a->datatype, "singlevaluelist") != 0) {
            log_error("org file: attribute datatype is string, text or singlevaluelist",
                      "attribute=%s", a->code);
            return -1;
        }
        if (s_read_strings(item, "values", a->values, ORG_MAX_VALUES, &a->nvalues) < 0)
            return -1;
        if ((strcmp(a->datatype, "singlevaluelist") == 0) != (a->nvalues > 0)) {
            log_error("org file: a singlevaluelist attribute has values, other types none",
                      "attribute=%s", a->code);
            return -1;
        }
    }
    return 0;
}

/* A category's attributes = ["code", ...], resolved against the list. */
static int s_read_category_attributes(config_setting_t *item, org_t *self, org_category_t *c)
{
    char *codes[ORG_MAX_ATTRIBUTES];
    int n = 0;
    if (s_read_strings(item, "attributes", codes, ORG_MAX_ATTRIBUTES, &n) < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const org_attribute_t *a = org_attribute_find(self, codes[i]);
        if (!a && rc == 0) {
            log_error("org file: category names an attribute that is not listed",
                      "category=%s attribute=%s", c->code, codes[i]);
            rc = -1;
        }
        if (a)
            c->attributes[c->nattributes++] = a;
        free(codes[i]);
    }
    return rc;
}

static int s_read_categories(config_t *cfg, org_t *self)
{
    config_setting_t *setting = config_lookup(cfg, "categories");
    if (!setting || !config_setting_is_list(setting)) {
        log_error("org file: categories must be a list");
        return -1;
    }
    int n = config_setting_length(setting);
    self->categories = calloc((size_t)n + 1, sizeof(*self->categories));
    if (!self->categories)
        return -1;
    self->ncategories = n;
    for (int i = 0; i < n; i++) {
        config_setting_t *item = config_setting_get_elem(setting, (unsigned)i);
        org_category_t *c = &self->categories[i];
        c->code = s_dup_member(item, "code", NULL);
        c->name = s_dup_member(item, "name", "");
        c->lead = s_dup_member(item, "lead", NULL);
        int urgent = 0;
        config_setting_lookup_bool(item, "urgent", &urgent);
        c->urgent = urgent != 0;
        if (!c->code || !c->lead) {
            log_error("org file: a category needs code and lead", "category=%d", i + 1);
            return -1;
        }
        if (s_read_strings(item, "co", c->co, ORG_MAX_CO, &c->nco) < 0 ||
            s_read_strings(item, "keywords", c->keywords, ORG_MAX_KEYWORDS, &c->nkeywords) < 0 ||
            s_read_category_attributes(item, self, c) < 0)
            return -1;
    }
    return 0;
}

static int s_read_staff(config_t *cfg, org_t *self)
{
    config_setting_t *setting = config_lookup(cfg, "staff");
    if (!setting || !config_setting_is_list(setting)) {
        log_error("org file: staff must be a list");
        return -1;
    }
    int n = config_setting_length(setting);
    self->staff = calloc((size_t)n + 1, sizeof(*self->staff));
    if (!self->staff)
        return -1;
    self->nstaff = n;
    for (int i = 0; i < n; i++) {
        config_setting_t *item = config_setting_get_elem(setting, (unsigned)i);
        org_staff_t *s = &self->staff[i];
        s->code = s_dup_member(item, "code", NULL);
        s->name = s_dup_member(item, "name", "");
        s->role = s_dup_member(item, "role", NULL);
        s->division = s_dup_member(item, "division", "");
        if (!s->code || !s->role) {
            log_error("org file: a staff entry needs code and role", "entry=%d", i + 1);
            return -1;
        }
    }
    config_setting_t *roster = config_lookup(cfg, "roster");
    if (roster) {
        int max = config_setting_length(config_setting_get_member(roster, "on_duty"));
        self->on_duty = calloc((size_t)max + 1, sizeof(char *));
        if (!self->on_duty || s_read_strings(roster, "on_duty", self->on_duty, max,
                                             &self->non_duty) < 0)
            return -1;
    }
    return 0;
}

static int s_check(const org_t *self)
{
    for (int i = 0; i < self->ncategories; i++) {
        const org_category_t *c = &self->categories[i];
        if (!org_division_find(self, c->lead)) {
            log_error("org file: category routes to a division that is not listed",
                      "category=%s division=%s", c->code, c->lead);
            return -1;
        }
        for (int j = 0; j < c->nco; j++)
            if (!org_division_find(self, c->co[j])) {
                log_error("org file: category names a co-handling division that is not listed",
                          "category=%s division=%s", c->code, c->co[j]);
                return -1;
            }
    }
    for (int i = 0; i < self->nstaff; i++) {
        const char *div = self->staff[i].division;
        if (div[0] && !org_division_find(self, div)) {
            log_error("org file: staff belongs to a division that is not listed",
                      "staff=%s division=%s", self->staff[i].code, div);
            return -1;
        }
    }
    for (int i = 0; i < self->non_duty; i++)
        if (!org_staff_find(self, self->on_duty[i])) {
            log_error("org file: roster names staff who is not listed", "staff=%s",
                      self->on_duty[i]);
            return -1;
        }
    return 0;
}

org_t *org_new(const char *path)
{
    config_t cfg;
    config_init(&cfg);
    org_t *self = calloc(1, sizeof(*self));
    if (!self)
        goto out_config;
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        log_error("could not read org file", "file=%s line=%d err=%s", path,
                  config_error_line(&cfg), config_error_text(&cfg));
        goto out_free_self;
    }
    if (s_read_named(&cfg, "divisions", &self->divisions, &self->ndivisions) < 0 ||
        s_read_named(&cfg, "kinds", &self->kinds, &self->nkinds) < 0 ||
        s_read_named(&cfg, "channels", &self->channels, &self->nchannels) < 0 ||
        s_read_attributes(&cfg, self) < 0 || s_read_categories(&cfg, self) < 0 || s_read_staff(&cfg, self) < 0 || s_check(self) < 0)
        goto out_free_self;
    config_destroy(&cfg);
    return self;

out_free_self:
    org_destroy(&self);
out_config:
    config_destroy(&cfg);
    return NULL;
}

static void s_free_named(org_named_t *list, int n)
{
    for (int i = 0; list && i < n; i++) {
        free(list[i].code);
        free(list[i].name);
    }
    free(list);
}

void org_destroy(org_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    org_t *self = *self_p;
    s_free_named(self->divisions, self->ndivisions);
    s_free_named(self->kinds, self->nkinds);
    s_free_named(self->channels, self->nchannels);
    for (int i = 0; self->categories && i < self->ncategories; i++) {
        org_category_t *c = &self->categories[i];
        free(c->code);
        free(c->name);
        free(c->lead);
        for (int j = 0; j < c->nco; j++)
            free(c->co[j]);
        for (int j = 0; j < c->nkeywords; j++)
            free(c->keywords[j]);
    }
    free(self->categories);
    for (int i = 0; self->attributes && i < self->nattributes; i++) {
        org_attribute_t *a = &self->attributes[i];
        free(a->code);
        free(a->datatype);
        free(a->description);
        for (int j = 0; j < a->nvalues; j++)
            free(a->values[j]);
    }
    free(self->attributes);
    for (int i = 0; self->staff && i < self->nstaff; i++) {
        free(self->staff[i].code);
        free(self->staff[i].name);
        free(self->staff[i].role);
        free(self->staff[i].division);
    }
    free(self->staff);
    for (int i = 0; i < self->non_duty; i++)
        free(self->on_duty[i]);
    free(self->on_duty);
    free(self);
    *self_p = NULL;
}

static const org_named_t *s_find_named(const org_named_t *list, int n, const char *code)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return &list[i];
    return NULL;
}

const org_named_t *org_division_find(const org_t *self, const char *code)
{
    return s_find_named(self->divisions, self->ndivisions, code);
}

const org_named_t *org_kind_find(const org_t *self, const char *code)
{
    return s_find_named(self->kinds, self->nkinds, code);
}

const org_named_t *org_channel_find(const org_t *self, const char *code)
{
    return s_find_named(self->channels, self->nchannels, code);
}

const org_category_t *org_category_find(const org_t *self, const char *code)
{
    for (int i = 0; i < self->ncategories; i++)
        if (strcmp(self->categories[i].code, code) == 0)
            return &self->categories[i];
    return NULL;
}

const org_staff_t *org_staff_find(const org_t *self, const char *code)
{
    for (int i = 0; i < self->nstaff; i++)
        if (strcmp(self->staff[i].code, code) == 0)
            return &self->staff[i];
    return NULL;
}

const org_attribute_t *org_attribute_find(const org_t *self, const char *code)
{
    for (int i = 0; i < self->nattributes; i++)
        if (strcmp(self->attributes[i].code, code) == 0)
            return &self->attributes[i];
    return NULL;
}

bool org_attribute_value_ok(const org_attribute_t *attr, const char *value)
{
    if (attr->nvalues == 0)
        return true;
    for (int i = 0; i < attr->nvalues; i++)
        if (strcmp(attr->values[i], value) == 0)
            return true;
    return false;
}

const org_category_t *org_category_match(const org_t *self, const char *text,
                                         const char **keyword)
{
    for (int i = 0; i < self->ncategories; i++) {
        const org_category_t *c = &self->categories[i];
        for (int j = 0; j < c->nkeywords; j++)
            if (strstr(text, c->keywords[j])) {
                if (keyword)
                    *keyword = c->keywords[j];
                return c;
            }
    }
    return NULL;
}
