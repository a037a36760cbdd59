/* Open311 XML and JSON documents; see intake_open311_format.h. */
#include "intake_open311_format.h"

#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_MAX_DEPTH 8
#define FORMAT_NOTICE "已受理，将转交主办处室限期办理；可凭服务请求编号查询办理进度"

/* A document being built: nested objects and lists of named fields. A
 * list's children are array items in JSON and elements named by the child
 * in XML; an object's fields are members in JSON and child elements in XML.
 * A failure (out of memory, nesting too deep) is remembered, later calls
 * do nothing, and the reply becomes a 500. */

typedef struct {
    intake_open311_format_type_t type;
    bool failed;
    int depth;                       /* open containers, the root included */
    json_t *stack[FORMAT_MAX_DEPTH]; /* JSON: the open containers, root first */
    xmlBufferPtr buf;                /* XML */
    xmlTextWriterPtr writer;
} doc_t;

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

static void s_doc_destroy(doc_t **self_p);

/* A document whose root is a list (XML element, JSON array) or one object. */
static doc_t *s_doc_new(intake_open311_format_type_t type, const char *root, bool list)
{
    doc_t *self = calloc(1, sizeof(*self));
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
    s_doc_destroy(&self);
    return NULL;
}

static void s_doc_destroy(doc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    doc_t *self = *self_p;
    json_decref(self->stack[0]);
    if (self->writer)
        xmlFreeTextWriter(self->writer);
    if (self->buf)
        xmlBufferFree(self->buf);
    free(self);
    *self_p = NULL;
}

/* Adds value (stolen) to the current JSON container under name. */
static void s_json_add(doc_t *self, const char *name, json_t *value)
{
    json_t *top = self->stack[self->depth - 1];
    int rc = -1;
    if (value)
        rc = json_is_array(top) ? json_array_append_new(top, value)
                                : json_object_set_new(top, name, value);
    if (rc < 0)
        self->failed = true;
}

static void s_open(doc_t *self, const char *name, bool list)
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

static void s_object(doc_t *self, const char *name)
{
    s_open(self, name, false);
}

static void s_list(doc_t *self, const char *name)
{
    s_open(self, name, true);
}

static void s_end(doc_t *self)
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

static void s_xml_element(doc_t *self, const char *name, const char *text)
{
    char *clean = s_xml_clean(text ? text : "");
    if (!clean || xmlTextWriterWriteElement(self->writer, BAD_CAST name, BAD_CAST clean) < 0)
        self->failed = true;
    free(clean);
}

static void s_string(doc_t *self, const char *name, const char *value)
{
    if (self->failed)
        return;
    if (self->type == INTAKE_OPEN311_FORMAT_XML)
        s_xml_element(self, name, value);
    else
        s_json_add(self, name, value ? json_string(value) : json_null());
}

static void s_number(doc_t *self, const char *name, const char *text)
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

static void s_integer(doc_t *self, const char *name, long long value)
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

static void s_bool(doc_t *self, const char *name, bool value)
{
    if (self->failed)
        return;
    if (self->type == INTAKE_OPEN311_FORMAT_XML)
        s_xml_element(self, name, value ? "true" : "false");
    else
        s_json_add(self, name, json_boolean(value));
}

/* The finished document as text (malloc'ed) in *out; -1 when it failed. */
static int s_render(doc_t *self, char **out, size_t *len)
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

static void s_reply(doc_t **self_p, struct evhttp_request *req, int status)
{
    doc_t *self = *self_p;
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
    s_doc_destroy(self_p);
}

void intake_open311_format_error(struct evhttp_request *req, intake_open311_format_type_t type,
                                 int status, const char *description)
{
    doc_t *doc = s_doc_new(type, "errors", true);
    if (doc) {
        s_object(doc, "error");
        s_integer(doc, "code", status);
        s_string(doc, "description", description);
        s_end(doc);
    }
    s_reply(&doc, req, status);
}

/* ------------------------------------------------------------------------
 * The documents */

static char *s_join_keywords(const org_category_t *cat)
{
    size_t len = 1;
    for (int i = 0; i < cat->nkeywords; i++)
        len += strlen(cat->keywords[i]) + 1;
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (int i = 0; i < cat->nkeywords; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, cat->keywords[i]);
    }
    return out;
}

void intake_open311_format_services(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org)
{
    doc_t *doc = s_doc_new(type, "services", true);
    for (int i = 0; doc && i < org->ncategories; i++) {
        const org_category_t *cat = &org->categories[i];
        const org_named_t *lead = org_division_find(org, cat->lead);
        char description[256];
        snprintf(description, sizeof(description), "%s，由%s主办", cat->name,
                 lead ? lead->name : cat->lead);
        char *keywords = s_join_keywords(cat);
        s_object(doc, "service");
        s_string(doc, "service_code", cat->code);
        s_string(doc, "service_name", cat->name);
        s_string(doc, "description", description);
        s_bool(doc, "metadata", false);
        s_string(doc, "type", "realtime");
        s_string(doc, "keywords", keywords ? keywords : "");
        s_string(doc, "group", lead ? lead->name : "");
        s_end(doc);
        free(keywords);
    }
    s_reply(&doc, req, 200);
}

