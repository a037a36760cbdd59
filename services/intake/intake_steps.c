/* HTTP -> dispatch forwarding of workflow steps; see intake_steps.h.
 * Requests wait in a list keyed by request id; an answer that never comes
 * (dispatch down) times the request out with 504, so every HTTP request
 * ends in exactly one reply. */
#include "intake_steps.h"

#include "auth_http.h"
#include "bus.h"
#include "clock.h"
#include "dispatch_rules.h"
#include "intake_workitem.h"
#include "log.h"

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define STEPS_TIMEOUT_US (10 * 1000000LL)

typedef struct waiting {
    char request_id[24];
    http_held_t *held;
    int64_t deadline_us;
    struct waiting *next;
} waiting_t;

struct intake_steps {
    intake_t *in;
    bus_sock_t *sock;
    struct event *timer;
    waiting_t *head;
    unsigned long next_id;
};

static waiting_t *s_take(intake_steps_t *self, const char *request_id)
{
    for (waiting_t **w = &self->head; *w; w = &(*w)->next)
        if (strcmp((*w)->request_id, request_id) == 0) {
            waiting_t *found = *w;
            *w = found->next;
            return found;
        }
    return NULL;
}

static void s_answer(waiting_t *w, const Duban__ActionResult *r)
{
    struct evhttp_request *req = http_held_request(w->held);
    if (req) {
        if (r->status == 200) {
            json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:s}", "case_number", r->case_number,
                                     "message", r->message, "case_state", r->case_state,
                                     "task_id", (json_int_t)r->task_id, "task_state",
                                     r->task_state);
            if (r->new_task_id) {
                json_object_set_new(body, "new_task_id", json_integer(r->new_task_id));
                json_object_set_new(body, "new_division", json_string(r->new_division));
            }
            if (r->problem_id)
                json_object_set_new(body, "problem_id", json_integer(r->problem_id));
            http_reply_json(req, 200, body);
        } else {
            static const char *titles[][2] = {{"400", "invalid step"}, {"401", "invalid token"},
                                              {"403", "forbidden"},    {"404", "not found"},
                                              {"409", "step refused"}, {"422", "step refused"},
                                              {"503", "unavailable"}};
            const char *title = "step failed";
            char code[8];
            snprintf(code, sizeof(code), "%d", r->status);
            for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
                if (strcmp(titles[i][0], code) == 0)
                    title = titles[i][1];
            int status = r->status >= 400 && r->status < 600 ? r->status : 500;
            http_reply_problem(req, status, title, r->message, NULL);
        }
    }
    http_release(&w->held);
    free(w);
}

static void s_readable(bus_sock_t *sock, void *arg)
{
    intake_steps_t *self = arg;
    for (int budget = 0; budget < 64; budget++) {
        void *frames[2];
        size_t lengths[2];
        int n = bus_recv_frames(sock, frames, lengths, 2);
        if (n <= 0)
            return;
        Duban__ActionResult *r = n == 2 && lengths[0] == 6 && memcmp(frames[0], "result", 6) == 0
                                     ? duban__action_result__unpack(NULL, lengths[1], frames[1])
                                     : NULL;
        if (!r) {
            log_warn("dropped an answer from dispatch that is not a result");
        } else {
            waiting_t *w = s_take(self, r->request_id);
            if (w)
                s_answer(w, r);
            else
                log_info("answer for a step no longer waiting", "request=%s", r->request_id);
            duban__action_result__free_unpacked(r, NULL);
        }
        for (int i = 0; i < n; i++)
            free(frames[i]);
    }
}

static void s_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    intake_steps_t *self = arg;
    int64_t now = clock_mono_us();
    for (waiting_t **w = &self->head; *w;) {
        if ((*w)->deadline_us > now) {
            w = &(*w)->next;
            continue;
        }
        waiting_t *late = *w;
        *w = late->next;
        struct evhttp_request *req = http_held_request(late->held);
        if (req)
            http_reply_problem(req, 504, "dispatch did not answer",
                               "the step may or may not have been applied; look at the case "
                               "and retry (a step that was applied is refused the second time)",
                               NULL);
        log_warn("step timed out", "request=%s", late->request_id);
        http_release(&late->held);
        free(late);
    }
}

/* Copies a string member of body into the action (NULL when absent). */
static char *s_str(json_t *body, const char *key)
{
    const char *v = json_string_value(json_object_get(body, key));
    return (char *)v;
}

