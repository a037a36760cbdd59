/* dubanctl bench-watch: figures for the deadline watch (issue 5): how long
 * duban-watch takes to rebuild its Redis index from PostgreSQL with N open
 * tasks (target: under 30 s for 1,000,000), and how soon after its deadline
 * an alert leaves watch with those N deadlines in the index (target: p99
 * under 1 s). A tool that prints figures, not a timed test.
 *
 * It never touches the deployment's own data: on the PostgreSQL server and
 * Redis of the settings (tools/up's var/duban.conf, or --config FILE) it
 *   1. creates a private database (<db>_benchwatch, or --db NAME), applies
 *      the schema (dubanctl setup) and fills it with N cases and N open tasks
 *      (bulk INSERT ... SELECT generate_series) whose deadlines are spread
 *      over --spread-min minutes starting 15 minutes ahead, so none falls due
 *      during the run;
 *   2. starts its own duban-watch (the binary next to dubanctl, or
 *      --watch-bin) on that database, free ports and the Redis prefix
 *      <prefix>benchwatch:, and times the rebuild at start (from watch's
 *      /healthz) and again after deleting the index keys (Redis emptied);
 *   3. subscribes to that watch's PUB and adds --probes tasks due at known
 *      instants over --window seconds; each breach received is timed
 *      against its deadline (received: end to end through PostgreSQL, the
 *      outbox relay and ZeroMQ; raised: the alert's commit time);
 *   4. stops its watch, drops the database (unless --keep) and deletes its
 *      Redis keys.
 *
 * Run it against tools/up's deployment:
 *     tools/up --detach && build/bin/dubanctl bench-watch -n 1000000
 * or against any scratch server by pointing --config at a settings file
 * whose owner role (setup.pg_conninfo) may create databases. 1,000,000 tasks need about 2 GB
 * of disk and a few minutes (most of it the fill). */
#include "dubanctl.h"
#include "port_reserve.h"

#include "bus.h"
#include "clock.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

extern char **environ;

typedef struct {
    ctl_t *ctl;
    long n;
    int probes;
    int window_s;
    int spread_min;
    bool keep;
    const char *watch_bin;
    char db[64];
    char conninfo[1024];
    char prefix[160];
    int ports[3]; /* health, pub, console */
    char log_path[PATH_MAX];
    pid_t watch_pid;
    PGconn *admin; /* on the deployment's database: creates and drops ours */
    PGconn *conn;  /* on ours */
} bw_t;

static double s_secs(int64_t us)
{
    return (double)us / 1e6;
}

