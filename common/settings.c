/* libconfig wrapper with environment overrides. Values taken from the
 * environment are copied, so every returned pointer lives as long as the
 * settings object. */
#include "settings.h"

#include "log.h"

#include <ctype.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_MAX_COPIES 64

struct settings {
    config_t cfg;
    int has_file;
    char path[512];
    char *copies[SETTINGS_MAX_COPIES];
    int ncopies;
};

settings_t *settings_new(const char *path)
{
    settings_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    config_init(&self->cfg);
    if (path) {
        snprintf(self->path, sizeof(self->path), "%s", path);
        if (config_read_file(&self->cfg, path) != CONFIG_TRUE) {
            log_error("could not read settings file", "file=%s line=%d err=%s",
                      config_error_file(&self->cfg) ? config_error_file(&self->cfg) : path,
                      config_error_line(&self->cfg), config_error_text(&self->cfg));
            config_destroy(&self->cfg);
            free(self);
            return NULL;
        }
        self->has_file = 1;
    }
    return self;
}

void settings_destroy(settings_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    settings_t *self = *self_p;
    config_destroy(&self->cfg);
    for (int i = 0; i < self->ncopies; i++)
        free(self->copies[i]);
    free(self);
    *self_p = NULL;
}

static const char *s_env_override(const char *key)
{
    char name[128] = "DUBAN_";
    size_t n = strlen(name);
    for (const char *p = key; *p && n < sizeof(name) - 1; p++)
        name[n++] = (*p == '.' || *p == '-') ? '_' : (char)toupper((unsigned char)*p);
    name[n] = '\0';
    return getenv(name);
}

static const char *s_keep(settings_t *self, const char *value)
{
    for (int i = 0; i < self->ncopies; i++)
        if (strcmp(self->copies[i], value) == 0)
            return self->copies[i];
    if (self->ncopies == SETTINGS_MAX_COPIES)
        return value; /* environment strings live for the whole process anyway */
    self->copies[self->ncopies] = strdup(value);
    return self->copies[self->ncopies] ? self->copies[self->ncopies++] : value;
}

const char *settings_string(settings_t *self, const char *key, const char *def)
{
    const char *env = s_env_override(key);
    if (env)
        return s_keep(self, env);
    const char *value = NULL;
    if (config_lookup_string(&self->cfg, key, &value) == CONFIG_TRUE)
        return value;
    return def;
}

long settings_int(settings_t *self, const char *key, long def)
{
    const char *env = s_env_override(key);
    if (env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        return (end && *end == '\0' && end != env) ? v : def;
    }
    int value = 0;
    if (config_lookup_int(&self->cfg, key, &value) == CONFIG_TRUE)
        return value;
    return def;
}

const char *settings_pg_conninfo(settings_t *self, const char *who, char *buf, size_t len)
{
    char key[96];
    snprintf(key, sizeof(key), "%s.pg_conninfo", who);
    const char *as = settings_string(self, key, "");
    int n = snprintf(buf, len, "%s%s%s", settings_string(self, "pg.conninfo", "dbname=duban"),
                     as[0] ? " " : "", as);
    return n >= 0 && (size_t)n < len ? buf : NULL;
}

const char *settings_path(const settings_t *self)
{
    return self->path;
}

const char *settings_file(settings_t *self, const char *key, const char *name, char *buf,
                          size_t len)
{
    const char *set = settings_string(self, key, NULL);
    if (set) {
        snprintf(buf, len, "%s", set);
        return buf;
    }
    const char *org = settings_string(self, "org_file", "deploy/config/org.conf");
    const char *slash = strrchr(org, '/');
    if (slash)
        snprintf(buf, len, "%.*s/%s", (int)(slash - org), org, name);
    else
        snprintf(buf, len, "%s", name);
    return buf;
}
