/* Service settings: one libconfig file, every setting overridable from the
 * environment. The setting "intake.http" is overridden by DUBAN_INTAKE_HTTP
 * (dots become underscores, letters upper-case). */
#ifndef DUBAN_SETTINGS_H
#define DUBAN_SETTINGS_H

#include <stddef.h>

typedef struct settings settings_t;

/* Reads path; NULL path means no file (environment and defaults only).
 * Returns NULL and logs file:line on a read or parse error. */
settings_t *settings_new(const char *path);

void settings_destroy(settings_t **self_p);

/* Looks a string setting up; returns def when absent. The pointer stays valid
 * until settings_destroy. */
const char *settings_string(settings_t *self, const char *key, const char *def);

/* Looks an integer setting up; returns def when absent or not a number. */
long settings_int(settings_t *self, const char *key, long def);

/* The file a setting names, else the file called name in the org file's
 * folder (deploy/config/ in a checkout): e.g. settings_file(st, "sla_file",
 * "sla.conf", ...). Writes into buf and returns it. */
const char *settings_file(settings_t *self, const char *key, const char *name, char *buf,
                          size_t len);

/* The conninfo with which `who` (a service, or "ctl" and "setup" for
 * dubanctl) connects to PostgreSQL: pg.conninfo (where the database is)
 * followed by who.pg_conninfo (as whom: user and passfile), whose keywords
 * win. Writes into buf and returns it; NULL when it does not fit. */
const char *settings_pg_conninfo(settings_t *self, const char *who, char *buf, size_t len);

/* The path the settings were read from, or "". */
const char *settings_path(const settings_t *self);

#endif
