/* Password checks on a worker thread; see web_pwcheck.h. The worker owns a
 * job from the queue until it writes the job's pointer to the pipe; the
 * loop then owns it again, calls back and frees it. */
#include "web_pwcheck.h"

#include "auth.h"
#include "log.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct job {
    char hash[AUTH_PASSWORD_HASH_MAX];
    char password[AUTH_PASSWORD_MAX + 1];
    bool has_hash;
    bool match;
    web_pwcheck_cb cb;
    void *arg;
    struct job *next;
} job_t;

struct web_pwcheck {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    job_t *head, *tail;
    int queued;
    bool stop;
    int pipe_fd[2];
    struct event *done_ev;
    char dummy[AUTH_PASSWORD_HASH_MAX]; /* for staff without a password */
};

static void *s_worker(void *arg)
{
    web_pwcheck_t *self = arg;
    for (;;) {
        pthread_mutex_lock(&self->lock);
        while (!self->head && !self->stop)
            pthread_cond_wait(&self->wake, &self->lock);
        if (self->stop) {
            pthread_mutex_unlock(&self->lock);
            return NULL;
        }
        job_t *job = self->head;
        self->head = job->next;
        if (!self->head)
            self->tail = NULL;
        pthread_mutex_unlock(&self->lock);
        bool match = auth_password_verify(job->has_hash ? job->hash : self->dummy, job->password);
        job->match = match && job->has_hash;
        sodium_memzero(job->password, sizeof(job->password));
        ssize_t n;
        do
            n = write(self->pipe_fd[1], &job, sizeof(job));
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(job)) {
            log_error("could not hand a password check back to the loop", "err=%s",
                      strerror(errno));
            free(job); /* the request then times out; nothing else is lost */
        }
    }
}

static void s_done_cb(evutil_socket_t fd, short what, void *arg)
{
    web_pwcheck_t *self = arg;
    job_t *jobs[16];
    ssize_t n = read(fd, jobs, sizeof(jobs));
    for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(job_t *); i++) {
        pthread_mutex_lock(&self->lock);
        self->queued--;
        pthread_mutex_unlock(&self->lock);
        jobs[i]->cb(jobs[i]->match, jobs[i]->arg);
        free(jobs[i]);
    }
}

web_pwcheck_t *web_pwcheck_new(struct event_base *base)
{
    web_pwcheck_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pipe_fd[0] = self->pipe_fd[1] = -1;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    char random[33];
    unsigned char raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(random, sizeof(random), raw, sizeof(raw));
    if (auth_password_hash(random, self->dummy) < 0 || pipe2(self->pipe_fd, O_CLOEXEC) < 0 ||
        fcntl(self->pipe_fd[0], F_SETFL, O_NONBLOCK) < 0)
        goto out_fail;
    self->done_ev = event_new(base, self->pipe_fd[0], EV_READ | EV_PERSIST, s_done_cb, self);
    if (!self->done_ev || event_add(self->done_ev, NULL) < 0 ||
        pthread_create(&self->thread, NULL, s_worker, self) != 0)
        goto out_fail;
    self->started = true;
    return self;

out_fail:
    log_error("could not start the password checker");
    web_pwcheck_destroy(&self);
    return NULL;
}

void web_pwcheck_destroy(web_pwcheck_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_pwcheck_t *self = *self_p;
    if (self->started) {
        pthread_mutex_lock(&self->lock);
        self->stop = true;
        pthread_cond_signal(&self->wake);
        pthread_mutex_unlock(&self->lock);
        pthread_join(self->thread, NULL);
    }
    /* Answer what waits (queued, or finished and in the pipe). */
    if (self->pipe_fd[0] >= 0)
        s_done_cb(self->pipe_fd[0], EV_READ, self);
    while (self->head) {
        job_t *job = self->head;
        self->head = job->next;
        job->cb(false, job->arg);
        free(job);
    }
    if (self->done_ev)
        event_free(self->done_ev);
    for (int i = 0; i < 2; i++)
        if (self->pipe_fd[i] >= 0)
            close(self->pipe_fd[i]);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
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
    pthread_mutex_lock(&self->lock);
    if (self->queued >= WEB_PWCHECK_QUEUE) {
        pthread_mutex_unlock(&self->lock);
        free(job);
        return -1;
    }
    self->queued++;
    if (self->tail)
        self->tail->next = job;
    else
        self->head = job;
    self->tail = job;
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
    return 0;
}
