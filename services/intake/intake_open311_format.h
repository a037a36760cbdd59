/* Open311 documents in the two formats GeoReport v2 speaks: XML (written
 * with libxml2's xmlTextWriter, so the library escapes every value) and
 * JSON (jansson), with their content types:
 *
 *   XML  <service_requests><request><service_request_id>DB..</...></request></service_requests>
 *   JSON [{"service_request_id": "DB.."}]
 *
 * Each document is described once and written in either format. Text is
 * UTF-8; characters XML 1.0 forbids (C0 controls but tab, LF and CR) are
 * dropped, so the XML is always well-formed. Every function sends exactly
 * one reply: the document, or a plain 500 when it could not be built. The
 * documents are public: they never carry a requester's name, phone or
 * e-mail (the queries do not select them). */
#ifndef DUBAN_INTAKE_OPEN311_FORMAT_H
#define DUBAN_INTAKE_OPEN311_FORMAT_H

#include "org.h"

#include <libpq-fe.h>

struct evhttp_request;

typedef enum { INTAKE_OPEN311_FORMAT_XML, INTAKE_OPEN311_FORMAT_JSON } intake_open311_format_type_t;

/* The services: one per category of org (code, Chinese name, description,
 * metadata false, type realtime, keywords joined by commas, group = the
 * lead division's name). */
void intake_open311_format_services(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org);

/* The definition of service code (a category of org): its one optional
 * attribute, attribute[kind], with org's kinds as values. */
void intake_open311_format_service_definition(struct evhttp_request *req,
                                              intake_open311_format_type_t type, const org_t *org,
                                              const char *code);

/* Service requests, one per row of res, whose text columns are: case
 * number, state, category ("" none), description, lead division code ("" none),
 * requested and updated datetimes, place, latitude, longitude ("" none) and
 * the mySociety status of the latest event ("" none). */
void intake_open311_format_requests(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org, PGresult *res);

/* Service request updates, one per row of res: event id, case number,
 * mySociety status, datetime, event type and division code ("" none). */
void intake_open311_format_updates(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const org_t *org, PGresult *res);

/* 201 for a new case: a list of one (service_request_id, service_notice,
 * account_id). */
void intake_open311_format_created(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const char *case_number);

/* Open311's error list with one error: code (the HTTP status, also sent
 * as the status) and description. */
void intake_open311_format_error(struct evhttp_request *req, intake_open311_format_type_t type,
                                 int status, const char *description);

#endif
