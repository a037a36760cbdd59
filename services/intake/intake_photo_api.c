/* Photos for staff; see intake_photo_api.h. */
#include "intake_photo_api.h"

#include "http.h"
#include "intake_photo_store.h"
#include "log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $1 case number, $2 the handler's division ("" for roles that see every
 * case), $3 one file ("" for all). No row: the case is not there or out of
 * scope; a row without a file: the case has none (that one). */
static const char *s_photos_sql =
    "SELECT p.file_id, p.content_type, p.bytes, p.width, p.height FROM cases c"
    " LEFT JOIN case_photos p ON p.case_id = c.id AND ($3 = '' OR p.file_id = $3)"
    " WHERE c.case_number = $1"
    " AND ($2 = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = $2))"
    " ORDER BY p.id";

int intake_photo_api_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_case_photos", s_photos_sql);
}

typedef struct {
    intake_t *in;
    http_held_t *held;
    char number[48];
    char file_id[40];
} photo_read_t;

void intake_photo_api_send_file(intake_t *in, struct evhttp_request *req, const char *file_id,
                                const char *content_type, const char *download_name)
{
    char path[600];
    int fd = -1;
    struct stat st;
    if (intake_photo_store_path(in->photos, file_id, path, sizeof(path)) < 0 ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        log_error("could not open stored file=%s: %s", path, strerror(errno));
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
    photo_read_t *r = arg;
    struct evhttp_request *req = http_held_request(r->held);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "read case photos");
        if (req)
            intake_problem_reply(req, problem);
        goto out_free;
    }
    if (!req)
        goto out_free;
    PGresult *res = pg_txn_result(txn, 0);
    if (PQntuples(res) == 0) {
        http_reply_problem(req, 404, "case not found",
                           "no such case, or not one your division handles", NULL);
        goto out_free;
    }
    if (r->file_id[0]) {
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
            intake_photo_api_send_file(r->in, req, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                                       NULL);
        else
            http_reply_problem(req, 404, "photo not found", "no such photo of a case you may see",
                               NULL);
        goto out_free;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 0); i++) {
        char url[160];
        snprintf(url, sizeof(url), "/api/v1/cases/%s/photos/%s", r->number, PQgetvalue(res, i, 0));
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:i, s:i, s:s}", "file_id",
                                              PQgetvalue(res, i, 0), "content_type",
                                              PQgetvalue(res, i, 1), "bytes",
                                              (json_int_t)atoll(PQgetvalue(res, i, 2)), "width",
                                              atoi(PQgetvalue(res, i, 3)), "height",
                                              atoi(PQgetvalue(res, i, 4)), "url", url));
    }
    http_reply_json(req, 200, json_pack("{s:s, s:o}", "case_number", r->number, "photos", list));
out_free:
    http_release(&r->held);
    free(r);
}

static void s_photos(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                     const char *key, const char *query)
{
    (void)query;
    static const char *const everyone[] = {"operator", "clerk", "inspector", "admin", NULL};
    bool handler = strcmp(who->role, "handler") == 0;
    if (!handler && !auth_role_in(who, everyone)) {
        http_reply_problem(req, 403, "forbidden",
                           "photos are for those who handle cases and the inspection office", NULL);
        return;
    }
    photo_read_t *r = calloc(1, sizeof(*r));
    if (!r) {
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    r->in = in;
    /* key is "{number}" or "{number}/{file_id}" (intake_photo_api_route). */
    const char *slash = strchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) : strlen(key);
    if (n >= sizeof(r->number) || (slash && strlen(slash + 1) >= sizeof(r->file_id))) {
        free(r);
        http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        return;
    }
    memcpy(r->number, key, n);
    r->number[n] = '\0';
    if (slash)
        snprintf(r->file_id, sizeof(r->file_id), "%s", slash + 1);
    if (!pg_is_up(in->pg)) {
        free(r);
        intake_reply_unavailable(req);
        return;
    }
    pg_param_t p[3] = {PG_TEXT(r->number), PG_TEXT(handler ? who->division : ""),
                       PG_TEXT(r->file_id)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "intake_case_photos", 3, p) < 0 ||
        !(r->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        free(r);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    pg_txn_submit(in->pg, &txn, s_read, r);
}

bool intake_photo_api_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                            const char *query)
{
    static const char prefix[] = "/api/v1/cases/";
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *rest = path + sizeof(prefix) - 1;
    const char *photos = strstr(rest, "/photos");
    if (!photos || photos == rest || (photos[7] != '\0' && photos[7] != '/'))
        return false;
    char key[80];
    size_t n = (size_t)(photos - rest);
    const char *file = photos[7] == '/' ? photos + 8 : NULL;
    if (memchr(rest, '/', n) || (file && (!file[0] || strchr(file, '/'))) ||
        n + (file ? strlen(file) + 1 : 0) >= sizeof(key)) {
        http_reply_problem(req, 404, "not found", "no such endpoint", NULL);
        return true;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        http_reply_problem(req, 405, "method not allowed", "use GET", NULL);
        return true;
    }
    snprintf(key, sizeof(key), "%.*s%s%s", (int)n, rest, file ? "/" : "", file ? file : "");
    intake_api_staff(api, req, s_photos, key, query);
    return true;
}
