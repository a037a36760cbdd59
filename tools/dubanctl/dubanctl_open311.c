/* dubanctl open311: the Open311 clients allowed to file cases, administered
 * straight in PostgreSQL. An api_key is shown once, when the client is
 * added; only its SHA-256 is stored (open311_clients.key_sha256, computed
 * here with libsodium and looked up by intake the same way). A revoked
 * client stops working at once (intake does not cache keys) and keeps its
 * name, so a name is never reused for another key. */
#include "dubanctl.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN311_KEY_BYTES 32
#define OPEN311_KEY_PREFIX "o311_"
#define OPEN311_KEY_LEN (sizeof(OPEN311_KEY_PREFIX) - 1 + 2 * OPEN311_KEY_BYTES)
#define OPEN311_NAME_MAX 48 /* "open311:<name>" must fit a case's source */

static void s_usage(FILE *out)
{
    fprintf(out, "usage: dubanctl open311 add-client NAME     new client; prints its api_key once\n"
                 "       dubanctl open311 list-clients\n"
                 "       dubanctl open311 revoke-client NAME  its api_key stops working at once\n"
                 "NAME: 1 to 48 letters, digits, '.', '-' or '_'. Add --json for JSON output.\n");
}

void ctl_open311_usage(FILE *out)
{
    s_usage(out);
}

static bool s_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n <= OPEN311_NAME_MAX &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Runs sql; *out gets the result when wanted (caller clears). Prints
 * PostgreSQL's message and returns -1 on failure. */
static int s_add(ctl_t *ctl, PGconn *conn, const char *name)
{
    unsigned char raw[OPEN311_KEY_BYTES], digest[crypto_hash_sha256_BYTES];
    char key[OPEN311_KEY_LEN + 1], hash[2 * crypto_hash_sha256_BYTES + 1];
    randombytes_buf(raw, sizeof(raw));
    memcpy(key, OPEN311_KEY_PREFIX, sizeof(OPEN311_KEY_PREFIX) - 1);
    sodium_bin2hex(key + sizeof(OPEN311_KEY_PREFIX) - 1, 2 * OPEN311_KEY_BYTES + 1, raw,
                   sizeof(raw));
    crypto_hash_sha256(digest, (const unsigned char *)key, strlen(key));
    sodium_bin2hex(hash, sizeof(hash), digest, sizeof(digest));
    const char *params[2] = {name, hash};
    PGresult *res = NULL;
    int rc = CTL_FAILED;
    if (ctl_pg_exec(conn,
                    "INSERT INTO open311_clients (name, key_sha256) VALUES ($1, decode($2, 'hex'))"
                    " ON CONFLICT (name) DO NOTHING RETURNING id",
                    2, params, &res) < 0)
        goto out_wipe;
    if (PQntuples(res) == 0) {
        fprintf(
            stderr,
            "error: an Open311 client named %s already exists (revoked clients keep their name); choose another name\n",
            name);
        goto out_clear;
    }
    if (ctl->json) {
        json_t *out = json_pack("{s:s, s:s}", "name", name, "api_key", key);
        ctl_print_json(out);
        json_decref(out);
    } else {
        printf("%s\n", key);
        fprintf(stderr,
                "Open311 client %s added; give it the api_key above (it is not shown again)\n",
                name);
    }
    rc = CTL_OK;
out_clear:
    PQclear(res);
out_wipe:
    sodium_memzero(key, sizeof(key));
    sodium_memzero(raw, sizeof(raw));
    return rc;
}

static int s_list(ctl_t *ctl, PGconn *conn)
{
    PGresult *res = NULL;
    if (ctl_pg_exec(
            conn,
            "SELECT o.name, to_char(o.created_at AT TIME ZONE 'Asia/Shanghai',"
            "  'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'),"
            " coalesce(to_char(o.revoked_at AT TIME ZONE 'Asia/Shanghai',"
            "  'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), ''),"
            " coalesce(n.cases, 0)"
            " FROM open311_clients o LEFT JOIN (SELECT source, count(*) AS cases FROM cases"
            "  WHERE source LIKE 'open311:%' GROUP BY source) n ON n.source = 'open311:' || o.name"
            " ORDER BY o.name",
            0, NULL, &res) < 0)
        return CTL_FAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0), *created = PQgetvalue(res, i, 1);
        const char *revoked = PQgetvalue(res, i, 2), *cases = PQgetvalue(res, i, 3);
        if (ctl->json)
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s?, s:b, s:I}", "name", name, "created_at", created,
                                "revoked_at", revoked[0] ? revoked : NULL, "active", !revoked[0],
                                "cases", (json_int_t)strtoll(cases, NULL, 10)));
        else
            printf("%-24s %-8s created=%s%s%s cases=%s\n", name, revoked[0] ? "revoked" : "active",
                   created, revoked[0] ? " revoked=" : "", revoked, cases);
    }
    if (ctl->json)
        ctl_print_json(list);
    else if (PQntuples(res) == 0)
        printf("no Open311 clients; add one with dubanctl open311 add-client NAME\n");
    json_decref(list);
    PQclear(res);
    return CTL_OK;
}

static int s_revoke(ctl_t *ctl, PGconn *conn, const char *name)
{
    const char *params[1] = {name};
    PGresult *res = NULL;
    if (ctl_pg_exec(conn,
                    "UPDATE open311_clients SET revoked_at = now()"
                    " WHERE name = $1 AND revoked_at IS NULL RETURNING id",
                    1, params, &res) < 0)
        return CTL_FAILED;
    int n = PQntuples(res);
    PQclear(res);
    if (n == 0) {
        fprintf(stderr,
                "error: no active Open311 client named %s (see dubanctl open311 list-clients)\n",
                name);
        return CTL_FAILED;
    }
    if (ctl->json) {
        json_t *out = json_pack("{s:s, s:b}", "name", name, "revoked", 1);
        ctl_print_json(out);
        json_decref(out);
    } else {
        printf("revoked Open311 client %s; its api_key no longer works\n", name);
    }
    return CTL_OK;
}

int ctl_open311(ctl_t *ctl, int argc, char **argv)
{
    const char *args[3] = {NULL, NULL, NULL};
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_usage(stdout);
            return CTL_OK;
        }
        if (n == 3 || argv[i][0] == '-') {
            s_usage(stderr);
            return CTL_USAGE;
        }
        args[n++] = argv[i];
    }
    const char *sub = args[0] ? args[0] : "";
    bool named = strcmp(sub, "add-client") == 0 || strcmp(sub, "revoke-client") == 0;
    bool list = strcmp(sub, "list-clients") == 0;
    if ((!named && !list) || (named && n != 2) || (list && n != 1)) {
        s_usage(stderr);
        return CTL_USAGE;
    }
    if (named && !s_name_ok(args[1])) {
        fprintf(stderr, "error: a client name is 1 to %d letters, digits, '.', '-' or '_'\n",
                OPEN311_NAME_MAX);
        return CTL_USAGE;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "error: libsodium could not be initialised\n");
        return CTL_FAILED;
    }
    PGconn *conn = ctl_pg_connect(ctl);
    if (!conn)
        return CTL_FAILED;
    int rc;
    if (list)
        rc = s_list(ctl, conn);
    else if (strcmp(sub, "add-client") == 0)
        rc = s_add(ctl, conn, args[1]);
    else
        rc = s_revoke(ctl, conn, args[1]);
    PQfinish(conn);
    return rc;
}
