/* One worker thread and its queue; see worker.h. The lock guards both lists
 * and the counts; the thread owns a job from the moment it takes it from
 * the queue until it puts it on the finished list. */
#include "worker.h"

#include "log.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    worker_job_t *head, *tail;
} list_t;

struct worker {
    worker_run_cb run;
    worker_end_cb end;
    void *arg;
    int max_jobs;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    list_t queue;
    list_t finished;
    int held; /* queued, running or finished */
    bool stop;
    int pipe_fd[2];
    struct event *finished_ev;
};

static void s_push(list_t *l, worker_job_t *job)
{
    job->next = NULL;
    if (l->tail)
        l->tail->next = job;
    else
        l->head = job;
    l->tail = job;
}

static worker_job_t *s_take_all(list_t *l)
{
    worker_job_t *all = l->head;
    l->head = l->tail = NULL;
    return all;
}

static void *s_thread(void *arg)
{
    worker_t *self = arg;
    for (;;) {
        pthread_mutex_lock(&self->lock);
        while (!self->queue.head && !self->stop)
            pthread_cond_wait(&self->wake, &self->lock);
        if (self->stop) {
            pthread_mutex_unlock(&self->lock);
            return NULL;
        }
        worker_job_t *job = self->queue.head;
        self->queue.head = job->next;
        if (!self->queue.head)
            self->queue.tail = NULL;
        pthread_mutex_unlock(&self->lock);
        self->run(job, self->arg);
        pthread_mutex_lock(&self->lock);
        bool was_empty = !self->finished.head;
        s_push(&self->finished, job);
        pthread_mutex_unlock(&self->lock);
        /* one byte wakes the loop for all the list holds; a full pipe
         * has woken it already */
        if (was_empty) {
            ssize_t n;
            do
                n = write(self->pipe_fd[1], "", 1);
            while (n < 0 && errno == EINTR);
        }
    }
}

/* Ends the jobs of list, first to last, each with ran. */
static void s_end_all(worker_t *self, worker_job_t *job, bool ran)
{
    while (job) {
        worker_job_t *next = job->next;
        pthread_mutex_lock(&self->lock);
        self->held--;
        pthread_mutex_unlock(&self->lock);
        job->next = NULL;
        self->end(job, ran, self->arg);
        job = next;
    }
}

static void s_finished_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    worker_t *self = arg;
    char drain[64];
    while (read(fd, drain, sizeof(drain)) > 0)
        ;
    pthread_mutex_lock(&self->lock);
    worker_job_t *done = s_take_all(&self->finished);
    pthread_mutex_unlock(&self->lock);
    s_end_all(self, done, true);
}

worker_t *worker_new(struct event_base *base, const char *what, int max_jobs, worker_run_cb run,
                     worker_end_cb end, void *arg)
{
    worker_t *self = calloc(1, sizeof(*self));
    if (!self) {
        log_error("could not start a worker thread: out of memory", "for=%s", what);
        return NULL;
    }
    self->run = run;
    self->end = end;
    self->arg = arg;
    self->max_jobs = max_jobs;
    self->pipe_fd[0] = self->pipe_fd[1] = -1;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    if (pipe2(self->pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0)
        goto out_fail;
    self->finished_ev =
        event_new(base, self->pipe_fd[0], EV_READ | EV_PERSIST, s_finished_cb, self);
    if (!self->finished_ev || event_add(self->finished_ev, NULL) < 0 ||
        pthread_create(&self->thread, NULL, s_thread, self) != 0)
        goto out_fail;
    self->started = true;
    return self;

out_fail:
    log_error("could not start a worker thread", "for=%s err=%s", what, strerror(errno));
    worker_destroy(&self);
    return NULL;
}

int worker_submit(worker_t *self, worker_job_t *job)
{
    pthread_mutex_lock(&self->lock);
    bool full = self->held >= self->max_jobs;
    if (!full) {
        self->held++;
        s_push(&self->queue, job);
        pthread_cond_signal(&self->wake);
    }
    pthread_mutex_unlock(&self->lock);
    return full ? -1 : 0;
}

void worker_destroy(worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_t *self = *self_p;
    /* the jobs not taken are out of the thread's reach once stop is set
     * with them taken, under the lock: they end at once, not run */
    pthread_mutex_lock(&self->lock);
    self->stop = true;
    worker_job_t *never_run = s_take_all(&self->queue);
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
    s_end_all(self, never_run, false);
    if (self->started)
        pthread_join(self->thread, NULL);
    /* the thread is gone: the finished list is this thread's alone */
    s_end_all(self, s_take_all(&self->finished), true);
    if (self->finished_ev)
        event_free(self->finished_ev);
    for (int i = 0; i < 2; i++)
        if (self->pipe_fd[i] >= 0)
            close(self->pipe_fd[i]);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}
