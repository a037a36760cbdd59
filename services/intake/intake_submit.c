/* The one way in for a new case, whatever the channel: first responder,
 * then group commit, then the caller's reply. */
#include "intake.h"

#include "clock.h"
#include "log.h"
#include "metrics.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    http_held_t *held;
    intake_submit_cb cb;
    void *arg;
    char channel[32];
    int64_t started_us; /* monotonic, for the intake stage's latency */
} waiting_t;

void intake_count_refused(const char *channel, const char *reason)
{
    metrics_add(metrics_counter("duban_cases_refused_total",
                                "Submissions refused, by channel and reason.", "channel,reason"),
                1, channel, reason);
}

static const char *s_outcome_str(intake_outcome_t outcome)
{
    switch (outcome) {
    case INTAKE_CREATED:
        return "created";
    case INTAKE_REPLAYED:
        return "replayed";
    case INTAKE_CONFLICT:
        return "conflict";
    case INTAKE_ALREADY_IMPORTED:
        return "already_imported";
    case INTAKE_UNAVAILABLE:
        return "unavailable";
    case INTAKE_FAILED:
        return "failed";
    }
    return "?";
}

int intake_query_code(char *out, size_t len)
{
    static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    if (len < 9)
        return -1;
    unsigned char raw[8];
    randombytes_buf(raw, sizeof(raw));
    for (int i = 0; i < 8; i++)
        out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
    out[8] = '\0';
    return 0;
}

void intake_sha256_hex(const void *data, size_t len, char *out)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

void intake_reply_unavailable(struct evhttp_request *req)
{
    intake_problem_reply(req, &INTAKE_PROBLEM_UNAVAILABLE);
}

static void s_committed(void *ctx, intake_outcome_t outcome, const char *response,
                        const char *case_number, const intake_problem_t *problem)
{
    waiting_t *w = ctx;
    if (outcome == INTAKE_CREATED) {
        metrics_add(metrics_counter("duban_cases_accepted_total", "Cases stored, by channel.",
                                    "channel"),
                    1, w->channel);
        metrics_observe(metrics_stage_latency(),
                        (double)(clock_mono_us() - w->started_us) / 1e6, "intake", "submission");
    } else if (outcome != INTAKE_REPLAYED && outcome != INTAKE_ALREADY_IMPORTED) {
        intake_count_refused(w->channel, s_outcome_str(outcome));
    }
    w->cb(w->held, outcome, response, case_number, problem, w->arg);
    free(w);
}

void intake_submit(intake_t *self, struct evhttp_request *req, intake_submission_t **sub_p,
                   intake_submit_cb cb, void *arg)
{
    intake_submission_t *sub = *sub_p;
    *sub_p = NULL;
    http_held_t *held = http_hold(req);
    waiting_t *w = calloc(1, sizeof(*w));
    if (!held || !w) {
        free(w);
        intake_submission_destroy(&sub);
        cb(held, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_INTERNAL, arg);
        return;
    }
    w->held = held;
    w->cb = cb;
    w->arg = arg;
    w->started_us = clock_mono_us();
    snprintf(w->channel, sizeof(w->channel), "%s", sub->req->channel ? sub->req->channel : "");
    if (!sub->req->first_responder) {
        const char *code = intake_roster_next(self->roster);
        sub->req->first_responder = code ? strdup(code) : NULL;
        if (!sub->req->first_responder) {
            log_error("could not accept case: nobody is on duty", "source=%s", sub->source);
            intake_count_refused(w->channel, "nobody_on_duty");
            intake_submission_destroy(&sub);
            free(w);
            cb(held, INTAKE_FAILED, NULL, NULL, &INTAKE_PROBLEM_NO_ACCEPTOR, arg);
            return;
        }
    }
    if (intake_query_code(sub->query_code, sizeof(sub->query_code)) < 0 || !pg_is_up(self->pg)) {
        intake_count_refused(w->channel, "unavailable");
        intake_submission_destroy(&sub);
        free(w);
        cb(held, INTAKE_UNAVAILABLE, NULL, NULL, &INTAKE_PROBLEM_UNAVAILABLE, arg);
        return;
    }
    intake_commit_submit(self->commit, &sub, s_committed, w);
}
