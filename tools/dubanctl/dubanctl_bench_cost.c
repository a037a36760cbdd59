/* What a benchmark run costs, measured in the same run (issue 13): the WAL
 * the run wrote and the CPU time each duban service, PostgreSQL and Redis
 * spent on it (PostgreSQL's own commit rate beside it:
 * dubanctl_bench_pgbench.c).
 *
 * CPU is read from /proc, so it is measured only where PostgreSQL and the
 * services run on this host (the scratch deployment always does): the
 * postmaster is the parent of this session's backend, and its own time plus
 * its children's (live ones from their /proc entries, ended ones from its
 * cutime/cstime) is PostgreSQL's. Redis gives its own from INFO cpu. A figure
 * that cannot be had is left out rather than guessed. */
#include "dubanctl.h"

#include <dirent.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COST_MAX_PIDS 8

struct ctl_bench_cost {
    ctl_t *ctl;
    int npids;
    pid_t pids[COST_MAX_PIDS];
    const char *names[COST_MAX_PIDS];
    long long ticks0[COST_MAX_PIDS];
    pid_t postmaster;
    long long pg_ticks0;
    double redis_s0;
    char lsn0[64];
};

/* utime + stime (+ cutime + cstime when children) of pid in clock ticks;
 * -1 when it cannot be read. *ppid gets the parent when asked. */
static long long s_ticks(pid_t pid, bool children, pid_t *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the command name is in parentheses and may hold spaces: read after it */
    char *p = strrchr(buf, ')');
    long parent = 0;
    unsigned long long ut = 0, st = 0;
    long long cut = 0, cst = 0;
    if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
                     &parent, &ut, &st, &cut, &cst) != 5)
        return -1;
    if (ppid)
        *ppid = (pid_t)parent;
    return (long long)(ut + st) + (children ? cut + cst : 0);
}

/* PostgreSQL's CPU ticks: the postmaster, its ended and its live children. */
static long long s_pg_ticks(pid_t postmaster)
{
    long long sum = s_ticks(postmaster, true, NULL);
    DIR *d = sum >= 0 ? opendir("/proc") : NULL;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        pid_t parent = 0;
        if (*end || pid <= 0)
            continue;
        long long t = s_ticks((pid_t)pid, false, &parent);
        if (t > 0 && parent == postmaster)
            sum += t;
    }
    closedir(d);
    return sum;
}

