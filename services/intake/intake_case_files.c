/* See intake_case_files.h. */
#include "intake_case_files.h"

#include "http.h"
#include "intake_photo_store.h"
#include "intake_problem.h"
#include "log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    intake_t *in;
    const intake_case_files_t *kind;
    http_held_t *held;
    char number[48];
    char file_id[40];
} files_read_t;

int intake_case_files_path(struct evhttp_request *req, const char *path, const char *what,
                           char *key, size_t len)
{
    static const char prefix[] = "/api/v1/cases/";
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    const char *rest = path + sizeof(prefix) - 1;
    const char *slash = strchr(rest, '/');
    size_t wlen = strlen(what);
    if (!slash || slash == rest || strncmp(slash + 1, what, wlen) != 0 ||
        (slash[1 + wlen] != '\0' && slash[1 + wlen] != '/'))
        return 0;
    size_t n = (size_t)(slash - rest);
    const char *file = slash[1 + wlen] == '/' ? slash + 2 + wlen : NULL;
    if (n >= sizeof(((files_read_t *)0)->number) || (file && (!file[0] || strchr(file, '/'))) ||
        (file && strlen(file) >= sizeof(((files_read_t *)0)->file_id)) ||
        n + (file ? strlen(file) + 1 : 0) >= len) {
        http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        return -1;
    }
    snprintf(key, len, "%.*s%s%s", (int)n, rest, file ? "/" : "", file ? file : "");
    return 1;
}

void intake_case_files_send(intake_t *in, struct evhttp_request *req, const char *file_id,
                            const char *content_type, const char *download_name)
{
    char path[600];
    int fd = -1;
    struct stat st;
    if (intake_photo_store_path(in->photos, file_id, path, sizeof(path)) < 0 ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        log_error("could not open stored file", "file=%s err=%s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        http_reply_problem(req, 500, "file unavailable",
                           "the stored file cannot be read; tell an administrator", NULL);
        return;
    }
    struct evbuffer *body = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    /* evbuffer_add_file takes the descriptor and sends from it. */
    if (!body || evbuffer_add_file(body, fd, 0, st.st_size) < 0) {
        close(fd);
        if (body)
            evbuffer_free(body);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "Cache-Control", "private, no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; sandbox");
    if (download_name) {
        /* RFC 6266: an ASCII stand-in, and the real name percent-encoded. */
        char *encoded = evhttp_uriencode(download_name, -1, 0);
        char disposition[1200];
        snprintf(disposition, sizeof(disposition),
                 "attachment; filename=\"attachment\"; filename*=UTF-8''%s",
                 encoded ? encoded : "attachment");
        free(encoded);
        evhttp_add_header(h, "Content-Disposition", disposition);
    }
    evhttp_send_reply(req, 200, NULL, body);
    evbuffer_free(body);
}

static void s_read(pg_txn_t *txn, bool ok, void *arg)
{
    files_read_t *r = arg;
    const intake_case_files_t *kind = r->kind;
    struct evhttp_request *req = http_held_request(r->held);
    if (!ok) {
        char what[64];
        snprintf(what, sizeof(what), "read case %s", kind->what);
        const intake_problem_t *problem = intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, what);
        if (req)
            intake_problem_reply(req, problem);
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) == 0) {
        http_reply_problem(req, 404, "case not found", kind->case_not_found, NULL);
        goto out_free;
    }
    if (r->file_id[0]) {
        if (!PQgetisnull(res, 0, 0))
            intake_case_files_send(r->in, req, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                                   kind->download ? PQgetvalue(res, 0, 2) : NULL);
        else
            http_reply_problem(req, 404, "file not found", kind->file_not_found, NULL);
        goto out_free;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 0); i++) {
        char url[160];
        snprintf(url, sizeof(url), "/api/v1/cases/%s/%s/%s", r->number, kind->what,
                 PQgetvalue(res, i, 0));
        json_array_append_new(list, kind->row(res, i, url));
    }
    http_reply_json(req, 200, json_pack("{s:s, s:o}", "case_number", r->number, kind->what, list));
out_free:
    http_release(&r->held);
    free(r);
}

void intake_case_files_read(intake_t *in, struct evhttp_request *req,
                            const intake_case_files_t *kind, const char *key,
                            const char *division)
{
    files_read_t *r = calloc(1, sizeof(*r));
    if (!r) {
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    r->in = in;
    r->kind = kind;
    /* key is "{number}" or "{number}/{file_id}" (intake_case_files_path). */
    const char *slash = strchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) : strlen(key);
    snprintf(r->number, sizeof(r->number), "%.*s", (int)n, key);
    if (slash)
        snprintf(r->file_id, sizeof(r->file_id), "%s", slash + 1);
    if (!pg_is_up(in->pg)) {
        free(r);
        intake_reply_unavailable(req);
        return;
    }
    pg_param_t p[3] = {PG_TEXT(r->number), PG_TEXT(division), PG_TEXT(r->file_id)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, kind->stmt, 3, p) < 0 || !(r->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        free(r);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    pg_txn_submit(in->pg, &txn, s_read, r);
}
