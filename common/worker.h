/* Blocking work kept off the event loop: one thread runs the jobs given to
 * it, in order, and hands each finished one back to the loop, where its end
 * callback runs (the password checks of duban-web, intake's photo files,
 * the bulletin console's queries on their own connection).
 *
 * A service embeds worker_job_t as the first member of its own job and
 * owns the job again when its end callback is called, once per job: with
 * ran true after the thread ran it, with ran false when the worker was
 * destroyed before the thread took it. A job is never lost: a finished job
 * waits in a list for the loop, and a byte in a pipe only wakes the loop. */
#ifndef DUBAN_WORKER_H
#define DUBAN_WORKER_H

#include <stdbool.h>

struct event_base;

typedef struct worker worker_t;

typedef struct worker_job {
    struct worker_job *next; /* the worker's while it holds the job */
} worker_job_t;

/* On the worker thread: the blocking part of job. */
typedef void (*worker_run_cb)(worker_job_t *job, void *arg);
/* On the loop's thread: the job is the caller's again. */
typedef void (*worker_end_cb)(worker_job_t *job, bool ran, void *arg);

/* Starts the thread; at most max_jobs are held at once (queued, running or
 * finished and not yet ended). NULL (logged as what, e.g. "the password
 * checker") when it cannot start. */
worker_t *worker_new(struct event_base *base, const char *what, int max_jobs, worker_run_cb run,
                     worker_end_cb end, void *arg);

/* Queues job; -1 when max_jobs are held already (the job stays the
 * caller's). */
int worker_submit(worker_t *self, worker_job_t *job);

/* Stops the thread: the jobs it has not taken end at once (ran false), in
 * order; once it has finished the job it runs, the jobs finished and not
 * yet ended end (ran true). Then frees. */
void worker_destroy(worker_t **self_p);

#endif
