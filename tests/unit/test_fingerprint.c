/* common/fingerprint.c: a requester fingerprint is the HMAC-SHA-256 of the
 * phone's digits under the deployment's key (a known vector, computed
 * independently), another key gives another fingerprint, the unkeyed salted
 * hash of the old scheme is not what comes out, and the key file is made
 * once, never replaced, and refused when malformed. */
#include "fingerprint.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

/* HMAC-SHA-256, key 00 01 02 .. 1f, message "13800005555" (Python's hmac). */
#define VECTOR "bcf891f59e937953616bf7388e444b111490b8bd2ef233eb0ef782545faefd54"
/* The same message under key 01 02 .. 20. */
#define VECTOR_KEY2 "a93881450f675172479e767df082484f40bfc87158146001a485d197e080741c"
/* Key 00 01 .. 1f, message "地址" forty times (240 bytes, four SHA-256
 * blocks), by Python's hmac. */
#define VECTOR_LONG "1dd7e4e96f5e1e74cbd862f777413569a76a9ecee5e6a4a7af30289d24c82067"
/* What the old scheme sent: sha256("duban-requester:13800005555"). */
#define OLD_SALTED "82649adc34977d7ca1a462686d19066ec2a9bbbbcee2fb5ef6aed4d19e9bacd7"

static fingerprint_t *s_with_key(unsigned char first)
{
    unsigned char key[FINGERPRINT_KEY_BYTES];
    for (int i = 0; i < FINGERPRINT_KEY_BYTES; i++)
        key[i] = (unsigned char)(first + i);
    fingerprint_t *fp = fingerprint_new_with_key(key);
    assert_non_null(fp);
    return fp;
}

static void test_known_vector(void **state)
{
    fingerprint_t *fp = s_with_key(0);
    char out[FINGERPRINT_HEX_LEN + 1];
    assert_true(fingerprint_phone(fp, "13800005555", out));
    assert_string_equal(out, VECTOR);
    assert_string_not_equal(out, OLD_SALTED);
    assert_true(fingerprint_is_valid(out));
    fingerprint_destroy(&fp);
    assert_null(fp);
    fingerprint_destroy(&fp);
}

static void test_another_key_another_fingerprint(void **state)
{
    fingerprint_t *fp = s_with_key(1);
    char out[FINGERPRINT_HEX_LEN + 1];
    assert_true(fingerprint_phone(fp, "13800005555", out));
    assert_string_equal(out, VECTOR_KEY2);
    assert_string_not_equal(out, VECTOR);
    fingerprint_destroy(&fp);
}

static void test_normalisation(void **state)
{
    fingerprint_t *fp = s_with_key(0);
    char out[FINGERPRINT_HEX_LEN + 1];
    assert_true(fingerprint_phone(fp, "138-0000 5555", out));
    assert_string_equal(out, VECTOR);
    assert_true(fingerprint_phone(fp, "(138) 0000-5555\n", out));
    assert_string_equal(out, VECTOR);
    assert_true(fingerprint_phone(fp, "13800005556", out));
    assert_string_not_equal(out, VECTOR);
    assert_false(fingerprint_phone(fp, "无", out));
    assert_string_equal(out, "");
    assert_false(fingerprint_phone(fp, NULL, out));
    assert_false(fingerprint_phone(fp, "", out));
    fingerprint_destroy(&fp);
}

/* fingerprint_bytes hashes every byte under the key: the same input the
 * same answer, one byte or the key changed another. */
static void test_bytes(void **state)
{
    fingerprint_t *fp = s_with_key(0), *other = s_with_key(1);
    char a[FINGERPRINT_HEX_LEN + 1], b[FINGERPRINT_HEX_LEN + 1];
    fingerprint_bytes(fp, "13800005555", 11, a);
    assert_string_equal(a, VECTOR);
    fingerprint_bytes(fp, "e\n127.0.0.1\nDB1\n2026-12", 23, a);
    assert_true(fingerprint_is_valid(a));
    fingerprint_bytes(fp, "e\n127.0.0.1\nDB1\n2026-12", 23, b);
    assert_string_equal(a, b);
    fingerprint_bytes(fp, "e\n127.0.0.1\nDB1\n2027-01", 23, b);
    assert_string_not_equal(a, b);
    fingerprint_bytes(other, "e\n127.0.0.1\nDB1\n2026-12", 23, b);
    assert_string_not_equal(a, b);
    /* The keyed state made once is reused, never consumed: a message of
     * several blocks after the others, then the first vector again. */
    char message[241] = "";
    for (int i = 0; i < 40; i++)
        strcat(message, "地址");
    fingerprint_bytes(fp, message, strlen(message), a);
    assert_string_equal(a, VECTOR_LONG);
    fingerprint_bytes(fp, "13800005555", 11, a);
    assert_string_equal(a, VECTOR);
    fingerprint_destroy(&fp);
    fingerprint_destroy(&other);
}

