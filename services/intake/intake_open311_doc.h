/* Open311 documents in the two formats GeoReport v2 speaks: XML (written
 * with libxml2's xmlTextWriter, so the library escapes every value) and
 * JSON (jansson), with their content types:
 *
 *   XML  <service_requests><request><service_request_id>DB..</...></request></service_requests>
 *   JSON [{"service_request_id": "DB.."}]
 *
 * A document is described once, as nested objects and lists of named
 * fields, and written in either format. A value that is absent (NULL) is
 * JSON's null and an empty element in XML. Text is UTF-8; characters XML
 * 1.0 forbids (C0 controls but tab, LF and CR) are dropped, so the XML is
 * always well-formed. A failure while building (out of memory, nesting
 * too deep) is remembered, later calls do nothing, and the reply becomes a
 * plain 500. */
#ifndef DUBAN_INTAKE_OPEN311_DOC_H
#define DUBAN_INTAKE_OPEN311_DOC_H

#include <stdbool.h>

struct evhttp_request;

typedef enum { INTAKE_OPEN311_FORMAT_XML, INTAKE_OPEN311_FORMAT_JSON } intake_open311_format_type_t;

typedef struct intake_open311_doc intake_open311_doc_t;

/* A document whose root (named root in XML) is a list (XML element, JSON
 * array) or one object. NULL when out of memory. */
intake_open311_doc_t *intake_open311_doc_new(intake_open311_format_type_t type, const char *root,
                                             bool list);
void intake_open311_doc_destroy(intake_open311_doc_t **self_p);

/* Opens an object or a list named name inside the current container (a
 * list's children are array items in JSON and elements named by the child
 * in XML); intake_open311_doc_end closes it. */
void intake_open311_doc_object(intake_open311_doc_t *self, const char *name);
void intake_open311_doc_list(intake_open311_doc_t *self, const char *name);
void intake_open311_doc_end(intake_open311_doc_t *self);

/* Fields of the current container. A string NULL is absent; a number is
 * given as text and is absent when empty or not a number. */
void intake_open311_doc_string(intake_open311_doc_t *self, const char *name, const char *value);
void intake_open311_doc_number(intake_open311_doc_t *self, const char *name, const char *text);
void intake_open311_doc_integer(intake_open311_doc_t *self, const char *name, long long value);
void intake_open311_doc_bool(intake_open311_doc_t *self, const char *name, bool value);

/* Sends the document (or a 500 when it failed) with status and its content
 * type, and destroys it. Exactly one reply. */
void intake_open311_doc_reply(intake_open311_doc_t **self_p, struct evhttp_request *req,
                              int status);

#endif
