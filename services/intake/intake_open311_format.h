/* Open311 documents in the two formats GeoReport v2 speaks: XML (written
 * with libxml2's xmlTextWriter, so every value is escaped by the library)
 * and JSON (jansson). The caller describes a document once, as nested
 * objects and lists of named fields, and the same calls produce either
 * format:
 *
 *   XML  <service_requests><request><service_request_id>DB..</...></request></service_requests>
 *   JSON [{"service_request_id": "DB.."}]
 *
 * A list's children are array items in JSON and elements named by the child
 * in XML; an object's fields are members in JSON and child elements in XML.
 * Text is UTF-8; characters XML 1.0 forbids (C0 controls but tab, LF and CR)
 * are dropped so that the document is always well-formed. A failure while
 * building (out of memory, nesting too deep) is remembered and turns the
 * reply into a 500. */
#ifndef DUBAN_INTAKE_OPEN311_FORMAT_H
#define DUBAN_INTAKE_OPEN311_FORMAT_H

#include <stdbool.h>

struct evhttp_request;

typedef enum { INTAKE_OPEN311_FORMAT_XML, INTAKE_OPEN311_FORMAT_JSON } intake_open311_format_type_t;

typedef struct intake_open311_format intake_open311_format_t;

/* A new document whose root is a list (list = true: XML element root, JSON
 * array) or one object (XML element root, JSON object). Returns NULL when
 * out of memory. */
intake_open311_format_t *intake_open311_format_new(intake_open311_format_type_t type,
                                                   const char *root, bool list);

void intake_open311_format_destroy(intake_open311_format_t **self_p);

/* Opens an object named name inside the current object or list. */
void intake_open311_format_object(intake_open311_format_t *self, const char *name);

/* Opens a list named name inside the current object. */
void intake_open311_format_list(intake_open311_format_t *self, const char *name);

/* Closes the innermost open object or list. */
void intake_open311_format_end(intake_open311_format_t *self);

/* A text field; NULL is an empty element in XML and null in JSON. */
void intake_open311_format_string(intake_open311_format_t *self, const char *name,
                                  const char *value);

/* A number given as text (as PostgreSQL prints it); NULL or "" is an empty
 * element in XML and null in JSON. */
void intake_open311_format_number(intake_open311_format_t *self, const char *name,
                                  const char *text);

void intake_open311_format_integer(intake_open311_format_t *self, const char *name,
                                   long long value);

void intake_open311_format_bool(intake_open311_format_t *self, const char *name, bool value);

/* Sends the document with HTTP status and the format's content type, then
 * destroys it (nulls *self_p). Exactly one reply is sent, a 500 when the
 * document could not be built. */
void intake_open311_format_reply(intake_open311_format_t **self_p, struct evhttp_request *req,
                                 int status);

/* Sends Open311's error list with one error: code (the HTTP status) and
 * description. */
void intake_open311_format_error(struct evhttp_request *req, intake_open311_format_type_t type,
                                 int status, const char *description);

#endif
