/* What the work items' public modules share: intake_workitems_public.c
 * (routing, the rate limit, the reads and their replies) and
 * intake_workitems_evaluate.c (the public evaluation of an item: its form
 * or body checked, its storing and what came of it). */
#ifndef DUBAN_INTAKE_WORKITEMS_PUBLIC_INTERNAL_H
#define DUBAN_INTAKE_WORKITEMS_PUBLIC_INTERNAL_H

#include "intake.h"
#include "intake_workitems_public.h"

#include <event2/http.h>
#include <libpq-fe.h>
#include <stdbool.h>

typedef enum { WP_INDEX, WP_PROBLEMS, WP_RECTIFICATION, WP_PLAN, WP_ITEM, WP_EVALUATE } wp_what_t;

typedef struct {
    intake_t *in;
    http_held_t *held;
    wp_what_t what;
    bool json;
    int page; /* 0-based */
    char number[40];
    char plan[64];
    char division[64];
    char rating[16];
    char *comment;
    const char *field; /* the evaluation's error: its field */
    char error[200];   /* "" none */
    char peer[64];
} wp_req_t;

int intake_workitems_public_evaluation_prepare(pg_t *pg);

/* Reads the evaluation (the form's fields or the JSON body) into p's
 * rating and comment, or why it is refused into p->error and p->field. */
void intake_workitems_public_evaluation_read(wp_req_t *p, struct evhttp_request *req);

/* Adds to txn the statement that stores p's evaluation; pg_txn_add's
 * answer. */
int intake_workitems_public_evaluation_add(wp_req_t *p, pg_txn_t *txn);

/* The reply's status from the result ev of that statement: 201 with
 * *notice when stored, 409 with p->error when this visitor evaluated the
 * item this month, 200 when there is no such item (its read finds none). */
int intake_workitems_public_evaluation_outcome(wp_req_t *p, PGresult *ev, const char **notice);

#endif
