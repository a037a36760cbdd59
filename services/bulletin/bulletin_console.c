/* The bulletin console; see bulletin_console.h and
 * bulletin_console_internal.h. On the loop: receive, unpack, authenticate,
 * authorise, queue. In the worker: one job at a time on the worker's own
 * connection (the actions are in bulletin_console_actions.c). Back on the
 * loop (through a pipe, as web_pwcheck.c does): answer, kick the relay. The
 * worker owns a job from the queue until it writes the job's pointer to the
 * pipe. */
#include "bulletin_console_internal.h"

#include "bus.h"
#include "log.h"
#include "pg.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define CONSOLE_MAX_REQUEST (64 * 1024)
#define CONSOLE_MAX_NOTE 2000
/* A bus message is at most BUS_MAX_MESSAGE: room for the rest of the reply. */
#define CONSOLE_MAX_ANSWER (BUS_MAX_MESSAGE - 4096)

static const char *s_actions[] = {"list", "show", "html", "run", "rechecks", "recheck", "to_date"};

void bulletin_console_say(job_t *job, int status, const char *fmt, ...)
{
    job->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->message, sizeof(job->message), fmt, ap);
    va_end(ap);
}

/* Answers the job and frees it (on the loop). An answer larger than a bus
 * message may be is refused with the reason instead: the peer would drop
 * the connection. */
static void s_answer(job_t *job)
{
    bulletin_console_t *self = job->owner;
    if (job->body && job->body_len > CONSOLE_MAX_ANSWER) {
        bulletin_console_say(
            job, 413,
            "the answer is %zu bytes, more than the console passes (%d); the bulletin's files "
            "are in the bulletin folder (dubanctl bulletin render PERIOD writes them again)",
            job->body_len, CONSOLE_MAX_ANSWER);
        free(job->body);
        job->body = NULL;
        job->body_len = 0;
    }
    Duban__BulletinReply r = DUBAN__BULLETIN_REPLY__INIT;
    r.request_id = job->req ? job->req->request_id : "";
    r.status = job->status;
    r.message = job->message;
    r.content_type = (char *)(job->content_type ? job->content_type : "");
    r.body.data = (uint8_t *)job->body;
    r.body.len = job->body ? job->body_len : 0;
    size_t len = duban__bulletin_reply__get_packed_size(&r);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        duban__bulletin_reply__pack(&r, buf);
        bus_reply(self->sock, &job->to, "reply", buf, len);
        free(buf);
    }
    if (job->status == 200)
        self->answered++;
    else
        self->refused++;
    if (job->status >= 400)
        log_info("refused bulletin request", "action=%s staff=%s status=%d reason=%s",
                 job->req ? job->req->action : "-", job->who.staff[0] ? job->who.staff : "-",
                 job->status, job->message);
    if (job->kick && self->relay)
        outbox_relay_kick(self->relay);
    if (job->req)
        duban__bulletin_request__free_unpacked(job->req, NULL);
    free(job->body);
    free(job);
}

static void s_refuse(job_t *job, int status, const char *message)
{
    bulletin_console_say(job, status, "%s", message);
    s_answer(job);
}

/* ---------------------------------------------------------------------
 * The worker's side: blocking libpq on its own connection, one job at a
 * time (bulletin_console_work). */

static void *s_worker(void *arg)
{
    bulletin_console_t *self = arg;
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
        bulletin_console_work(self, job);
        ssize_t n;
        do
            n = write(self->pipe_fd[1], &job, sizeof(job));
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(job)) {
            log_error("could not hand a bulletin answer back to the loop", "err=%s",
                      strerror(errno));
            if (job->req)
                duban__bulletin_request__free_unpacked(job->req, NULL);
            free(job->body);
            free(job); /* the caller times out; what was committed stays */
        }
    }
}

static void s_done_cb(evutil_socket_t fd, short what, void *arg)
{
    bulletin_console_t *self = arg;
    job_t *jobs[16];
    ssize_t n = read(fd, jobs, sizeof(jobs));
    for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(job_t *); i++) {
        pthread_mutex_lock(&self->lock);
        self->queued--;
        pthread_mutex_unlock(&self->lock);
        s_answer(jobs[i]);
    }
}

/* ---------------------------------------------------------------------
 * The loop's side. */

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    static const char *const office[] = {"inspector", "admin", NULL};
    static const char *const readers[] = {"inspector", "admin", "leader", NULL};
    job_t *job = arg;
    bulletin_console_t *self = job->owner;
    if (result == AUTH_UNAVAILABLE) {
        s_refuse(job, 503, "could not check the token; try again");
        return;
    }
    if (result != AUTH_OK) {
        s_refuse(job, 401, "authentication required: the token is missing, unknown or revoked");
        return;
    }
    job->who = *who;
    bool office_only =
        job->action == A_RUN || job->action == A_RECHECKS || job->action == A_RECHECK;
    if (office_only && !auth_role_in(who, office)) {
        bulletin_console_say(job, 403, "forbidden: only the inspection office %s, not role %s",
                             job->action == A_RUN ? "produces bulletins on demand"
                                                  : "decides look-back re-checks",
                             who->role);
        s_answer(job);
        return;
    }
    if (job->action == A_TO_DATE && !auth_role_in(who, readers)) {
        bulletin_console_say(job, 403,
                             "forbidden: the month so far is for the leaders and the inspection "
                             "office, not role %s",
                             who->role);
        s_answer(job);
        return;
    }
    pthread_mutex_lock(&self->lock);
    bool full = self->queued >= BULLETIN_CONSOLE_QUEUE;
    if (!full) {
        self->queued++;
        if (self->tail)
            self->tail->next = job;
        else
            self->head = job;
        self->tail = job;
        pthread_cond_signal(&self->wake);
    }
    pthread_mutex_unlock(&self->lock);
    if (full)
        s_refuse(job, 503, "the bulletin service is busy; try again in a moment");
}

