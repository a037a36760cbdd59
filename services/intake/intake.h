/* What intake's modules share: the service context and the one way in for a
 * new case (intake_submit), used by the staff API, the public web and
 * Open311 alike. */
#ifndef DUBAN_INTAKE_H
#define DUBAN_INTAKE_H

#include "auth.h"
#include "http.h"
#include "http_proxies.h"
#include "intake_commit.h"
#include "intake_ratelimit.h"
#include "intake_roster.h"
#include "org.h"
#include "pg.h"

#include <stddef.h>

struct evhttp_request;

struct intake_steps;
struct intake_photo_store;
struct intake_alerts;
struct intake_bulletins;
struct fingerprint;

/* Connections of their own for staff reads (settings: intake.read_connections). */
#define INTAKE_MAX_READERS 8

typedef struct {
    const org_t *org;
    struct intake_steps *steps; /* workflow steps forwarded to dispatch */
    struct intake_alerts *alerts;       /* the alerts console of watch */
    struct intake_bulletins *bulletins; /* the bulletin console */
    pg_t *pg;
    /* Staff reads (case pages, queues, search, lists) go to these, so they
     * neither wait behind the commits and each other on pg nor delay them. */
    pg_t *readers[INTAKE_MAX_READERS];
    int nreaders;
    long search_max_rows; /* the cases one text search may read (intake_search.h) */
    intake_commit_t *commit;
    outbox_relay_t *relay; /* to triage; its figures go into /healthz */
    handoff_t *handoff;    /* received cases triage has not taken: intake_handoff.h */
    auth_t *auth;
    intake_roster_t *roster;
    intake_ratelimit_t *ratelimit;
    int submit_per_minute; /* public submissions per address and minute */
    int lookup_per_minute; /* public status lookups per address and minute */
    size_t max_body;
    http_proxies_t trusted_proxies; /* whose X-Forwarded-For is believed (the web console, balancers) */
    const char *open311_jurisdictions; /* comma list of the jurisdiction_ids Open311 serves */
    const char *bureau_name;             /* on the public pages */
    struct intake_photo_store *photos;   /* the report form's photos (intake_photo_store.h) */
    size_t photo_max_bytes;              /* one photo as sent */
    size_t max_form_body;                /* the report form with its photos */
    struct calendar *calendar; /* working time left on the division queue */
    struct calendar *natural;  /* for deadlines on the natural clock */
    struct sla *sla;
    const struct fingerprint *fingerprint; /* keys the public evaluations' visitors */
} intake_t;

/* Called when a submission is settled: outcome, response, case_number and
 * problem as in intake_commit_cb. held is the waiting request (NULL when the
 * client left); the callee replies (if it can) and releases held. */
typedef void (*intake_submit_cb)(http_held_t *held, intake_outcome_t outcome, const char *response,
                                 const char *case_number, const intake_problem_t *problem,
                                 void *arg);

/* Counts a submission refused before it reached the database, by channel
 * ("web", "open311", the channel asked for) and reason (a short fixed
 * text, never the input). */
void intake_count_refused(const char *channel, const char *reason);

/* Gives sub (owned) a first responder if it has none, and commits it. */
void intake_submit(intake_t *self, struct evhttp_request *req, intake_submission_t **sub_p,
                   intake_submit_cb cb, void *arg);

/* A fresh query code (8 characters, no look-alike letters). Returns 0 / -1. */
int intake_query_code(char *out, size_t len);

/* Hex SHA-256 of data into out (65 bytes), for idempotency checks. */
void intake_sha256_hex(const void *data, size_t len, char *out);

/* The connection for a staff read: the reader with the least work queued
 * among those up, else pg (which may be down: callers check pg_is_up). */
pg_t *intake_reader(const intake_t *self);

/* Replies 503 with the standard "nothing was recorded, retry" problem
 * (INTAKE_PROBLEM_UNAVAILABLE). */
void intake_reply_unavailable(struct evhttp_request *req);

#endif
