/* dubanctl roles: the PostgreSQL roles duban connects as, made or brought
 * back in line by a superuser (deploy/schema/README.md).
 *
 * duban_owner owns the database and runs the migrations (dubanctl setup);
 * duban_intake, duban_triage, duban_dispatch, duban_watch, duban_bulletin
 * and duban_web are the services', duban_admin dubanctl's. Each logs in
 * with a password kept in a libpq passfile (mode 0600) named by its setting
 * WHO.pg_conninfo (passfile=...), else SECRETS_DIR/ROLE.pgpass; a missing
 * one is made with a new random password. Only the SCRAM verifier of a password, computed here,
 * goes to the server, so the password itself is in no statement and no log.
 * Every run sets each role's attributes: login, no superuser, no role or
 * replication rights, member of no other role (so none of them may run
 * programs or read files on the server); the owner alone may create
 * databases (the benchmarks make scratch ones). Running it again is safe.
 *
 * With --database it also creates the database of pg.conninfo, owned by
 * duban_owner, or hands an existing one, and every table, sequence, view and
 * function in its schema public, over to duban_owner (a deployment made
 * before the roles existed). */
#include "dubanctl.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROLES_PASSWORD_BYTES 24

typedef struct {
    const char *who;  /* whose WHO.pg_conninfo names the role and its passfile */
    const char *role; /* the grants in deploy/schema/ are made to this name */
    bool owner;
} role_spec_t;

static const role_spec_t s_roles[] = {
    {"setup", "duban_owner", true},    {"intake", "duban_intake", false},
    {"triage", "duban_triage", false}, {"dispatch", "duban_dispatch", false},
    {"watch", "duban_watch", false},   {"bulletin", "duban_bulletin", false},
    {"web", "duban_web", false},       {"ctl", "duban_admin", false},
};

/* The value of keyword in a conninfo string (copied into buf), or NULL. */
static const char *s_conninfo_value(const char *conninfo, const char *keyword, char *buf,
                                    size_t len)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    const char *found = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, keyword) == 0 && o->val && o->val[0]) {
            snprintf(buf, len, "%s", o->val);
            found = buf;
        }
    PQconninfoFree(opts);
    return found;
}

/* The secrets folder: setting secrets_dir, else secrets/ next to the
 * settings file. */
static const char *s_secrets_dir(ctl_t *ctl, char *buf, size_t len)
{
    const char *set = settings_string(ctl->settings, "secrets_dir", NULL);
    const char *conf = ctl->config ? ctl->config : "";
    const char *slash = strrchr(conf, '/');
    if (set)
        snprintf(buf, len, "%s", set);
    else if (slash)
        snprintf(buf, len, "%.*s/secrets", (int)(slash - conf), conf);
    else
        snprintf(buf, len, "secrets");
    return buf;
}

/* Checks that WHO.pg_conninfo, if it names a user, names the role the grants
 * are for, and finds the role's passfile. Returns 0 / -1. */
static int s_passfile(ctl_t *ctl, const role_spec_t *spec, char *path, size_t len)
{
    char key[64], user[128], dir[PATH_MAX];
    snprintf(key, sizeof(key), "%s.pg_conninfo", spec->who);
    const char *conninfo = settings_string(ctl->settings, key, "");
    if (s_conninfo_value(conninfo, "user", user, sizeof(user)) && strcmp(user, spec->role) != 0) {
        fprintf(stderr,
                "error: %s names user %s, but duban's grants are made to %s: connect as %s\n", key,
                user, spec->role, spec->role);
        return -1;
    }
    if (!s_conninfo_value(conninfo, "passfile", path, len)) {
        s_secrets_dir(ctl, dir, sizeof(dir));
        int n = snprintf(path, len, "%s/%s.pgpass", dir, spec->role);
        if (n < 0 || (size_t)n >= len) {
            fprintf(stderr, "error: the secrets folder's path is too long: %s\n", dir);
            return -1;
        }
    }
    return 0;
}

/* The password of role in a passfile's line "host:port:db:role:password"
 * (":" and "\" escaped by "\"); 1 found, 0 not there, -1 unreadable. */
static int s_passfile_read(const char *path, const char *role, char *password, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char fields[5][512];
        int field = 0;
        size_t n = 0;
        for (const char *c = line; *c && field < 5; c++) {
            if (*c == '\\' && c[1])
                c++;
            else if (*c == ':' && field < 4) {
                fields[field++][n] = '\0';
                n = 0;
                continue;
            }
            if (n < sizeof(fields[0]) - 1)
                fields[field][n++] = *c;
        }
        if (field == 4) {
            fields[4][n] = '\0';
            if (strcmp(fields[3], role) == 0 && fields[4][0] &&
                (size_t)snprintf(password, len, "%s", fields[4]) < len)
                found = 1;
        }
    }
    fclose(f);
    return found;
}

