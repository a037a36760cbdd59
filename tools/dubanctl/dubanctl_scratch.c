/* A deployment of a benchmark's own (issue 11, point 6): a scratch database
 * on the PostgreSQL server of pg.conninfo, made with the full schema and the
 * org file (dubanctl setup), a token for the administrator in it, and the services the
 * benchmark drives (duban-intake, duban-triage, duban-dispatch beside this
 * dubanctl) started on free loopback ports with a Redis key prefix of their
 * own. While it stands, this process's settings name it (the same
 * environment overrides the services read: DUBAN_PG_CONNINFO,
 * DUBAN_INTAKE_HTTP, ...), so the benchmark's code is the same as against
 * any deployment; destroying it stops the services (SIGTERM, then SIGKILL
 * after 15 s) and drops the database. Nothing of the live deployment is
 * touched: its database, its services and its Redis keys stay as they are.
 * The Redis keys the scratch services leave (duplicate fingerprints, rate
 * limits) expire on their own. */
#include "dubanctl.h"
#include "port_reserve.h"

#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH_MAX_SERVICES 5
#define SCRATCH_MAX_ENV 24

struct ctl_scratch {
    ctl_t *ctl;
    char db[64];
    char conninfo[1024];
    char token[65];
    char log_dir[PATH_MAX];
    pid_t pids[SCRATCH_MAX_SERVICES];
    const char *names[SCRATCH_MAX_SERVICES];
    int nservices;
    char *env[SCRATCH_MAX_ENV]; /* names set for the scratch deployment */
    char *was[SCRATCH_MAX_ENV]; /* and their values before (NULL: unset) */
    int nenv;
    bool created;
};

