/* The document builder of intake_open311_doc.h. */
#include "intake_open311_doc.h"

#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_MAX_DEPTH 8

/* A document being built: nested objects and lists of named fields. A
 * list's children are array items in JSON and elements named by the child
 * in XML; an object's fields are members in JSON and child elements in XML.
 * A failure (out of memory, nesting too deep) is remembered, later calls
 * do nothing, and the reply becomes a 500. */

struct intake_open311_doc {
    intake_open311_format_type_t type;
    bool failed;
    int depth;                       /* open containers, the root included */
    json_t *stack[FORMAT_MAX_DEPTH]; /* JSON: the open containers, root first */
    xmlBufferPtr buf;                /* XML */
    xmlTextWriterPtr writer;
};

/* A copy of s without the characters XML 1.0 forbids: C0 controls other
 * than tab, LF and CR, and U+FFFE / U+FFFF. s is valid UTF-8. */
static char *s_xml_clean(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            continue;
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
            ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
            i += 2;
            continue;
        }
        out[j++] = (char)c;
    }
    out[j] = '\0';
    return out;
}

/* A document whose root is a list (XML element, JSON array) or one object. */
intake_open311_doc_t *intake_open311_doc_new(intake_open311_format_type_t type, const char *root,
                                             bool list)
{
    intake_open311_doc_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->type = type;
    if (type == INTAKE_OPEN311_FORMAT_JSON) {
        self->stack[0] = list ? json_array() : json_object();
        if (!self->stack[0])
            goto out_free;
    } else {
        self->buf = xmlBufferCreate();
        self->writer = self->buf ? xmlNewTextWriterMemory(self->buf, 0) : NULL;
        if (!self->writer || xmlTextWriterSetIndent(self->writer, 1) < 0 ||
            xmlTextWriterSetIndentString(self->writer, BAD_CAST "  ") < 0 ||
            xmlTextWriterStartDocument(self->writer, NULL, "UTF-8", NULL) < 0 ||
            xmlTextWriterStartElement(self->writer, BAD_CAST root) < 0)
            goto out_free;
    }
    self->depth = 1;
    return self;

out_free:
    intake_open311_doc_destroy(&self);
    return NULL;
}

void intake_open311_doc_destroy(intake_open311_doc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_open311_doc_t *self = *self_p;
    json_decref(self->stack[0]);
    if (self->writer)
        xmlFreeTextWriter(self->writer);
    if (self->buf)
        xmlBufferFree(self->buf);
    free(self);
    *self_p = NULL;
}

/* Adds value (stolen) to the current JSON container under name. */
static void s_json_add(intake_open311_doc_t *self, const char *name, json_t *value)
{
    json_t *top = self->stack[self->depth - 1];
    int rc = -1;
    if (value)
        rc = json_is_array(top) ? json_array_append_new(top, value)
                                : json_object_set_new(top, name, value);
    if (rc < 0)
        self->failed = true;
}

static void s_open(intake_open311_doc_t *self, const char *name, bool list)
{
    if (self->failed)
        return;
    if (self->depth >= FORMAT_MAX_DEPTH) {
        self->failed = true;
        return;
    }
    if (self->type == INTAKE_OPEN311_FORMAT_JSON) {
        json_t *child = list ? json_array() : json_object();
        s_json_add(self, name, json_incref(child));
        self->stack[self->depth] = child;
        json_decref(child); /* the parent holds it now */
    } else if (xmlTextWriterStartElement(self->writer, BAD_CAST name) < 0) {
        self->failed = true;
    }
    self->depth++;
}

void intake_open311_doc_object(intake_open311_doc_t *self, const char *name)
{
    s_open(self, name, false);
}

void intake_open311_doc_list(intake_open311_doc_t *self, const char *name)
{
    s_open(self, name, true);
}