static void test_validity(void **state)
{
    assert_true(fingerprint_is_valid(VECTOR));
    assert_false(fingerprint_is_valid(NULL));
    assert_false(fingerprint_is_valid(""));
    assert_false(fingerprint_is_valid(VECTOR "0"));
    assert_false(fingerprint_is_valid("BCF891F59E937953616BF7388E444B111490B8BD2EF233EB0EF782545FAEFD54"));
    assert_false(fingerprint_is_valid("bcf891f59e937953616bf7388e444b111490b8bd2ef233eb0ef782545faefd5:"));
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_key_file(void **state)
{
    char dir[] = "/tmp/test_fingerprint.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char secrets[64], path[96];
    snprintf(secrets, sizeof(secrets), "%s/secrets", dir);
    snprintf(path, sizeof(path), "%s/%s", secrets, FINGERPRINT_KEY_FILE);

    assert_null(fingerprint_new(secrets)); /* missing: refused */
    assert_int_equal(fingerprint_key_create(secrets), 1);
    struct stat sb;
    assert_int_equal(stat(secrets, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 2 * FINGERPRINT_KEY_BYTES + 1);

    fingerprint_t *fp = fingerprint_new(secrets);
    assert_non_null(fp);
    char first[FINGERPRINT_HEX_LEN + 1], again[FINGERPRINT_HEX_LEN + 1];
    assert_true(fingerprint_phone(fp, "13800005555", first));
    fingerprint_destroy(&fp);

    /* A second setup keeps the key: same fingerprints as before. */
    assert_int_equal(fingerprint_key_create(secrets), 0);
    fp = fingerprint_new(secrets);
    assert_non_null(fp);
    assert_true(fingerprint_phone(fp, "13800005555", again));
    assert_string_equal(first, again);
    fingerprint_destroy(&fp);

    /* A known key file gives the known vector. */
    s_write(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
    fp = fingerprint_new(secrets);
    assert_non_null(fp);
    assert_true(fingerprint_phone(fp, "13800005555", again));
    assert_string_equal(again, VECTOR);
    fingerprint_destroy(&fp);

    /* Malformed: refused by services, left alone by setup. */
    s_write(path, "000102030405060708090a0b0c0d0e0f\n");
    assert_null(fingerprint_new(secrets));
    assert_int_equal(fingerprint_key_create(secrets), -1);
    s_write(path, "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
    assert_null(fingerprint_new(secrets));
    assert_int_equal(fingerprint_key_create(secrets), -1);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 2 * FINGERPRINT_KEY_BYTES + 1); /* not replaced */

    unlink(path);
    rmdir(secrets);
    rmdir(dir);
}

static void test_secrets_dir_setting(void **state)
{
    char conf[] = "/tmp/test_fingerprint_conf.XXXXXX";
    int fd = mkstemp(conf);
    assert_true(fd >= 0);
    close(fd);
    s_write(conf, "log = { level = \"warn\"; };\n");
    settings_t *st = settings_new(conf);
    assert_non_null(st);
    char buf[256], expected[256];
    snprintf(expected, sizeof(expected), "%.*s/secrets", (int)(strrchr(conf, '/') - conf), conf);
    assert_string_equal(fingerprint_secrets_dir(st, buf, sizeof(buf)), expected);
    settings_destroy(&st);
    s_write(conf, "secrets_dir = \"/srv/duban/secrets\";\n");
    st = settings_new(conf);
    assert_non_null(st);
    assert_string_equal(fingerprint_secrets_dir(st, buf, sizeof(buf)), "/srv/duban/secrets");
    settings_destroy(&st);
    unlink(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vector),
        cmocka_unit_test(test_another_key_another_fingerprint),
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_secrets_dir_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
