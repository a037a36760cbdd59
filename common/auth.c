/* Token and session checks with a small identity cache; see auth.h. */
#include "auth.h"

#include "clock.h"
#include "log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTH_CACHE_SLOTS 256

static const char *s_lookup_sql =
    "SELECT s.code, s.role, coalesce(s.division, '') FROM staff_tokens t"
    " JOIN staff s ON s.code = t.staff"
    " WHERE t.token_sha256 = decode($1, 'hex') AND t.revoked_at IS NULL AND s.active";

/* A session is alive while not revoked, before its absolute expiry and used
 * within its idle time; a successful check counts as use. */
static const char *s_session_sql =
    "WITH u AS (UPDATE staff_sessions SET last_seen_at = now()"
    "  WHERE session_sha256 = decode($1, 'hex') AND revoked_at IS NULL AND expires_at > now()"
    "  AND last_seen_at + idle_s * interval '1 second' > now() RETURNING staff)"
    " SELECT s.code, s.role, coalesce(s.division, '') FROM u JOIN staff s ON s.code = u.staff"
    " WHERE s.active";

typedef struct {
    char hash[AUTH_HASH_HEX];
    auth_identity_t who;
    int64_t expires_us;
} slot_t;

struct auth {
    pg_t *pg;
    slot_t cache[AUTH_CACHE_SLOTS];
};

typedef struct {
    auth_t *owner;
    char hash[AUTH_HASH_HEX];
    bool session;
    auth_cb cb;
    void *arg;
} lookup_t;

void auth_token_hash(const char *token, char *out)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, AUTH_HASH_HEX, digest, sizeof(digest));
}

int auth_token_new(char *out)
{
    if (sodium_init() < 0)
        return -1;
    unsigned char raw[24];
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, "dbn_", 4);
    sodium_bin2hex(out + 4, AUTH_TOKEN_LEN - 4 + 1, raw, sizeof(raw));
    return 0;
}

const char *auth_bearer(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header ? header : NULL;
}

bool auth_is_session(const char *credential)
{
    return credential && strncmp(credential, AUTH_SESSION_PREFIX, 4) == 0;
}

int auth_session_new(char *out)
{
    if (sodium_init() < 0)
        return -1;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, AUTH_SESSION_PREFIX, 4);
    sodium_bin2hex(out + 4, AUTH_SESSION_LEN - 4 + 1, raw, sizeof(raw));
    return 0;
}

void auth_csrf_token(const char *session, char *out)
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)"duban-csrf:", 11);
    crypto_hash_sha256_update(&st, (const unsigned char *)session, strlen(session));
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, AUTH_CSRF_HEX, digest, sizeof(digest));
}

bool auth_csrf_matches(const char *session, const char *presented)
{
    char expected[AUTH_CSRF_HEX];
    if (!session || !presented || strlen(presented) != AUTH_CSRF_HEX - 1)
        return false;
    auth_csrf_token(session, expected);
    return sodium_memcmp(expected, presented, AUTH_CSRF_HEX - 1) == 0;
}

int auth_password_hash(const char *password, char *out)
{
    size_t n = strlen(password);
    if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX || sodium_init() < 0)
        return -1;
    return crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

bool auth_password_verify(const char *hash, const char *password)
{
    size_t n = password ? strlen(password) : 0;
    if (!hash || !password || n > AUTH_PASSWORD_MAX || strlen(hash) >= AUTH_PASSWORD_HASH_MAX ||
        strncmp(hash, crypto_pwhash_STRPREFIX, strlen(crypto_pwhash_STRPREFIX)) != 0 ||
        sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, password, n) == 0;
}

bool auth_may_see_division(const auth_identity_t *who, const char *division)
{
    return strcmp(who->role, "inspector") == 0 || strcmp(who->role, "admin") == 0 ||
           strcmp(who->role, "leader") == 0 ||
           (strcmp(who->role, "handler") == 0 && strcmp(who->division, division) == 0);
}

bool auth_may_see_all_cases(const auth_identity_t *who)
{
    static const char *const all[] = {"operator", "clerk", "inspector", "leader", "admin", NULL};
    return auth_role_in(who, all);
}

bool auth_may_see_requester(const auth_identity_t *who, const char *first_responder,
                            bool holds_task)
{
    return strcmp(who->role, "inspector") == 0 || strcmp(who->role, "admin") == 0 ||
           (strcmp(who->role, "handler") == 0 && holds_task) ||
           (first_responder && strcmp(first_responder, who->staff) == 0);
}