void intake_open311_doc_end(intake_open311_doc_t *self)
{
    if (self->failed)
        return;
    if (self->depth <= 1) {
        self->failed = true;
        return;
    }
    self->depth--;
    if (self->type == INTAKE_OPEN311_FORMAT_XML && xmlTextWriterEndElement(self->writer) < 0)
        self->failed = true;
}

static void s_xml_element(intake_open311_doc_t *self, const char *name, const char *text)
{
    char *clean = s_xml_clean(text ? text : "");
    if (!clean || xmlTextWriterWriteElement(self->writer, BAD_CAST name, BAD_CAST clean) < 0)
        self->failed = true;
    free(clean);
}

void intake_open311_doc_string(intake_open311_doc_t *self, const char *name, const char *value)
{
    if (self->failed)
        return;
    if (self->type == INTAKE_OPEN311_FORMAT_XML)
        s_xml_element(self, name, value);
    else
        s_json_add(self, name, value ? json_string(value) : json_null());
}

void intake_open311_doc_number(intake_open311_doc_t *self, const char *name, const char *text)
{
    if (self->failed)
        return;
    if (self->type == INTAKE_OPEN311_FORMAT_XML) {
        s_xml_element(self, name, text);
        return;
    }
    char *end = NULL;
    double v = text && text[0] ? strtod(text, &end) : 0;
    bool number = text && text[0] && end && *end == '\0';
    s_json_add(self, name, number ? json_real(v) : json_null());
}

void intake_open311_doc_integer(intake_open311_doc_t *self, const char *name, long long value)
{
    if (self->failed)
        return;
    if (self->type == INTAKE_OPEN311_FORMAT_XML) {
        char text[32];
        snprintf(text, sizeof(text), "%lld", value);
        s_xml_element(self, name, text);
    } else {
        s_json_add(self, name, json_integer(value));
    }
}

void intake_open311_doc_bool(intake_open311_doc_t *self, const char *name, bool value)
{
    if (self->failed)
        return;
    if (self->type == INTAKE_OPEN311_FORMAT_XML)
        s_xml_element(self, name, value ? "true" : "false");
    else
        s_json_add(self, name, json_boolean(value));
}

/* The finished document as text (malloc'ed) in *out; -1 when it failed. */
static int s_render(intake_open311_doc_t *self, char **out, size_t *len)
{
    if (self->failed)
        return -1;
    if (self->type == INTAKE_OPEN311_FORMAT_JSON) {
        /* 15 digits: 17 would print 30.2741 as 30.274100000000001 */
        *out = json_dumps(self->stack[0], JSON_COMPACT | JSON_REAL_PRECISION(15));
        *len = *out ? strlen(*out) : 0;
        return *out ? 0 : -1;
    }
    /* Ending the document closes every element still open. */
    if (xmlTextWriterEndDocument(self->writer) < 0 || xmlTextWriterFlush(self->writer) < 0)
        return -1;
    *len = (size_t)xmlBufferLength(self->buf);
    *out = malloc(*len + 1);
    if (!*out)
        return -1;
    memcpy(*out, xmlBufferContent(self->buf), *len);
    (*out)[*len] = '\0';
    return 0;
}

void intake_open311_doc_reply(intake_open311_doc_t **self_p, struct evhttp_request *req, int status)
{
    intake_open311_doc_t *self = *self_p;
    char *text = NULL;
    size_t len = 0;
    struct evbuffer *body = evbuffer_new();
    if (!self || !body || s_render(self, &text, &len) < 0) {
        log_error("could not build open311 document");
        evhttp_send_error(req, 500, "could not build the response");
        goto out_free;
    }
    evbuffer_add(body, text, len);
    if (self->type == INTAKE_OPEN311_FORMAT_JSON)
        evbuffer_add(body, "\n", 1);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      self->type == INTAKE_OPEN311_FORMAT_XML ? "text/xml; charset=utf-8"
                                                              : "application/json; charset=utf-8");
    evhttp_send_reply(req, status, NULL, body);
out_free:
    if (body)
        evbuffer_free(body);
    free(text);
    intake_open311_doc_destroy(self_p);
}
