/* dubanctl setup: applies the numbered schema migrations that are not yet
 * recorded (each in its own transaction, under an advisory lock so two
 * setups never race), then loads the org file's reference data (upserts:
 * entries removed from the file stay, as cases refer to them), and makes
 * the requester fingerprint key in the secrets folder when there is none
 * (an existing key is never replaced; see common/fingerprint.h). It connects
 * as the schema's owner (setup.pg_conninfo, duban_owner) and refuses a
 * schema with a table granted to no role and not recorded in
 * schema_ungranted, or a role that may insert into a table but not take ids
 * from its sequence (deploy/schema/README.md). */
#include "dubanctl.h"

#include "fingerprint.h"
#include "pg.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_LOCK_KEY "7243"
#define SETUP_MAX_MIGRATIONS 256
#define SETUP_ROLES_MIGRATION "012" /* deploy/schema/012_roles.sql */

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static int s_applied(PGconn *conn, const char *version)
{
    const char *params[1] = {version};
    PGresult *res = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
                                 NULL, params, NULL, NULL, 0);
    int applied = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : -1;
    PQclear(res);
    return applied;
}

static int s_migrate_one(PGconn *conn, const char *dir, const char *file, int *count)
{
    char version[16];
    size_t digits = strspn(file, "0123456789");
    if (digits == 0 || digits >= sizeof(version) || file[digits] != '_')
        return 0; /* not a migration */
    memcpy(version, file, digits);
    version[digits] = '\0';
    int applied = s_applied(conn, version);
    if (applied != 0)
        return applied < 0 ? -1 : 0;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *sql = s_read_file(path);
    if (!sql) {
        fprintf(stderr, "error: could not read migration %s\n", path);
        return -1;
    }
    const char *params[2] = {version, file};
    int rc = ctl_pg_exec(conn, "BEGIN", 0, NULL, NULL);
    if (rc == 0 && pg_exec_script(conn, sql) < 0) {
        fprintf(stderr, "error: migration %s failed\n", file);
        rc = -1;
    }
    if (rc == 0)
        rc = ctl_pg_exec(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                         params, NULL);
    rc = rc == 0 ? ctl_pg_exec(conn, "COMMIT", 0, NULL, NULL)
                 : (ctl_pg_exec(conn, "ROLLBACK", 0, NULL, NULL), -1);
    free(sql);
    if (rc == 0)
        (*count)++;
    return rc;
}

static int s_migrate(PGconn *conn, const char *dir, int *count)
{
    /* schema_ungranted exists before any migration, so that one numbered
     * below the roles migration may record its tables there too */
    if (ctl_pg_exec(conn,
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY,"
                    " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                    0, NULL, NULL) < 0 ||
        ctl_pg_exec(conn,
                    "CREATE TABLE IF NOT EXISTS schema_ungranted (name text PRIMARY KEY,"
                    " reason text NOT NULL)",
                    0, NULL, NULL) < 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "error: could not open schema folder %s\n", dir);
        return -1;
    }
    char *files[SETUP_MAX_MIGRATIONS];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < SETUP_MAX_MIGRATIONS) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0)
            files[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(files, (size_t)n, sizeof(char *), s_cmp);
    int rc = 0;
    /* A migration is recorded by its number alone, so of two files with one
     * number the second would never run: refuse the folder instead. */
    for (int i = 1; i < n; i++) {
        size_t digits = strspn(files[i], "0123456789");
        if (digits > 0 && files[i][digits] == '_' && strncmp(files[i - 1], files[i], digits) == 0 &&
            files[i - 1][digits] == '_') {
            fprintf(stderr, "error: two migrations numbered %.*s: %s and %s; give one of them a free number\n",
                    (int)digits, files[i], files[i - 1], files[i]);
            rc = -1;
        }
    }
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = s_migrate_one(conn, dir, files[i], count);
        free(files[i]);
    }
    return rc;
}

/* Tables of schema public (setup's own aside) that grant nothing to any
 * role but their owner, on the table or a column, and are not recorded in
 * schema_ungranted. */
static const char *s_ungranted_sql =
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    " AND c.relname NOT IN ('schema_migrations', 'schema_ungranted')"
    " AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner)"
    " AND NOT EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid"
    "  AND t.attacl IS NOT NULL)"
    " AND c.relname NOT IN (SELECT name FROM schema_ungranted) ORDER BY 1";

/* Roles that may insert into a table whose column takes its default from a
 * sequence they may not use (the insert would fail at run time). */
