/* Photo files on a worker thread (common/worker.h); see
 * intake_photo_store.h. */
#include "intake_photo_store.h"

#include "log.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_QUEUE 64 /* submits waiting: beyond, the form is asked to retry */

typedef struct job {
    worker_job_t base; /* first: the worker's */
    intake_upload_t uploads[INTAKE_PHOTO_MAX];
    int n;
    bool forget;   /* remove result's files instead */
    bool document; /* one staff attachment: a PDF is kept as sent */
    intake_photo_result_t result;
    intake_photo_store_cb cb;
    void *arg;
} job_t;

struct intake_photo_store {
    char dir[512];
    intake_photo_limits_t limits;
    worker_t *worker;
};

int intake_photo_store_path(const intake_photo_store_t *self, const char *file_id, char *out,
                            size_t len)
{
    if (strlen(file_id) != 32 || strspn(file_id, "0123456789abcdef") != 32)
        return -1;
    int n = snprintf(out, len, "%s/%s", self->dir, file_id);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Writes data durably as file_id: a temporary name, fsync, rename, fsync
 * of the folder. -1 (logged, nothing left behind) on failure. */
static int s_write(intake_photo_store_t *self, const char *file_id, const uint8_t *data, size_t len)
{
    char path[600], tmp[620];
    if (intake_photo_store_path(self, file_id, path, sizeof(path)) < 0)
        return -1;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("could not create photo file", "file=%s err=%s", tmp, strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    bool ok = done == len && fsync(fd) == 0;
    int err = errno;
    close(fd);
    if (!ok || rename(tmp, path) < 0) {
        log_error("could not write photo file", "file=%s err=%s", path, strerror(ok ? errno : err));
        unlink(tmp);
        return -1;
    }
    int dfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0) {
        log_error("could not sync photo folder", "dir=%s err=%s", self->dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        unlink(path);
        return -1;
    }
    close(dfd);
    return 0;
}

static void s_remove(intake_photo_store_t *self, const intake_photo_result_t *r)
{
    char path[600];
    for (int i = 0; i < r->count; i++)
        if (intake_photo_store_path(self, r->photos[i].file_id, path, sizeof(path)) == 0 &&
            unlink(path) < 0 && errno != ENOENT)
            log_warn("could not remove photo file", "file=%s err=%s", path, strerror(errno));
}

/* A JPEG or PNG by its signature (whether it is whole is the cleaner's). */
static bool s_is_image(const intake_upload_t *u)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return (u->len >= 3 && u->data[0] == 0xFF && u->data[1] == 0xD8 && u->data[2] == 0xFF) ||
           (u->len >= 8 && memcmp(u->data, png_sig, 8) == 0);
}

/* A PDF by its signature, within the size a photo may have. */
static bool s_is_pdf(const intake_upload_t *u, const intake_photo_limits_t *limits)
{
    return u->len > 5 && u->len <= limits->max_bytes && memcmp(u->data, "%PDF-", 5) == 0;
}

/* A PDF is kept as sent (staff download it; it is never shown inline):
 * photo takes the upload's bytes over. */
static void s_keep_pdf(intake_upload_t *u, intake_photo_t *photo)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, u->data, u->len);
    *photo = (intake_photo_t){.data = u->data, .len = u->len, .content_type = "application/pdf"};
    sodium_bin2hex(photo->sha256, sizeof(photo->sha256), hash, sizeof(hash));
    u->data = NULL;
    u->len = 0;
}

/* Cleans and writes a job's uploads (on the worker). */
static void s_run(intake_photo_store_t *self, job_t *job)
{
    intake_photo_result_t *r = &job->result;
    r->ok = true;
    r->failed = -1;
    for (int i = 0; i < job->n && r->ok; i++) {
        intake_photo_t photo;
        char why[200];
        if (job->document && s_is_pdf(&job->uploads[i], &self->limits)) {
            s_keep_pdf(&job->uploads[i], &photo);
        } else if (intake_photo_clean(job->uploads[i].data, job->uploads[i].len, &self->limits,
                                      &photo, why, sizeof(why)) < 0) {
            r->ok = false;
            r->failed = i;
            if (job->document && !s_is_image(&job->uploads[i]))
                snprintf(r->why, sizeof(r->why), "附件只收 PDF、JPEG 或 PNG 文件（按文件内容识别）");
            else if (job->document) /* a picture the cleaner refused: its own reason */
                snprintf(r->why, sizeof(r->why), "附件中的图片无法处理：%s", why);
            else
                snprintf(r->why, sizeof(r->why), "第 %d 张照片：%s", i + 1, why);
            break;
        }
        intake_stored_photo_t *s = &r->photos[r->count];
        unsigned char raw[16];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(s->file_id, sizeof(s->file_id), raw, sizeof(raw));
        if (s_write(self, s->file_id, photo.data, photo.len) < 0) {
            r->ok = false;
            snprintf(r->why, sizeof(r->why), "照片暂时无法保存，请稍后再提交");
        } else {
            s->content_type = photo.content_type;
            s->bytes = photo.len;
            s->width = photo.width;
            s->height = photo.height;
            memcpy(s->sha256, photo.sha256, sizeof(s->sha256));
            r->count++;
        }
        intake_photo_free(&photo);
    }
    if (!r->ok) {
        s_remove(self, r);
        r->count = 0;
    }
}