/* Writes a new passfile for role with a new random password (hex, so that
 * nothing in it needs escaping), mode 0600, whole or not at all. */
static int s_passfile_create(const char *path, const char *role, char *password, size_t len)
{
    unsigned char raw[ROLES_PASSWORD_BYTES];
    char dir[PATH_MAX], tmp[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            fprintf(stderr, "error: could not create the secrets folder %s: %s\n", dir,
                    strerror(errno));
            return -1;
        }
    }
    if (len < 2 * sizeof(raw) + 1)
        return -1;
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(password, len, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "error: could not write %s: %s\n", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int bad = fprintf(f, "*:*:*:%s:%s\n", role, password) < 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) < 0) {
        fprintf(stderr, "error: could not write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int s_execf(PGconn *conn, const char *fmt, const char *a, const char *b)
{
    char sql[1024];
    snprintf(sql, sizeof(sql), fmt, a, b ? b : "");
    return ctl_pg_exec(conn, sql, 0, NULL, NULL);
}

/* Creates the role if missing, then sets its attributes and password and
 * takes it out of every role it was made a member of. */
static int s_role_apply(PGconn *conn, const role_spec_t *spec, const char *password)
{
    int rc = -1;
    PGresult *res = NULL;
    char *ident = PQescapeIdentifier(conn, spec->role, strlen(spec->role));
    char *verifier = PQencryptPasswordConn(conn, password, spec->role, "scram-sha-256");
    char *literal = verifier ? PQescapeLiteral(conn, verifier, strlen(verifier)) : NULL;
    const char *params[1] = {spec->role};
    if (!ident || !literal) {
        fprintf(stderr, "error: could not prepare role %s: %s", spec->role, PQerrorMessage(conn));
        goto out_free;
    }
    if (ctl_pg_exec(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, params, &res) < 0)
        goto out_free;
    if (PQntuples(res) == 0 && s_execf(conn, "CREATE ROLE %s LOGIN", ident, NULL) < 0)
        goto out_free;
    char attributes[160];
    snprintf(attributes, sizeof(attributes),
             "LOGIN NOSUPERUSER NOCREATEROLE %s NOREPLICATION NOBYPASSRLS INHERIT",
             spec->owner ? "CREATEDB" : "NOCREATEDB");
    char sql[1024];
    snprintf(sql, sizeof(sql), "ALTER ROLE %s WITH %s PASSWORD %s", ident, attributes, literal);
    if (ctl_pg_exec(conn, sql, 0, NULL, NULL) < 0)
        goto out_free;
    PQclear(res);
    res = NULL;
    if (ctl_pg_exec(conn,
                    "SELECT quote_ident(g.rolname) FROM pg_auth_members m"
                    " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
                    " WHERE u.rolname = $1",
                    1, params, &res) < 0)
        goto out_free;
    for (int i = 0; i < PQntuples(res); i++)
        if (s_execf(conn, "REVOKE %s FROM %s", PQgetvalue(res, i, 0), ident) < 0)
            goto out_free;
    rc = 0;
out_free:
    PQclear(res);
    if (literal)
        PQfreemem(literal);
    if (verifier)
        PQfreemem(verifier);
    if (ident)
        PQfreemem(ident);
    return rc;
}

/* Hands every relation and routine of schema public to duban_owner; a
 * sequence that belongs to a column follows its table. */
static const char *s_hand_over_sql =
    "DO $$\n"
    "DECLARE r record;\n"
    "BEGIN\n"
    "  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c\n"
    "           JOIN pg_namespace n ON n.oid = c.relnamespace\n"
    "           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')\n"
    "             AND c.relowner <> 'duban_owner'::regrole\n"
    "             AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d\n"
    "               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid\n"
    "                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))\n"
    "  LOOP\n"
    "    EXECUTE format('ALTER TABLE %s OWNER TO duban_owner', r.name);\n"
    "  END LOOP;\n"
    "  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p\n"
    "           JOIN pg_namespace n ON n.oid = p.pronamespace\n"
    "           WHERE n.nspname = 'public' AND p.proowner <> 'duban_owner'::regrole\n"
    "  LOOP\n"
    "    EXECUTE format('ALTER ROUTINE %s OWNER TO duban_owner', r.name);\n"
    "  END LOOP;\n"
    "END\n"
    "$$";

static void s_quiet(void *arg, const char *message)
{
}

static PGconn *s_connect(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "error: could not connect to PostgreSQL as the superuser: %s",
                PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, s_quiet, NULL);
    return conn;
}

/* The database of pg.conninfo, owned by duban_owner with all it holds. */
static int s_database(ctl_t *ctl, PGconn *conn, const char *superuser)
{
    const char *base = settings_string(ctl->settings, "pg.conninfo", "dbname=duban");
    char db[128];
    if (!s_conninfo_value(base, "dbname", db, sizeof(db))) {
        fprintf(stderr, "error: pg.conninfo names no database (dbname=...)\n");
        return -1;
    }
    const char *params[1] = {db};
    PGresult *res = NULL;
    if (ctl_pg_exec(conn, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", 1,
                    params, &res) < 0)
        return -1;
    bool exists = PQntuples(res) == 1;
    bool owned = exists && strcmp(PQgetvalue(res, 0, 0), "duban_owner") == 0;
    PQclear(res);
    char *ident = PQescapeIdentifier(conn, db, strlen(db));
    int rc = !ident    ? -1
             : !exists ? s_execf(conn, "CREATE DATABASE %s OWNER duban_owner", ident, NULL)
             : !owned  ? s_execf(conn, "ALTER DATABASE %s OWNER TO duban_owner", ident, NULL)
                       : 0;
    if (ident)
        PQfreemem(ident);
    if (rc < 0)
        return -1;
    char conninfo[2048];
    int n = snprintf(conninfo, sizeof(conninfo), "%s %s dbname='", base, superuser);
    for (const char *c = db; *c && n > 0 && (size_t)n < sizeof(conninfo) - 4; c++)
        n += snprintf(conninfo + n, sizeof(conninfo) - (size_t)n, "%s%c",
                      *c == '\'' || *c == '\\' ? "\\" : "", *c);
    snprintf(conninfo + n, sizeof(conninfo) - (size_t)n, "'");
    PGconn *in_db = s_connect(conninfo);
    if (!in_db)
        return -1;
    rc = ctl_pg_exec(in_db, s_hand_over_sql, 0, NULL, NULL);
    PQfinish(in_db);
    return rc;
}

int ctl_roles(ctl_t *ctl, int argc, char **argv)
{
    const char *superuser = NULL;
    bool database = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--superuser") == 0 && i + 1 < argc)
            superuser = argv[++i];
        else if (strcmp(argv[i], "--database") == 0)
            database = true;
        else if (strcmp(argv[i], "--json") != 0) {
            superuser = NULL;
            break;
        }
    }
    if (!superuser) {
        fprintf(stderr, "usage: dubanctl roles --superuser CONNINFO [--database]\n"
                        "  CONNINFO: how a superuser connects, added to pg.conninfo, e.g.\n"
                        "  'user=postgres host=/var/run/postgresql' (no password in it: use a\n"
                        "  passfile or peer authentication)\n");
        return CTL_USAGE;
    }
    if (sodium_init() < 0)
        return CTL_FAILED;
    char conninfo[2048];
    snprintf(conninfo, sizeof(conninfo), "%s dbname=postgres %s",
             settings_string(ctl->settings, "pg.conninfo", ""), superuser);
    PGconn *conn = s_connect(conninfo);
    if (!conn)
        return CTL_FAILED;
    int rc = CTL_FAILED, made = 0;
    char path[PATH_MAX], password[2 * ROLES_PASSWORD_BYTES + 1];
    json_t *report = json_array();
    for (size_t i = 0; i < sizeof(s_roles) / sizeof(s_roles[0]); i++) {
        const role_spec_t *spec = &s_roles[i];
        if (s_passfile(ctl, spec, path, sizeof(path)) < 0)
            goto out_finish;
        int found = s_passfile_read(path, spec->role, password, sizeof(password));
        if (found < 0) {
            fprintf(stderr, "error: could not read %s: %s\n", path, strerror(errno));
            goto out_finish;
        }
        if (found == 0 && access(path, F_OK) == 0) {
            fprintf(stderr, "error: %s holds no password for %s; remove it to have one made\n",
                    path, spec->role);
            goto out_finish;
        }
        if (found == 0 && s_passfile_create(path, spec->role, password, sizeof(password)) < 0)
            goto out_finish;
        made += found == 0;
        int applied = s_role_apply(conn, spec, password);
        sodium_memzero(password, sizeof(password));
        if (applied < 0)
            goto out_finish;
        json_array_append_new(report, json_pack("{s:s, s:s, s:b}", "role", spec->role, "passfile",
                                                path, "new_password", found == 0));
        if (!ctl->json)
            printf("role %-15s passfile %s%s\n", spec->role, path, found ? "" : " (new)");
    }
    if (database && s_database(ctl, conn, superuser) < 0)
        goto out_finish;
    rc = CTL_OK;
    if (ctl->json)
        ctl_print_json(report);
    else
        printf("roles ready: %d new password(s)%s\n", made,
               database ? "; the database belongs to duban_owner" : "");
out_finish:
    json_decref(report);
    PQfinish(conn);
    return rc;
}
