/* dubanctl staff and watchlist: administration done on the server, straight
 * in PostgreSQL. A token is shown once, when issued; only its SHA-256 is
 * stored. --save also writes it to the token folder (mode 600) so that
 * dubanctl --as STAFF can use it. staff passwd sets the password for the web
 * console (only its argon2id hash is stored) and ends the staff member's
 * console sessions. */
#include "dubanctl.h"

#include "auth.h"
#include "pg.h"

#include <sodium.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* Writes token to <dir>/<staff>.token, readable by the owner only. */
static int s_save(ctl_t *ctl, const char *staff, const char *token)
{
    char dir[1024], path[1200];
    ctl_token_dir(ctl, dir, sizeof(dir));
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "error: could not create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s.token", dir, staff);
    FILE *f = fopen(path, "w");
    if (!f || fchmod(fileno(f), 0600) < 0) {
        fprintf(stderr, "error: could not write %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    fprintf(f, "%s\n", token);
    return fclose(f) == 0 ? 0 : -1;
}

/* Issues a new token for staff; prints it unless quiet. */
int ctl_staff_issue(ctl_t *ctl, PGconn *conn, const char *staff, bool save, bool quiet)
{
    char token[AUTH_TOKEN_LEN + 1], hash[AUTH_HASH_HEX];
    if (auth_token_new(token) < 0)
        return -1;
    auth_token_hash(token, hash);
    const char *params[3] = {staff, hash, save ? "saved" : "issued"};
    PGresult *res = NULL;
    if (ctl_pg_exec(conn,
                    "INSERT INTO staff_tokens (staff, token_sha256, label)"
                    " SELECT code, decode($2, 'hex'), $3 FROM staff WHERE code = $1 RETURNING id",
                    3, params, &res) < 0)
        return -1;
    int found = PQntuples(res);
    PQclear(res);
    if (!found) {
        fprintf(stderr, "error: no staff member %s; add them first (dubanctl staff add)\n", staff);
        return -1;
    }
    if (save && s_save(ctl, staff, token) < 0)
        return -1;
    if (!quiet) {
        if (ctl->json)
            printf("{\"staff\": \"%s\", \"token\": \"%s\"}\n", staff, token);
        else
            printf("%s\n", token);
    }
    return 0;
}

static int s_add(ctl_t *ctl, PGconn *conn, int argc, char **argv)
{
    static const struct option options[] = {
        {"name", required_argument, NULL, 'n'},     {"role", required_argument, NULL, 'r'},
        {"division", required_argument, NULL, 'd'}, {"save", no_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0}};
    const char *name = NULL, *role = NULL, *division = NULL;
    bool save = false;
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'n')
            name = optarg;
        else if (opt == 'r')
            role = optarg;
        else if (opt == 'd')
            division = optarg;
        else if (opt == 's')
            save = true;
        else if (opt != 'j')
            return CTL_USAGE;
    }
    const char *code = optind < argc ? argv[optind] : NULL;
    if (!code || !name || !role) {
        fprintf(stderr, "error: staff add CODE --name NAME --role operator|clerk|handler|"
                        "inspector|leader|admin [--division CODE] [--save]\n");
        return CTL_USAGE;
    }
    if (strcmp(role, "handler") == 0 && !division) {
        fprintf(stderr, "error: a handler belongs to a division: add --division CODE\n");
        return CTL_USAGE;
    }
    const char *params[4] = {code, name, role, division};
    if (ctl_pg_exec(conn, "INSERT INTO staff (code, name, role, division) VALUES ($1, $2, $3, $4)",
                    4, params, NULL) < 0)
        return CTL_FAILED;
    return ctl_staff_issue(ctl, conn, code, save, false) < 0 ? CTL_FAILED : CTL_OK;
}

static int s_list(ctl_t *ctl, PGconn *conn)
{
    PGresult *res = NULL;
    if (ctl_pg_exec(conn,
                    "SELECT s.code, s.name, s.role, coalesce(s.division, ''), s.active,"
                    " count(t.id) FILTER (WHERE t.revoked_at IS NULL)"
                    " FROM staff s LEFT JOIN staff_tokens t ON t.staff = s.code"
                    " GROUP BY s.code ORDER BY s.code",
                    0, NULL, &res) < 0)
        return CTL_FAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        if (ctl->json)
            json_array_append_new(
                list,
                json_pack("{s:s, s:s, s:s, s:s, s:b, s:i}", "code", PQgetvalue(res, i, 0), "name",
                          PQgetvalue(res, i, 1), "role", PQgetvalue(res, i, 2), "division",
                          PQgetvalue(res, i, 3), "active", strcmp(PQgetvalue(res, i, 4), "t") == 0,
                          "tokens", atoi(PQgetvalue(res, i, 5))));
        else
            printf("%-20s %-10s %-18s tokens=%s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
                   PQgetvalue(res, i, 3), PQgetvalue(res, i, 5), PQgetvalue(res, i, 1));
    }
    if (ctl->json)
        ctl_print_json(list);
    json_decref(list);
    PQclear(res);
    return CTL_OK;
}

