/* The problems intake answers with when it cannot do what was asked: every
 * failure of PostgreSQL mapped in one place from its SQLSTATE class, and the
 * few fixed refusals of a submission. A caller never reads PostgreSQL's own
 * text (constraint names, values, internals): that goes to the log. Titles
 * and details are Chinese, since the public reads them. */
#ifndef DUBAN_INTAKE_PROBLEM_H
#define DUBAN_INTAKE_PROBLEM_H

#include "intake_request.h"
#include "pg.h"

#include <stdbool.h>

struct evhttp_request;

typedef struct {
    int status;         /* HTTP status */
    const char *title;  /* short, Chinese */
    const char *detail; /* what happened and what to do, Chinese */
} intake_problem_t;

/* Whether the failed transaction wrote (a submission: nothing was stored)
 * or only read (a lookup). */
typedef enum { INTAKE_PROBLEM_WRITE, INTAKE_PROBLEM_READ } intake_problem_op_t;

/* The database cannot be reached: 503, retry in a moment. */
extern const intake_problem_t INTAKE_PROBLEM_UNAVAILABLE;
/* Too many submissions already waiting for the database: 503, retry. */
extern const intake_problem_t INTAKE_PROBLEM_BUSY;
/* Out of memory or a state that should not happen: 500. */
extern const intake_problem_t INTAKE_PROBLEM_INTERNAL;
/* An Idempotency-Key already used by this client for another body: 409. */
extern const intake_problem_t INTAKE_PROBLEM_KEY_REUSED;
/* Nobody on the roster to be the case's first responder: 500. */
extern const intake_problem_t INTAKE_PROBLEM_NO_ACCEPTOR;

/* The problem for a failure with this SQLSTATE (NULL when none is known):
 * class 22 (data exception) 400, class 23 (integrity) 409, a lost
 * connection, class 08, 40001, 40P01, 53 and 57P0x 503, anything else 500.
 * Pure: no logging. */
const intake_problem_t *intake_problem_of_sqlstate(const char *sqlstate, bool connection_lost,
                                                   intake_problem_op_t op);

/* The problem for the failed transaction txn; logs one line naming what
 * failed (e.g. "insert case"), the SQLSTATE and PostgreSQL's text. Never
 * NULL. */
const intake_problem_t *intake_problem_of_txn(pg_txn_t *txn, intake_problem_op_t op,
                                              const char *what);

/* A refused submission as the public reads it: the validator's error
 * (intake_request.c, written for staff in English) said in Chinese. */
typedef struct {
    int status;
    char title[64];
    char detail[256]; /* fits intake_error_t's */
} intake_refusal_t;

/* Describes err in Chinese into out, naming the field as field (the name
 * the caller sent it under, e.g. Open311's "phone" for requester.phone;
 * err->field when NULL); keeps err's status and the facts its detail holds
 * (a length limit, a character's code point). */
void intake_problem_describe(const intake_error_t *err, const char *field, intake_refusal_t *out);

/* Replies problem as application/problem+json, with Retry-After on 503. */
void intake_problem_reply(struct evhttp_request *req, const intake_problem_t *problem);

#endif
