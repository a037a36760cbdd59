/* The bulletin console; see bulletin_console.h and
 * bulletin_console_internal.h. On the loop: receive, unpack, authenticate,
 * authorise, queue. On the worker thread (common/worker.h): one job at a
 * time on its own connection (the actions are in
 * bulletin_console_actions.c). Back on the loop: answer, kick the relay. */
#include "bulletin_console_internal.h"

#include "bus.h"
#include "log.h"
#include "pg.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
 * The worker thread's side: blocking libpq on its own connection, one job
 * at a time (bulletin_console_work). */

static void s_work(worker_job_t *base, void *arg)
{
    bulletin_console_work(arg, (job_t *)base);
}

/* Back on the loop: the answer, or for a job the worker never took (it is
 * stopping) a refusal. */
static void s_end(worker_job_t *base, bool ran, void *arg)
{
    (void)arg;
    job_t *job = (job_t *)base;
    if (ran)
        s_answer(job);
    else
        s_refuse(job, 503, "the bulletin service is stopping; try again");
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
    bool full = worker_submit(self->worker, &job->base) < 0;
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
    self->auth = auth;
    self->engine = engine;
    self->relay = relay;
    self->conninfo = strdup(conninfo);
    if (!self->conninfo)
        goto out_fail;
    self->sock = bus_sock_bind(zctx, base, ZMQ_ROUTER, "bulletin.console", endpoint, s_readable, self);
    if (!self->sock)
        goto out_fail;
    self->worker =
        worker_new(base, "the bulletin console", BULLETIN_CONSOLE_QUEUE, s_work, s_end, self);
    if (!self->worker)
        goto out_fail;
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
    /* what waits is answered: finished jobs, then refusals for the rest */
    worker_destroy(&self->worker);
    bus_sock_destroy(&self->sock);
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

void bulletin_console_report(const bulletin_console_t *self, json_t *report)
{
    json_object_set_new(report, "console_answered", json_integer((json_int_t)self->answered));
    json_object_set_new(report, "console_refused", json_integer((json_int_t)self->refused));
}