static int s_revoke(ctl_t *ctl, PGconn *conn, const char *code)
{
    const char *params[1] = {code};
    PGresult *res = NULL;
    if (ctl_pg_exec(
            conn,
            "UPDATE staff_tokens SET revoked_at = now() WHERE staff = $1 AND revoked_at IS NULL"
            " RETURNING id",
            1, params, &res) < 0)
        return CTL_FAILED;
    int n = PQntuples(res);
    PQclear(res);
    if (ctl->json)
        printf("{\"staff\": \"%s\", \"revoked\": %d}\n", code, n);
    else
        printf("revoked %d token(s) of %s (they stop working within %d s)\n", n, code,
               AUTH_CACHE_SECONDS);
    return CTL_OK;
}

/* Reads one line into buf without its newline; false at end of input or
 * when the line does not fit. */
static bool s_read_line(FILE *in, char *buf, size_t len)
{
    if (!fgets(buf, (int)len, in))
        return false;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (!feof(in))
        return false;
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return true;
}

/* Asks for the password twice on the terminal, without echo. */
static bool s_read_tty_password(char *buf, size_t len)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty) {
        fprintf(stderr, "error: no terminal to read the password from; use --stdin\n");
        return false;
    }
    struct termios old, quiet;
    bool ok = false;
    char again[AUTH_PASSWORD_MAX + 2];
    if (tcgetattr(fileno(tty), &old) < 0)
        goto out_close;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    fprintf(tty, "new password: ");
    fflush(tty);
    ok = s_read_line(tty, buf, len);
    fprintf(tty, "\nagain: ");
    fflush(tty);
    ok = ok && s_read_line(tty, again, sizeof(again));
    fprintf(tty, "\n");
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    if (ok && strcmp(buf, again) != 0) {
        fprintf(stderr, "error: the two passwords differ; nothing changed\n");
        ok = false;
    }
    sodium_memzero(again, sizeof(again));
out_close:
    fclose(tty);
    return ok;
}

int ctl_staff_set_password(PGconn *conn, const char *staff, const char *password)
{
    char hash[AUTH_PASSWORD_HASH_MAX];
    if (auth_password_hash(password, hash) < 0) {
        fprintf(stderr, "error: a password has %d to %d characters\n", AUTH_PASSWORD_MIN,
                AUTH_PASSWORD_MAX);
        return -1;
    }
    const char *params[2] = {staff, hash};
    PGresult *res = NULL;
    if (ctl_pg_exec(conn,
                    "WITH s AS (UPDATE staff SET password_hash = $2 WHERE code = $1 RETURNING code),"
                    " r AS (UPDATE staff_sessions SET revoked_at = now() FROM s"
                    "  WHERE staff_sessions.staff = s.code AND revoked_at IS NULL)"
                    " SELECT count(*) FROM s",
                    2, params, &res) < 0)
        return -1;
    bool found = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    PQclear(res);
    if (!found) {
        fprintf(stderr, "error: no staff member %s; add them first (dubanctl staff add)\n", staff);
        return -1;
    }
    return 0;
}

static int s_passwd(ctl_t *ctl, PGconn *conn, int argc, char **argv)
{
    const char *code = NULL;
    bool from_stdin = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--stdin") == 0)
            from_stdin = true;
        else if (argv[i][0] != '-' && !code)
            code = argv[i];
        else if (strcmp(argv[i], "--json") != 0)
            code = NULL, i = argc;
    }
    if (!code) {
        fprintf(stderr, "usage: dubanctl staff passwd CODE [--stdin]\n");
        return CTL_USAGE;
    }
    char password[AUTH_PASSWORD_MAX + 2];
    bool ok = from_stdin ? s_read_line(stdin, password, sizeof(password))
                         : s_read_tty_password(password, sizeof(password));
    if (!ok && from_stdin)
        fprintf(stderr, "error: no password on standard input (one line, at most %d bytes)\n",
                AUTH_PASSWORD_MAX);
    int rc = ok && ctl_staff_set_password(conn, code, password) == 0 ? CTL_OK : CTL_FAILED;
    sodium_memzero(password, sizeof(password));
    if (rc == CTL_OK) {
        if (ctl->json)
            printf("{\"staff\": \"%s\", \"password\": \"set\"}\n", code);
        else
            printf("password of %s set; their console sessions were ended\n", code);
    }
    return rc;
}

