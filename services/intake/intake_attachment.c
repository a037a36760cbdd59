/* Attachments of work items' reports; see intake_attachment.h. */
#include "intake_attachment.h"

#include "http.h"
#include "intake_case_files.h"
#include "intake_photo_store.h"
#include "intake_problem.h"
#include "log.h"
#include "text.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define ATTACHMENT_NAME_MAX 120 /* characters, as the schema bounds it */

/* $1 case number, $2 the uploading division ("" for the inspection office
 * and administrators), $3 file_id, $4 name, $5 content type, $6 bytes, $7
 * sha256, $8 staff. Only onto a work item not yet closed, by a division
 * with an open task on it. No row: no such item for this uploader. */
static const char *s_insert_sql =
    "INSERT INTO case_attachments (case_id, file_id, name, content_type, bytes, sha256,"
    " uploaded_by, division)"
    " SELECT c.id, $3, $4, $5, $6::int, $7, $8, nullif($2, '') FROM cases c"
    " JOIN work_items w ON w.case_id = c.id"
    " WHERE c.case_number = $1 AND c.state <> 'closed'"
    " AND ($2 = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = $2"
    "  AND t.state IN ('dispatched', 'signed')))"
    " RETURNING to_json(created_at)#>>'{}'";

/* $1 case number, $2 the reading division ("" for every item), $3 one file
 * ("" for all). No row: no such item in scope; a row without a file: none. */
static const char *s_read_sql =
    "SELECT a.file_id, a.content_type, a.name, a.bytes, a.uploaded_by, a.division, a.report_id,"
    " to_json(a.created_at)#>>'{}' FROM cases c JOIN work_items w ON w.case_id = c.id"
    " LEFT JOIN case_attachments a ON a.case_id = c.id AND ($3 = '' OR a.file_id = $3)"
    " WHERE c.case_number = $1"
    " AND ($2 = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = $2))"
    " ORDER BY a.id";

int intake_attachment_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_attachment_insert", s_insert_sql) |
           pg_prepare(pg, "intake_attachment_read", s_read_sql);
}

typedef struct {
    intake_t *in;
    http_held_t *held;
    char number[48];
    char division[64];
    char staff[64];
    char name[ATTACHMENT_NAME_MAX * 4 + 1];
    intake_photo_result_t stored;
} attachment_req_t;

static void s_req_free(attachment_req_t *r)
{
    http_release(&r->held);
    free(r);
}

/* ------------------------------------------------------------- upload */

static void s_inserted(pg_txn_t *txn, bool ok, void *arg)
{
    attachment_req_t *r = arg;
    struct evhttp_request *req = http_held_request(r->held);
    PGresult *res = ok ? pg_txn_result(txn, 0) : NULL;
    if (!ok || PQntuples(res) != 1)
        intake_photo_store_forget(r->in->photos, &r->stored);
    if (!ok) {
        const intake_problem_t *problem =
            intake_problem_of_txn(txn, INTAKE_PROBLEM_WRITE, "store an attachment");
        if (req)
            intake_problem_reply(req, problem);
    } else if (PQntuples(res) != 1) {
        if (req)
            http_reply_problem(req, 404, "work item not found",
                               "no such work item open with a task of your division", NULL);
    } else {
        const intake_stored_photo_t *f = &r->stored.photos[0];
        log_info("attachment stored", "case=%s file_id=%s bytes=%zu by=%s", r->number, f->file_id,
                 f->bytes, r->staff);
        char url[160];
        snprintf(url, sizeof(url), "/api/v1/cases/%s/attachments/%s", r->number, f->file_id);
        if (req)
            http_reply_json(req, 201,
                            json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "case_number",
                                      r->number, "file_id", f->file_id, "name", r->name,
                                      "content_type", f->content_type, "bytes",
                                      (json_int_t)f->bytes, "created_at", PQgetvalue(res, 0, 0),
                                      "url", url));
    }
    s_req_free(r);
}

static void s_stored(const intake_photo_result_t *result, void *arg)
{
    attachment_req_t *r = arg;
    struct evhttp_request *req = http_held_request(r->held);
    if (!result->ok) {
        if (req)
            http_reply_problem(req, result->failed >= 0 ? 415 : 503, "attachment refused",
                               result->why, NULL);
        s_req_free(r);
        return;
    }
    r->stored = *result;
    const intake_stored_photo_t *f = &r->stored.photos[0];
    char bytes[24];
    snprintf(bytes, sizeof(bytes), "%zu", f->bytes);
    pg_param_t p[8] = {PG_TEXT(r->number), PG_TEXT(r->division), PG_TEXT(f->file_id),
                       PG_TEXT(r->name),   PG_TEXT(f->content_type), PG_TEXT(bytes),
                       PG_TEXT(f->sha256), PG_TEXT(r->staff)};
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "intake_attachment_insert", 8, p) < 0) {
        pg_txn_destroy(&txn);
        intake_photo_store_forget(r->in->photos, &r->stored);
        if (req)
            http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        s_req_free(r);
        return;
    }
    pg_txn_submit(r->in->pg, &txn, s_inserted, r);
}

/* Characters of valid UTF-8 text. */
static size_t s_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* The file's name from ?name=: one line of text without a path; "" when
 * it cannot be one (why set). */
