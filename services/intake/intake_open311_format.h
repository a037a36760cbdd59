/* The Open311 documents intake answers with (GeoReport v2 and mySociety's
 * service request updates), in XML or JSON through intake_open311_doc.h.
 * Every function sends exactly one reply. The documents are public: they
 * never carry a requester's name, phone or e-mail (the queries do not
 * select them), nor a text written for staff only. */
#ifndef DUBAN_INTAKE_OPEN311_FORMAT_H
#define DUBAN_INTAKE_OPEN311_FORMAT_H

#include "intake_open311_doc.h"
#include "org.h"

#include <libpq-fe.h>

/* The services: one per category of org (code, Chinese name, description,
 * metadata true when it has attributes (every service: attribute[kind]),
 * type realtime, keywords joined by commas, group = the lead division's
 * name). */
void intake_open311_format_services(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org);

/* The definition of category cat: attribute[kind] (org's kinds), then the
 * category's attributes from the org file, in order, with their datatype,
 * whether required, a Chinese description and the values of lists. */
void intake_open311_format_service_definition(struct evhttp_request *req,
                                              intake_open311_format_type_t type, const org_t *org,
                                              const org_category_t *cat);

/* The columns intake_open311_format_requests reads, all text. */
enum {
    OPEN311_REQ_NUMBER,
    OPEN311_REQ_STATE,
    OPEN311_REQ_CATEGORY, /* "" when not yet known */
    OPEN311_REQ_DESCRIPTION,
    OPEN311_REQ_DIVISION,  /* the lead division's code, "" none */
    OPEN311_REQ_REQUESTED, /* W3C datetime with its zone */
    OPEN311_REQ_UPDATED,
    OPEN311_REQ_PLACE, /* "" none */
    OPEN311_REQ_LAT,   /* "" none */
    OPEN311_REQ_LONG,
    OPEN311_REQ_STATUS,      /* mySociety status of the latest event, "" none */
    OPEN311_REQ_EXPECTED,    /* the open lead task's completion deadline, "" none */
    OPEN311_REQ_MERGED_INTO, /* the public case it was merged into, "" none */
};

/* Service requests, one per row of res (the columns above), at most limit
 * of them (a row beyond says the list goes on: the caller links it). */
void intake_open311_format_requests(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org, PGresult *res, int limit);

/* The columns intake_open311_format_updates reads, all text. */
enum {
    OPEN311_UPD_ID,
    OPEN311_UPD_NUMBER,
    OPEN311_UPD_STATUS,      /* mySociety's: IN_PROGRESS, FIXED, DUPLICATE ... */
    OPEN311_UPD_AT,          /* W3C datetime with its zone */
    OPEN311_UPD_TYPE,        /* the case event's type */
    OPEN311_UPD_DIVISION,    /* code, "" none */
    OPEN311_UPD_RESULT,      /* a reply's public part, "" none */
    OPEN311_UPD_MERGED_INTO, /* duplicate: the public case it joined, "" none */
    OPEN311_UPD_DUE,         /* completion date in Chinese (2017年3月9日), "" none */
};

/* Service request updates, one per row of res (the columns above), at most
 * limit of them, each with a Chinese description of what happened. */
void intake_open311_format_updates(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const org_t *org, PGresult *res, int limit);

/* 201 for a new case: a list of one (service_request_id, service_notice,
 * account_id). */
void intake_open311_format_created(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const char *case_number);

/* The answer to a posted update: a list of one request_update with duban's
 * own update_id (status 201 when stored now, 200 when it was stored
 * before under the same client update_id). */
void intake_open311_format_update_stored(struct evhttp_request *req,
                                         intake_open311_format_type_t type, int status,
                                         const char *update_id);

/* Open311's error list with one error: code (the HTTP status, also sent
 * as the status) and description. */
void intake_open311_format_error(struct evhttp_request *req, intake_open311_format_type_t type,
                                 int status, const char *description);

#endif
