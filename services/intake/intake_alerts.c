/* Alerts over HTTP through watch's console; see intake_alerts.h. The
 * grouping by task is presentation over watch's snapshot: which alerts
 * exist, their levels and rungs are watch's. */
#include "intake_alerts.h"

#include "auth_http.h"
#include "bus.h"
#include "clock.h"
#include "http.h"
#include "intake_rpc.h"
#include "log.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALERTS_TIMEOUT_US (10 * 1000000LL)
#define ALERTS_MAX_DECISION 2000

struct intake_alerts {
    intake_rpc_t *rpc;
};

/* A request waiting for watch. */
typedef struct {
    http_held_t *held;
    int64_t alert_id;
} call_t;

static bool s_id_of(const char *type, const uint8_t *body, size_t len, char *id)
{
    if (strcmp(type, "snapshot") == 0) {
        Duban__AlertsSnapshot *s = duban__alerts_snapshot__unpack(NULL, len, body);
        if (s)
            snprintf(id, INTAKE_RPC_ID_LEN, "%s", s->request_id);
        if (s)
            duban__alerts_snapshot__free_unpacked(s, NULL);
        return s != NULL;
    }
    if (strcmp(type, "result") == 0) {
        Duban__ActionResult *r = duban__action_result__unpack(NULL, len, body);
        if (r)
            snprintf(id, INTAKE_RPC_ID_LEN, "%s", r->request_id);
        if (r)
            duban__action_result__free_unpacked(r, NULL);
        return r != NULL;
    }
    return false;
}

intake_alerts_t *intake_alerts_new(struct event_base *base, void *zctx, const char *endpoint)
{
    intake_alerts_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->rpc = intake_rpc_new(base, zctx, "watch", endpoint, s_id_of, ALERTS_TIMEOUT_US);
    if (!self->rpc) {
        free(self);
        return NULL;
    }
    return self;
}

void intake_alerts_destroy(intake_alerts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_rpc_destroy(&(*self_p)->rpc);
    free(*self_p);
    *self_p = NULL;
}

/* The reply when watch did not answer (or intake stops). */
static void s_no_answer(struct evhttp_request *req, bool closing, bool change)
{
    if (closing)
        http_reply_problem(req, 503, "shutting down", "intake is stopping; retry", NULL);
    else
        http_reply_problem(req, 504, "watch did not answer",
                           change ? "the acknowledgement may or may not have been recorded; "
                                    "look at the alerts and retry"
                                  : "the alert service did not answer in time; retry",
                           NULL);
}

static const char *s_title(int status)
{
    return status == 400   ? "invalid request"
           : status == 401 ? "invalid token"
           : status == 403 ? "forbidden"
           : status == 404 ? "not found"
           : status == 409 ? "already acknowledged"
           : status == 422 ? "invalid field"
                           : "unavailable";
}

/* ---------------------------------------------------------------------
 * The list, grouped by task. */

typedef struct {
    int64_t task_id;
    json_t *row;
    int level;
    int64_t newest_id, first_us, last_us;
    int count, repeats;
} group_t;

static int s_cmp_groups(const void *a, const void *b)
{
    const group_t *x = a, *y = b;
    if (x->level != y->level)
        return y->level - x->level;
    return y->last_us > x->last_us ? 1 : y->last_us < x->last_us ? -1 : 0;
}

static void s_set_top(json_t *row, const Duban__EscalationAlert *a)
{
    char due[40];
    clock_format_utc(a->due_us, due, sizeof(due));
    json_object_set_new(row, "level", json_integer(a->level));
    json_object_set_new(row, "level_name", json_string(a->level_name));
    json_object_set_new(row, "kind", json_string(a->kind));
    json_object_set_new(row, "deadline", json_string(a->deadline));
    json_object_set_new(row, "due", json_string(due));
    json_object_set_new(row, "handler", json_string(a->handler));
    json_object_set_new(row, "violations", json_integer(a->violations));
    json_object_set_new(row, "rung", a->rung[0] ? json_string(a->rung) : json_null());
    json_object_set_new(row, "rung_name",
                        a->rung_name[0] ? json_string(a->rung_name) : json_null());
    json_object_set_new(row, "handler_violations", json_integer(a->handler_violations));
    json_object_set_new(row, "handler_rung",
                        a->handler_rung[0] ? json_string(a->handler_rung) : json_null());
}