static int s_query(PGconn *conn, const char *sql, char *out, size_t len)
{
    PGresult *res = PQexec(conn, sql);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? 0 : -1;
    if (rc == 0)
        snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

/* Redis's own CPU seconds (user + system), -1 when it cannot say. */
static double s_redis_seconds(ctl_t *ctl)
{
    struct timeval tv = {1, 0};
    redisContext *r = redisConnectWithTimeout(
        settings_string(ctl->settings, "redis.host", "127.0.0.1"),
        (int)settings_int(ctl->settings, "redis.port", 6379), tv);
    double seconds = -1;
    redisReply *reply = r && !r->err ? redisCommand(r, "INFO cpu") : NULL;
    if (reply && reply->type == REDIS_REPLY_STRING) {
        const char *u = strstr(reply->str, "used_cpu_user:");
        const char *s = strstr(reply->str, "used_cpu_sys:");
        if (u && s)
            seconds = strtod(u + strlen("used_cpu_user:"), NULL) +
                      strtod(s + strlen("used_cpu_sys:"), NULL);
    }
    if (reply)
        freeReplyObject(reply);
    if (r)
        redisFree(r);
    return seconds;
}

ctl_bench_cost_t *ctl_bench_cost_start(ctl_t *ctl, const pid_t *pids, const char *const *names,
                                       int npids)
{
    ctl_bench_cost_t *c = calloc(1, sizeof(*c));
    PGconn *conn = c ? ctl_pg_connect(ctl) : NULL;
    char pid_text[32];
    if (!conn || s_query(conn, "SELECT pg_current_wal_lsn()", c->lsn0, sizeof(c->lsn0)) < 0) {
        fprintf(stderr, "error: cannot read the WAL position\n");
        PQfinish(conn);
        free(c);
        return NULL;
    }
    c->ctl = ctl;
    if (s_query(conn, "SELECT pg_backend_pid()", pid_text, sizeof(pid_text)) == 0 &&
        s_ticks((pid_t)atol(pid_text), false, &c->postmaster) < 0)
        c->postmaster = 0; /* PostgreSQL is on another host */
    PQfinish(conn);
    c->pg_ticks0 = c->postmaster ? s_pg_ticks(c->postmaster) : -1;
    c->redis_s0 = s_redis_seconds(ctl);
    for (int i = 0; i < npids && i < COST_MAX_PIDS; i++) {
        c->pids[c->npids] = pids[i];
        c->names[c->npids] = names[i];
        c->ticks0[c->npids++] = s_ticks(pids[i], false, NULL);
    }
    return c;
}

json_t *ctl_bench_cost_stop(ctl_bench_cost_t **self_p, int cases)
{
    ctl_bench_cost_t *c = *self_p;
    json_t *j = json_object();
    double tick_ms = 1000.0 / (double)sysconf(_SC_CLK_TCK);
    double n = cases > 0 ? cases : 1;
    PGconn *conn = ctl_pg_connect(c->ctl);
    char sql[160], wal[64];
    snprintf(sql, sizeof(sql), "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')", c->lsn0);
    if (conn && s_query(conn, sql, wal, sizeof(wal)) == 0)
        json_object_set_new(j, "wal_bytes_per_case", json_real(strtod(wal, NULL) / n));
    /* PostgreSQL's CPU and WAL are the whole server's: a deployment left
     * running beside the measured one (its watch's polls, its sweeps) is
     * counted with it, and competes for the CPU. Said, not subtracted. */
    char others[256];
    if (conn && s_query(conn,
                        "SELECT count(*) || ' ' || coalesce(string_agg(DISTINCT datname, ', '), '')"
                        " FROM pg_stat_activity"
                        /* (the type is hidden in other roles' sessions) */
                        " WHERE coalesce(backend_type, 'client backend') = 'client backend'"
                        " AND datname <> current_database()",
                        others, sizeof(others)) == 0) {
        char *databases = strchr(others, ' ');
        json_t *o = json_object();
        json_object_set_new(o, "connections", json_integer(atol(others)));
        json_object_set_new(o, "databases", json_string(databases ? databases + 1 : ""));
        json_object_set_new(j, "other_connections", o);
    }
    PQfinish(conn);
    json_t *cpu = json_object();
    double services_ms = 0;
    bool services_all = c->npids > 0;
    for (int i = 0; i < c->npids; i++) {
        long long t = s_ticks(c->pids[i], false, NULL);
        if (t < 0 || c->ticks0[i] < 0) {
            services_all = false;
            continue;
        }
        double ms = (double)(t - c->ticks0[i]) * tick_ms / n;
        services_ms += ms;
        json_object_set_new(cpu, c->names[i], json_real(ms));
    }
    if (services_all)
        json_object_set_new(cpu, "services", json_real(services_ms));
    long long pg1 = c->postmaster ? s_pg_ticks(c->postmaster) : -1;
    if (pg1 >= 0 && c->pg_ticks0 >= 0)
        json_object_set_new(cpu, "postgresql", json_real((double)(pg1 - c->pg_ticks0) * tick_ms / n));
    double r1 = s_redis_seconds(c->ctl);
    if (r1 >= 0 && c->redis_s0 >= 0)
        json_object_set_new(cpu, "redis", json_real((r1 - c->redis_s0) * 1000.0 / n));
    json_object_set_new(j, "cpu_ms_per_case", cpu);
    free(c);
    *self_p = NULL;
    return j;
}