static const char *s_sequence_sql =
    "SELECT DISTINCT pg_get_userbyid(a.grantee), t.relname, s.relname FROM pg_class t"
    " JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'"
    " CROSS JOIN LATERAL aclexplode(t.relacl) a"
    " JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid"
    "  AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
    " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
    " WHERE a.privilege_type = 'INSERT' AND a.grantee NOT IN (0, t.relowner)"
    " AND NOT has_sequence_privilege(a.grantee, s.oid, 'USAGE') ORDER BY 1, 2";

/* Checks the grants once the roles exist in the schema (from migration
 * SETUP_ROLES_MIGRATION on; a schema folder without it grants nothing). */
static int s_check_grants(PGconn *conn)
{
    int roles = s_applied(conn, SETUP_ROLES_MIGRATION);
    if (roles <= 0)
        return roles;
    PGresult *ungranted = NULL, *sequences = NULL;
    if (ctl_pg_exec(conn, s_ungranted_sql, 0, NULL, &ungranted) < 0 ||
        ctl_pg_exec(conn, s_sequence_sql, 0, NULL, &sequences) < 0) {
        PQclear(ungranted);
        return -1;
    }
    for (int i = 0; i < PQntuples(ungranted); i++)
        fprintf(stderr,
                "error: table %s is granted to no role: grant it, in the migration that creates "
                "it, to the roles whose statements use it, or record it in schema_ungranted "
                "(see deploy/schema/README.md)\n",
                PQgetvalue(ungranted, i, 0));
    for (int i = 0; i < PQntuples(sequences); i++)
        fprintf(stderr,
                "error: role %s may insert into %s but not take ids from %s: grant it USAGE "
                "on that sequence\n",
                PQgetvalue(sequences, i, 0), PQgetvalue(sequences, i, 1),
                PQgetvalue(sequences, i, 2));
    int rc = PQntuples(ungranted) + PQntuples(sequences) == 0 ? 0 : -1;
    PQclear(ungranted);
    PQclear(sequences);
    return rc;
}

static int s_load_named(PGconn *conn, const char *table, const org_named_t *list, int n)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s (code, name) VALUES ($1, $2)"
             " ON CONFLICT (code) DO UPDATE SET name = excluded.name",
             table);
    for (int i = 0; i < n; i++) {
        const char *params[2] = {list[i].code, list[i].name};
        if (ctl_pg_exec(conn, sql, 2, params, NULL) < 0)
            return -1;
    }
    return 0;
}

static int s_load_org(PGconn *conn, const org_t *org)
{
    if (ctl_pg_exec(conn, "BEGIN", 0, NULL, NULL) < 0)
        return -1;
    int rc = s_load_named(conn, "divisions", org->divisions, org->ndivisions) |
             s_load_named(conn, "kinds", org->kinds, org->nkinds) |
             s_load_named(conn, "channels", org->channels, org->nchannels);
    for (int i = 0; rc == 0 && i < org->ncategories; i++) {
        const org_category_t *c = &org->categories[i];
        char co[512] = "{";
        for (int j = 0; j < c->nco; j++)
            snprintf(co + strlen(co), sizeof(co) - strlen(co), "%s\"%s\"", j ? "," : "", c->co[j]);
        strncat(co, "}", sizeof(co) - strlen(co) - 1);
        const char *params[5] = {c->code, c->name, c->lead, co, c->urgent ? "true" : "false"};
        /* Frozen months and days name their hot topics by the category's
         * name (bulletin_months.h): a renamed category thaws them, so that
         * every period is read again under the new name. */
        rc = ctl_pg_exec(
            conn,
            "WITH old AS (SELECT name FROM categories WHERE code = $1),"
            " u AS (INSERT INTO categories (code, name, lead_division, co_divisions, urgent)"
            "  VALUES ($1, $2, $3, $4::text[], $5::boolean) ON CONFLICT (code) DO UPDATE"
            "  SET name = excluded.name, lead_division = excluded.lead_division,"
            "  co_divisions = excluded.co_divisions, urgent = excluded.urgent RETURNING 1)"
            " SELECT (SELECT count(*) FROM u), CASE WHEN (SELECT name FROM old) <> $2"
            "  THEN bulletin_months_thaw('-infinity') END",
            5, params, NULL);
    }
    for (int i = 0; rc == 0 && i < org->nstaff; i++) {
        const org_staff_t *s = &org->staff[i];
        const char *params[4] = {s->code, s->name, s->role, s->division[0] ? s->division : NULL};
        rc = ctl_pg_exec(conn,
                         "INSERT INTO staff (code, name, role, division) VALUES ($1, $2, $3, $4)"
                         " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                         " role = excluded.role, division = excluded.division",
                         4, params, NULL);
    }
    return rc == 0 ? ctl_pg_exec(conn, "COMMIT", 0, NULL, NULL)
                   : (ctl_pg_exec(conn, "ROLLBACK", 0, NULL, NULL), -1);
}