static json_t *s_grouped(const Duban__AlertsSnapshot *snap)
{
    size_t n = snap->n_alerts, ngroups = 0;
    group_t *groups = calloc(n + 1, sizeof(*groups));
    if (!groups)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const Duban__EscalationAlert *a = snap->alerts[i];
        group_t *g = NULL;
        for (size_t k = 0; k < ngroups && !g; k++)
            if (groups[k].task_id == a->task_id)
                g = &groups[k];
        if (!g) {
            g = &groups[ngroups++];
            g->task_id = a->task_id;
            g->first_us = a->raised_us;
            g->level = -1;
            g->row = json_pack("{s:I, s:s, s:s, s:s, s:[]}", "task_id", (json_int_t)a->task_id,
                               "case_number", a->case_number, "subject", a->subject, "division",
                               a->division, "alert_ids");
        }
        g->count++;
        g->repeats += a->repeat;
        if (a->raised_us < g->first_us)
            g->first_us = a->raised_us;
        if (a->raised_us > g->last_us)
            g->last_us = a->raised_us;
        if (a->alert_id > g->newest_id)
            g->newest_id = a->alert_id;
        json_array_append_new(json_object_get(g->row, "alert_ids"), json_integer(a->alert_id));
        if (a->level >= g->level) {
            g->level = a->level;
            s_set_top(g->row, a);
        }
    }
    qsort(groups, ngroups, sizeof(*groups), s_cmp_groups);
    json_t *rows = json_array();
    for (size_t k = 0; k < ngroups; k++) {
        char first[40], last[40];
        clock_format_utc(groups[k].first_us, first, sizeof(first));
        clock_format_utc(groups[k].last_us, last, sizeof(last));
        json_object_set_new(groups[k].row, "alert_id", json_integer(groups[k].newest_id));
        json_object_set_new(groups[k].row, "alerts", json_integer(groups[k].count));
        json_object_set_new(groups[k].row, "repeats", json_integer(groups[k].repeats));
        json_object_set_new(groups[k].row, "first_raised", json_string(first));
        json_object_set_new(groups[k].row, "last_raised", json_string(last));
        json_array_append_new(rows, groups[k].row);
    }
    free(groups);
    return rows;
}

static void s_listed(void *arg, const char *type, const uint8_t *body, size_t len, bool closing)
{
    call_t *c = arg;
    struct evhttp_request *req = http_held_request(c->held);
    Duban__AlertsSnapshot *snap = type && strcmp(type, "snapshot") == 0
                                      ? duban__alerts_snapshot__unpack(NULL, len, body)
                                      : NULL;
    if (!req)
        goto out_free;
    if (!type) {
        s_no_answer(req, closing, false);
    } else if (!snap) {
        http_reply_problem(req, 502, "bad answer", "the alert service answered something else",
                           NULL);
    } else if (snap->error[0]) {
        int status = snap->status >= 400 && snap->status < 600 ? snap->status : 403;
        http_reply_problem(req, status, s_title(status), snap->error, NULL);
    } else {
        json_t *rows = s_grouped(snap);
        char now[40];
        clock_format_utc(clock_now_us(), now, sizeof(now));
        /* watch sends at most 2,000 alerts, the newest. */
        http_reply_json(req, 200,
                        json_pack("{s:s, s:o, s:i, s:b}", "now", now, "tasks",
                                  rows ? rows : json_array(), "alerts", (int)snap->n_alerts, "cut",
                                  snap->n_alerts >= 2000));
    }
out_free:
    if (snap)
        duban__alerts_snapshot__free_unpacked(snap, NULL);
    http_release(&c->held);
    free(c);
}

/* Sends the packed request; on failure answers 503 and frees c. */
static void s_send(intake_alerts_t *self, struct evhttp_request *req, call_t *c, const char *id,
                   const char *type, uint8_t *buf, size_t len, intake_rpc_cb cb)
{
    int rc = buf ? intake_rpc_send(self->rpc, id, type, buf, len, cb, c) : -1;
    free(buf);
    if (rc < 0) {
        http_reply_problem(req, 503, "watch unavailable",
                           "the alert service is not reachable; nothing changed, retry", NULL);
        http_release(&c->held);
        free(c);
    }
}

static call_t *s_call(struct evhttp_request *req)
{
    call_t *c = calloc(1, sizeof(*c));
    if (!c || !(c->held = http_hold(req))) {
        free(c);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return NULL;
    }
    return c;
}

