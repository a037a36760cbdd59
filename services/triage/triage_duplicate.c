/* Duplicate fingerprints in Redis; see triage_duplicate.h. */
#include "triage_duplicate.h"

#include "log.h"
#include "triage_rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fingerprints of the open cases still inside the window, to refill Redis
 * after it restarted or was emptied: Redis holds nothing PostgreSQL lacks. */
static const char *s_fingerprints_sql =
    "SELECT requester_phone, category, case_number,"
    " greatest(1, $1::int - extract(epoch FROM now() - created_at)::int)"
    " FROM cases WHERE requester_phone ~ '[0-9]' AND category IS NOT NULL"
    " AND state IN ('triaged', 'dispatched', 'arbitration', 'replied', 'informed')"
    " AND created_at > now() - $1::int * interval '1 second'";

int triage_duplicate_prepare_sql(pg_t *pg)
{
    return pg_prepare(pg, "triage_fingerprints", s_fingerprints_sql);
}

/* Redis key of a requester's fingerprint for a category. */
static void s_key(const triage_t *self, const char *fingerprint, const char *category, char *key,
                  size_t len)
{
    snprintf(key, len, "%sdup:%s:%s", self->prefix, fingerprint, category);
}

/* The category triage will decide for m (NULL for the manual queue). */
static const char *s_category(const triage_t *self, const Duban__CaseReceived *m)
{
    triage_decision_t d;
    triage_rule_decide(self->svc->org, m->category, m->subject, m->description, m->priority,
                       &d);
    return d.category ? d.category->code : NULL;
}

bool triage_duplicate_hit(const triage_t *self, const char *msg_id)
{
    if (self->redis_down)
        return true;
    for (int i = 0; i < self->nhits; i++)
        if (strcmp(self->hits[i], msg_id) == 0)
            return true;
    return false;
}

typedef struct {
    triage_t *self;
    char msg_ids[TRIAGE_MAX_HITS][40];
    int count;
    void (*done)(void *);
    void *done_arg;
} lookup_t;

static void s_read(redisAsyncContext *ac, void *reply, void *privdata)
{
    lookup_t *l = privdata;
    triage_t *self = l->self;
    redisReply *r = reply;
    self->nhits = 0;
    self->redis_down = !redis_reply_ok(r, "mget fingerprints") || r->type != REDIS_REPLY_ARRAY;
    for (size_t i = 0; !self->redis_down && i < r->elements && (int)i < l->count; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING)
            snprintf(self->hits[self->nhits++], sizeof(self->hits[0]), "%s", l->msg_ids[i]);
    l->done(l->done_arg);
    free(l);
}

void triage_duplicate_prepare(Duban__Envelope *const *envs, int count, void *arg,
                              void (*done)(void *), void *done_arg)
{
    triage_t *self = arg;
    lookup_t *l = calloc(1, sizeof(*l));
    const char *argv[TRIAGE_MAX_HITS + 1];
    char keys[TRIAGE_MAX_HITS][160];
    int argc = 1;
    argv[0] = "MGET";
    for (int i = 0; l && i < count && l->count < TRIAGE_MAX_HITS; i++) {
        Duban__CaseReceived *m =
            duban__case_received__unpack(NULL, envs[i]->body.len, envs[i]->body.data);
        const char *category = m ? s_category(self, m) : NULL;
        if (category && fingerprint_is_valid(m->requester_fingerprint)) {
            s_key(self, m->requester_fingerprint, category, keys[l->count], sizeof(keys[0]));
            snprintf(l->msg_ids[l->count], sizeof(l->msg_ids[0]), "%s", envs[i]->msg_id);
            argv[argc++] = keys[l->count++];
        }
        if (m)
            duban__case_received__free_unpacked(m, NULL);
    }
    self->nhits = 0;
    self->redis_down = false;
    if (!l || l->count == 0) {
        free(l);
        done(done_arg);
        return;
    }
    l->self = self;
    l->done = done;
    l->done_arg = done_arg;
    if (redis_command_argv(self->redis, s_read, l, argc, argv) < 0) {
        self->redis_down = true; /* PostgreSQL checks every repeat instead */
        free(l);
        done(done_arg);
    }
}

void triage_duplicate_remember(triage_t *self, const Duban__Envelope *env)
{
    Duban__CaseReceived *m = duban__case_received__unpack(NULL, env->body.len, env->body.data);
    const char *category = m ? s_category(self, m) : NULL;
    if (category && fingerprint_is_valid(m->requester_fingerprint)) {
        char key[160];
        s_key(self, m->requester_fingerprint, category, key, sizeof(key));
        const char *argv[] = {"SET", key, env->case_number, "EX", self->duplicate_window_s};
        redis_command_argv(self->redis, NULL, NULL, 5, argv);
    }
    if (m)
        duban__case_received__free_unpacked(m, NULL);
}

static void s_rebuilt(pg_txn_t *txn, bool ok, void *arg)
{
    triage_t *self = arg;
    if (!ok) {
        log_warn("could not rebuild duplicate fingerprints", "err=%s", pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    for (int i = 0; i < PQntuples(res); i++) {
        char key[160], fingerprint[FINGERPRINT_HEX_LEN + 1];
        if (!fingerprint_phone(self->fingerprint, PQgetvalue(res, i, 0), fingerprint))
            continue;
        s_key(self, fingerprint, PQgetvalue(res, i, 1), key, sizeof(key));
        const char *argv[] = {"SET", key, PQgetvalue(res, i, 2), "EX", PQgetvalue(res, i, 3)};
        redis_command_argv(self->redis, NULL, NULL, 5, argv);
    }
    char marker[96];
    snprintf(marker, sizeof(marker), "%sdup:built", self->prefix);
    const char *argv[] = {"SET", marker, "1"};
    redis_command_argv(self->redis, NULL, NULL, 3, argv);
    log_info("rebuilt duplicate fingerprints from postgresql", "cases=%d", PQntuples(res));
}

static void s_rebuild(triage_t *self)
{
    if (!redis_is_up(self->redis) || !pg_is_up(self->pg))
        return;
    pg_txn_t *txn = pg_txn_new();
    pg_param_t params[1] = {PG_TEXT(self->duplicate_window_s)};
    if (!txn || pg_txn_add(txn, true, "triage_fingerprints", 1, params) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    pg_txn_submit(self->pg, &txn, s_rebuilt, self);
}

static void s_marker_read(redisAsyncContext *ac, void *reply, void *privdata)
{
    redisReply *r = reply;
    if (redis_reply_ok(r, "exists fingerprint marker") && r->type == REDIS_REPLY_INTEGER &&
        r->integer == 0) {
        log_warn("duplicate fingerprints are gone from redis (emptied?); rebuilding");
        s_rebuild(privdata);
    }
}

void triage_duplicate_check(triage_t *self)
{
    char marker[96];
    snprintf(marker, sizeof(marker), "%sdup:built", self->prefix);
    const char *argv[] = {"EXISTS", marker};
    redis_command_argv(self->redis, s_marker_read, self, 2, argv);
}

void triage_duplicate_redis_connected(redis_t *redis, void *arg)
{
    s_rebuild(arg);
}

void triage_duplicate_pg_state(pg_t *pg, bool up, void *arg)
{
    if (up)
        s_rebuild(arg);
}
