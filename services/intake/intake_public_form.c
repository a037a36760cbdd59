/* The report form's body; see intake_public_form.h. */
#include "intake_public_form.h"

#include "log.h"

#include <event2/http.h>
#include <gmime/gmime.h>
#include <libxml/xmlstring.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define FORM_MAX_PARTS 32
#define FORM_MAX_FIELD (64 * 1024) /* bytes of one text field */

static bool s_ready;

void intake_public_form_init(void)
{
    if (!s_ready)
        g_mime_init();
    s_ready = true;
}

static int s_refuse(char *why, size_t len, const char *text)
{
    snprintf(why, len, "%s", text);
    return -1;
}

/* The decoded content of a part into a malloc'ed buffer (NUL-terminated,
 * not counted in *len); NULL when out of memory. */
static uint8_t *s_content(GMimePart *part, size_t *len)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *mem = g_mime_stream_mem_new();
    uint8_t *out = NULL;
    *len = 0;
    if (content && g_mime_data_wrapper_write_to_stream(content, mem) >= 0) {
        GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        out = malloc(bytes->len + 1);
        if (out) {
            if (bytes->len > 0) /* an empty part has no buffer at all */
                memcpy(out, bytes->data, bytes->len);
            out[bytes->len] = '\0';
            *len = bytes->len;
        }
    } else if (!content) {
        out = calloc(1, 1);
    }
    g_object_unref(mem);
    return out;
}

/* Lines that begin "--": every boundary line at any depth is one. GMime
 * builds every part before the count can be checked (a 15 MB body of tiny
 * parts took 3.7 s and 810 MB), so a body with more such lines than a form
 * of FORM_MAX_PARTS parts could hold, with room for a text that quotes a
 * few, is refused before it is parsed. */
static bool s_too_many_parts(const char *body, size_t len)
{
    size_t lines = len >= 2 && body[0] == '-' && body[1] == '-';
    const char *p = body, *end = body + len;
    while (lines <= 4 * FORM_MAX_PARTS && (p = memmem(p, (size_t)(end - p), "\n--", 3))) {
        lines++;
        p += 3;
    }
    return lines > 4 * FORM_MAX_PARTS;
}

static int s_multipart(const char *content_type, const char *body, size_t len,
                       intake_public_form_t *form, char *why, size_t why_len)
{
    int rc = -1;
    if (s_too_many_parts(body, len))
        return s_refuse(why, why_len, "表单项目过多，请用本站的表单提交");
    /* GMime reads a MIME entity: the request's Content-Type as its header. */
    GMimeStream *stream = g_mime_stream_mem_new();
    char header[600];
    int hl = snprintf(header, sizeof(header), "Content-Type: %s\r\n\r\n", content_type);
    if (hl <= 0 || (size_t)hl >= sizeof(header) || strpbrk(content_type, "\r\n")) {
        g_object_unref(stream);
        return s_refuse(why, why_len, "表单格式不对，请用浏览器重新提交");
    }
    g_mime_stream_write(stream, header, (size_t)hl);
    g_mime_stream_write(stream, body, len);
    g_mime_stream_reset(stream);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeObject *root = g_mime_parser_construct_part(parser, NULL);
    if (!root || !GMIME_IS_MULTIPART(root)) {
        s_refuse(why, why_len, "表单格式不对，请用浏览器重新提交");
        goto out_free;
    }
    GMimeMultipart *multi = GMIME_MULTIPART(root);
    int n = g_mime_multipart_get_count(multi);
    if (n > FORM_MAX_PARTS) {
        s_refuse(why, why_len, "表单项目过多，请用本站的表单提交");
        goto out_free;
    }
    for (int i = 0; i < n; i++) {
        GMimeObject *obj = g_mime_multipart_get_part(multi, i);
        if (!GMIME_IS_PART(obj))
            continue;
        GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
        const char *name = disp ? g_mime_content_disposition_get_parameter(disp, "name") : NULL;
        const char *filename =
            disp ? g_mime_content_disposition_get_parameter(disp, "filename") : NULL;
        if (!name)
            continue;
        size_t clen = 0;
        uint8_t *data = s_content(GMIME_PART(obj), &clen);
        if (!data) {
            s_refuse(why, why_len, "服务器暂时繁忙，请稍后再试");
            goto out_free;
        }
        if (strcmp(name, "photo") == 0 && filename) {
            if (clen == 0) { /* a file input left empty */
                free(data);
                continue;
            }
            if (form->nphotos == INTAKE_PHOTO_MAX) {
                free(data);
                snprintf(why, why_len, "最多上传 %d 张照片，请删去多余的再提交", INTAKE_PHOTO_MAX);
                goto out_free;
            }
            form->photos[form->nphotos].data = data;
            form->photos[form->nphotos++].len = clen;
            continue;
        }
        bool text = clen <= FORM_MAX_FIELD && strlen((char *)data) == clen && xmlCheckUTF8(data);
        if (!text) {
            free(data);
            s_refuse(why, why_len, "表单中有不是 UTF-8 的文字或过长的内容，请检查后重新提交");
            goto out_free;
        }
        /* evhttp_add_header refuses line ends in a value (a header's
         * rule), so the field is added as evhttp_parse_query_str does. */
        if (!evhttp_find_header(&form->fields, name)) {
            struct evkeyval *kv = calloc(1, sizeof(*kv));
            if (!kv || !(kv->key = strdup(name))) {
                free(kv);
                free(data);
                s_refuse(why, why_len, "服务器暂时繁忙，请稍后再试");
                goto out_free;
            }
            kv->value = (char *)data;
            TAILQ_INSERT_TAIL(&form->fields, kv, next);
        } else {
            free(data);
        }
    }
    rc = 0;
out_free:
    if (root)
        g_object_unref(root);
    g_object_unref(parser);
    g_object_unref(stream);
    return rc;
}

int intake_public_form_parse(const char *content_type, const char *body, size_t len,
                             intake_public_form_t *form, char *why, size_t why_len)
{
    memset(form, 0, sizeof(*form));
    TAILQ_INIT(&form->fields);
    if (content_type && strncasecmp(content_type, "multipart/form-data", 19) == 0) {
        intake_public_form_init(); /* once, on the one thread that parses forms */
        return s_multipart(content_type, body, len, form, why, why_len);
    }
    if (strlen(body) != len || evhttp_parse_query_str(body, &form->fields) != 0)
        return s_refuse(why, why_len, "表单格式不对，请用浏览器重新提交");
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &form->fields, next)
    {
        if (!xmlCheckUTF8((const unsigned char *)kv->value))
            return s_refuse(why, why_len, "表单中有不是 UTF-8 的文字，请检查后重新提交");
    }
    return 0;
}

void intake_public_form_clear(intake_public_form_t *form)
{
    evhttp_clear_headers(&form->fields);
    for (int i = 0; i < form->nphotos; i++)
        free(form->photos[i].data);
    form->nphotos = 0;
}