void intake_alerts_list(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                        const char *key, const char *query)
{
    intake_alerts_t *self = in->alerts;
    call_t *c = s_call(req);
    if (!c)
        return;
    auth_http_cred_t cred;
    auth_http_credential(req, &cred);
    char id[INTAKE_RPC_ID_LEN];
    Duban__AlertsHello hello = DUBAN__ALERTS_HELLO__INIT;
    hello.token = cred.credential;
    hello.request_id = (char *)intake_rpc_id(self->rpc, id);
    size_t len = duban__alerts_hello__get_packed_size(&hello);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf)
        duban__alerts_hello__pack(&hello, buf);
    s_send(self, req, c, id, "alerts", buf, len, s_listed);
}

/* ---------------------------------------------------------------------
 * Acknowledging. */

static void s_acked(void *arg, const char *type, const uint8_t *body, size_t len, bool closing)
{
    call_t *c = arg;
    struct evhttp_request *req = http_held_request(c->held);
    Duban__ActionResult *r =
        type && strcmp(type, "result") == 0 ? duban__action_result__unpack(NULL, len, body) : NULL;
    if (!req)
        goto out_free;
    if (!type)
        s_no_answer(req, closing, true);
    else if (!r)
        http_reply_problem(req, 502, "bad answer", "the alert service answered something else",
                           NULL);
    else if (r->status == 200)
        http_reply_json(
            req, 200,
            json_pack("{s:I, s:s}", "alert_id", (json_int_t)c->alert_id, "message", r->message));
    else {
        int status = r->status >= 400 && r->status < 600 ? r->status : 500;
        http_reply_problem(req, status, s_title(status), r->message, NULL);
    }
out_free:
    if (r)
        duban__action_result__free_unpacked(r, NULL);
    http_release(&c->held);
    free(c);
}

void intake_alerts_ack(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                       const char *key, const char *query)
{
    intake_alerts_t *self = in->alerts;
    char *end = NULL;
    long long alert_id = strtoll(key, &end, 10);
    if (!key[0] || *end || alert_id <= 0) {
        http_reply_problem(req, 404, "not found", "an alert id is a positive number", NULL);
        return;
    }
    char *text = NULL;
    size_t len = 0;
    if (http_read_body(req, in->max_body, &text, &len) < 0) {
        http_reply_problem(req, 413, "body too large", "the body is larger than allowed", NULL);
        return;
    }
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    free(text);
    const char *decision = json_string_value(json_object_get(body, "decision"));
    const char *rung = json_string_value(json_object_get(body, "rung_decision"));
    json_t *whole = json_object_get(body, "whole_task");
    const char *bad = !json_is_object(body)                    ? "the body must be a JSON object"
                      : !decision || !decision[0]              ? "a decision is required"
                      : strlen(decision) > ALERTS_MAX_DECISION ? "the decision is too long"
                      : rung && strlen(rung) > ALERTS_MAX_DECISION ? "the rung decision is too long"
                      : whole && !json_is_boolean(whole)           ? "whole_task is true or false"
                                                                   : NULL;
    if (bad) {
        int status = json_is_object(body) ? 422 : 400;
        const char *field = json_is_object(body) && (!decision || !decision[0]) ? "decision" : NULL;
        json_decref(body);
        http_reply_problem(req, status, "invalid field", bad, field);
        return;
    }
    call_t *c = s_call(req);
    if (!c) {
        json_decref(body);
        return;
    }
    c->alert_id = alert_id;
    auth_http_cred_t cred;
    auth_http_credential(req, &cred);
    char id[INTAKE_RPC_ID_LEN];
    Duban__AlertAck ack = DUBAN__ALERT_ACK__INIT;
    ack.request_id = (char *)intake_rpc_id(self->rpc, id);
    ack.token = cred.credential;
    ack.alert_id = alert_id;
    ack.decision = (char *)decision;
    ack.rung_decision = (char *)(rung ? rung : "");
    ack.whole_task = !whole || json_is_true(whole);
    size_t plen = duban__alert_ack__get_packed_size(&ack);
    uint8_t *buf = malloc(plen ? plen : 1);
    if (buf)
        duban__alert_ack__pack(&ack, buf);
    json_decref(body);
    s_send(self, req, c, id, "ack", buf, plen, s_acked);
}
