/* The console's files from memory; see web_static.h. */
#include "web_static.h"

#include "log.h"

#include <dirent.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATIC_MAX_FILES 256
#define STATIC_MAX_FILE (2 * 1024 * 1024)

typedef struct {
    char *url;  /* "/console/queue" or "/assets/console.css" */
    char *body;
    size_t len;
    const char *type;
    char etag[24];
} file_t;

struct web_static {
    file_t files[STATIC_MAX_FILES];
    int n;
};

/* Pages may only load what the console itself serves. */
#define STATIC_CSP                                                                                 \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"              \
    " connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none';"               \
    " form-action 'self'"

static const char *s_type(const char *name)
{
    static const char *types[][2] = {
        {".html", "text/html; charset=utf-8"},       {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},   {".svg", "image/svg+xml"},
        {".png", "image/png"},                       {".ico", "image/x-icon"},
        {".json", "application/json; charset=utf-8"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return NULL;
}

static int s_add(web_static_t *self, const char *url, const char *path)
{
    const char *type = s_type(path);
    if (!type || self->n == STATIC_MAX_FILES)
        return 0;
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) < 0 || sb.st_size > STATIC_MAX_FILE) {
        log_error("could not read console file", "file=%s", path);
        if (f)
            fclose(f);
        return -1;
    }
    file_t *file = &self->files[self->n];
    file->body = malloc((size_t)sb.st_size + 1);
    file->url = strdup(url);
    if (!file->body || !file->url ||
        fread(file->body, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
        fclose(f);
        free(file->body);
        free(file->url);
        return -1;
    }
    fclose(f);
    file->len = (size_t)sb.st_size;
    file->type = type;
    unsigned char digest[8];
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)file->body, file->len,
                       NULL, 0);
    file->etag[0] = '"';
    sodium_bin2hex(file->etag + 1, 17, digest, sizeof(digest));
    strcat(file->etag, "\"");
    self->n++;
    return 0;
}

/* Adds every file under dir/sub (recursively) with URLs prefix/relative. */
static int s_scan(web_static_t *self, const char *dir, const char *prefix, bool pages)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024], url[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) < 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            snprintf(url, sizeof(url), "%s/%s", prefix, e->d_name);
            rc = s_scan(self, path, url, pages);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (pages && (n < 6 || strcmp(e->d_name + n - 5, ".html") != 0))
            continue;
        snprintf(url, sizeof(url), "%s/%.*s", prefix, (int)(pages ? n - 5 : n), e->d_name);
        rc = s_add(self, url, path);
    }
    closedir(d);
    return rc;
}

static const file_t *s_find(const web_static_t *self, const char *url)
{
    for (int i = 0; i < self->n; i++)
        if (strcmp(self->files[i].url, url) == 0)
            return &self->files[i];
    return NULL;
}

web_static_t *web_static_new(const char *dir)
{
    if (sodium_init() < 0)
        return NULL;
    web_static_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    char sub[1024];
    snprintf(sub, sizeof(sub), "%s/pages", dir);
    int rc = s_scan(self, sub, "/console", true);
    snprintf(sub, sizeof(sub), "%s/assets", dir);
    rc = rc < 0 ? rc : s_scan(self, sub, "/assets", false);
    if (rc < 0 || !s_find(self, "/console/home") || !s_find(self, "/console/404")) {
        log_error(
            "cannot serve the console: it needs pages/home.html and pages/404.html (set web.assets_dir)",
            "dir=%s", dir);
        web_static_destroy(&self);
        return NULL;
    }
    log_info("console files loaded", "dir=%s files=%d", dir, self->n);
    return self;
}

void web_static_destroy(web_static_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_static_t *self = *self_p;
    for (int i = 0; i < self->n; i++) {
        free(self->files[i].url);
        free(self->files[i].body);
    }
    free(self);
    *self_p = NULL;
}

int web_static_count(const web_static_t *self)
{
    return self->n;
}

static void s_send(struct evhttp_request *req, const file_t *file, int code)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", file->type);
    evhttp_add_header(out, "ETag", file->etag);
    evhttp_add_header(out, "Cache-Control", "no-cache");
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(out, "Referrer-Policy", "same-origin");
    if (strncmp(file->type, "text/html", 9) == 0) {
        evhttp_add_header(out, "Content-Security-Policy", STATIC_CSP);
        evhttp_add_header(out, "X-Frame-Options", "DENY");
    }
    const char *match = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    if (code == 200 && match && strcmp(match, file->etag) == 0) {
        evhttp_send_reply(req, 304, "Not Modified", NULL);
        return;
    }
    struct evbuffer *buf = evbuffer_new();
    if (!buf) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
        evbuffer_add_reference(buf, file->body, file->len, NULL, NULL);
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Not Found", buf);
    evbuffer_free(buf);
}

static bool s_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

bool web_static_serve(web_static_t *self, struct evhttp_request *req, const char *path)
{
    const file_t *file = NULL;
    if (strcmp(path, "/console") == 0 || strcmp(path, "/console/") == 0) {
        file = s_find(self, "/console/home");
    } else if (strncmp(path, "/console/cases/", 15) == 0) {
        file = s_find(self, "/console/case");
    } else if (strncmp(path, "/console/", 9) == 0) {
        char url[96];
        if (s_name_ok(path + 9) && strcmp(path + 9, "404") != 0) {
            snprintf(url, sizeof(url), "/console/%s", path + 9);
            file = s_find(self, url);
        }
    } else if (strncmp(path, "/assets/", 8) == 0) {
        if (!strstr(path, ".."))
            file = s_find(self, path);
    } else {
        return false;
    }
    if (file)
        s_send(req, file, 200);
    else
        s_send(req, s_find(self, "/console/404"), 404);
    return true;
}
