/* Writes test photos the way a phone makes them: photo_make jpeg OUT W H
 * writes a JPEG of W x H pixels with an EXIF block holding a GPS position
 * (30.2741 N, 120.1551 E, the marker values a test looks for) and the
 * orientation 6 (turn 90 degrees to stand upright); photo_make png OUT W H
 * writes a PNG with a tEXt chunk "GPS 30.2741,120.1551" and an eXIf chunk. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* A little-endian TIFF block: IFD0 with Orientation and a GPS IFD pointer;
 * the GPS IFD with latitude 30/1 16/1 2676/100 N and longitude 120/1 9/1
 * 1836/100 E. Its bytes also carry the ASCII marker "DUBANGPS". */
static size_t s_exif(uint8_t *out)
{
    uint8_t t[512];
    memset(t, 0, sizeof(t));
    size_t n = 0;
#define U16(v) (t[n++] = (uint8_t)((v)&0xff), t[n++] = (uint8_t)((v) >> 8))
#define U32(v) (U16((v)&0xffff), U16(((uint32_t)(v)) >> 16))
    t[n++] = 'I', t[n++] = 'I';
    U16(42);
    U32(8);
    /* IFD0 at 8: 2 entries */
    U16(2);
    U16(0x0112), U16(3), U32(1), U16(6), U16(0); /* Orientation = 6 */
    U16(0x8825), U16(4), U32(1), U32(38);        /* GPS IFD at 38 */
    U32(0);
    /* GPS IFD at 38: 5 entries (2 + 5*12 + 4 = 66) -> data from 104 */
    U16(5);
    U16(1), U16(2), U32(2), t[n++] = 'N', t[n++] = 0, U16(0);
    U16(2), U16(5), U32(3), U32(104);
    U16(3), U16(2), U32(2), t[n++] = 'E', t[n++] = 0, U16(0);
    U16(4), U16(5), U32(3), U32(128);
    U16(0x1b), U16(7), U32(8), U32(152); /* processing method: the marker */
    U32(0);
    uint32_t lat[6] = {30, 1, 16, 1, 2676, 100}, lon[6] = {120, 1, 9, 1, 1836, 100};
    for (int i = 0; i < 6; i++)
        U32(lat[i]);
    for (int i = 0; i < 6; i++)
        U32(lon[i]);
    memcpy(t + n, "DUBANGPS", 8);
    n += 8;
#undef U16
#undef U32
    memcpy(out, "Exif\0\0", 6);
    memcpy(out + 6, t, n);
    return n + 6;
}

static int s_jpeg(const char *path, int w, int h)
{
    unsigned char *rgb = malloc((size_t)w * h * 3), *jpg = NULL;
    unsigned long len = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = rgb + ((size_t)y * w + x) * 3;
            p[0] = (unsigned char)(x * 255 / w), p[1] = (unsigned char)(y * 255 / h), p[2] = 128;
        }
    tjhandle tj = tjInitCompress();
    if (tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &jpg, &len, TJSAMP_420, 85, 0) < 0)
        return 1;
    uint8_t app1[600];
    size_t exif = s_exif(app1 + 4);
    app1[0] = 0xFF, app1[1] = 0xE1;
    app1[2] = (uint8_t)((exif + 2) >> 8), app1[3] = (uint8_t)((exif + 2) & 0xff);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    fwrite(jpg, 1, 2, f); /* SOI, then EXIF as a camera writes it */
    fwrite(app1, 1, exif + 4, f);
    fwrite(jpg + 2, 1, len - 2, f);
    fclose(f);
    tjFree(jpg);
    tjDestroy(tj);
    free(rgb);
    return 0;
}

static int s_png(const char *path, int w, int h)
{
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (!f || setjmp(png_jmpbuf(png)))
        return 1;
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_text text = {.compression = PNG_TEXT_COMPRESSION_NONE,
                     .key = "Comment",
                     .text = "GPS 30.2741,120.1551 DUBANGPS"};
    png_set_text(png, info, &text, 1);
    uint8_t exif[600];
    size_t n = s_exif(exif);
    png_set_eXIf_1(png, info, (png_uint_32)(n - 6), exif + 6);
    png_write_info(png, info);
    unsigned char *row = malloc((size_t)w * 3);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            row[x * 3] = (unsigned char)x, row[x * 3 + 1] = (unsigned char)y, row[x * 3 + 2] = 7;
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
    free(row);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: photo_make jpeg|png OUT WIDTH HEIGHT\n");
        return 2;
    }
    int w = atoi(argv[3]), h = atoi(argv[4]);
    return strcmp(argv[1], "png") == 0 ? s_png(argv[2], w, h) : s_jpeg(argv[2], w, h);
}