static void s_handle(intake_steps_t *self, struct evhttp_request *req, const char *case_number,
                     const char *step, int64_t problem_id)
{
    char *text = NULL;
    size_t len = 0;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        http_reply_problem(req, 405, "method not allowed", "use POST to take a step", NULL);
        return;
    }
    if (http_read_body(req, self->in->max_body, &text, &len) < 0) {
        http_reply_problem(req, 413, "body too large", "the body is larger than allowed", NULL);
        return;
    }
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    free(text);
    if (!json_is_object(body)) {
        json_decref(body);
        http_reply_problem(req, 400, "malformed JSON", "the body must be a JSON object", NULL);
        return;
    }
    auth_http_cred_t cred;
    auth_http_credential(req, &cred);
    const char *refusal = auth_http_csrf_refusal(req, &cred);
    if (refusal) {
        json_decref(body);
        log_info("refused a console step without CSRF proof", "case=%s step=%s", case_number, step);
        http_reply_problem(req, 403, "forbidden", refusal, AUTH_HTTP_CSRF_HEADER);
        return;
    }
    waiting_t *w = calloc(1, sizeof(*w));
    if (!w || !(w->held = http_hold(req))) {
        free(w);
        json_decref(body);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    snprintf(w->request_id, sizeof(w->request_id), "http-%lu", ++self->next_id);
    w->deadline_us = clock_mono_us() + STEPS_TIMEOUT_US;
    Duban__TaskAction a = DUBAN__TASK_ACTION__INIT;
    a.request_id = w->request_id;
    a.token = cred.credential;
    a.action = (char *)step;
    a.case_number = (char *)(case_number ? case_number : "");
    a.task_id = json_integer_value(json_object_get(body, "task_id"));
    a.division = s_str(body, "division") ? s_str(body, "division") : s_str(body, "to");
    a.text = s_str(body, "text");
    a.outside_agency = s_str(body, "outside_agency");
    a.satisfaction = s_str(body, "satisfaction");
    a.window = s_str(body, "by");
    a.grant = json_is_true(json_object_get(body, "grant"));
    a.category = s_str(body, "category");
    a.internal = s_str(body, "internal");
    /* work items: progress's percent, verify's accept (or send back) */
    json_t *percent = json_object_get(body, "percent");
    a.percent = json_is_integer(percent) && json_integer_value(percent) >= 0 &&
                        json_integer_value(percent) <= 100
                    ? (int32_t)json_integer_value(percent)
                    : -1; /* missing or not one: progress refuses it */
    if (json_object_get(body, "accept"))
        a.grant = json_is_true(json_object_get(body, "accept"));
    /* work items' reports: the file ids of attachments uploaded before */
    char *attachments[DISPATCH_MAX_ATTACHMENTS];
    json_t *listed = json_object_get(body, "attachments");
    bool attachments_bad = listed && (!json_is_array(listed) ||
                                      json_array_size(listed) > DISPATCH_MAX_ATTACHMENTS);
    for (size_t i = 0; !attachments_bad && listed && i < json_array_size(listed); i++) {
        attachments[i] = (char *)json_string_value(json_array_get(listed, i));
        attachments_bad = !attachments[i];
    }
    if (attachments_bad) {
        json_decref(body);
        http_reply_problem(req, 400, "invalid request",
                           "attachments is a list of at most 10 file ids", NULL);
        http_release(&w->held);
        free(w);
        return;
    }
    a.attachments = attachments;
    a.n_attachments = listed ? json_array_size(listed) : 0;
    /* the steps that name no case: a work item, a problem, a review */
    char why[160] = "";
    a.problem_id = problem_id;
    json_t *rect = json_object_get(body, "rectification");
    bool bad = false;
    if (!case_number && strcmp(step, "file-problem") == 0)
        bad = !(a.problem = intake_problem_spec(body, why, sizeof(why)));
    else if (!case_number && strcmp(step, "review-problem") == 0)
        bad = json_is_object(rect) && !(a.workitem = intake_workitem_spec(rect, why, sizeof(why)));
    else if (!case_number)
        bad = !(a.workitem = intake_workitem_spec(body, why, sizeof(why)));
    if (bad) {
        json_decref(body);
        http_reply_problem(req, 400, "invalid request", why, NULL);
        http_release(&w->held);
        free(w);
        return;
    }
    size_t plen = duban__task_action__get_packed_size(&a);
    uint8_t *buf = malloc(plen ? plen : 1);
    int rc = -1;
    if (buf) {
        duban__task_action__pack(&a, buf);
        const void *frames[2] = {"action", buf};
        size_t lengths[2] = {6, plen};
        rc = bus_send_frames(self->sock, frames, lengths, 2);
    }
    free(buf);
    intake_workitem_free(&a.workitem);
    intake_problem_free(&a.problem);
    json_decref(body);
    if (rc < 0) {
        http_reply_problem(req, 503, "dispatch unavailable",
                           "the workflow service is not reachable; nothing changed, retry", NULL);
        http_release(&w->held);
        free(w);
        return;
    }
    w->next = self->head;
    self->head = w;
}

void intake_steps_handle(intake_steps_t *self, struct evhttp_request *req,
                         const char *case_number, const char *step)
{
    s_handle(self, req, case_number, step, 0);
}

void intake_steps_review_problem(intake_steps_t *self, struct evhttp_request *req,
                                 int64_t problem_id)
{
    s_handle(self, req, NULL, "review-problem", problem_id);
}

intake_steps_t *intake_steps_new(struct event_base *base, void *zctx, intake_t *in,
                                 const char *endpoint)
{
    intake_steps_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->in = in;
    self->sock = bus_sock_connect(zctx, base, ZMQ_DEALER, "dispatch", endpoint, s_readable, self);
    self->timer = event_new(base, -1, EV_PERSIST, s_timeout_cb, self);
    struct timeval tv = {0, 500000};
    if (!self->sock || !self->timer || event_add(self->timer, &tv) < 0) {
        intake_steps_destroy(&self);
        return NULL;
    }
    return self;
}

void intake_steps_destroy(intake_steps_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_steps_t *self = *self_p;
    while (self->head) {
        waiting_t *w = self->head;
        self->head = w->next;
        struct evhttp_request *req = http_held_request(w->held);
        if (req)
            http_reply_problem(req, 503, "shutting down", "intake is stopping; retry", NULL);
        http_release(&w->held);
        free(w);
    }
    if (self->timer)
        event_free(self->timer);
    bus_sock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}
