/* services/intake/intake_photo.c: photos recognised by content, bounded
 * before decoding, and stored without their metadata (the EXIF GPS block
 * tests/tools/photo_make.c writes, marked "DUBANGPS"). */
#define main photo_make_main
#include "../tools/photo_make.c"
#undef main

#include "intake_photo.h"

#include <stdbool.h>

#include <cmocka.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

static const intake_photo_limits_t s_limits = {
    .max_bytes = 5 * 1024 * 1024, .max_side = 8000, .max_pixels = 24000000};

static uint8_t *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

static uint8_t *s_made(const char *type, int w, int h, size_t *len)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/duban-photo-%d.%s", (int)getpid(), type);
    assert_int_equal(strcmp(type, "png") == 0 ? s_png(path, w, h) : s_jpeg(path, w, h), 0);
    uint8_t *buf = s_read(path, len);
    unlink(path);
    return buf;
}

static bool s_has(const uint8_t *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return true;
    return false;
}

static void test_jpeg_loses_exif_and_stands_upright(void **state)
{
    size_t len;
    uint8_t *in = s_made("jpeg", 320, 240, &len);
    assert_true(s_has(in, len, "DUBANGPS") && s_has(in, len, "Exif"));
    intake_photo_t out;
    char why[256];
    assert_int_equal(intake_photo_clean(in, len, &s_limits, &out, why, sizeof(why)), 0);
    assert_string_equal(out.content_type, "image/jpeg");
    assert_false(s_has(out.data, out.len, "DUBANGPS"));
    assert_false(s_has(out.data, out.len, "Exif"));
    /* no APP1 marker at all */
    for (size_t i = 0; i + 1 < out.len; i++)
        assert_false(out.data[i] == 0xFF && out.data[i + 1] == 0xE1 && i < 64);
    /* orientation 6: turned a quarter, so the sides swap */
    assert_int_equal(out.width, 240);
    assert_int_equal(out.height, 320);
    assert_int_equal(strlen(out.sha256), 64);
    intake_photo_free(&out);
    free(in);
}

static void test_png_loses_text_and_exif(void **state)
{
    size_t len;
    uint8_t *in = s_made("png", 64, 48, &len);
    assert_true(s_has(in, len, "DUBANGPS") && s_has(in, len, "eXIf"));
    intake_photo_t out;
    char why[256];
    assert_int_equal(intake_photo_clean(in, len, &s_limits, &out, why, sizeof(why)), 0);
    assert_string_equal(out.content_type, "image/png");
    assert_false(s_has(out.data, out.len, "DUBANGPS"));
    assert_false(s_has(out.data, out.len, "eXIf"));
    assert_false(s_has(out.data, out.len, "tEXt"));
    assert_int_equal(out.width, 64);
    assert_int_equal(out.height, 48);
    intake_photo_free(&out);
    free(in);
}

static void test_refuses_what_is_not_a_photo(void **state)
{
    intake_photo_t out;
    char why[256];
    const char *text = "GIF89a this is not a JPEG even if named photo.jpg";
    assert_int_equal(
        intake_photo_clean((const uint8_t *)text, strlen(text), &s_limits, &out, why, sizeof(why)),
        -1);
    assert_non_null(strstr(why, "JPEG 或 PNG"));
    /* a JPEG cut in half */
    size_t len;
    uint8_t *in = s_made("jpeg", 320, 240, &len);
    assert_int_equal(intake_photo_clean(in, len / 2, &s_limits, &out, why, sizeof(why)), -1);
    free(in);
    /* a PNG cut short */
    in = s_made("png", 64, 48, &len);
    assert_int_equal(intake_photo_clean(in, len - 20, &s_limits, &out, why, sizeof(why)), -1);
    free(in);
    assert_int_equal(intake_photo_clean((const uint8_t *)"", 0, &s_limits, &out, why, sizeof(why)),
                     -1);
}

static void test_bounds_before_decoding(void **state)
{
    intake_photo_t out;
    char why[256];
    size_t len;
    uint8_t *in = s_made("jpeg", 320, 240, &len);
    intake_photo_limits_t small = {.max_bytes = 100, .max_side = 8000, .max_pixels = 24000000};
    assert_int_equal(intake_photo_clean(in, len, &small, &out, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "MB"));
    intake_photo_limits_t narrow = {.max_bytes = len, .max_side = 200, .max_pixels = 24000000};
    assert_int_equal(intake_photo_clean(in, len, &narrow, &out, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "尺寸"));
    free(in);
    /* A PNG whose header claims 60000 x 60000: refused from the header. */
    in = s_made("png", 64, 48, &len);
    in[16] = 0, in[17] = 0, in[18] = 0xEA, in[19] = 0x60; /* width 60000 */
    in[20] = 0, in[21] = 0, in[22] = 0xEA, in[23] = 0x60;
    assert_int_equal(intake_photo_clean(in, len, &s_limits, &out, why, sizeof(why)), -1);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_loses_exif_and_stands_upright),
        cmocka_unit_test(test_png_loses_text_and_exif),
        cmocka_unit_test(test_refuses_what_is_not_a_photo),
        cmocka_unit_test(test_bounds_before_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