int ctl_staff(ctl_t *ctl, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    bool known = strcmp(sub, "add") == 0 || strcmp(sub, "list") == 0 ||
                 strcmp(sub, "revoke") == 0 || strcmp(sub, "token") == 0 ||
                 strcmp(sub, "passwd") == 0;
    if (!known) {
        fprintf(stderr, "usage: dubanctl staff add|list|token|revoke|passwd ...\n");
        return CTL_USAGE;
    }
    PGconn *conn = ctl_pg_connect(ctl);
    if (!conn)
        return CTL_FAILED;
    int rc = CTL_USAGE;
    if (strcmp(sub, "add") == 0) {
        rc = s_add(ctl, conn, argc, argv);
    } else if (strcmp(sub, "list") == 0) {
        rc = s_list(ctl, conn);
    } else if (strcmp(sub, "passwd") == 0) {
        rc = s_passwd(ctl, conn, argc, argv);
    } else if (argc > 2 && argv[2][0] != '-') {
        bool save = argc > 3 && strcmp(argv[3], "--save") == 0;
        rc = strcmp(sub, "revoke") == 0                             ? s_revoke(ctl, conn, argv[2])
             : ctl_staff_issue(ctl, conn, argv[2], save, false) < 0 ? CTL_FAILED
                                                                    : CTL_OK;
    } else {
        fprintf(stderr, "error: staff %s needs a staff code\n", sub);
    }
    PQfinish(conn);
    return rc;
}

int ctl_watchlist(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"phone", required_argument, NULL, 'p'},
                                            {"ip", required_argument, NULL, 'i'},
                                            {"email", required_argument, NULL, 'e'},
                                            {"reason", required_argument, NULL, 'r'},
                                            {"by", required_argument, NULL, 'b'},
                                            {"json", no_argument, NULL, 'j'},
                                            {NULL, 0, NULL, 0}};
    const char *sub = argc > 1 ? argv[1] : "";
    const char *kind = NULL, *value = NULL, *reason = NULL, *by = "admin";
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'p' || opt == 'i' || opt == 'e') {
            kind = opt == 'p' ? "phone" : opt == 'i' ? "ip" : "email";
            value = optarg;
        } else if (opt == 'r') {
            reason = optarg;
        } else if (opt == 'b') {
            by = optarg;
        } else if (opt != 'j') {
            return CTL_USAGE;
        }
    }
    bool add = strcmp(sub, "add") == 0, remove = strcmp(sub, "remove") == 0;
    if ((!add && !remove && strcmp(sub, "list") != 0) || ((add || remove) && !value) ||
        (add && !reason)) {
        fprintf(stderr, "usage: dubanctl watchlist add --phone P|--ip A|--email E --reason R\n"
                        "       dubanctl watchlist remove --phone P|--ip A|--email E\n"
                        "       dubanctl watchlist list\n");
        return CTL_USAGE;
    }
    PGconn *conn = ctl_pg_connect(ctl);
    if (!conn)
        return CTL_FAILED;
    int rc = CTL_OK;
    const char *params[4] = {kind, value, reason, by};
    if (add) {
        rc = ctl_pg_exec(
                 conn,
                 "INSERT INTO watchlist (kind, value, reason, added_by) VALUES ($1, $2, $3, $4)"
                 " ON CONFLICT (kind, value) DO UPDATE SET reason = excluded.reason,"
                 " added_by = excluded.added_by, added_at = now(), removed_at = NULL",
                 4, params, NULL) < 0
                 ? CTL_FAILED
                 : CTL_OK;
        if (rc == CTL_OK && !ctl->json)
            printf("watching %s %s: still accepted, flagged and kept out of metrics\n", kind,
                   value);
    } else if (remove) {
        rc = ctl_pg_exec(conn,
                         "UPDATE watchlist SET removed_at = now() WHERE kind = $1 AND value = $2",
                         2, params, NULL) < 0
                 ? CTL_FAILED
                 : CTL_OK;
    } else {
        PGresult *res = NULL;
        if (ctl_pg_exec(
                conn,
                "SELECT kind, value, reason, added_by, to_char(added_at, 'YYYY-MM-DD HH24:MI')"
                " FROM watchlist WHERE removed_at IS NULL ORDER BY added_at",
                0, NULL, &res) < 0) {
            rc = CTL_FAILED;
        } else {
            for (int i = 0; i < PQntuples(res); i++)
                printf("%-6s %-20s %s (by %s, %s)\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
            PQclear(res);
        }
    }
    PQfinish(conn);
    return rc;
}
