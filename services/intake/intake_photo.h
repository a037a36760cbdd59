/* A citizen's photo made safe to keep: recognised by its content (JPEG or
 * PNG, whatever its name or declared type says), bounded in bytes and
 * pixels before any decoding, and rewritten without metadata, so that no
 * EXIF or XMP (a phone's GPS position, its serial number, the time) and no
 * text chunk survives.
 *
 * JPEG: libjpeg-turbo's lossless transform (TurboJPEG tjTransform) copies
 * the coded image and no marker, turned upright by the EXIF orientation
 * read first (libexif), with progressive scans limited and any warning an
 * error; the result is then decoded at 1/8 scale to prove it an image.
 * PNG: libpng decodes within limits (dimensions, chunk sizes, ancillary
 * chunks ignored) and re-encodes the same pixels, keeping only what shows
 * them (palette, transparency, gamma, sRGB). Pure: memory in, memory out,
 * no I/O, safe to call from a worker thread. */
#ifndef DUBAN_INTAKE_PHOTO_H
#define DUBAN_INTAKE_PHOTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t max_bytes; /* of the file as sent */
    int max_side;     /* pixels, either side */
    long max_pixels;  /* width x height */
} intake_photo_limits_t;

typedef struct {
    uint8_t *data; /* malloc'ed; intake_photo_free */
    size_t len;
    const char *content_type; /* image/jpeg or image/png */
    int width, height;        /* as stored (upright) */
    char sha256[65];          /* of data, hex */
} intake_photo_t;

/* Cleans len bytes at in into out. Returns 0, or -1 with why (Chinese, for
 * the citizen: what is wrong and what to do) filled. */
int intake_photo_clean(const uint8_t *in, size_t len, const intake_photo_limits_t *limits,
                       intake_photo_t *out, char *why, size_t why_len);

void intake_photo_free(intake_photo_t *photo);

#endif
