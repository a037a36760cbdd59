/* Keyed requester fingerprints; see fingerprint.h. */
#include "fingerprint.h"

#include "log.h"
#include "phone.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Digits kept of a phone number: more than any real number has. */
#define FINGERPRINT_MAX_DIGITS 32

/* The HMAC's state after the key, made once: a fingerprint then hashes its
 * message and the outer block, two SHA-256 compressions instead of four
 * (intake computes one per case). */
struct fingerprint {
    crypto_auth_hmacsha256_state keyed;
};

_Static_assert(FINGERPRINT_KEY_BYTES == crypto_auth_hmacsha256_KEYBYTES,
               "the key is an HMAC-SHA-256 key");
_Static_assert(FINGERPRINT_HEX_LEN == 2 * crypto_auth_hmacsha256_BYTES,
               "a fingerprint is a hex HMAC-SHA-256");

const char *fingerprint_secrets_dir(settings_t *st, char *buf, size_t len)
{
    const char *dir = settings_string(st, "secrets_dir", NULL);
    if (dir && dir[0]) {
        snprintf(buf, len, "%s", dir);
        return buf;
    }
    const char *path = settings_path(st);
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(buf, len, "%.*s/secrets", (int)(slash - path), path);
    else
        snprintf(buf, len, "secrets");
    return buf;
}

/* Reads the key file at path into key: 0, 1 when it does not exist, -1 when
 * it cannot be read or is not a key (why is written into why). */
static int s_read_key(const char *path, unsigned char key[FINGERPRINT_KEY_BYTES], char *why,
                      size_t why_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return errno == ENOENT ? 1 : -1;
    }
    char text[2 * FINGERPRINT_KEY_BYTES + 8];
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    text[n] = '\0';
    size_t bin_len = 0;
    const char *end = NULL;
    int rc = -1;
    if (n == 2 * FINGERPRINT_KEY_BYTES &&
        sodium_hex2bin(key, FINGERPRINT_KEY_BYTES, text, (size_t)n, NULL, &bin_len, &end) == 0 &&
        bin_len == FINGERPRINT_KEY_BYTES && end == text + n)
        rc = 0;
    else
        snprintf(why, why_len, "not %d hex digits", 2 * FINGERPRINT_KEY_BYTES);
    sodium_memzero(text, sizeof(text));
    return rc;
}

fingerprint_t *fingerprint_new_with_key(const unsigned char key[FINGERPRINT_KEY_BYTES])
{
    if (sodium_init() < 0)
        return NULL;
    fingerprint_t *self = calloc(1, sizeof(*self));
    if (self)
        crypto_auth_hmacsha256_init(&self->keyed, key, FINGERPRINT_KEY_BYTES);
    return self;
}

fingerprint_t *fingerprint_new(const char *dir)
{
    char path[1024], why[128] = "";
    snprintf(path, sizeof(path), "%s/%s", dir, FINGERPRINT_KEY_FILE);
    unsigned char key[FINGERPRINT_KEY_BYTES];
    int rc = s_read_key(path, key, why, sizeof(why));
    if (rc != 0) {
        log_error(
            "cannot start without the requester fingerprint key: run dubanctl setup, which makes it, or copy it from another host of this deployment",
            "file=%s reason=%s", path, why);
        return NULL;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & 077))
        log_warn("fingerprint key can be read by others; chmod 600 it", "file=%s mode=%03o", path,
                 (unsigned)(sb.st_mode & 0777));
    fingerprint_t *self = fingerprint_new_with_key(key);
    sodium_memzero(key, sizeof(key));
    return self;
}

void fingerprint_destroy(fingerprint_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero(&(*self_p)->keyed, sizeof((*self_p)->keyed));
    free(*self_p);
    *self_p = NULL;
}

bool fingerprint_phone(const fingerprint_t *self, const char *phone,
                       char out[FINGERPRINT_HEX_LEN + 1])
{
    out[0] = '\0';
    char digits[FINGERPRINT_MAX_DIGITS + 1];
    int n = phone_digits(phone, digits, sizeof(digits));
    if (n <= 0)
        return false;
    fingerprint_bytes(self, digits, (size_t)n, out);
    return true;
}

void fingerprint_bytes(const fingerprint_t *self, const void *data, size_t len,
                       char out[FINGERPRINT_HEX_LEN + 1])
{
    crypto_auth_hmacsha256_state st = self->keyed;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof(st));
    sodium_bin2hex(out, FINGERPRINT_HEX_LEN + 1, mac, sizeof(mac));
}

bool fingerprint_is_valid(const char *s)
{
    if (!s || strlen(s) != FINGERPRINT_HEX_LEN)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return true;
}

int fingerprint_key_create(const char *dir)
{
    char path[1024], why[128] = "";
    snprintf(path, sizeof(path), "%s/%s", dir, FINGERPRINT_KEY_FILE);
    if (sodium_init() < 0) {
        fprintf(stderr, "error: could not initialise libsodium\n");
        return -1;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "error: could not create the secrets folder %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    unsigned char key[FINGERPRINT_KEY_BYTES];
    int rc = s_read_key(path, key, why, sizeof(why));
    sodium_memzero(key, sizeof(key));
    if (rc == 0)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "error: %s is there but is not a fingerprint key (%s); it is left alone:"
                        " restore it from a backup or another host, or move it away to make a"
                        " new one (repeats of earlier cases then go unrecognised)\n",
                path, why);
        return -1;
    }
    /* Written whole under another name, then linked into place: link()
     * never replaces a key (one made meanwhile by another setup wins), and
     * a crash leaves no half-written key behind. */
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "error: could not create %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    char hex[2 * FINGERPRINT_KEY_BYTES + 2];
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(hex, sizeof(hex) - 1, key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    strcat(hex, "\n");
    size_t len = strlen(hex);
    bool written = write(fd, hex, len) == (ssize_t)len && fsync(fd) == 0;
    sodium_memzero(hex, sizeof(hex));
    written = close(fd) == 0 && written;
    rc = written && link(tmp, path) == 0 ? 1 : -1;
    if (rc < 0 && written && errno == EEXIST)
        rc = 0;
    else if (rc < 0)
        fprintf(stderr, "error: could not write %s: %s\n", path, strerror(errno));
    unlink(tmp);
    return rc;
}
