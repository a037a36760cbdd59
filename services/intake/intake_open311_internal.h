/* What the Open311 modules share: intake_open311.c (routing, helpers),
 * intake_open311_read.c (requests and updates, public, rate-limited),
 * intake_open311_post.c (a new request) and intake_open311_update.c (a
 * follow-up to a request, mySociety's POST Service Request Update). */
#ifndef DUBAN_INTAKE_OPEN311_INTERNAL_H
#define DUBAN_INTAKE_OPEN311_INTERNAL_H

#include "intake.h"
#include "intake_open311_format.h"

#include <event2/keyvalq_struct.h>
#include <stdint.h>

/* The one answer for an id that is not there and for a case the public may
 * not see, so that neither can be told from the other. */
#define OPEN311_UNKNOWN_ID "没有这个编号的服务请求（service_request_id），或它不公开"

/* 503 in Open311's error format, with Retry-After. */
void intake_open311_unavailable(struct evhttp_request *req, intake_open311_format_type_t fmt);

/* problem in Open311's error format (its detail as the description), with
 * Retry-After on 503. */
void intake_open311_problem(struct evhttp_request *req, intake_open311_format_type_t fmt,
                            const intake_problem_t *problem);

/* A query or form argument; NULL when absent or empty. */
const char *intake_open311_arg(struct evkeyvalq *args, const char *name);

/* True when jurisdiction (NULL: not given, which a server of one
 * jurisdiction accepts) is one of intake.open311_jurisdictions; otherwise
 * replies 404 in Open311's error format and returns false. */
bool intake_open311_jurisdiction_ok(intake_t *in, struct evhttp_request *req,
                                    intake_open311_format_type_t fmt, const char *jurisdiction);

/* Normalises a W3C date or datetime into out (len >= 40) for timestamptz: a
 * date alone is midnight China time, a time without zone is China time, and
 * a '+' that form decoding turned into a space is restored. -1 when it is
 * not one, or not a real date of the years duban takes. */
int intake_open311_w3c_time(const char *in, char *out, size_t len);

/* Decodes a form body (NUL-terminated, len bytes) into args (names decoded
 * too); the caller clears args (evhttp_clear_headers) whatever the outcome. */
typedef enum {
    OPEN311_FORM_OK,
    OPEN311_FORM_NOT_FORM,  /* not name=value pairs joined by & */
    OPEN311_FORM_NOT_UTF8,  /* a name or value that is not UTF-8, or a name over 128 bytes */
    OPEN311_FORM_NO_MEMORY,
} intake_open311_form_t;
intake_open311_form_t intake_open311_parse_form(const char *body, size_t len,
                                                struct evkeyvalq *args);

/* Checks a POSTed form's fields under their Open311 names and builds the
 * case request (*out, owned by the caller); -1 with err filled when
 * refused. */
int intake_open311_build(const org_t *org, struct evkeyvalq *args, intake_request_t **out,
                         intake_error_t *err);

/* Reads a POSTed form (application/x-www-form-urlencoded, UTF-8, at most
 * in->max_body bytes) into args and checks its jurisdiction_id. -1 after
 * replying the refusal in Open311's error format. */
int intake_open311_read_form(intake_t *in, struct evhttp_request *req,
                             intake_open311_format_type_t fmt, struct evkeyvalq *args);

/* Open311's name for a field intake_request_check named (requester.phone
 * is phone); the field itself when Open311 calls it the same. */
const char *intake_open311_field_name(const char *field);

/* Called with the client an api_key names, once it is checked: req is the
 * waiting request (its owner now), client_id and client its id and name. */
typedef void (*intake_open311_client_cb)(struct evhttp_request *req, int64_t client_id,
                                         const char *client, void *arg);

/* Looks up the client of api_key (SHA-256 in open311_clients, not revoked)
 * and calls cb; replies 403 (unknown or revoked key) or the database's
 * problem itself and then calls fail(arg) instead, so that arg is freed. */
void intake_open311_client(intake_t *in, struct evhttp_request *req,
                           intake_open311_format_type_t fmt, const char *api_key,
                           intake_open311_client_cb cb, void (*fail)(void *arg), void *arg);

typedef enum { OPEN311_READ_REQUESTS, OPEN311_READ_REQUEST, OPEN311_READ_UPDATES } open311_read_t;

/* A public read, counted against its address first (the status page's
 * limit), then answered from PostgreSQL; key is the id of requests/{id}. */
void intake_open311_read(intake_t *in, struct evhttp_request *req, intake_open311_format_type_t fmt,
                         open311_read_t kind, const char *key, const char *query);

/* POST requests.{fmt}: checks the client's api_key and files the case. */
void intake_open311_post(intake_t *in, struct evhttp_request *req,
                         intake_open311_format_type_t fmt);

/* POST servicerequestupdates.{fmt}: a follow-up to a case the client filed. */
void intake_open311_post_update(intake_t *in, struct evhttp_request *req,
                                intake_open311_format_type_t fmt);

int intake_open311_read_prepare(pg_t *pg);
int intake_open311_update_prepare(pg_t *pg);

#endif
