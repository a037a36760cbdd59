/* Password checks on a worker thread (common/worker.h); see
 * web_pwcheck.h. */
#include "web_pwcheck.h"

#include "auth.h"
#include "log.h"
#include "worker.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    worker_job_t base; /* first: the worker's */
    char hash[AUTH_PASSWORD_HASH_MAX];
    char password[AUTH_PASSWORD_MAX + 1];
    bool has_hash;
    bool match;
    web_pwcheck_cb cb;
    void *arg;
} job_t;

struct web_pwcheck {
    worker_t *worker;
    char dummy[AUTH_PASSWORD_HASH_MAX]; /* for staff without a password */
};

static void s_run(worker_job_t *base, void *arg)
{
    web_pwcheck_t *self = arg;
    job_t *job = (job_t *)base;
    bool match = auth_password_verify(job->has_hash ? job->hash : self->dummy, job->password);
    job->match = match && job->has_hash;
    sodium_memzero(job->password, sizeof(job->password));
}

/* A check the worker never ran (it was stopped) answers false. */
static void s_end(worker_job_t *base, bool ran, void *arg)
{
    (void)arg;
    job_t *job = (job_t *)base;
    sodium_memzero(job->password, sizeof(job->password));
    job->cb(ran && job->match, job->arg);
    free(job);
}

web_pwcheck_t *web_pwcheck_new(struct event_base *base)
{
    web_pwcheck_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    char random[33];
    unsigned char raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(random, sizeof(random), raw, sizeof(raw));
    if (auth_password_hash(random, self->dummy) < 0 ||
        !(self->worker =
              worker_new(base, "the password checker", WEB_PWCHECK_QUEUE, s_run, s_end, self))) {
        log_error("could not start the password checker");
        web_pwcheck_destroy(&self);
        return NULL;
    }
    return self;
}

void web_pwcheck_destroy(web_pwcheck_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_destroy(&(*self_p)->worker);
    free(*self_p);
    *self_p = NULL;
}

int web_pwcheck_submit(web_pwcheck_t *self, const char *hash, const char *password,
                       web_pwcheck_cb cb, void *arg)
{
    if (strlen(password) > AUTH_PASSWORD_MAX || (hash && strlen(hash) >= AUTH_PASSWORD_HASH_MAX))
        return -1;
    job_t *job = calloc(1, sizeof(*job));
    if (!job)
        return -1;
    job->has_hash = hash && hash[0];
    if (job->has_hash)
        strcpy(job->hash, hash);
    strcpy(job->password, password);
    job->cb = cb;
    job->arg = arg;
    if (worker_submit(self->worker, &job->base) < 0) {
        sodium_memzero(job->password, sizeof(job->password));
        free(job);
        return -1;
    }
    return 0;
}