static int s_exec(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "error: %s", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

/* Runs sql with %ld / %d style arguments already formatted by the caller. */
static int s_execf(PGconn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_execf(PGconn *conn, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    return s_exec(conn, sql);
}

/* Runs argv with extra environment (NAME=value strings, NULL-terminated),
 * output to log (appended) when given. Returns the pid, or -1. */
static pid_t s_spawn(char *const *argv, char *const *extra, const char *log)
{
    int nenv = 0, nextra = 0;
    while (environ[nenv])
        nenv++;
    while (extra[nextra])
        nextra++;
    char **env = calloc((size_t)(nenv + nextra + 1), sizeof(char *));
    if (!env)
        return -1;
    for (int i = 0; i < nextra; i++)
        env[i] = extra[i];
    for (int i = 0; i < nenv; i++)
        env[nextra + i] = environ[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (log) {
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    if (rc != 0) {
        fprintf(stderr, "error: could not start %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    return pid;
}

static int s_wait_pid(pid_t pid, int timeout_s)
{
    for (int i = 0; i < timeout_s * 10; i++) {
        int st = 0;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (r < 0)
            return -1;
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void s_quiet(void *arg, const char *message)
{
}

static int s_create(bw_t *b)
{
    /* the schema's owner may create databases (dubanctl roles) and fills
     * the scratch one; the bench watch connects as duban_watch */
    b->admin = ctl_pg_connect_as(b->ctl, "setup");
    if (!b->admin)
        return -1;
    PQsetNoticeProcessor(b->admin, s_quiet, NULL);
    if (!b->db[0])
        snprintf(b->db, sizeof(b->db), "%.48s_benchwatch", PQdb(b->admin));
    if (s_execf(b->admin, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", b->db) < 0 ||
        s_execf(b->admin, "CREATE DATABASE \"%s\"", b->db) < 0)
        return -1;
    snprintf(b->conninfo, sizeof(b->conninfo), "%s dbname=%s",
             settings_string(b->ctl->settings, "pg.conninfo", ""), b->db);
    char self_exe[PATH_MAX], env_conn[1100];
    ssize_t len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (len <= 0)
        return -1;
    self_exe[len] = '\0';
    snprintf(env_conn, sizeof(env_conn), "DUBAN_PG_CONNINFO=%s", b->conninfo);
    char *argv[] = {self_exe, "--config", (char *)(b->ctl->config ? b->ctl->config : ""),
                    "setup", NULL};
    char *extra[] = {env_conn, NULL};
    pid_t pid = s_spawn(b->ctl->config ? argv : (char *[]){self_exe, "setup", NULL}, extra, NULL);
    if (pid < 0 || s_wait_pid(pid, 120) != 0) {
        fprintf(stderr, "error: dubanctl setup failed on database %s\n", b->db);
        return -1;
    }
    char owner[1200];
    if (!settings_pg_conninfo(b->ctl->settings, "setup", owner, sizeof(owner) - 80))
        return -1;
    snprintf(owner + strlen(owner), 80, " dbname=%s", b->db);
    b->conn = PQconnectdb(owner);
    if (PQstatus(b->conn) != CONNECTION_OK) {
        fprintf(stderr, "error: could not connect to %s: %s", b->db, PQerrorMessage(b->conn));
        return -1;
    }
    return 0;
}

static const char *s_divisions =
    "(ARRAY['metrology', 'supervision', 'enforcement', 'fiber', 'standards',"
    " 'special-equipment', 'certification', 'licensing', 'finance', 'office-legal'])";

/* N cases and their open tasks, deadlines spread over the window. */
static int s_fill(bw_t *b)
{
    long spread_ms = (long)b->spread_min * 60000L;
    if (s_exec(b->conn, "SET synchronous_commit = off") < 0 ||
        s_execf(b->conn,
                "INSERT INTO cases (case_number, query_code_sha256, channel, kind, category,"
                " priority, subject, description, first_responder, state)"
                " SELECT 'BW' || lpad(g::text, 10, '0'), sha256(convert_to(g::text, 'UTF8')),"
                " 'hotline', 'complaint', 'metrology', 'normal', 'bench-watch', 'bench-watch',"
                " 'op001', 'dispatched' FROM generate_series(1, %ld) g", b->n) < 0)
        return -1;
    return s_execf(
        b->conn,
        "INSERT INTO tasks (case_id, division, role, state, dispatched_at, response_due,"
        " response_warn, completion_due, completion_warn, updated_at)"
        " SELECT c.id, %s[1 + c.id %% 10], 'lead', 'dispatched', now() - interval '1 hour',"
        " d.due, d.due - interval '5 minutes', d.due + interval '1 day',"
        " d.due + interval '23 hours', now() - interval '10 minutes'"
        " FROM cases c, LATERAL (SELECT now() + interval '15 minutes' + ((c.id * 7919) %% %ld)"
        "  * (%ld::float8 / %ld) * interval '1 millisecond' AS due) d",
        s_divisions, b->n, spread_ms, b->n);
}

static size_t s_collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    char **buf = arg;
    size_t n = size * nmemb, have = *buf ? strlen(*buf) : 0;
    char *grown = realloc(*buf, have + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + have, ptr, n);
    grown[have + n] = '\0';
    *buf = grown;
    return n;
}

/* The bench watch's /healthz (whatever its status), or NULL. */
static json_t *s_health(bw_t *b)
{
    char url[64], *body = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", b->ports[0]);
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 2L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    json_t *j = curl_easy_perform(c) == CURLE_OK && body ? json_loads(body, 0, NULL) : NULL;
    curl_easy_cleanup(c);
    free(body);
    return j;
}

static json_int_t s_int(json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

/* Waits until the watch finished `count` rebuilds; returns its health. */
static json_t *s_wait_rebuilds(bw_t *b, json_int_t count, int timeout_s)
{
    for (int i = 0; i < timeout_s * 20; i++) {
        json_t *h = s_health(b);
        if (h && s_int(h, "rebuilds") >= count && !json_is_true(json_object_get(h, "rebuilding")))
            return h;
        json_decref(h);
        int st = 0;
        if (waitpid(b->watch_pid, &st, WNOHANG) == b->watch_pid) {
            fprintf(stderr, "error: duban-watch exited; see %s\n", b->log_path);
            b->watch_pid = 0;
            return NULL;
        }
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "error: duban-watch did not rebuild within %d s; see %s\n", timeout_s,
            b->log_path);
    return NULL;
}

static redisContext *s_redis(bw_t *b)
{
    redisContext *r = redisConnect(settings_string(b->ctl->settings, "redis.host", "127.0.0.1"),
                                   (int)settings_int(b->ctl->settings, "redis.port", 6379));
    if (!r || r->err) {
        fprintf(stderr, "error: could not connect to redis: %s\n", r ? r->errstr : "no memory");
        if (r)
            redisFree(r);
        return NULL;
    }
    return r;
}

/* Deletes the bench's index keys (marker included); returns the bytes the
 * index used in Redis before, or -1. */
static long long s_redis_clear(bw_t *b)
{
    redisContext *r = s_redis(b);
    if (!r)
        return -1;
    char due[200], lease[200], built[200];
    snprintf(due, sizeof(due), "%swatch:due", b->prefix);
    snprintf(lease, sizeof(lease), "%swatch:lease", b->prefix);
    snprintf(built, sizeof(built), "%swatch:built", b->prefix);
    long long bytes = -1;
    redisReply *rep = redisCommand(r, "MEMORY USAGE %s", due);
    if (rep && rep->type == REDIS_REPLY_INTEGER)
        bytes = rep->integer;
    freeReplyObject(rep);
    rep = redisCommand(r, "DEL %s %s %s", due, lease, built);
    freeReplyObject(rep);
    redisFree(r);
    return bytes;
}

static int s_start_watch(bw_t *b)
{
    char bin[PATH_MAX];
    if (b->watch_bin) {
        snprintf(bin, sizeof(bin), "%s", b->watch_bin);
    } else {
        ssize_t len = readlink("/proc/self/exe", bin, sizeof(bin) - 16);
        if (len <= 0)
            return -1;
        bin[len] = '\0';
        char *slash = strrchr(bin, '/');
        snprintf(slash ? slash + 1 : bin, 16, "duban-watch");
    }
    for (int i = 0; i < 3; i++)
        if (!(b->ports[i] = port_reserve()))
            return -1;
    char env[6][1200];
    snprintf(env[0], sizeof(env[0]), "DUBAN_PG_CONNINFO=%s", b->conninfo);
    snprintf(env[1], sizeof(env[1]), "DUBAN_REDIS_PREFIX=%s", b->prefix);
    snprintf(env[2], sizeof(env[2]), "DUBAN_WATCH_HEALTH=127.0.0.1:%d", b->ports[0]);
    snprintf(env[3], sizeof(env[3]), "DUBAN_WATCH_PUB=tcp://127.0.0.1:%d", b->ports[1]);
    snprintf(env[4], sizeof(env[4]), "DUBAN_WATCH_CONSOLE=tcp://127.0.0.1:%d", b->ports[2]);
    snprintf(env[5], sizeof(env[5]), "DUBAN_LOG_LEVEL=warn");
    char *extra[] = {env[0], env[1], env[2], env[3], env[4], env[5], NULL};
    char *argv[] = {bin, "--config", (char *)(b->ctl->config ? b->ctl->config : ""), NULL};
    if (!b->ctl->config)
        argv[1] = NULL;
    b->watch_pid = s_spawn(argv, extra, b->log_path);
    return b->watch_pid > 0 ? 0 : -1;
}

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double s_pct_ms(int64_t *v, int n, double p)
{
    if (n == 0)
        return 0;
    int i = (int)(p * (n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

/* Probes due over the window; collects each one's breach from the PUB. */
static int s_latency(bw_t *b, int64_t *recv_lat, int64_t *raise_lat, int *got)
{
    void *zctx = zmq_ctx_new();
    void *sub = zmq_socket(zctx, ZMQ_SUB);
    int linger = 0, hwm = 0, rc = -1;
    char ep[64];
    snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", b->ports[1]);
    if (BUS_SETSOCKOPT(sub, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(sub, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0 ||
        BUS_SETSOCKOPT(sub, ZMQ_SUBSCRIBE, "inspection|", 11) < 0 ||
        ctl_bus_connect(b->ctl, sub, "watch", ep) < 0)
        goto out_close;
    struct timespec settle = {0, 300 * 1000000};
    nanosleep(&settle, NULL);
    long step_us = (long)b->window_s * 1000000L / b->probes;
    if (s_execf(b->conn,
                "WITH c AS (INSERT INTO cases (case_number, query_code_sha256, channel, kind,"
                "  category, priority, subject, description, first_responder, state)"
                "  SELECT 'BWP' || lpad(g::text, 9, '0'), sha256(convert_to(g::text, 'UTF8')),"
                "  'hotline', 'complaint', 'metrology', 'normal', 'probe', 'probe', 'op001',"
                "  'dispatched' FROM generate_series(1, %d) g RETURNING id, case_number)"
                " INSERT INTO tasks (case_id, division, role, state, response_due, completion_due)"
                " SELECT id, 'metrology', 'lead', 'dispatched', now() + interval '3 seconds'"
                "  + substr(case_number, 4)::int * %ld * interval '1 microsecond',"
                "  now() + interval '1 day' FROM c",
                b->probes, step_us) < 0)
        goto out_close;
    PGresult *res = PQexec(b->conn, "SELECT min(t.id), max(t.id) FROM tasks t JOIN cases c"
                                    " ON c.id = t.case_id WHERE c.case_number LIKE 'BWP%'");
    int64_t lo = strtoll(PQgetvalue(res, 0, 0), NULL, 10),
            hi = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    int64_t deadline = clock_mono_us() + ((int64_t)b->window_s + 20) * 1000000;
    static uint8_t buf[BUS_MAX_MESSAGE];
    while (*got < b->probes && clock_mono_us() < deadline) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) <= 0)
            continue;
        char topic[32];
        while (zmq_recv(sub, topic, sizeof(topic), ZMQ_DONTWAIT) >= 0) {
            int n = zmq_recv(sub, buf, sizeof(buf), 0);
            int64_t now = clock_now_us();
            Duban__Envelope *env = n > 0 ? bus_envelope_unpack(buf, (size_t)n) : NULL;
            if (!env)
                continue;
            Duban__EscalationAlert *a =
                env->type == DUBAN__MSG_TYPE__ESCALATION_ALERT
                    ? duban__escalation_alert__unpack(NULL, env->body.len, env->body.data)
                    : NULL;
            if (a && a->level == 1 && a->repeat == 0 && a->task_id >= lo && a->task_id <= hi &&
                *got < b->probes) {
                recv_lat[*got] = now - a->due_us;
                raise_lat[*got] = a->raised_us - a->due_us;
                (*got)++;
            }
            if (a)
                duban__escalation_alert__free_unpacked(a, NULL);
            duban__envelope__free_unpacked(env, NULL);
        }
    }
    rc = 0;
out_close:
    zmq_close(sub);
    zmq_ctx_term(zctx);
    return rc;
}

static void s_cleanup(bw_t *b)
{
    if (b->watch_pid > 0) {
        kill(b->watch_pid, SIGTERM);
        if (s_wait_pid(b->watch_pid, 30) != 0)
            fprintf(stderr, "warning: duban-watch did not stop cleanly; see %s\n", b->log_path);
        b->watch_pid = 0;
    }
    s_redis_clear(b);
    if (b->conn)
        PQfinish(b->conn);
    b->conn = NULL;
    if (b->admin && !b->keep && b->db[0])
        ctl_pg_drop_database(b->admin, b->db);
    if (b->admin)
        PQfinish(b->admin);
    b->admin = NULL;
}

static int s_usage(void)
{
    fprintf(stderr, "usage: dubanctl bench-watch [-n TASKS] [--probes N] [--window SECONDS]\n"
                    "         [--spread-min MINUTES] [--db NAME] [--watch-bin PATH] [--keep]\n");
    return CTL_USAGE;
}

int ctl_bench_watch(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {
        {"probes", required_argument, NULL, 'p'},     {"window", required_argument, NULL, 'w'},
        {"spread-min", required_argument, NULL, 's'}, {"db", required_argument, NULL, 'd'},
        {"watch-bin", required_argument, NULL, 'b'},  {"keep", no_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},             {NULL, 0, NULL, 0}};
    bw_t b = {.ctl = ctl, .n = 100000, .probes = 1000, .window_s = 10, .spread_min = 60};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "n:", options, NULL)) != -1) {
        switch (opt) {
        case 'n': b.n = atol(optarg); break;
        case 'p': b.probes = atoi(optarg); break;
        case 'w': b.window_s = atoi(optarg); break;
        case 's': b.spread_min = atoi(optarg); break;
        case 'd': snprintf(b.db, sizeof(b.db), "%s", optarg); break;
        case 'b': b.watch_bin = optarg; break;
        case 'k': b.keep = true; break;
        case 'j': break;
        default: return s_usage();
        }
    }
    if (b.n < 1 || b.n > 100000000 || b.probes < 1 || b.probes > 1000000 || b.window_s < 1 ||
        b.spread_min < 1 || strspn(b.db, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(b.db))
        return s_usage();
    snprintf(b.prefix, sizeof(b.prefix), "%sbenchwatch:",
             settings_string(ctl->settings, "redis.prefix", "duban:"));
    snprintf(b.log_path, sizeof(b.log_path), "/tmp/duban-bench-watch-%d.log", (int)getpid());
    int64_t *recv_lat = calloc((size_t)b.probes, sizeof(int64_t));
    int64_t *raise_lat = calloc((size_t)b.probes, sizeof(int64_t));
    int rc = CTL_FAILED, got = 0;
    json_t *h1 = NULL, *h2 = NULL;
    if (!recv_lat || !raise_lat)
        goto out_free;
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "bench-watch: creating database and %ld open tasks...\n", b.n);
    int64_t t0 = clock_mono_us();
    if (s_create(&b) < 0 || s_fill(&b) < 0 || s_exec(b.conn, "ANALYZE") < 0)
        goto out_cleanup;
    double fill_s = s_secs(clock_mono_us() - t0);
    s_redis_clear(&b);
    fprintf(stderr, "bench-watch: filled in %.1f s; starting duban-watch (log %s)...\n", fill_s,
            b.log_path);
    int64_t t1 = clock_mono_us();
    if (s_start_watch(&b) < 0 || !(h1 = s_wait_rebuilds(&b, 1, 600)))
        goto out_cleanup;
    double ready_s = s_secs(clock_mono_us() - t1);
    struct timespec tick = {1, 200 * 1000000}; /* index size is read every second */
    nanosleep(&tick, NULL);
    json_t *sized = s_health(&b);
    json_int_t index_size = sized ? s_int(sized, "index_size") : -1;
    json_decref(sized);
    fprintf(stderr, "bench-watch: emptying the index in Redis...\n");
    long long index_bytes = s_redis_clear(&b);
    if (!(h2 = s_wait_rebuilds(&b, 2, 600)))
        goto out_cleanup;
    fprintf(stderr, "bench-watch: %d probe deadlines over %d s...\n", b.probes, b.window_s);
    if (s_latency(&b, recv_lat, raise_lat, &got) < 0)
        goto out_cleanup;
    qsort(recv_lat, (size_t)got, sizeof(int64_t), s_cmp_i64);
    qsort(raise_lat, (size_t)got, sizeof(int64_t), s_cmp_i64);
    double r1 = json_real_value(json_object_get(h1, "last_rebuild_seconds"));
    double r2 = json_real_value(json_object_get(h2, "last_rebuild_seconds"));
    double p99 = s_pct_ms(recv_lat, got, 0.99);
    printf("bench-watch: %ld open tasks in database %s (filled in %.1f s)\n", b.n, b.db, fill_s);
    printf("index rebuild at start:        %.2f s for %lld tasks, %lld entries "
           "(watch healthy and rebuilt %.2f s after start)\n",
           r1, (long long)s_int(h1, "last_rebuild_tasks"),
           (long long)s_int(h1, "last_rebuild_entries"), ready_s);
    printf("index rebuild, Redis emptied:  %.2f s for %lld tasks\n", r2,
           (long long)s_int(h2, "last_rebuild_tasks"));
    printf("index in Redis:                %lld entries, %.1f MB\n", (long long)index_size,
           index_bytes > 0 ? (double)index_bytes / 1e6 : 0.0);
    printf("alert latency, %d/%d breaches due over %d s (received on the PUB - deadline):\n"
           "  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n"
           "  (the alert's raised_at - deadline: p50 %.1f ms  p99 %.1f ms)\n",
           got, b.probes, b.window_s, s_pct_ms(recv_lat, got, 0.5), s_pct_ms(recv_lat, got, 0.9),
           p99, got ? (double)recv_lat[got - 1] / 1000.0 : 0.0, s_pct_ms(raise_lat, got, 0.5),
           s_pct_ms(raise_lat, got, 0.99));
    printf("targets: rebuild < 30 s: %s; alert p99 < 1 s: %s\n",
           r1 < 30 && r2 < 30 ? "met" : "MISSED", got == b.probes && p99 < 1000 ? "met" : "MISSED");
    rc = got == b.probes ? CTL_OK : CTL_FAILED;
out_cleanup:
    s_cleanup(&b);
out_free:
    json_decref(h1);
    json_decref(h2);
    free(recv_lat);
    free(raise_lat);
    return rc;
}
