/* Redis pending index; see dispatch_index.h. A rebuild deletes each
 * division's set and refills it from one PostgreSQL query; a task committed
 * while the rebuild is in flight is added by its own dispatch_index_add. */
#include "dispatch_index.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_pending_sql =
    "SELECT division, id, (extract(epoch FROM dispatched_at) * 1000000)::bigint"
    " FROM tasks WHERE state = 'dispatched' ORDER BY id";

struct dispatch_index {
    pg_t *pg;
    redis_t *redis;
    const org_t *org;
    char prefix[64];
    unsigned long rebuilds;
    bool rebuilding;
};

static void s_key(const dispatch_index_t *self, const char *division, char *key, size_t len)
{
    snprintf(key, len, "%spending:%s", self->prefix, division);
}

static void s_zadd_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    redis_reply_ok(reply, "zadd pending");
}

void dispatch_index_add(dispatch_index_t *self, const char *division, int64_t task_id,
                        int64_t dispatched_us)
{
    char key[128], score[32], member[32];
    s_key(self, division, key, sizeof(key));
    snprintf(score, sizeof(score), "%lld", (long long)(dispatched_us / 1000));
    snprintf(member, sizeof(member), "%lld", (long long)task_id);
    const char *argv[] = {"ZADD", key, score, member};
    redis_command_argv(self->redis, s_zadd_reply, NULL, 4, argv);
}

static void s_rebuild_read(pg_txn_t *txn, bool ok, void *arg)
{
    dispatch_index_t *self = arg;
    self->rebuilding = false;
    if (!ok) {
        log_warn("could not rebuild pending index: %s", pg_txn_error(txn));
        return;
    }
    for (int i = 0; i < self->org->ndivisions; i++) {
        char key[128];
        s_key(self, self->org->divisions[i].code, key, sizeof(key));
        const char *argv[] = {"DEL", key};
        redis_command_argv(self->redis, NULL, NULL, 2, argv);
    }
    PGresult *res = pg_txn_result(txn, 0);
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        dispatch_index_add(self, PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10),
                           strtoll(PQgetvalue(res, i, 2), NULL, 10));
    self->rebuilds++;
    log_info("rebuilt pending index from postgresql tasks=%d", n);
}

static void s_rebuild(dispatch_index_t *self)
{
    if (self->rebuilding || !redis_is_up(self->redis) || !pg_is_up(self->pg))
        return;
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "dispatch_pending", 0, NULL) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    self->rebuilding = true;
    pg_txn_submit(self->pg, &txn, s_rebuild_read, self);
}

static void s_redis_connected(redis_t *redis, void *arg)
{
    s_rebuild(arg);
}

static void s_pg_state(pg_t *pg, bool up, void *arg)
{
    dispatch_index_t *self = arg;
    if (up && self->rebuilds == 0)
        s_rebuild(self);
}

int dispatch_index_prepare(pg_t *pg)
{
    return pg_prepare(pg, "dispatch_pending", s_pending_sql);
}

dispatch_index_t *dispatch_index_new(struct event_base *base, pg_t *pg, const org_t *org,
                                     const char *host, int port, const char *prefix)
{
    dispatch_index_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->pg = pg;
    self->org = org;
    snprintf(self->prefix, sizeof(self->prefix), "%s", prefix);
    self->redis = redis_new(base, host, port);
    if (!self->redis) {
        free(self);
        return NULL;
    }
    redis_on_connect(self->redis, s_redis_connected, self);
    pg_on_state(pg, s_pg_state, self);
    return self;
}

void dispatch_index_destroy(dispatch_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_index_t *self = *self_p;
    redis_destroy(&self->redis);
    free(self);
    *self_p = NULL;
}

bool dispatch_index_up(const dispatch_index_t *self)
{
    return redis_is_up(self->redis);
}

unsigned long dispatch_index_rebuilds(const dispatch_index_t *self)
{
    return self->rebuilds;
}

redis_t *dispatch_index_redis(dispatch_index_t *self)
{
    return self->redis;
}
