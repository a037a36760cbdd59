/* Photos without metadata; see intake_photo.h. */
#include "intake_photo.h"

#include <libexif/exif-data.h>
#include <png.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#define PHOTO_CHUNK_MAX (1024 * 1024) /* bytes of one ancillary PNG chunk libpng may hold */

static int s_refuse(char *why, size_t len, const char *text)
{
    snprintf(why, len, "%s", text);
    return -1;
}

static int s_bounded(int w, int h, const intake_photo_limits_t *l)
{
    return w > 0 && h > 0 && w <= l->max_side && h <= l->max_side &&
           (long)w * (long)h <= l->max_pixels;
}

static void s_digest(intake_photo_t *out)
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, out->data, out->len);
    sodium_bin2hex(out->sha256, sizeof(out->sha256), d, sizeof(d));
}

/* ------------------------------------------------------------------------
 * JPEG */

/* The EXIF orientation (1-8), 1 when there is none. */
static int s_orientation(const uint8_t *in, size_t len)
{
    ExifData *ed = exif_data_new();
    if (!ed)
        return 1;
    /* Read as it is: no fixing up, no maker notes. */
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_load_data(ed, in, (unsigned int)len);
    int orientation = 1;
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e && e->format == EXIF_FORMAT_SHORT && e->components == 1 && e->size >= 2)
        orientation = exif_get_short(e->data, exif_data_get_byte_order(ed));
    exif_data_unref(ed);
    return orientation >= 1 && orientation <= 8 ? orientation : 1;
}

static int s_jpeg(const uint8_t *in, size_t len, const intake_photo_limits_t *l,
                  intake_photo_t *out, char *why, size_t why_len)
{
    static const int ops[9] = {TJXOP_NONE,   TJXOP_NONE,       TJXOP_HFLIP,
                               TJXOP_ROT180, TJXOP_VFLIP,      TJXOP_TRANSPOSE,
                               TJXOP_ROT90,  TJXOP_TRANSVERSE, TJXOP_ROT270};
    int rc = -1, w = 0, h = 0, subsamp = 0, colorspace = 0;
    unsigned char *dst = NULL, *pixels = NULL;
    unsigned long dst_len = 0;
    tjhandle xf = tjInitTransform(), dec = tjInitDecompress();
    if (!xf || !dec) {
        s_refuse(why, why_len, "照片处理暂时出错，请稍后再试");
        goto out_free;
    }
    if (tjDecompressHeader3(xf, in, (unsigned long)len, &w, &h, &subsamp, &colorspace) < 0) {
        s_refuse(why, why_len, "照片无法识别：请上传 JPEG 或 PNG 格式的照片");
        goto out_free;
    }
    if (!s_bounded(w, h, l)) {
        s_refuse(why, why_len, "照片尺寸过大：请缩小到 6000×4000 像素以内再上传");
        goto out_free;
    }
    tjtransform t;
    memset(&t, 0, sizeof(t));
    t.op = ops[s_orientation(in, len)];
    t.options = TJXOPT_COPYNONE | (t.op != TJXOP_NONE ? TJXOPT_TRIM : 0);
    if (tjTransform(xf, in, (unsigned long)len, 1, &dst, &dst_len, &t,
                    TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING) < 0) {
        s_refuse(why, why_len, "照片已损坏或格式不受支持：请重新拍摄或换一张 JPEG 照片");
        goto out_free;
    }
    /* Decoded (at 1/8 scale, cheaply) to prove the stored file an image. */
    if (tjDecompressHeader3(dec, dst, dst_len, &w, &h, &subsamp, &colorspace) < 0) {
        s_refuse(why, why_len, "照片已损坏：请重新拍摄或换一张照片");
        goto out_free;
    }
    tjscalingfactor eighth = {1, 8};
    int sw = TJSCALED(w, eighth), sh = TJSCALED(h, eighth);
    pixels = malloc((size_t)sw * (size_t)sh * 3 + 1);
    if (!pixels || tjDecompress2(dec, dst, dst_len, pixels, sw, 0, sh, TJPF_RGB,
                                 TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING) < 0) {
        s_refuse(why, why_len, "照片已损坏：请重新拍摄或换一张照片");
        goto out_free;
    }
    out->data = malloc(dst_len);
    if (!out->data) {
        s_refuse(why, why_len, "照片处理暂时出错，请稍后再试");
        goto out_free;
    }
    memcpy(out->data, dst, dst_len);
    out->len = dst_len;
    out->content_type = "image/jpeg";
    out->width = w;
    out->height = h;
    rc = 0;
out_free:
    free(pixels);
    tjFree(dst);
    if (xf)
        tjDestroy(xf);
    if (dec)
        tjDestroy(dec);
    return rc;
}