/* For a local demo or a test: a saved token for every staff member of the
 * org file that has none saved yet. */
static int s_demo_tokens(ctl_t *ctl, PGconn *conn, const org_t *org)
{
    char dir[1024], path[1200];
    ctl_token_dir(ctl, dir, sizeof(dir));
    for (int i = 0; i < org->nstaff; i++) {
        snprintf(path, sizeof(path), "%s/%s.token", dir, org->staff[i].code);
        FILE *f = fopen(path, "r");
        if (f) {
            fclose(f);
            continue;
        }
        if (ctl_staff_issue(ctl, conn, org->staff[i].code, true, true) < 0)
            return -1;
    }
    return 0;
}

/* For a local demo or a test: the console password demo-<code> for every
 * staff member of the org file that has no password yet (printed, so that
 * tools/up can show how to sign in). */
static int s_demo_passwords(ctl_t *ctl, PGconn *conn, const org_t *org)
{
    for (int i = 0; i < org->nstaff; i++) {
        const char *params[1] = {org->staff[i].code};
        PGresult *res = NULL;
        if (ctl_pg_exec(conn, "SELECT 1 FROM staff WHERE code = $1 AND password_hash IS NULL", 1,
                        params, &res) < 0)
            return -1;
        bool unset = PQntuples(res) == 1;
        PQclear(res);
        if (!unset)
            continue;
        char password[96];
        snprintf(password, sizeof(password), "demo-%s", org->staff[i].code);
        if (ctl_staff_set_password(conn, org->staff[i].code, password) < 0)
            return -1;
        if (!ctl->json)
            printf("demo password of %s (%s): %s\n", org->staff[i].code, org->staff[i].role,
                   password);
    }
    return 0;
}

int ctl_setup(ctl_t *ctl, int argc, char **argv)
{
    bool demo_tokens = false, demo_passwords = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--demo-tokens") == 0)
            demo_tokens = true;
        if (strcmp(argv[i], "--demo-passwords") == 0)
            demo_passwords = true;
    }
    const char *schema_dir = settings_string(ctl->settings, "schema_dir", "deploy/schema");
    const char *org_path = settings_string(ctl->settings, "org_file", "deploy/config/org.conf");
    org_t *org = org_new(org_path);
    if (!org) {
        fprintf(stderr, "error: the org file %s is not valid (see above)\n", org_path);
        return CTL_FAILED;
    }
    int rc = CTL_FAILED;
    int count = 0;
    PGconn *conn = ctl_pg_connect_as(ctl, "setup");
    if (!conn)
        goto out_finish;
    ctl_pg_exec(conn, "SET client_min_messages = warning", 0, NULL, NULL);
    if (ctl_pg_exec(conn, "SELECT pg_advisory_lock(" SETUP_LOCK_KEY ")", 0, NULL, NULL) < 0 ||
        s_migrate(conn, schema_dir, &count) < 0 || s_check_grants(conn) < 0 ||
        s_load_org(conn, org) < 0)
        goto out_finish;
    if (demo_tokens && s_demo_tokens(ctl, conn, org) < 0)
        goto out_finish;
    if (demo_passwords && s_demo_passwords(ctl, conn, org) < 0)
        goto out_finish;
    char secrets[512];
    int key_made = fingerprint_key_create(fingerprint_secrets_dir(ctl->settings, secrets,
                                                                  sizeof(secrets)));
    if (key_made < 0)
        goto out_finish;
    rc = CTL_OK;
    if (ctl->json)
        printf(
            "{\"migrations_applied\": %d, \"divisions\": %d, \"categories\": %d, \"staff\": %d,"
            " \"fingerprint_key_created\": %s}\n",
            count, org->ndivisions, org->ncategories, org->nstaff, key_made ? "true" : "false");
    else
        printf(
            "setup done: %d migration(s) applied; %d divisions, %d categories, %d staff loaded%s%s\n",
            count, org->ndivisions, org->ncategories, org->nstaff,
            key_made ? "; requester fingerprint key made in " : "", key_made ? secrets : "");
out_finish:
    PQfinish(conn);
    org_destroy(&org);
    return rc;
}