bool auth_may_see_topic(const auth_identity_t *who, const char *topic)
{
    const char *bar = strchr(topic, '|');
    size_t n = bar ? (size_t)(bar - topic) : strlen(topic);
    char code[64];
    if (strcmp(who->role, "admin") == 0)
        return true;
    if (n > 4 && strncmp(topic, "div.", 4) == 0 && n - 4 < sizeof(code)) {
        memcpy(code, topic + 4, n - 4);
        code[n - 4] = '\0';
        return auth_may_see_division(who, code);
    }
    if (n > 6 && strncmp(topic, "staff.", 6) == 0)
        return n - 6 == strlen(who->staff) && strncmp(topic + 6, who->staff, n - 6) == 0;
    if (n == 10 && strncmp(topic, "inspection", 10) == 0)
        return strcmp(who->role, "inspector") == 0 || strcmp(who->role, "leader") == 0;
    return false;
}

bool auth_role_in(const auth_identity_t *who, const char *const *roles)
{
    for (; *roles; roles++)
        if (strcmp(who->role, *roles) == 0)
            return true;
    return false;
}

static slot_t *s_slot(auth_t *self, const char *hash)
{
    unsigned idx = (unsigned)strtoul((char[9]){hash[0], hash[1], hash[2], hash[3], hash[4],
                                               hash[5], hash[6], hash[7], 0},
                                     NULL, 16) %
                   AUTH_CACHE_SLOTS;
    return &self->cache[idx];
}

static void s_lookup_done(pg_txn_t *txn, bool ok, void *arg)
{
    lookup_t *l = arg;
    if (!ok) {
        log_warn("could not check a staff token", "err=%s", pg_txn_error(txn));
        l->cb(l->arg, AUTH_UNAVAILABLE, NULL);
        free(l);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) != 1) {
        log_info("refused a staff credential (unknown, expired or revoked)",
                 "kind=%s hash_prefix=%.8s", l->session ? "session" : "token", l->hash);
        l->cb(l->arg, AUTH_REFUSED, NULL);
        free(l);
        return;
    }
    slot_t *slot = s_slot(l->owner, l->hash);
    snprintf(slot->hash, sizeof(slot->hash), "%s", l->hash);
    snprintf(slot->who.staff, sizeof(slot->who.staff), "%s", PQgetvalue(res, 0, 0));
    snprintf(slot->who.role, sizeof(slot->who.role), "%s", PQgetvalue(res, 0, 1));
    snprintf(slot->who.division, sizeof(slot->who.division), "%s", PQgetvalue(res, 0, 2));
    slot->expires_us = clock_mono_us() + AUTH_CACHE_SECONDS * 1000000LL;
    auth_identity_t who = slot->who;
    l->cb(l->arg, AUTH_OK, &who);
    free(l);
}

void auth_verify(auth_t *self, const char *token, auth_cb cb, void *arg)
{
    if (!token || !token[0]) {
        cb(arg, AUTH_MISSING, NULL);
        return;
    }
    if (strlen(token) > AUTH_MAX_CREDENTIAL) {
        cb(arg, AUTH_REFUSED, NULL);
        return;
    }
    char hash[AUTH_HASH_HEX];
    auth_token_hash(token, hash);
    slot_t *slot = s_slot(self, hash);
    if (strcmp(slot->hash, hash) == 0 && slot->expires_us > clock_mono_us()) {
        auth_identity_t who = slot->who;
        cb(arg, AUTH_OK, &who);
        return;
    }
    lookup_t *l = calloc(1, sizeof(*l));
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT(hash)};
    bool session = auth_is_session(token);
    if (!l || !txn ||
        pg_txn_add(txn, true, session ? "auth_session" : "auth_lookup", 1, params) < 0) {
        free(l);
        pg_txn_destroy(&txn);
        cb(arg, AUTH_UNAVAILABLE, NULL);
        return;
    }
    l->owner = self;
    l->session = session;
    memcpy(l->hash, hash, sizeof(hash));
    l->cb = cb;
    l->arg = arg;
    pg_txn_submit(self->pg, &txn, s_lookup_done, l);
}

void auth_forget(auth_t *self, const char *credential)
{
    if (!credential || strlen(credential) > AUTH_MAX_CREDENTIAL)
        return;
    char hash[AUTH_HASH_HEX];
    auth_token_hash(credential, hash);
    slot_t *slot = s_slot(self, hash);
    if (strcmp(slot->hash, hash) == 0)
        memset(slot, 0, sizeof(*slot));
}

int auth_prepare(pg_t *pg)
{
    return pg_prepare(pg, "auth_lookup", s_lookup_sql) |
           pg_prepare(pg, "auth_session", s_session_sql);
}

auth_t *auth_new(pg_t *pg)
{
    if (sodium_init() < 0)
        return NULL;
    auth_t *self = calloc(1, sizeof(*self));
    if (self)
        self->pg = pg;
    return self;
}

void auth_destroy(auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}