static bool s_name(const char *query, char *out, size_t len, const char **why)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    const char *name = NULL;
    if (query && evhttp_parse_query_str(query, &args) == 0)
        name = evhttp_find_header(&args, "name");
    bool ok = true;
    if (!name || !name[0]) {
        snprintf(out, len, "附件");
    } else if (text_check(name, false, NULL, NULL) != TEXT_OK || strpbrk(name, "/\\") ||
               strlen(name) >= len || s_chars(name) > ATTACHMENT_NAME_MAX) {
        *why = "name is the file's name: one line of at most 120 characters, without / or \\";
        ok = false;
    } else {
        snprintf(out, len, "%s", name);
    }
    evhttp_clear_headers(&args);
    return ok;
}

static void s_upload(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                     const char *number, const char *query)
{
    static const char *const offices[] = {"inspector", "admin", NULL};
    bool handler = strcmp(who->role, "handler") == 0;
    if (!handler && !auth_role_in(who, offices)) {
        http_reply_problem(req, 403, "forbidden",
                           "the divisions that handle a work item and the inspection office "
                           "attach files to its reports",
                           NULL);
        return;
    }
    if (!in->photos) {
        http_reply_problem(req, 503, "attachments unavailable",
                           "intake.photos_dir is not set; tell an administrator", NULL);
        return;
    }
    attachment_req_t *r = calloc(1, sizeof(*r));
    const char *why = NULL;
    if (!r) {
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    if (!s_name(query, r->name, sizeof(r->name), &why)) {
        free(r);
        http_reply_problem(req, 400, "invalid name", why, NULL);
        return;
    }
    intake_upload_t upload = {0};
    char *body = NULL;
    if (http_read_body(req, in->photo_max_bytes, &body, &upload.len) < 0) {
        free(r);
        /* in Chinese, as the store's refusals: the console shows it as said */
        char why[160];
        size_t mb = in->photo_max_bytes / (1024 * 1024);
        if (mb && in->photo_max_bytes % (1024 * 1024) == 0)
            snprintf(why, sizeof(why), "附件不能超过 %zu MB：请压缩或拆分后再上传", mb);
        else
            snprintf(why, sizeof(why), "附件不能超过 %zu KB：请压缩或拆分后再上传",
                     in->photo_max_bytes / 1024);
        log_info("attachment refused", "case=%s reason=too_large bytes_max=%zu by=%s", number,
                 in->photo_max_bytes, who->staff);
        http_reply_problem(req, 413, "attachment too large", why, NULL);
        return;
    }
    upload.data = (uint8_t *)body;
    if (upload.len == 0) {
        free(body);
        free(r);
        http_reply_problem(req, 400, "empty attachment", "send the file's bytes as the body",
                           NULL);
        return;
    }
    r->in = in;
    snprintf(r->number, sizeof(r->number), "%s", number);
    snprintf(r->division, sizeof(r->division), "%s", handler ? who->division : "");
    snprintf(r->staff, sizeof(r->staff), "%s", who->staff);
    if (!(r->held = http_hold(req)) ||
        intake_photo_store_submit_document(in->photos, &upload, s_stored, r) < 0) {
        free(upload.data);
        http_release(&r->held);
        free(r);
        http_reply_problem(req, 503, "busy", "too many files are being stored; retry shortly",
                           NULL);
    }
}

/* ------------------------------------------------------------- read */

static json_t *s_row(PGresult *res, int i, const char *url)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s?, s:o, s:s, s:s}", "file_id",
                     PQgetvalue(res, i, 0), "content_type", PQgetvalue(res, i, 1), "name",
                     PQgetvalue(res, i, 2), "bytes", (json_int_t)atoll(PQgetvalue(res, i, 3)),
                     "uploaded_by", PQgetvalue(res, i, 4), "division",
                     PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5), "report_id",
                     PQgetisnull(res, i, 6) ? json_null()
                                            : json_integer(atoll(PQgetvalue(res, i, 6))),
                     "created_at", PQgetvalue(res, i, 7), "url", url);
}

static const intake_case_files_t s_attachments_kind = {
    .what = "attachments",
    .stmt = "intake_attachment_read",
    .download = true,
    .case_not_found = "no such work item, or not one your division handles",
    .file_not_found = "no such attachment of a work item you may see",
    .row = s_row,
};

static void s_list_or_file(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                           const char *key, const char *query)
{
    (void)query;
    static const char *const everyone[] = {"inspector", "leader", "admin", NULL};
    bool handler = strcmp(who->role, "handler") == 0;
    if (!handler && !auth_role_in(who, everyone)) {
        http_reply_problem(req, 403, "forbidden",
                           "a work item's attachments are for its divisions, the inspection "
                           "office and leaders",
                           NULL);
        return;
    }
    intake_case_files_read(in, req, &s_attachments_kind, key, handler ? who->division : "");
}

bool intake_attachment_upload_path(const char *path)
{
    static const char prefix[] = "/api/v1/cases/", suffix[] = "/attachments";
    size_t n = strlen(path);
    return strncmp(path, prefix, sizeof(prefix) - 1) == 0 &&
           n > sizeof(prefix) - 1 + sizeof(suffix) - 1 &&
           strcmp(path + n - (sizeof(suffix) - 1), suffix) == 0;
}

bool intake_attachment_route(intake_api_t *api, struct evhttp_request *req, const char *path,
                             const char *query)
{
    char key[96];
    int found = intake_case_files_path(req, path, "attachments", key, sizeof(key));
    if (found <= 0)
        return found < 0;
    bool file = strchr(key, '/') != NULL;
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (method == EVHTTP_REQ_GET)
        intake_api_staff(api, req, s_list_or_file, key, query);
    else if (method == EVHTTP_REQ_POST && !file)
        intake_api_staff(api, req, s_upload, key, query);
    else
        http_reply_problem(req, 405, "method not allowed",
                           file ? "use GET" : "use POST to upload, GET to list", NULL);
    return true;
}