static void s_free_uploads(job_t *job)
{
    for (int i = 0; i < job->n; i++) {
        free(job->uploads[i].data);
        job->uploads[i].data = NULL;
    }
}

static void s_work(worker_job_t *base, void *arg)
{
    intake_photo_store_t *self = arg;
    job_t *job = (job_t *)base;
    if (job->forget)
        s_remove(self, &job->result);
    else
        s_run(self, job);
    s_free_uploads(job);
}

/* A job the worker never ran (it was stopped) fails with a reason the form
 * shows. */
static void s_end(worker_job_t *base, bool ran, void *arg)
{
    (void)arg;
    job_t *job = (job_t *)base;
    if (!ran) {
        job->result.ok = false;
        job->result.failed = -1;
        snprintf(job->result.why, sizeof(job->result.why), "服务正在重启，请稍后再提交");
    }
    if (job->cb)
        job->cb(&job->result, job->arg);
    s_free_uploads(job);
    free(job);
}

intake_photo_store_t *intake_photo_store_new(struct event_base *base, const char *dir,
                                             const intake_photo_limits_t *limits)
{
    intake_photo_store_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->limits = *limits;
    if (!dir || !dir[0] || strlen(dir) >= sizeof(self->dir) - 40) {
        log_error("intake.photos_dir is not set: name the folder for the report form's photos");
        goto out_fail;
    }
    snprintf(self->dir, sizeof(self->dir), "%s", dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        log_error("could not create photo folder", "dir=%s err=%s", dir, strerror(errno));
        goto out_fail;
    }
    if (access(dir, W_OK | X_OK) < 0) {
        log_error("cannot write photo folder", "dir=%s err=%s", dir, strerror(errno));
        goto out_fail;
    }
    self->worker = worker_new(base, "the photo store", STORE_QUEUE, s_work, s_end, self);
    if (!self->worker)
        goto out_fail;
    return self;

out_fail:
    intake_photo_store_destroy(&self);
    return NULL;
}

void intake_photo_store_destroy(intake_photo_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_destroy(&(*self_p)->worker);
    free(*self_p);
    *self_p = NULL;
}

static int s_queue(intake_photo_store_t *self, job_t *job)
{
    return worker_submit(self->worker, &job->base);
}

int intake_photo_store_submit(intake_photo_store_t *self, intake_upload_t *uploads, int n,
                              intake_photo_store_cb cb, void *arg)
{
    if (n < 0 || n > INTAKE_PHOTO_MAX)
        return -1;
    job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return -1;
    job->n = n;
    job->cb = cb;
    job->arg = arg;
    memcpy(job->uploads, uploads, (size_t)n * sizeof(*uploads));
    if (s_queue(self, job) < 0) {
        free(job);
        return -1;
    }
    for (int i = 0; i < n; i++)
        uploads[i].data = NULL; /* taken over */
    return 0;
}

int intake_photo_store_submit_document(intake_photo_store_t *self, intake_upload_t *upload,
                                       intake_photo_store_cb cb, void *arg)
{
    job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return -1;
    job->n = 1;
    job->document = true;
    job->cb = cb;
    job->arg = arg;
    job->uploads[0] = *upload;
    if (s_queue(self, job) < 0) {
        free(job);
        return -1;
    }
    upload->data = NULL; /* taken over */
    return 0;
}

void intake_photo_store_forget(intake_photo_store_t *self, const intake_photo_result_t *result)
{
    if (!result->ok || result->count == 0)
        return;
    job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return;
    job->forget = true;
    job->result = *result;
    if (s_queue(self, job) < 0) {
        log_warn("could not remove the photos of a case that was not stored: queue full");
        free(job);
    }
}

char *intake_photo_store_json(const intake_photo_result_t *result)
{
    json_t *list = json_array();
    for (int i = 0; list && i < result->count; i++) {
        const intake_stored_photo_t *p = &result->photos[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:i, s:i, s:s}", "file_id",
                                              p->file_id, "content_type", p->content_type, "bytes",
                                              (json_int_t)p->bytes, "width", p->width, "height",
                                              p->height, "sha256", p->sha256));
    }
    char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    return text;
}
