/* dubanctl's HTTP client (libcurl) and output helpers. */
#include "dubanctl.h"

#include "pg.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *data;
    size_t len;
} buffer_t;

static size_t s_collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    buffer_t *b = arg;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

const char *ctl_intake_url(ctl_t *ctl, char *buf, size_t len)
{
    snprintf(buf, len, "http://%s", settings_string(ctl->settings, "intake.http", "127.0.0.1:7100"));
    return buf;
}

const char *ctl_token_dir(ctl_t *ctl, char *buf, size_t len)
{
    const char *dir = settings_string(ctl->settings, "ctl.token_dir", NULL);
    if (dir) {
        snprintf(buf, len, "%s", dir);
        return buf;
    }
    const char *config = ctl->config ? ctl->config : "./duban.conf";
    const char *slash = strrchr(config, '/');
    if (slash)
        snprintf(buf, len, "%.*s/tokens", (int)(slash - config), config);
    else
        snprintf(buf, len, "tokens");
    return buf;
}

void ctl_act_as(ctl_t *ctl, const char *staff)
{
    if (!ctl->token && !ctl->as)
        ctl->as = staff;
}

void ctl_act_as_division(ctl_t *ctl, const char *division)
{
    static char handler[64];
    if (ctl->token || ctl->as)
        return;
    org_t *org = org_new(settings_string(ctl->settings, "org_file", "deploy/config/org.conf"));
    for (int i = 0; org && i < org->nstaff; i++)
        if (strcmp(org->staff[i].role, "handler") == 0 &&
            strcmp(org->staff[i].division, division) == 0) {
            snprintf(handler, sizeof(handler), "%s", org->staff[i].code);
            ctl->as = handler;
            break;
        }
    org_destroy(&org);
}

/* The token to send: --token / $DUBAN_TOKEN, else the saved token of --as
 * (or of the identity the command implies), else admin's saved token. */
char *ctl_token(ctl_t *ctl)
{
    if (ctl->token)
        return strdup(ctl->token);
    char dir[1024], path[1200];
    snprintf(path, sizeof(path), "%s/%s.token", ctl_token_dir(ctl, dir, sizeof(dir)),
             ctl->as ? ctl->as : "admin");
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[256] = "";
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    if (!ok)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line);
}

char *ctl_token_or_explain(ctl_t *ctl)
{
    char *token = ctl_token(ctl);
    if (token)
        return token;
    char dir[1024];
    const char *who = ctl->as ? ctl->as : "admin";
    fprintf(stderr,
            "error: no saved token for staff %s in %s: is %s a staff code of the org file "
            "(dubanctl staff list)? Pass --as STAFF, --token TOKEN or $DUBAN_TOKEN, or save one "
            "with dubanctl staff token %s --save\n",
            who, ctl_token_dir(ctl, dir, sizeof(dir)), who, who);
    return NULL;
}

static int s_request(ctl_t *ctl, const char *method, const char *path, const void *body,
                     size_t len, const char *content_type, const char *header, json_t **reply);

int ctl_http(ctl_t *ctl, const char *method, const char *path, const char *body, json_t **reply)
{
    return ctl_http_ex(ctl, method, path, body, NULL, reply);
}

int ctl_http_ex(ctl_t *ctl, const char *method, const char *path, const char *body,
                const char *header, json_t **reply)
{
    return s_request(ctl, method, path, body, body ? strlen(body) : 0, "application/json", header,
                     reply);
}

int ctl_http_upload(ctl_t *ctl, const char *path, const void *data, size_t len,
                    const char *content_type, json_t **reply)
{
    return s_request(ctl, "POST", path, data, len, content_type, NULL, reply);
}

