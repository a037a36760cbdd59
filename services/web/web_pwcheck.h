/* Password checks off the event loop. argon2id is slow and memory-hard on
 * purpose (tens of milliseconds, tens of megabytes per check), so one worker
 * thread (common/worker.h) verifies, one at a time, and hands each result
 * back to the loop; the loop never waits. At most WEB_PWCHECK_QUEUE checks
 * wait: a flood of sign-ins is refused (busy) rather than queued for ever. */
#ifndef DUBAN_WEB_PWCHECK_H
#define DUBAN_WEB_PWCHECK_H

#include <stdbool.h>

struct event_base;

#define WEB_PWCHECK_QUEUE 64

typedef struct web_pwcheck web_pwcheck_t;

/* Called on the loop with the outcome. */
typedef void (*web_pwcheck_cb)(bool match, void *arg);

web_pwcheck_t *web_pwcheck_new(struct event_base *base);

/* Stops the worker (after the check in progress); checks still waiting are
 * answered false. */
void web_pwcheck_destroy(web_pwcheck_t **self_p);

/* Queues a check of password against hash (both copied; a NULL hash is
 * checked against a dummy, so a staff code that has no password takes as
 * long as one that has). Returns 0, or -1 when the queue is full. */
int web_pwcheck_submit(web_pwcheck_t *self, const char *hash, const char *password,
                       web_pwcheck_cb cb, void *arg);

#endif
