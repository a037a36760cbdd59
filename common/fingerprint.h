/* Requester fingerprints: the same requester recognised across cases (triage
 * links a repeat to the open case) without their phone number on the bus or
 * in Redis.
 *
 * A fingerprint is the hex HMAC-SHA-256 of the phone number's digits, keyed
 * with the deployment's secret key: 32 random bytes made once by `dubanctl
 * setup` in the secrets folder (setting secrets_dir) as fingerprint.key, 64
 * hex digits, mode 0600. Without the key a fingerprint cannot be matched
 * against a list of phone numbers, as a hash with a public salt could (all
 * mobile numbers take a minute). Every host of a deployment that computes
 * fingerprints (intake, triage, dispatch) needs the same key file: a
 * different key makes different fingerprints, and repeats go unrecognised.
 * This file is the only place that computes one. */
#ifndef DUBAN_FINGERPRINT_H
#define DUBAN_FINGERPRINT_H

#include "settings.h"

#include <stdbool.h>
#include <stddef.h>

#define FINGERPRINT_KEY_FILE "fingerprint.key"
#define FINGERPRINT_KEY_BYTES 32
/* Characters of a fingerprint, without the terminating NUL. */
#define FINGERPRINT_HEX_LEN 64

typedef struct fingerprint fingerprint_t;

/* The secrets folder: setting secrets_dir, else secrets/ next to the
 * settings file (or in the current folder without one). Writes into buf and
 * returns it. */
const char *fingerprint_secrets_dir(settings_t *st, char *buf, size_t len);

/* Reads the key from dir/fingerprint.key. NULL, with a log line that says
 * what to do, when the file is missing, unreadable or not 64 hex digits. */
fingerprint_t *fingerprint_new(const char *dir);

/* A fingerprinter with the given key (tests). */
fingerprint_t *fingerprint_new_with_key(const unsigned char key[FINGERPRINT_KEY_BYTES]);

/* Forgets the key (the memory is wiped) and sets *self_p to NULL. */
void fingerprint_destroy(fingerprint_t **self_p);

/* Writes the fingerprint of phone (its ASCII digits, everything else left
 * out: "138-0000 5555" and "13800005555" are the same requester) into out.
 * Returns true; false, with out = "", when phone is NULL or has no digit. */
bool fingerprint_phone(const fingerprint_t *self, const char *phone,
                       char out[FINGERPRINT_HEX_LEN + 1]);

/* Writes the fingerprint of len bytes of data (all of them) into out: a
 * keyed hash of something that must not be stored nor be guessable from
 * a list (a visitor's address with what it evaluated). */
void fingerprint_bytes(const fingerprint_t *self, const void *data, size_t len,
                       char out[FINGERPRINT_HEX_LEN + 1]);

/* Whether s looks like a fingerprint (64 lower-case hex digits): what a
 * message from outside carries is checked before it names a Redis key. */
bool fingerprint_is_valid(const char *s);

/* Makes dir (mode 0700) and dir/fingerprint.key (mode 0600) with a new
 * random key unless the file exists: an existing key is never replaced (the
 * fingerprints in Redis and on the bus were made with it). Returns 1 when it
 * made the key, 0 when a valid one was there, -1 (printed on stderr) when
 * the folder or file cannot be made, or the file there is not a key. */
int fingerprint_key_create(const char *dir);

#endif