static int s_exec(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
                 ? 0
                 : -1;
    if (rc < 0)
        fprintf(stderr, "error: %s", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

static int s_setenv(ctl_scratch_t *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_setenv(ctl_scratch_t *s, const char *name, const char *fmt, ...)
{
    char value[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (s->nenv == SCRATCH_MAX_ENV)
        return -1;
    const char *before = getenv(name);
    s->was[s->nenv] = before ? strdup(before) : NULL;
    s->env[s->nenv++] = strdup(name);
    return setenv(name, value, 1);
}

/* The settings of the scratch deployment, as environment overrides. */
static int s_settings(ctl_scratch_t *s, int clients)
{
    int p[11];
    for (int i = 0; i < 11; i++)
        if (!(p[i] = port_reserve()))
            return -1;
    const char *h = "127.0.0.1";
    /* its one probe connection besides the clients, and some slack */
    int per_address = clients + 8;
    return s_setenv(s, "DUBAN_REDIS_PREFIX", "bench%ld:", (long)getpid()) |
           s_setenv(s, "DUBAN_INTAKE_MAX_CONNECTIONS_PER_ADDRESS", "%d", per_address) |
           s_setenv(s, "DUBAN_INTAKE_HTTP", "%s:%d", h, p[0]) |
           s_setenv(s, "DUBAN_INTAKE_OUT", "tcp://%s:%d", h, p[1]) |
           /* its own: the live intake may be answering /metrics on the setting's */
           s_setenv(s, "DUBAN_INTAKE_METRICS", "%s:%d", h, p[10]) |
           s_setenv(s, "DUBAN_TRIAGE_HEALTH", "%s:%d", h, p[2]) |
           s_setenv(s, "DUBAN_TRIAGE_IN", "tcp://%s:%d", h, p[1]) |
           s_setenv(s, "DUBAN_TRIAGE_OUT", "tcp://%s:%d", h, p[3]) |
           s_setenv(s, "DUBAN_DISPATCH_HEALTH", "%s:%d", h, p[4]) |
           s_setenv(s, "DUBAN_DISPATCH_IN", "tcp://%s:%d", h, p[3]) |
           s_setenv(s, "DUBAN_DISPATCH_PUB", "tcp://%s:%d", h, p[5]) |
           s_setenv(s, "DUBAN_DISPATCH_CONSOLE", "tcp://%s:%d", h, p[6]) |
           s_setenv(s, "DUBAN_WATCH_HEALTH", "%s:%d", h, p[7]) |
           s_setenv(s, "DUBAN_WATCH_PUB", "tcp://%s:%d", h, p[8]) |
           s_setenv(s, "DUBAN_WATCH_CONSOLE", "tcp://%s:%d", h, p[9]);
}

/* The database: created, set up, a token for op001. */
static int s_database(ctl_scratch_t *s)
{
    const char *base = settings_string(s->ctl->settings, "pg.conninfo", "dbname=duban");
    snprintf(s->db, sizeof(s->db), "duban_bench_%ld", (long)getpid());
    snprintf(s->conninfo, sizeof(s->conninfo), "%s dbname=%s", base, s->db);
    /* the schema's owner may create databases (dubanctl roles) and owns this one */
    PGconn *admin = ctl_pg_connect_as(s->ctl, "setup");
    char sql[256];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", s->db);
    int rc = admin && s_exec(admin, "SET client_min_messages = warning") == 0 &&
                     s_exec(admin, sql) == 0
                 ? 0
                 : -1;
    PQfinish(admin);
    if (rc < 0)
        return -1;
    s->created = true;
    if (s_setenv(s, "DUBAN_PG_CONNINFO", "%s", s->conninfo) < 0)
        return -1;
    char *argv[] = {"setup", NULL};
    fflush(stdout);
    if (ctl_setup(s->ctl, 1, argv) != CTL_OK)
        return -1;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(s->token, sizeof(s->token), raw, sizeof(raw));
    PGconn *conn = ctl_pg_connect(s->ctl);
    const char *params[1] = {s->token};
    PGresult *res =
        conn ? PQexecParams(conn,
                            "INSERT INTO staff_tokens (staff, token_sha256, label)"
                            " VALUES ('admin', sha256(convert_to($1, 'UTF8')), 'bench')",
                            1, NULL, params, NULL, NULL, 0)
             : NULL;
    rc = res && PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "error: could not make a token in the scratch database: %s\n",
                res ? PQresultErrorMessage(res) : "no connection");
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int s_start(ctl_scratch_t *s, const char *bin_dir, const char *name)
{
    char path[PATH_MAX + 32], log[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/duban-%s", bin_dir, name);
    snprintf(log, sizeof(log), "%s/%s.log", s->log_dir, name);
    const char *config = settings_path(s->ctl->settings);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (null >= 0)
            dup2(null, STDIN_FILENO);
        if (config && config[0])
            execl(path, path, "--config", config, (char *)NULL);
        else
            execl(path, path, (char *)NULL);
        _exit(127);
    }
    s->pids[s->nservices] = pid;
    s->names[s->nservices++] = name;
    return 0;
}

/* Waits until every service answers its /healthz (30 s). */
static int s_healthy(ctl_scratch_t *s)
{
    const char *keys[] = {"intake.http", "triage.health", "dispatch.health", "watch.health"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char url[256];
        snprintf(url, sizeof(url), "http://%s/healthz", settings_string(s->ctl->settings, keys[i], ""));
        bool up = false;
        for (int tries = 0; tries < 300 && !up; tries++) {
            up = ctl_http_ok(url);
            for (int k = 0; !up && k < s->nservices; k++)
                if (waitpid(s->pids[k], NULL, WNOHANG) == s->pids[k]) {
                    fprintf(stderr, "error: duban-%s of the scratch deployment stopped (see "
                                    "%s/%s.log)\n", s->names[k], s->log_dir, s->names[k]);
                    s->pids[k] = 0;
                    return -1;
                }
            if (!up) {
                struct timespec step = {0, 100 * 1000 * 1000};
                nanosleep(&step, NULL);
            }
        }
        if (!up) {
            fprintf(stderr, "error: the scratch deployment did not answer %s (see %s)\n", url,
                    s->log_dir);
            return -1;
        }
    }
    return 0;
}

ctl_scratch_t *ctl_scratch_new(ctl_t *ctl, int clients)
{
    ctl_scratch_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ctl = ctl;
    char self[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    const char *tmp = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    snprintf(s->log_dir, sizeof(s->log_dir), "%s/duban-bench.XXXXXX", tmp);
    if (n <= 0 || sodium_init() < 0 || !mkdtemp(s->log_dir)) {
        fprintf(stderr, "error: cannot prepare a scratch deployment: %s\n", strerror(errno));
        free(s);
        return NULL;
    }
    self[n] = '\0';
    char *bin_dir = dirname(self);
    printf("bench: a scratch deployment of its own (database, services, logs in %s) ...\n",
           s->log_dir);
    fflush(stdout);
    if (s_database(s) < 0 || s_settings(s, clients) < 0 || s_start(s, bin_dir, "intake") < 0 ||
        s_start(s, bin_dir, "triage") < 0 || s_start(s, bin_dir, "dispatch") < 0 ||
        s_start(s, bin_dir, "watch") < 0 ||
        s_healthy(s) < 0) {
        fprintf(stderr, "error: the scratch deployment could not be made (see above)\n");
        ctl_scratch_destroy(&s);
        return NULL;
    }
    printf("bench: scratch services");
    for (int i = 0; i < s->nservices; i++)
        printf(" %s=%ld", s->names[i], (long)s->pids[i]);
    printf("\n");
    fflush(stdout);
    return s;
}

const char *ctl_scratch_token(const ctl_scratch_t *self)
{
    return self->token;
}

int ctl_scratch_services(const ctl_scratch_t *self, pid_t *pids, const char **names, int max)
{
    int n = 0;
    for (int i = 0; i < self->nservices && n < max; i++, n++) {
        pids[n] = self->pids[i];
        names[n] = self->names[i];
    }
    return n;
}

void ctl_scratch_destroy(ctl_scratch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ctl_scratch_t *s = *self_p;
    for (int i = 0; i < s->nservices; i++)
        if (s->pids[i] > 0)
            kill(s->pids[i], SIGTERM);
    for (int i = 0; i < s->nservices; i++) {
        if (s->pids[i] <= 0)
            continue;
        int waited = 0;
        while (waitpid(s->pids[i], NULL, WNOHANG) == 0 && waited++ < 150) {
            struct timespec step = {0, 100 * 1000 * 1000};
            nanosleep(&step, NULL);
        }
        if (waited > 150) {
            kill(s->pids[i], SIGKILL);
            waitpid(s->pids[i], NULL, 0);
        }
    }
    for (int i = s->nenv - 1; i >= 0; i--) {
        if (s->was[i])
            setenv(s->env[i], s->was[i], 1);
        else
            unsetenv(s->env[i]);
        free(s->env[i]);
        free(s->was[i]);
    }
    if (s->created) {
        PGconn *admin = ctl_pg_connect_as(s->ctl, "setup");
        if (!admin || ctl_pg_drop_database(admin, s->db) < 0)
            fprintf(stderr, "warning: could not drop the scratch database %s\n", s->db);
        PQfinish(admin);
    }
    free(s);
    *self_p = NULL;
}
