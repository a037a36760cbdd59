/* What intake_open311.c and intake_open311_post.c share. */
#ifndef DUBAN_INTAKE_OPEN311_INTERNAL_H
#define DUBAN_INTAKE_OPEN311_INTERNAL_H

#include "intake.h"
#include "intake_open311_format.h"

#include <event2/keyvalq_struct.h>

/* 503 in Open311's error format, with Retry-After. */
void intake_open311_unavailable(struct evhttp_request *req, intake_open311_format_type_t fmt);

/* problem in Open311's error format (its detail as the description), with
 * Retry-After on 503. */
void intake_open311_problem(struct evhttp_request *req, intake_open311_format_type_t fmt,
                            const intake_problem_t *problem);

/* A query or form argument; NULL when absent or empty. */
const char *intake_open311_arg(struct evkeyvalq *args, const char *name);

/* POST requests.{fmt}: checks the client's api_key and files the case. */
void intake_open311_post(intake_t *in, struct evhttp_request *req,
                         intake_open311_format_type_t fmt);

#endif