/* ------------------------------------------------------------------------
 * PNG */

typedef struct {
    const uint8_t *in;
    size_t len, at;
    uint8_t *out;
    size_t out_len, out_cap;
    png_bytep *rows;
    png_uint_32 height;
} png_ctx_t;

static void s_png_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void s_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void s_png_read(png_structp png, png_bytep data, size_t n)
{
    png_ctx_t *c = png_get_io_ptr(png);
    if (n > c->len - c->at)
        png_error(png, "read past the end");
    memcpy(data, c->in + c->at, n);
    c->at += n;
}

static void s_png_write(png_structp png, png_bytep data, size_t n)
{
    png_ctx_t *c = png_get_io_ptr(png);
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 65536;
        while (cap < c->out_len + n)
            cap *= 2;
        uint8_t *grown = realloc(c->out, cap);
        if (!grown)
            png_error(png, "out of memory");
        c->out = grown;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
}

static void s_png_flush(png_structp png)
{
    (void)png;
}

/* Decodes c->in into c->rows and re-encodes them into c->out. Runs under
 * setjmp: everything it allocates hangs off c or the libpng structures. */
static int s_png_copy(png_ctx_t *c, const intake_photo_limits_t *l, int *width, int *height,
                      char *why, size_t why_len)
{
    png_structp rd = NULL, wr = NULL;
    png_infop rinfo = NULL, winfo = NULL;
    volatile int rc = -1;
    rd = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, s_png_error, s_png_warning);
    rinfo = rd ? png_create_info_struct(rd) : NULL;
    wr = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, s_png_error, s_png_warning);
    winfo = wr ? png_create_info_struct(wr) : NULL;
    if (!rinfo || !winfo) {
        s_refuse(why, why_len, "照片处理暂时出错，请稍后再试");
        goto out_free;
    }
    if (setjmp(png_jmpbuf(rd)) || setjmp(png_jmpbuf(wr))) {
        s_refuse(why, why_len, "照片已损坏或格式不受支持：请换一张 PNG 或 JPEG 照片");
        goto out_free;
    }
    png_set_user_limits(rd, (png_uint_32)l->max_side, (png_uint_32)l->max_side);
    png_set_chunk_cache_max(rd, 64);
    png_set_chunk_malloc_max(rd, PHOTO_CHUNK_MAX);
    /* Unknown chunks are dropped. */
    png_set_keep_unknown_chunks(rd, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    /* So are the metadata chunks libpng knows, unread: the copy keeps none of
     * them, and libpng 1.6.39 allocates a tEXt's or eXIf's declared length
     * (2 GB from a 325-byte file) before reading it. Skipped, a chunk is only
     * read past. */
    static const png_byte s_unread[] = "tEXt\0zTXt\0iTXt\0eXIf\0iCCP\0sPLT\0pCAL\0sCAL";
    png_set_keep_unknown_chunks(rd, PNG_HANDLE_CHUNK_NEVER, s_unread, 8);
    png_set_read_fn(rd, c, s_png_read);
    png_read_info(rd, rinfo);
    png_uint_32 w, h;
    int depth, color, interlace;
    png_get_IHDR(rd, rinfo, &w, &h, &depth, &color, &interlace, NULL, NULL);
    if (!s_bounded((int)w, (int)h, l)) {
        s_refuse(why, why_len, "照片尺寸过大：请缩小到 6000×4000 像素以内再上传");
        goto out_free;
    }
    png_set_interlace_handling(rd);
    png_read_update_info(rd, rinfo);
    size_t rowbytes = png_get_rowbytes(rd, rinfo);
    c->rows = calloc(h, sizeof(png_bytep));
    if (!c->rows) {
        s_refuse(why, why_len, "照片处理暂时出错，请稍后再试");
        goto out_free;
    }
    c->height = h;
    for (png_uint_32 y = 0; y < h; y++)
        if (!(c->rows[y] = malloc(rowbytes))) {
            s_refuse(why, why_len, "照片处理暂时出错，请稍后再试");
            goto out_free;
        }
    png_read_image(rd, c->rows);
    png_read_end(rd, NULL);

    png_set_write_fn(wr, c, s_png_write, s_png_flush);
    png_set_IHDR(wr, winfo, w, h, depth, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_colorp palette;
    int npalette;
    if (png_get_PLTE(rd, rinfo, &palette, &npalette) == PNG_INFO_PLTE)
        png_set_PLTE(wr, winfo, palette, npalette);
    png_bytep alpha;
    int nalpha;
    png_color_16p trans;
    if (png_get_tRNS(rd, rinfo, &alpha, &nalpha, &trans) == PNG_INFO_tRNS)
        png_set_tRNS(wr, winfo, alpha, nalpha, trans);
    int intent;
    png_fixed_point gamma;
    if (png_get_sRGB(rd, rinfo, &intent) == PNG_INFO_sRGB)
        png_set_sRGB(wr, winfo, intent);
    else if (png_get_gAMA_fixed(rd, rinfo, &gamma) == PNG_INFO_gAMA)
        png_set_gAMA_fixed(wr, winfo, gamma);
    png_write_info(wr, winfo);
    png_write_image(wr, c->rows);
    png_write_end(wr, NULL);
    *width = (int)w;
    *height = (int)h;
    rc = 0;
out_free:
    if (rd)
        png_destroy_read_struct(&rd, rinfo ? &rinfo : NULL, NULL);
    if (wr)
        png_destroy_write_struct(&wr, winfo ? &winfo : NULL);
    return rc;
}

static int s_png(const uint8_t *in, size_t len, const intake_photo_limits_t *l, intake_photo_t *out,
                 char *why, size_t why_len)
{
    png_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return s_refuse(why, why_len, "照片处理暂时出错，请稍后再试");
    c->in = in;
    c->len = len;
    int w = 0, h = 0;
    int rc = s_png_copy(c, l, &w, &h, why, why_len);
    for (png_uint_32 y = 0; c->rows && y < c->height; y++)
        free(c->rows[y]);
    free(c->rows);
    if (rc == 0) {
        out->data = c->out;
        out->len = c->out_len;
        out->content_type = "image/png";
        out->width = w;
        out->height = h;
    } else {
        free(c->out);
    }
    free(c);
    return rc;
}

int intake_photo_clean(const uint8_t *in, size_t len, const intake_photo_limits_t *limits,
                       intake_photo_t *out, char *why, size_t why_len)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return s_refuse(why, why_len, "照片是空文件：请重新选择");
    if (len > limits->max_bytes) {
        snprintf(why, why_len, "照片超过 %zu MB：请压缩或换一张较小的照片",
                 limits->max_bytes / (1024 * 1024));
        return -1;
    }
    int rc;
    if (len >= 3 && in[0] == 0xFF && in[1] == 0xD8 && in[2] == 0xFF)
        rc = s_jpeg(in, len, limits, out, why, why_len);
    else if (len >= 8 && memcmp(in, png_sig, 8) == 0)
        rc = s_png(in, len, limits, out, why, why_len);
    else
        return s_refuse(why, why_len, "只能上传 JPEG 或 PNG 格式的照片（按文件内容识别）");
    if (rc == 0)
        s_digest(out);
    return rc;
}

void intake_photo_free(intake_photo_t *photo)
{
    if (!photo)
        return;
    free(photo->data);
    photo->data = NULL;
    photo->len = 0;
}
