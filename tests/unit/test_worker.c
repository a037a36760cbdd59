/* common/worker.c: jobs run off the loop's thread, in order, and each ends
 * once on the loop's thread; the queue is bounded; a worker destroyed with
 * jobs waiting ends them all, those it never ran with ran false. */
#include "worker.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the headers it needs */

#define JOBS 8

typedef struct {
    worker_job_t base;
    int index;
    pthread_t ran_on;
} job_t;

typedef struct {
    struct event_base *base;
    pthread_t loop_thread;
    atomic_bool gate_open; /* the first job waits for it */
    atomic_bool first_running;
    int first_waits_for_ended; /* or for this many jobs to have ended */
    int ended[JOBS];
    bool ran[JOBS];
    atomic_int nended;
    int order[JOBS];
    bool ended_off_loop;
} fixture_t;

static void s_run(worker_job_t *base, void *arg)
{
    fixture_t *f = arg;
    job_t *job = (job_t *)base;
    job->ran_on = pthread_self();
    if (job->index == 0) {
        atomic_store(&f->first_running, true);
        while (!atomic_load(&f->gate_open) &&
               !(f->first_waits_for_ended && atomic_load(&f->nended) >= f->first_waits_for_ended)) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
}

static void s_end(worker_job_t *base, bool ran, void *arg)
{
    fixture_t *f = arg;
    job_t *job = (job_t *)base;
    if (!pthread_equal(pthread_self(), f->loop_thread))
        f->ended_off_loop = true;
    f->ended[job->index]++;
    f->ran[job->index] = ran;
    f->order[atomic_fetch_add(&f->nended, 1)] = job->index;
    if (ran && pthread_equal(job->ran_on, f->loop_thread))
        f->ended_off_loop = true; /* ran on the loop's thread: as wrong */
    free(job);
}

static job_t *s_job(int index)
{
    job_t *job = calloc(1, sizeof(*job));
    assert_non_null(job);
    job->index = index;
    return job;
}

/* Runs the loop until n jobs have ended (or 5 s have passed). */
static void s_loop_until(fixture_t *f, int n)
{
    for (int i = 0; i < 5000 && atomic_load(&f->nended) < n; i++) {
        struct timeval tick = {0, 1000};
        event_base_loopexit(f->base, &tick);
        event_base_dispatch(f->base);
    }
}

static fixture_t *s_fixture(void)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->base = event_base_new();
    assert_non_null(f->base);
    f->loop_thread = pthread_self();
    return f;
}

static void s_fixture_free(fixture_t *f)
{
    event_base_free(f->base);
    free(f);
}

static void test_jobs_run_off_the_loop_and_end_on_it_in_order(void **state)
{
    (void)state;
    fixture_t *f = s_fixture();
    atomic_store(&f->gate_open, true);
    worker_t *w = worker_new(f->base, "a test", JOBS, s_run, s_end, f);
    assert_non_null(w);
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(worker_submit(w, &s_job(i)->base), 0);
    s_loop_until(f, JOBS);
    assert_int_equal(atomic_load(&f->nended), JOBS);
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(f->ended[i], 1);
        assert_true(f->ran[i]);
        assert_int_equal(f->order[i], i);
    }
    assert_false(f->ended_off_loop);
    worker_destroy(&w);
    assert_null(w);
    assert_int_equal(atomic_load(&f->nended), JOBS); /* nothing ended twice */
    s_fixture_free(f);
}

static void test_the_queue_is_bounded(void **state)
{
    (void)state;
    fixture_t *f = s_fixture();
    worker_t *w = worker_new(f->base, "a test", 3, s_run, s_end, f);
    assert_non_null(w);
    for (int i = 0; i < 3; i++)
        assert_int_equal(worker_submit(w, &s_job(i)->base), 0);
    job_t *extra = s_job(3);
    assert_int_equal(worker_submit(w, &extra->base), -1); /* still the caller's */
    atomic_store(&f->gate_open, true);
    s_loop_until(f, 3);
    assert_int_equal(atomic_load(&f->nended), 3);
    assert_int_equal(worker_submit(w, &extra->base), 0); /* room again once they ended */
    s_loop_until(f, 4);
    assert_int_equal(f->ended[3], 1);
    worker_destroy(&w);
    s_fixture_free(f);
}

static void test_destroyed_with_jobs_waiting_ends_them_all(void **state)
{
    (void)state;
    fixture_t *f = s_fixture();
    f->first_waits_for_ended = 3;
    worker_t *w = worker_new(f->base, "a test", JOBS, s_run, s_end, f);
    assert_non_null(w);
    for (int i = 0; i < 4; i++)
        assert_int_equal(worker_submit(w, &s_job(i)->base), 0);
    while (!atomic_load(&f->first_running)) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    /* the first job runs until the three behind it have ended: destroy
     * ends them (never run) before it waits for the thread */
    worker_destroy(&w);
    assert_null(w);
    assert_int_equal(atomic_load(&f->nended), 4);
    int expected_order[4] = {1, 2, 3, 0};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f->ended[i], 1);
        assert_int_equal(f->order[i], expected_order[i]);
    }
    assert_true(f->ran[0]);
    assert_false(f->ran[1] || f->ran[2] || f->ran[3]);
    assert_false(f->ended_off_loop);
    s_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_run_off_the_loop_and_end_on_it_in_order),
        cmocka_unit_test(test_the_queue_is_bounded),
        cmocka_unit_test(test_destroyed_with_jobs_waiting_ends_them_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