static int s_request(ctl_t *ctl, const char *method, const char *path, const void *body,
                     size_t len, const char *content_type, const char *header, json_t **reply)
{
    char base[160], url[512];
    snprintf(url, sizeof(url), "%s%s", ctl_intake_url(ctl, base, sizeof(base)), path);
    CURL *curl = curl_easy_init();
    if (!curl)
        return -1;
    buffer_t out = {0};
    char *token = ctl_token_or_explain(ctl);
    if (!token) {
        curl_easy_cleanup(curl);
        return -1;
    }
    char type[128];
    snprintf(type, sizeof(type), "Content-Type: %s", content_type);
    struct curl_slist *headers = curl_slist_append(NULL, type);
    {
        char auth[400];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
        sodium_memzero(token, strlen(token));
        free(token);
    }
    if (header)
        headers = curl_slist_append(headers, header);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    CURLcode rc = curl_easy_perform(curl);
    long status = -1;
    if (rc != CURLE_OK) {
        fprintf(stderr, "error: could not reach intake at %s: %s\n"
                        "hint: is duban running? start it with tools/up, or pass --config\n",
                url, curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        *reply = out.data ? json_loads(out.data, 0, NULL) : NULL;
    }
    free(out.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return (int)status;
}

void ctl_print_problem(int status, json_t *reply)
{
    const char *title = json_string_value(json_object_get(reply, "title"));
    const char *detail = json_string_value(json_object_get(reply, "detail"));
    const char *field = json_string_value(json_object_get(reply, "field"));
    fprintf(stderr, "error (%d): %s%s%s%s%s%s\n", status, title ? title : "request refused",
            detail ? ": " : "", detail ? detail : "", field ? " (field " : "", field ? field : "",
            field ? ")" : "");
}

void ctl_print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text) {
        puts(text);
        free(text);
    }
}

struct pg_conn *ctl_pg_connect(ctl_t *ctl)
{
    return ctl_pg_connect_as(ctl, "ctl");
}

struct pg_conn *ctl_pg_connect_as(ctl_t *ctl, const char *who)
{
    char conninfo[1024];
    if (!settings_pg_conninfo(ctl->settings, who, conninfo, sizeof(conninfo))) {
        fprintf(stderr, "error: pg.conninfo and %s.pg_conninfo are too long together\n", who);
        return NULL;
    }
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "error: could not connect to PostgreSQL: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    /* Times PostgreSQL formats for people come in the bureau's zone. */
    char zone[48];
    const char *offset = strrchr(ctl_time_us(ctl, 0, zone, sizeof(zone)), ' ');
    if (offset && (offset[1] == '+' || offset[1] == '-') && strlen(offset) == 7) {
        char sql[80];
        snprintf(sql, sizeof(sql), "SET TIME ZONE INTERVAL '%s' HOUR TO MINUTE", offset + 1);
        PQclear(PQexec(conn, sql));
    }
    return conn;
}

int ctl_pg_exec(struct pg_conn *conn, const char *sql, int nparams, const char *const *params,
                struct pg_result **out)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "error: %s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

/* The server ends a stopped service's session a moment after it exits, and
 * FORCE may end only the sessions of roles the caller belongs to: while one
 * of another role is still there (a service's, or anyone's who looked in),
 * the drop is refused at once (42501; 55006 for one FORCE cannot end), and
 * benchmarks left their databases behind, 60-90 MB a run. */
#define CTL_DROP_WAIT_MS 20000

int ctl_pg_drop_database(struct pg_conn *admin, const char *db)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db);
    for (int waited_ms = 0;; waited_ms += 100) {
        PGresult *res = PQexec(admin, sql);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        bool dropped = PQresultStatus(res) == PGRES_COMMAND_OK;
        bool session_left = state && (strcmp(state, "42501") == 0 || strcmp(state, "55006") == 0);
        bool give_up = !dropped && (!session_left || waited_ms >= CTL_DROP_WAIT_MS);
        if (give_up)
            fprintf(stderr, "error: %s", PQresultErrorMessage(res));
        PQclear(res);
        if (dropped || give_up)
            return dropped ? 0 : -1;
        struct timespec step = {0, 100 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
}

bool ctl_http_ok(const char *url)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return false;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 1000L);
    buffer_t body = {0};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    long status = 0;
    bool ok = false;
    if (curl_easy_perform(curl) == CURLE_OK &&
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
        ok = status == 200;
    curl_easy_cleanup(curl);
    free(body.data);
    return ok;
}

int ctl_get_print(ctl_t *ctl, const char *path, void (*print)(ctl_t *, json_t *))
{
    json_t *reply = NULL;
    int status = ctl_http(ctl, "GET", path, NULL, &reply);
    int rc = CTL_FAILED;
    if (status == 200) {
        if (ctl->json)
            ctl_print_json(reply);
        else
            print(ctl, reply);
        rc = CTL_OK;
    } else if (status > 0) {
        ctl_print_problem(status, reply);
    }
    json_decref(reply);
    return rc;
}

void ctl_query_arg(char *buf, size_t len, const char *name, const char *value)
{
    if (!value)
        return;
    char *enc = curl_easy_escape(NULL, value, 0);
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s=%s", strchr(buf, '?') ? "&" : "?", name, enc ? enc : "");
    curl_free(enc);
}