void intake_open311_format_service_definition(struct evhttp_request *req,
                                              intake_open311_format_type_t type, const org_t *org,
                                              const char *code)
{
    doc_t *doc = s_doc_new(type, "service_definition", false);
    if (doc) {
        s_string(doc, "service_code", code);
        s_list(doc, "attributes");
        s_object(doc, "attribute");
        s_bool(doc, "variable", true);
        s_string(doc, "code", "kind");
        s_string(doc, "datatype", "singlevaluelist");
        s_bool(doc, "required", false);
        s_string(doc, "datatype_description", "send as attribute[kind]; complaint when not given");
        s_integer(doc, "order", 1);
        s_string(doc, "description", "诉求类型");
        s_list(doc, "values");
        for (int i = 0; i < org->nkinds; i++) {
            s_object(doc, "value");
            s_string(doc, "key", org->kinds[i].code);
            s_string(doc, "name", org->kinds[i].name);
            s_end(doc);
        }
    }
    s_reply(&doc, req, 200);
}

/* Chinese status note for the public, from the case's state. */
static const char *s_status_notes(const char *state)
{
    static const char *const notes[][2] = {
        {"received", "已受理"},          {"needs_triage", "已受理，待分办"},
        {"triaged", "已受理，待转办"},   {"dispatched", "已转办"},
        {"arbitration", "督查室协调中"}, {"replied", "已办结"},
        {"informed", "已办结，已告知"},  {"closed", "已办结销号"},
        {"merged", "已并案办理"},
    };
    for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
        if (strcmp(state, notes[i][0]) == 0)
            return notes[i][1];
    return "办理中";
}

static void s_request(doc_t *doc, const org_t *org, PGresult *res, int i)
{
    const char *state = PQgetvalue(res, i, 1), *code = PQgetvalue(res, i, 2);
    const char *division = PQgetvalue(res, i, 4), *status = PQgetvalue(res, i, 10);
    const org_category_t *cat = code[0] ? org_category_find(org, code) : NULL;
    const org_named_t *agency = division[0] ? org_division_find(org, division) : NULL;
    bool closed = strcmp(state, "closed") == 0;
    s_object(doc, "request");
    s_string(doc, "service_request_id", PQgetvalue(res, i, 0));
    s_string(doc, "status", closed ? "closed" : "open");
    s_string(doc, "status_notes", s_status_notes(state));
    s_string(doc, "service_name", cat ? cat->name : "");
    s_string(doc, "service_code", code);
    s_string(doc, "description", PQgetvalue(res, i, 3));
    s_string(doc, "agency_responsible", agency ? agency->name : "");
    s_string(doc, "service_notice", "");
    s_string(doc, "requested_datetime", PQgetvalue(res, i, 5));
    s_string(doc, "updated_datetime", PQgetvalue(res, i, 6));
    s_string(doc, "expected_datetime", "");
    s_string(doc, "address", PQgetvalue(res, i, 7));
    s_string(doc, "address_id", "");
    s_string(doc, "zipcode", "");
    s_number(doc, "lat", PQgetvalue(res, i, 8));
    s_number(doc, "long", PQgetvalue(res, i, 9));
    s_string(doc, "media_url", "");
    s_object(doc, "extended_attributes");
    s_string(doc, "detailed_status", closed ? "CLOSED" : status[0] ? status : "OPEN");
    s_end(doc);
    s_end(doc);
}

void intake_open311_format_requests(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org, PGresult *res)
{
    doc_t *doc = s_doc_new(type, "service_requests", true);
    for (int i = 0; doc && i < PQntuples(res); i++)
        s_request(doc, org, res, i);
    s_reply(&doc, req, 200);
}

/* The public text of an update: what happened, never who asked. */
static void s_update_text(const org_t *org, const char *type, const char *status,
                          const char *division, char *out, size_t len)
{
    const org_named_t *div = division[0] ? org_division_find(org, division) : NULL;
    if (strcmp(type, "triaged") == 0)
        snprintf(out, len, "已分类，待转办");
    else if (strcmp(status, "INTERNAL_REFERRAL") == 0)
        snprintf(out, len, "原承办单位退回，改由%s办理", div ? div->name : "其他处室");
    else if (strcmp(type, "dispatched") == 0)
        snprintf(out, len, "已转交%s办理", div ? div->name : "主办处室");
    else if (strcmp(type, "duplicate") == 0)
        snprintf(out, len, "与已受理的案件重复，合并办理");
    else if (strcmp(type, "out_of_jurisdiction") == 0)
        snprintf(out, len, "不属本局职责范围，已告知");
    else if (strcmp(type, "replied") == 0)
        snprintf(out, len, "%s已办结", div ? div->name : "承办单位");
    else if (strcmp(type, "closed") == 0)
        snprintf(out, len, "已办结销号");
    else
        snprintf(out, len, "复查后重新办理");
}

void intake_open311_format_updates(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const org_t *org, PGresult *res)
{
    doc_t *doc = s_doc_new(type, "service_request_updates", true);
    for (int i = 0; doc && i < PQntuples(res); i++) {
        char text[256];
        s_update_text(org, PQgetvalue(res, i, 4), PQgetvalue(res, i, 2), PQgetvalue(res, i, 5),
                      text, sizeof(text));
        s_object(doc, "request_update");
        s_string(doc, "update_id", PQgetvalue(res, i, 0));
        s_string(doc, "service_request_id", PQgetvalue(res, i, 1));
        s_string(doc, "status", PQgetvalue(res, i, 2));
        s_string(doc, "updated_datetime", PQgetvalue(res, i, 3));
        s_string(doc, "description", text);
        s_string(doc, "media_url", "");
        s_end(doc);
    }
    s_reply(&doc, req, 200);
}

void intake_open311_format_created(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const char *case_number)
{
    doc_t *doc = s_doc_new(type, "service_requests", true);
    if (doc) {
        s_object(doc, "request");
        s_string(doc, "service_request_id", case_number);
        s_string(doc, "service_notice", FORMAT_NOTICE);
        s_string(doc, "account_id", NULL);
    }
    s_reply(&doc, req, 201);
}
