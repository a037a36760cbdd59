/* Staff authentication: bearer tokens (staff_tokens) and web console
 * sessions (staff_sessions), both stored as SHA-256 hashes in PostgreSQL and
 * checked asynchronously on the event loop. A session id is a credential like
 * a token: every service that accepts one accepts the other, with the same
 * roles and scopes; they differ only in how they travel (a session in an
 * HttpOnly cookie, so state-changing requests must also prove they come from
 * the console: see auth_http.h).
 *
 * Verified identities are cached for AUTH_CACHE_SECONDS, so a revoked token
 * or session stops working within that time (at once in the process that
 * calls auth_forget); a credential not found is never cached. */
#ifndef DUBAN_AUTH_H
#define DUBAN_AUTH_H

#include "pg.h"

#include <stdbool.h>
#include <stddef.h>

#define AUTH_CACHE_SECONDS 10
#define AUTH_TOKEN_LEN 52 /* "dbn_" + 48 hex characters */
#define AUTH_HASH_HEX 65  /* 64 hex characters and NUL */
#define AUTH_SESSION_PREFIX "dbs_"
#define AUTH_SESSION_LEN 68 /* "dbs_" + 64 hex characters */
#define AUTH_CSRF_HEX 65    /* a session's CSRF token: 64 hex characters and NUL */
#define AUTH_MAX_CREDENTIAL 128

typedef struct auth auth_t;

typedef struct {
    char staff[48];
    char role[16];      /* operator, clerk, handler, inspector, leader, admin */
    char division[64];  /* "" when not attached to a division */
} auth_identity_t;

typedef enum {
    AUTH_OK,
    AUTH_MISSING,     /* no token given: 401 */
    AUTH_REFUSED,     /* unknown or revoked token: 401 */
    AUTH_UNAVAILABLE, /* the database could not be asked: 503 */
} auth_result_t;

/* who is set only for AUTH_OK and valid only during the call. */
typedef void (*auth_cb)(void *arg, auth_result_t result, const auth_identity_t *who);

/* Registers the lookup statement with pg; call before the loop runs. */
int auth_prepare(pg_t *pg);

auth_t *auth_new(pg_t *pg);
void auth_destroy(auth_t **self_p);

/* Checks token (may be NULL) and calls cb, at once on a cache hit or a
 * missing token, otherwise after the lookup. */
void auth_verify(auth_t *self, const char *token, auth_cb cb, void *arg);

/* Extracts the token from an "Authorization: Bearer ..." header value;
 * NULL when absent or of another scheme. */
const char *auth_bearer(const char *header);

/* Writes a new random token (AUTH_TOKEN_LEN + 1 bytes). Returns 0 / -1. */
int auth_token_new(char *out);

/* Hex SHA-256 of token into out (AUTH_HASH_HEX bytes), as stored. */
void auth_token_hash(const char *token, char *out);

/* True when role is one of the roles in the NULL-terminated list. */
bool auth_role_in(const auth_identity_t *who, const char *const *roles);

/* Drops credential from this process's cache (sign-out), so it is refused
 * here at once; other processes refuse it within AUTH_CACHE_SECONDS. */
void auth_forget(auth_t *self, const char *credential);

/* The one scope rule for a division's tasks, queue and live events: its own
 * handlers, the inspection office, the bureau's leaders (who read, and may
 * do nothing: every step refuses them) and administrators. */
bool auth_may_see_division(const auth_identity_t *who, const char *division);

/* The scope of case lists (search, a caller's history): true when who sees
 * every case — the hotline desk (operators, clerks), the inspection office,
 * the bureau's leaders (who read) and administrators; a division's handlers
 * see only the cases their division holds a task of, and a case page answers
 * them 404 otherwise. */
bool auth_may_see_all_cases(const auth_identity_t *who);

/* Whether who may see the requester's personal data (name, phone, e-mail)
 * of a case whose first responder is first_responder: only those handling
 * it — its first responder, the handlers of a division holding a task of it
 * (holds_task), the inspection office and administrators. */
bool auth_may_see_requester(const auth_identity_t *who, const char *first_responder,
                            bool holds_task);

/* The same rule for live events: who may see a message published under
 * topic on dispatch's or watch's PUB socket ("div.<code>|" a division's,
 * "staff.<code>|" one staff member's, "inspection|" the inspection
 * office's, which the leaders see too; administrators see all). */
bool auth_may_see_topic(const auth_identity_t *who, const char *topic);

/* True when the credential is a console session id (else a bearer token). */
bool auth_is_session(const char *credential);

/* Writes a new random session id (AUTH_SESSION_LEN + 1 bytes). 0 / -1. */
int auth_session_new(char *out);

/* The CSRF token of a session: a hash of the secret session id, so only
 * someone who holds the session (the console page, told it by the web
 * service) can present it, and it needs no storage. */
void auth_csrf_token(const char *session, char *out);

/* Compares a presented CSRF token with the session's in constant time. */
bool auth_csrf_matches(const char *session, const char *presented);

/* Password hashing for console sign-in: argon2id through libsodium's
 * crypto_pwhash_str (memory-hard, salted, parameters stored in the hash).
 * Slow on purpose (tens of milliseconds and tens of megabytes): never call
 * these on an event loop. */
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 128
#define AUTH_PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

/* Hashes password into out (AUTH_PASSWORD_HASH_MAX bytes). Returns 0, or -1
 * when the password is shorter than AUTH_PASSWORD_MIN or longer than
 * AUTH_PASSWORD_MAX bytes, or memory ran out. */
int auth_password_hash(const char *password, char *out);

/* True when password matches hash (false for a NULL or malformed hash). */
bool auth_password_verify(const char *hash, const char *password);

#endif