/* Checks what can be checked before the token: the action and its fields. */
static const char *s_malformed(job_t *job)
{
    const Duban__BulletinRequest *r = job->req;
    int i = 0;
    for (; i < (int)(sizeof(s_actions) / sizeof(s_actions[0])); i++)
        if (strcmp(r->action, s_actions[i]) == 0)
            break;
    if (i == (int)(sizeof(s_actions) / sizeof(s_actions[0])))
        return "unknown action: list, show, html, run, rechecks, recheck or to_date";
    job->action = (action_t)i;
    if (strlen(r->period) >= BULLETIN_LABEL_MAX || strlen(r->kind) > 16)
        return "the period or kind is too long";
    if ((job->action == A_SHOW || job->action == A_HTML || job->action == A_RUN) && !r->period[0])
        return "a period is required, e.g. 2017-03";
    if (job->action == A_RECHECK && r->recheck_id <= 0)
        return "a re-check id is required (a positive number)";
    if (job->action == A_RECHECK && (!r->note[0] || strlen(r->note) > CONSOLE_MAX_NOTE))
        return "a note is required (at most 2000 bytes): say what the re-check found";
    return NULL;
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    bulletin_console_t *self = arg;
    for (int budget = 0; budget < 64; budget++) {
        bus_request_t in;
        int rc = bus_request_recv(sock, &in, CONSOLE_MAX_REQUEST);
        if (rc == 0)
            return;
        job_t *job = in.peer.identity_len ? calloc(1, sizeof(*job)) : NULL;
        if (!job) {
            self->refused++;
            log_warn("dropped a bulletin console message that cannot be answered");
            bus_request_clear(&in);
            continue;
        }
        job->owner = self;
        job->to = in.peer;
        if (rc == 1 && strcmp(in.type, "request") == 0)
            job->req = duban__bulletin_request__unpack(NULL, in.body_len, in.body);
        bus_request_clear(&in);
        const char *bad = job->req ? s_malformed(job)
                                   : "malformed request: send \"request\" and a BulletinRequest";
        if (bad) {
            s_refuse(job, 400, bad);
            continue;
        }
        char token[AUTH_MAX_CREDENTIAL + 1];
        snprintf(token, sizeof(token), "%s", job->req->token);
        auth_verify(self->auth, token, s_authed, job);
    }
}

bulletin_console_t *bulletin_console_new(struct event_base *base, void *zctx, auth_t *auth,
                                         const bulletin_engine_t *engine, outbox_relay_t *relay,
                                         const char *conninfo, const char *endpoint)
{
    bulletin_console_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pipe_fd[0] = self->pipe_fd[1] = -1;
    self->auth = auth;
    self->engine = engine;
    self->relay = relay;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    self->conninfo = strdup(conninfo);
    if (!self->conninfo || pipe2(self->pipe_fd, O_CLOEXEC) < 0 ||
        fcntl(self->pipe_fd[0], F_SETFL, O_NONBLOCK) < 0)
        goto out_fail;
    self->done_ev = event_new(base, self->pipe_fd[0], EV_READ | EV_PERSIST, s_done_cb, self);
    if (!self->done_ev || event_add(self->done_ev, NULL) < 0)
        goto out_fail;
    self->sock = bus_sock_bind(zctx, base, ZMQ_ROUTER, "bulletin.console", endpoint, s_readable, self);
    if (!self->sock || pthread_create(&self->thread, NULL, s_worker, self) != 0)
        goto out_fail;
    self->started = true;
    return self;

out_fail:
    log_error("could not start the bulletin console", "endpoint=%s", endpoint);
    bulletin_console_destroy(&self);
    return NULL;
}

void bulletin_console_destroy(bulletin_console_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_console_t *self = *self_p;
    if (self->started) {
        pthread_mutex_lock(&self->lock);
        self->stop = true;
        pthread_cond_signal(&self->wake);
        pthread_mutex_unlock(&self->lock);
        pthread_join(self->thread, NULL);
    }
    /* Answer what waits: finished (in the pipe), then queued. */
    if (self->pipe_fd[0] >= 0)
        s_done_cb(self->pipe_fd[0], EV_READ, self);
    while (self->head) {
        job_t *job = self->head;
        self->head = job->next;
        s_refuse(job, 503, "the bulletin service is stopping; try again");
    }
    if (self->done_ev)
        event_free(self->done_ev);
    for (int i = 0; i < 2; i++)
        if (self->pipe_fd[i] >= 0)
            close(self->pipe_fd[i]);
    bus_sock_destroy(&self->sock);
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void bulletin_console_report(const bulletin_console_t *self, json_t *report)
{
    json_object_set_new(report, "console_answered", json_integer((json_int_t)self->answered));
    json_object_set_new(report, "console_refused", json_integer((json_int_t)self->refused));
}
