/* Photos of the public report form, cleaned and written to disk on a
 * worker thread, so that neither decoding nor fsync holds intake's loop.
 *
 * Files live in one folder (the setting intake.photos_dir), outside any
 * folder a web server serves, mode 0600, each named by a random id of 32
 * hex digits and nothing else; PostgreSQL holds the rows (case_photos) that
 * tie them to a case, written in the case's own transaction. A file is
 * durable (written, fsynced, renamed, the folder fsynced) before it is
 * reported stored, so a case never names a photo that a crash lost; a
 * crash between the files and the commit leaves files no row names
 * (harmless, and intake_photo_store_forget removes them when the commit
 * itself fails). */
#ifndef DUBAN_INTAKE_PHOTO_STORE_H
#define DUBAN_INTAKE_PHOTO_STORE_H

#include "intake_photo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INTAKE_PHOTO_MAX 3 /* photos with one report */

struct event_base;

typedef struct intake_photo_store intake_photo_store_t;

/* A file as uploaded (owned by whoever holds the upload). */
typedef struct {
    uint8_t *data;
    size_t len;
} intake_upload_t;

typedef struct {
    char file_id[33];
    const char *content_type;
    size_t bytes;
    int width, height;
    char sha256[65];
} intake_stored_photo_t;

typedef struct {
    int count; /* stored, when ok */
    intake_stored_photo_t photos[INTAKE_PHOTO_MAX];
    bool ok;
    int failed;    /* the photo refused (0-based), when not ok and it was one photo's fault */
    char why[256]; /* Chinese, for the citizen */
} intake_photo_result_t;

/* Called on the loop once the uploads of a submit are stored (or not). */
typedef void (*intake_photo_store_cb)(const intake_photo_result_t *result, void *arg);

/* Makes dir (0700) when missing. NULL when it cannot be used. */
intake_photo_store_t *intake_photo_store_new(struct event_base *base, const char *dir,
                                             const intake_photo_limits_t *limits);

/* Stops the worker; submits still queued are answered not ok. */
void intake_photo_store_destroy(intake_photo_store_t **self_p);

/* Cleans and stores n uploads (taken over, freed here) and calls cb on the
 * loop. -1 (nothing taken, cb not called) when the queue is full. */
int intake_photo_store_submit(intake_photo_store_t *self, intake_upload_t *uploads, int n,
                              intake_photo_store_cb cb, void *arg);

/* One staff attachment (taken over): a PDF is kept as sent, a JPEG or PNG
 * is cleaned like a photo; cb as for submit. -1 when the queue is full. */
int intake_photo_store_submit_document(intake_photo_store_t *self, intake_upload_t *upload,
                                       intake_photo_store_cb cb, void *arg);

/* Removes the files of result (a case that was not stored), on the worker. */
void intake_photo_store_forget(intake_photo_store_t *self, const intake_photo_result_t *result);

/* The path of file_id's file into out; -1 when file_id is not an id. */
int intake_photo_store_path(const intake_photo_store_t *self, const char *file_id, char *out,
                            size_t len);

/* The stored photos of result as the JSON array the case insert takes
 * (malloc'ed), or NULL when out of memory. */
char *intake_photo_store_json(const intake_photo_result_t *result);

#endif
