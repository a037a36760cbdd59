/* Shared rendering helpers and the writing of a bulletin's files; see
 * bulletin_render.h. */
#include "bulletin_render.h"

#include "log.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

json_t *bulletin_render_at(json_t *o, const char *path)
{
    char key[64];
    while (o && path && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = json_object_get(o, key);
        path = dot ? dot + 1 : NULL;
    }
    return o;
}

int bulletin_render_x10(json_t *v)
{
    if (json_is_integer(v))
        return (int)(json_integer_value(v) * 10);
    if (json_is_real(v))
        return (int)lround(json_real_value(v) * 10.0);
    return BULLETIN_NA;
}

const char *bulletin_render_fmt(json_t *v, char *buf, size_t len)
{
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        bulletin_x10_str(bulletin_render_x10(v), buf, len);
    else if (json_is_string(v) && strcmp(json_string_value(v), "n/a") != 0)
        snprintf(buf, len, "%s", json_string_value(v));
    else
        snprintf(buf, len, "—");
    return buf;
}

const char *bulletin_render_short_name(const char *name, char *buf, size_t len)
{
    const char *cut = name ? strstr(name, "（") : NULL;
    size_t n = name ? (cut ? (size_t)(cut - name) : strlen(name)) : 0;
    snprintf(buf, len, "%.*s", (int)n, name ? name : "");
    return buf;
}

const char *bulletin_render_pct(json_t *v, char *buf, size_t len)
{
    bulletin_render_fmt(v, buf, len);
    if (json_is_number(v) && strlen(buf) + 2 <= len)
        strcat(buf, "%");
    return buf;
}

static int s_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int s_write(const char *dir, const char *label, const char *ext, const char *text)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/%s.%s", dir, label, ext);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        log_error("could not write bulletin file", "file=%s err=%s", tmp, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -1;
    if (rc < 0) {
        log_error("could not write bulletin file", "file=%s err=%s", path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

static int s_files(const char *label, const char *json_text, json_t *root, const char *digest,
                   const char *dir)
{
    if (s_mkdirs(dir) < 0) {
        log_error("could not create the bulletin folder", "dir=%s err=%s", dir, strerror(errno));
        return -1;
    }
    char *md = bulletin_render_md(root, digest);
    char *csv = bulletin_render_csv(root);
    char *html = bulletin_render_html(root, digest);
    int rc = -1;
    if (!md || !csv || !html)
        log_error("could not render bulletin: out of memory", "period=%s", label);
    else if (s_write(dir, label, "json", json_text) == 0 && s_write(dir, label, "md", md) == 0 &&
             s_write(dir, label, "csv", csv) == 0 && s_write(dir, label, "html", html) == 0)
        rc = 0;
    free(md);
    free(csv);
    free(html);
    return rc;
}

int bulletin_render_files(const bulletin_report_t *report, const char *dir)
{
    return s_files(report->period.label, report->json, report->root, report->digest, dir);
}

int bulletin_render_record(const char *label, const char *json_text, const char *digest,
                           const char *dir)
{
    json_error_t err;
    json_t *root = json_loads(json_text, 0, &err);
    if (!root) {
        log_error("cannot render bulletin: the stored record is not JSON", "period=%s err=%s",
                  label, err.text);
        return -1;
    }
    int rc = s_files(label, json_text, root, digest, dir);
    json_decref(root);
    return rc;
}
