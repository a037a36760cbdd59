/* Staff authentication: bearer tokens, stored as SHA-256 hashes in
 * PostgreSQL (staff_tokens), checked asynchronously on the event loop.
 *
 * Verified identities are cached for AUTH_CACHE_SECONDS, so a revoked token
 * stops working within that time; a token not found is never cached. */
#ifndef DUBAN_AUTH_H
#define DUBAN_AUTH_H

#include "pg.h"

#include <stdbool.h>
#include <stddef.h>

#define AUTH_CACHE_SECONDS 10
#define AUTH_TOKEN_LEN 52 /* "dbn_" + 48 hex characters */
#define AUTH_HASH_HEX 65  /* 64 hex characters and NUL */

typedef struct auth auth_t;

typedef struct {
    char staff[48];
    char role[16];      /* operator, clerk, handler, inspector, admin */
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

#endif
